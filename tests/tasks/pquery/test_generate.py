"""Tests of what predictive queries compute, on a tiny shop (anchor time 2021-01-10)."""

import datetime as dt

import duckdb
import pyarrow as pa
import pytest

from relgraph.schema import Schema
from relgraph.tasks import (
    ANCHOR_TIME,
    PredictiveQuery,
    RandomSplit,
    TaskError,
    TemporalSplit,
    description,
)

T = dt.datetime(2021, 1, 10)
C = "FOR EACH customers.customer_id"
Shop = tuple[Schema, dict[str, pa.Table]]


def at(shop: Shop, text: str, *anchors: dt.datetime, cutoff: str | None = None) -> list[tuple]:
    schema, data = shop
    table = PredictiveQuery(text).table_at(schema, data, anchors or [T], cutoff=cutoff)
    return [tuple(row.values()) for row in table.to_pylist()]


def labels(shop: Shop, text: str, **kwargs: object) -> dict[int, object]:
    return {row[0]: row[-1] for row in at(shop, text, **kwargs)}


def test_windows_exclude_their_start_and_include_their_end(shop: Shop) -> None:
    # order 1 is exactly at the anchor, order 3 exactly at anchor + 5 days, order 4 one second later
    assert labels(shop, f"PREDICT COUNT(orders.*, 0, 5) {C}") == {1: 3.0, 2: 1.0, 3: 0.0, 4: 0.0}


def test_rows_are_entity_key_anchor_time_and_label(shop: Shop) -> None:
    schema, data = shop
    table = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C}").table_at(schema, data, [T])
    assert table.column_names == ["customer_id", ANCHOR_TIME, "label"]
    assert table.schema.field(ANCHOR_TIME).type == pa.timestamp("us")
    assert table.schema.field("label").type == pa.float64()
    assert table[ANCHOR_TIME].to_pylist() == [T] * 4


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("COUNT(orders.amount, 0, 5)", {1: 3.0, 2: 0.0, 3: 0.0, 4: 0.0}),
        ("COUNT_DISTINCT(orders.product_id, 0, 5)", {1: 3.0, 2: 1.0, 3: 0.0, 4: 0.0}),
        ("SUM(orders.amount, 0, 5)", {1: 29.0, 2: 0.0, 3: 0.0, 4: 0.0}),
        ("AVG(orders.amount, 0, 5)", {1: 29.0 / 3}),
        ("MAX(orders.amount, 0, 5)", {1: 20.0}),
        ("MIN(orders.product_id.price, 0, 5)", {1: 2.0, 2: 2.0}),
        ("FIRST(orders.product_id.category, 0, 5)", {1: "food", 2: "food"}),
        ("LAST(orders.product_id.category, 0, 5)", {1: "toys", 2: "food"}),
        ("LAST(orders.amount, 0, 5)", {1: 5.0}),
        (
            "LIST_DISTINCT(orders.product_id.category, 0, 5)",
            {1: ["food", "toys"], 2: ["food"], 3: [], 4: []},
        ),
        ("LIST_DISTINCT(orders.product_id, 0, 5) RANK TOP 2", {1: [10, 11, 12], 2: [11]}),
        ("COUNT(orders.* WHERE orders.status = 'cancelled', 0, 5) > 0", {1: 1, 2: 0, 3: 0, 4: 0}),
        (
            "COUNT(orders.* WHERE orders.product_id.category IN ('toys'), 0, 5) >= 2",
            {1: 1, 2: 0, 3: 0, 4: 0},
        ),
        ("AVG(orders.amount, 0, 5) > 5", {1: 1, 2: 0, 3: 0, 4: 0}),
        ("AVG(orders.amount, 0, 5) IS NULL", {1: 0, 2: 1, 3: 1, 4: 1}),
        ("COUNT(orders.*, 0, 48, hours)", {1: 2.0, 2: 1.0, 3: 0.0, 4: 0.0}),
        ("COUNT(orders.*, 1, 2, months)", {1: 0.0, 2: 0.0, 3: 0.0, 4: 1.0}),
    ],
)
def test_aggregations(shop: Shop, target: str, expected: dict) -> None:
    """Over a window without rows, counts and sums are 0, other values missing (the example
    is left out, or for a comparison the test is false); FIRST and LAST break time ties by
    row order and skip missing values."""
    assert labels(shop, f"PREDICT {target} {C}") == expected


@pytest.mark.parametrize(
    ("where", "kept"),
    [
        ("COUNT(orders.*, 0, 5) > 0", [1, 2]),
        ("NOT COUNT(orders.*, 0, 5) = 0", [1, 2]),
        ("COUNT(orders.*, -30, 0) > 0", [1, 3]),
        ("customers.segment IN ('a')", [1, 3]),
        ("customers.segment NOT IN ('a')", [2]),
        ("customers.segment IS NULL", [4]),
        ("NOT customers.segment = 'a'", [2, 4]),
        ("customers.segment = 'b' OR customers.vip = TRUE", [1, 2, 4]),
        ("customers.since > '2020-06-01' AND customers.since <= '2021-01-01'", [2, 3]),
        ("AVG(orders.amount, 0, 5) > 5", [1]),
        ("NOT AVG(orders.amount, 0, 5) > 5", [2, 3, 4]),
        ("MAX(orders.amount, 0, 5) > AVG(orders.amount, -30, 5)", [1]),
    ],
)
def test_filters(shop: Shop, where: str, kept: list[int]) -> None:
    """A comparison with a missing value is false, so NOT of it is true."""
    assert sorted(labels(shop, f"PREDICT COUNT(orders.*, 0, 5) {C} WHERE {where}")) == kept


