"""Tests of relgraph.tasks.pquery.resolve: task types and every semantic error, with positions."""

import pyarrow as pa
import pytest

from relgraph.schema import Schema
from relgraph.tasks import PQueryError, PredictiveQuery, TaskType
from relgraph.tasks.pquery.resolve import ValueKind
from tests.tasks.shop import shop_data, shop_schema


@pytest.fixture
def schema() -> Schema:
    return shop_schema()


@pytest.mark.parametrize(
    ("text", "task_type"),
    [
        ("PREDICT COUNT(orders.*, 0, 30) FOR EACH customers.customer_id", TaskType.REGRESSION),
        ("PREDICT SUM(orders.amount, 0, 30) FOR EACH customers.customer_id", TaskType.REGRESSION),
        (
            "PREDICT AVG(orders.product_id.price, 0, 30) FOR EACH customers.customer_id",
            TaskType.REGRESSION,
        ),
        (
            "PREDICT COUNT_DISTINCT(orders.product_id, 0, 30) FOR EACH customers.customer_id",
            TaskType.REGRESSION,
        ),
        ("PREDICT MAX(orders.amount, 0, 30) FOR EACH customers.customer_id", TaskType.REGRESSION),
        (
            "PREDICT COUNT(orders.*, 0, 30) > 0 FOR EACH customers.customer_id",
            TaskType.BINARY_CLASSIFICATION,
        ),
        (
            "PREDICT COUNT(orders.*, 0, 30) = 0 FOR EACH customers.customer_id",
            TaskType.BINARY_CLASSIFICATION,
        ),
        (
            "PREDICT LAST(orders.status, 0, 30) IN ('done') FOR EACH customers.customer_id",
            TaskType.BINARY_CLASSIFICATION,
        ),
        (
            "PREDICT AVG(orders.amount, 0, 30) IS NULL FOR EACH customers.customer_id",
            TaskType.BINARY_CLASSIFICATION,
        ),
        (
            "PREDICT customers.segment = 'a' FOR EACH customers.customer_id",
            TaskType.BINARY_CLASSIFICATION,
        ),
        (
            "PREDICT FIRST(orders.status, 0, 30) FOR EACH customers.customer_id",
            TaskType.MULTICLASS_CLASSIFICATION,
        ),
        (
            "PREDICT MIN(orders.product_id.category, 0, 30) FOR EACH customers.customer_id",
            TaskType.MULTICLASS_CLASSIFICATION,
        ),
        (
            "PREDICT customers.segment FOR EACH customers.customer_id",
            TaskType.MULTICLASS_CLASSIFICATION,
        ),
        (
            "PREDICT LIST_DISTINCT(orders.product_id.category, 0, 30) FOR EACH customers.customer_id",
            TaskType.MULTILABEL_CLASSIFICATION,
        ),
        (
            "PREDICT LIST_DISTINCT(orders.product_id, 0, 30) RANK TOP 3 FOR EACH customers.customer_id",
            TaskType.LINK_PREDICTION,
        ),
        (
            "PREDICT LIST_DISTINCT(orders.product_id.product_id, 0, 30) RANK TOP 3 FOR EACH customers.customer_id",
            TaskType.LINK_PREDICTION,
        ),
    ],
)
def test_task_type_comes_from_the_target(schema: Schema, text: str, task_type: TaskType) -> None:
    assert PredictiveQuery(text).task_type(schema) is task_type


def test_a_resolved_query_names_windows_and_link_table(schema: Schema) -> None:
    resolved = PredictiveQuery(
        "PREDICT LIST_DISTINCT(orders.product_id, 0, 30) RANK TOP 3 FOR EACH customers.customer_id "
        "WHERE COUNT(orders.*, -30, 0) > 0"
    ).resolve(schema)
    assert resolved.is_temporal
    assert (resolved.target_window.start, resolved.target_window.end) == (0, 30)
    assert (resolved.link_table, resolved.rank_top) == ("products", 3)
    assert resolved.target_kind is ValueKind.LIST
    assert (resolved.entity_table, resolved.entity_column) == ("customers", "customer_id")


def test_explain_says_what_will_be_predicted(schema: Schema) -> None:
    text = PredictiveQuery(
        "PREDICT LIST_DISTINCT(orders.product_id, 0, 7) RANK TOP 5 FOR EACH customers.customer_id"
    ).explain(schema)
    assert "task type: link_prediction" in text
    assert "ranks:     ids of 'products', top 5" in text
    assert "metrics:   map@5" in text
    assert "window:    (anchor + 0, anchor + 7] days" in text
    static = PredictiveQuery("PREDICT customers.vip = TRUE FOR EACH customers.customer_id").explain(
        schema
    )
    assert "window:    none (static target; random split)" in static
    assert "target:    label (0/1)" in static


C = "FOR EACH customers.customer_id"
ERRORS = [
    (f"PREDICT COUNT(shops.*, 0, 1) {C}", "unknown table 'shops'", "shops.*"),
    ("PREDICT customers.segment FOR EACH clients.id", "unknown table 'clients'", "clients.id"),
    (
        "PREDICT customers.segment FOR EACH customers.name",
        "'name' is not the primary key of 'customers' \\(it is 'customer_id'\\)",
        "customers.name",
    ),
    (
        "PREDICT customers.segment FOR EACH customers.nope",
        "table 'customers' has no column 'nope'",
        "customers.nope",
    ),
    (f"PREDICT customers.nope {C}", "table 'customers' has no column 'nope'", "customers.nope"),
    (
        f"PREDICT SUM(orders.amount.x, 0, 1) {C}",
        "'amount' is not a foreign key of 'orders'",
        "orders.amount.x",
    ),
    (
        f"PREDICT SUM(orders.product_id.nope, 0, 1) {C}",
        "table 'products' has no column 'nope'",
        "orders.product_id.nope",
    ),
    (f"PREDICT COUNT(products.*, 0, 1) {C}", "table 'products' has no time", "COUNT(products"),
    (
        "PREDICT COUNT(orders.*, 0, 1) FOR EACH products.product_id WHERE COUNT(logins.*, 0, 1) > 0",
        "table 'logins' has no foreign key to the entity table 'products'",
        "COUNT(logins",
    ),
    (
        f"PREDICT COUNT(orders.*, -30, 0) {C}",
        "the target window \\(-30, 0\\] ends at or before the anchor time",
        "COUNT(orders.*, -30",
    ),
    (
        f"PREDICT orders.amount {C}",
        "'orders.amount' is not a column of the entity table 'customers'",
        "orders.amount",
    ),
    (f"PREDICT customers.* {C}", "the target must be a value", "customers.*"),
    (
        f"PREDICT customers.segment {C} WHERE customers.* IS NULL",
        "'customers.\\*' can only be counted",
        "customers.* IS",
    ),
    (
        f"PREDICT customers.segment {C} WHERE orders.amount > 3",
        "'orders.amount' is not a column of the entity table",
        "orders.amount >",
    ),
    (
        f"PREDICT COUNT(orders.* WHERE customers.segment = 'a', 0, 1) {C}",
        "'customers.segment' is not a column of 'orders'",
        "customers.segment = 'a'",
    ),
    (
        f"PREDICT SUM(orders.status, 0, 1) {C}",
        "SUM needs a numeric column, 'status' is category",
        "SUM(",
    ),
    (f"PREDICT AVG(orders.product_id.category, 0, 1) {C}", "AVG needs a numeric column", "AVG("),
    (f"PREDICT customers.name {C}", "the target is free text", "customers.name"),
    (f"PREDICT customers.since {C}", "the target is a datetime", "customers.since"),
    (f"PREDICT MAX(orders.ts, 0, 1) {C}", "the target is a datetime", "MAX("),
    (
        f"PREDICT LIST_DISTINCT(orders.status, 0, 1) RANK TOP 3 {C}",
        "'orders.status' is neither a foreign nor a primary key",
        "orders.status",
    ),
    (
        f"PREDICT customers.segment {C} WHERE COUNT(orders.*, -30, 0) > 0",
        "the target is a static column",
        "COUNT(orders.*, -30",
    ),
    (
        f"PREDICT COUNT(orders.*, 0, 1) > 'many' {C}",
        "'COUNT\\(orders.\\*, 0, 1, days\\)' is numeric, but is compared with 'many'",
        "'many'",
    ),
    (
        f"PREDICT customers.segment {C} WHERE customers.since > 'yesterday'",
        "is a datetime; compare it with a date",
        "'yesterday'",
    ),
    (
        f"PREDICT customers.segment {C} WHERE customers.since > 3",
        "is a datetime; compare it with a date",
        "3",
    ),
    (
        f"PREDICT customers.segment {C} WHERE customers.name = 3",
        "'customers.name' is text, but is compared with 3",
        "3",
    ),
    (
        f"PREDICT customers.segment {C} WHERE customers.segment = 1.5",
        "is categorical, but is compared with 1.5",
        "1.5",
    ),
    (
        f"PREDICT customers.segment {C} WHERE 1 = 1",
        "the comparison is between two constants",
        "1 = 1",
    ),
    (
        f"PREDICT customers.segment {C} WHERE customers.since = customers.segment",
        "cannot compare datetime 'customers.since' with categorical",
        "customers.since =",
    ),
    (
        f"PREDICT COUNT(orders.*, 0, 3) {C} WHERE LIST_DISTINCT(orders.status, 0, 3) = 'x'",
        "is a list; lists are predicted with RANK TOP k",
        "'x'",
    ),
]