def test_orders_of_unknown_customers_make_no_example(shop: Shop) -> None:
    rows = at(
        shop,
        "PREDICT COUNT(orders.*, 0, 5) FOR EACH customers.customer_id WHERE COUNT(orders.*, 0, 5) > 0",
    )
    assert 99 not in {row[0] for row in rows}


def test_a_temporal_entity_exists_from_its_time_on(shop: Shop) -> None:
    rows = at(
        shop,
        "PREDICT COUNT(logins.*, 0, 10) FOR EACH accounts.account_id",
        T,
        dt.datetime(2021, 2, 1),
    )
    assert rows == [
        (100, T, 0.0),
        (100, dt.datetime(2021, 2, 1), 1.0),
        (101, dt.datetime(2021, 2, 1), 1.0),
    ]


def test_cutoff_hides_later_rows(shop: Shop) -> None:
    assert labels(shop, f"PREDICT COUNT(orders.*, 0, 5) {C}", cutoff="2021-01-11") == {
        1: 0.0,
        2: 1.0,
        3: 0.0,
        4: 0.0,
    }


def test_temporal_split_cuts_train_and_validation_data_at_the_test_time(shop: Shop) -> None:
    schema, data = shop
    query = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 6) {C} WHERE COUNT(orders.*, 0, 6) > 0")
    tables = query.generate(schema, data, TemporalSplit("2021-01-10", "2021-01-15", step="5 days"))
    val = tables["validation"].to_pylist()
    # order 4 (customer 2, one second after the test time) is inside the validation window
    # (2021-01-10, 2021-01-16] but after the cut, so validation does not count it ...
    assert [(r["customer_id"], r["label"]) for r in val] == [(1, 3.0), (2, 1.0)]
    assert labels(shop, f"PREDICT COUNT(orders.*, 0, 6) {C}")[2] == 2.0
    # ... and the test split, which sees all data, does
    first_test = [
        r for r in tables["test"].to_pylist() if r[ANCHOR_TIME] == dt.datetime(2021, 1, 15)
    ]
    assert [(r["customer_id"], r["label"]) for r in first_test] == [(2, 1.0)]
    anchors = {split: sorted(set(t[ANCHOR_TIME].to_pylist())) for split, t in tables.items()}
    assert anchors["validation"] == [T]
    assert max(anchors["train"]) < T and min(anchors["test"]) == dt.datetime(2021, 1, 15)


def test_generated_tables_describe_themselves(shop: Shop) -> None:
    schema, data = shop
    text = f"PREDICT COUNT(orders.*, 0, 5) > 0 {C}"
    tables = PredictiveQuery(text).generate(schema, data, TemporalSplit("2021-01-10", "2021-01-15"))
    assert description(tables["test"]) == {
        "entity_column": "customer_id",
        "entity_table": "customers",
        "query": "PREDICT COUNT(orders.*, 0, 5, days) > 0 FOR EACH customers.customer_id",
        "split": "test",
        "target_column": "label",
        "task_type": "binary_classification",
        "time_column": ANCHOR_TIME,
    }
    assert tables["train"].schema.field("label").type == pa.int64()


def test_a_static_target_is_split_at_random(shop: Shop) -> None:
    schema, data = shop
    query = PredictiveQuery(f"PREDICT customers.segment {C}")
    split = RandomSplit(validation=0.25, test=0.25, seed=3)
    tables = query.generate(schema, data, split)
    assert [t.column_names for t in tables.values()] == [["customer_id", "label"]] * 3
    ids = [i for t in tables.values() for i in t["customer_id"].to_pylist()]
    assert sorted(ids) == [1, 2, 3]  # customer 4 has no segment: no label, no example
    assert {name: t.num_rows for name, t in tables.items()} == {
        "train": 1,
        "validation": 1,
        "test": 1,
    }
    assert query.generate(schema, data, split)["test"].equals(tables["test"])


def test_split_plan_must_fit_the_query(shop: Shop) -> None:
    schema, data = shop
    with pytest.raises(
        TaskError, match="static column, so its examples have no time: split them with RandomSplit"
    ):
        PredictiveQuery(f"PREDICT customers.segment {C}").generate(
            schema, data, TemporalSplit("2021-01-10", "2021-01-15")
        )
    with pytest.raises(
        TaskError, match="aggregates a time window, so its examples have anchor times"
    ):
        PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C}").generate(schema, data, RandomSplit())
    with pytest.raises(TaskError, match="static column; it has no anchor times"):
        PredictiveQuery(f"PREDICT customers.segment {C}").table_at(schema, data, [T])
    with pytest.raises(TaskError, match="no anchor time given"):
        PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C}").table_at(schema, data, [])


def test_missing_tables_and_columns_are_named(shop: Shop) -> None:
    schema, data = shop
    query = PredictiveQuery(f"PREDICT AVG(orders.product_id.price, 0, 5) {C}")
    without_products = {k: v for k, v in data.items() if k != "products"}
    with pytest.raises(
        TaskError, match="the query reads tables \\['products'\\], which are not in the data"
    ):
        query.table_at(schema, without_products, [T])
    data["products"] = data["products"].drop_columns(["price"])
    with pytest.raises(
        TaskError, match="table 'products': columns \\['price'\\] are not in the data"
    ):
        query.table_at(schema, data, [T])


def test_runs_on_a_given_connection(shop: Shop) -> None:
    schema, data = shop
    con = duckdb.connect(config={"memory_limit": "256MB", "threads": 1})
    table = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C}").table_at(
        schema, data, [T], connection=con
    )
    assert table.num_rows == 4
    assert con.sql("SELECT count(*) FROM duckdb_views() WHERE NOT internal").fetchall() == [(0,)]