@pytest.mark.parametrize(("text", "message", "marker"), ERRORS)
def test_errors_point_at_their_cause(schema: Schema, text: str, message: str, marker: str) -> None:
    """``marker``: the text the error points at (its last occurrence in the query)."""
    with pytest.raises(PQueryError, match=message) as info:
        PredictiveQuery(text).resolve(schema)
    assert (info.value.line, info.value.column) == (1, text.rindex(marker) + 1)


def test_entity_table_without_primary_key(schema: Schema) -> None:
    schema.table("products").set_primary_key(None)
    schema.table("orders").remove_foreign_key("product_id")
    with pytest.raises(PQueryError, match="entity table 'products' has no primary key"):
        PredictiveQuery("PREDICT products.price FOR EACH products.product_id").resolve(schema)


def test_two_foreign_keys_to_the_entity_are_ambiguous(schema: Schema) -> None:
    schema.table("orders").add_column("gift_for", "integer")
    schema.table("orders").add_foreign_key("gift_for", "customers.customer_id")
    with pytest.raises(
        PQueryError,
        match="references 'customers' through several foreign keys \\['customer_id', 'gift_for'\\]",
    ):
        PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 1) {C}").resolve(schema)


def test_multi_categorical_columns_are_only_counted(schema: Schema) -> None:
    schema.table("orders").add_column("tags", "multi_categorical")
    assert (
        PredictiveQuery(f"PREDICT COUNT(orders.tags, 0, 1) {C}").task_type(schema)
        is TaskType.REGRESSION
    )
    with pytest.raises(PQueryError, match="'tags' is multi_categorical; it can only be counted"):
        PredictiveQuery(f"PREDICT FIRST(orders.tags, 0, 1) {C}").task_type(schema)


@pytest.mark.parametrize(
    ("where", "message"),
    [
        ("customers.vip = 1", "holds true/false, but is compared with 1"),
        ("customers.segment IN ('a', 2)", "holds text, but is compared with 2"),
        ("FIRST(orders.product_id.category, 0, 3) = 4", "holds text, but is compared with 4"),
        ("customers.vip IN (TRUE, 'x')", "holds true/false, but is compared with 'x'"),
    ],
)
def test_constants_are_checked_against_stored_types(
    schema: Schema, where: str, message: str
) -> None:
    query = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 3) {C} WHERE {where}")
    query.resolve(schema)  # the schema alone cannot tell
    with pytest.raises(PQueryError, match=message):
        query.resolve(schema, shop_data())


def test_stored_integer_category_rejects_text(schema: Schema) -> None:
    data = shop_data()
    data["customers"] = data["customers"].set_column(2, "segment", pa.array([1, 2, 1, None]))
    with pytest.raises(PQueryError, match="holds numbers, but is compared with 'a'"):
        PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 3) {C} WHERE customers.segment = 'a'").resolve(
            schema, data
        )
