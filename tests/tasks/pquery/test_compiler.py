"""Tests of relgraph.tasks.pquery.compiler: safe SQL, minimal reads, equivalent plans."""

import datetime as dt

import pyarrow as pa
import pytest

from relgraph.schema import Column, ForeignKey, Schema, Table
from relgraph.tasks import PQueryError, PredictiveQuery, RandomSplit

T = dt.datetime(2021, 1, 10)
C = "FOR EACH customers.customer_id"


def test_constants_are_parameters_never_sql_text(shop: tuple) -> None:
    schema, data = shop
    attack = "x'); DROP TABLE orders; --"
    query = PredictiveQuery(
        f"PREDICT COUNT(orders.* WHERE orders.status = 'x''); DROP TABLE orders; --', 0, 5) {C} "
        "WHERE customers.name IN ('Ann', 'Bob') AND customers.since > '2020-01-01'"
    )
    compiled = query.compile(schema)
    assert "DROP" not in compiled.sql
    assert "Ann" not in compiled.sql
    assert compiled.params == (attack, "Ann", "Bob", dt.datetime(2020, 1, 1))
    assert "$1" in compiled.sql and "$4" in compiled.sql
    rows = query.table_at(schema, data, [T]).to_pylist()
    assert [(r["customer_id"], r["label"]) for r in rows] == [(2, 0.0)]
    assert data["orders"].num_rows == 9


def test_names_are_checked_then_quoted() -> None:
    odd = 'we"ird; DROP TABLE x; --'
    schema = Schema(
        [
            Table(
                odd,
                [Column("id key", "integer"), Column("sel ect", "category")],
                primary_key="id key",
            ),
            Table(
                "ev ents",
                [Column("e", "integer"), Column("who", "integer"), Column("when", "datetime")],
                primary_key="e",
                foreign_keys=[ForeignKey("who", f"{odd}.id key")],
                time_column="when",
            ),
        ]
    )
    data = {
        odd: pa.table({"id key": [1, 2], "sel ect": ["a", "b"]}),
        "ev ents": pa.table(
            {"e": [1, 2], "who": [1, 1], "when": pa.array([dt.datetime(2021, 1, 11)] * 2)}
        ),
    }
    name = '"we""ird; DROP TABLE x; --"'
    query = PredictiveQuery(
        f'PREDICT COUNT("ev ents".*, 0, 5) FOR EACH {name}."id key" WHERE {name}."sel ect" = \'a\''
    )
    compiled = query.compile(schema)
    assert '"id key"' in compiled.sql and '"sel ect"' in compiled.sql
    assert odd not in compiled.sql  # tables are registered under internal names
    assert [t.relation for t in compiled.tables] == ["__t0", "__t1"]
    assert query.table_at(schema, data, [T]).to_pylist() == [
        {"id key": 1, "anchor_time": T, "label": 2.0}
    ]


def test_only_the_columns_a_query_uses_are_read(shop: tuple) -> None:
    schema, _ = shop
    compiled = PredictiveQuery(
        f"PREDICT FIRST(orders.product_id.category, 0, 5) {C} WHERE customers.since > '2020-01-01'"
    ).compile(schema)
    uses = {t.table: t for t in compiled.tables}
    assert uses["customers"].columns == ("customer_id", "since")
    assert uses["customers"].datetime_columns == ("since",)
    assert uses["orders"].columns == ("customer_id", "product_id")
    assert uses["orders"].row_numbers
    assert uses["products"].columns == ("product_id", "category")
    assert compiled.windows[0].end == 5


def test_examples_start_from_a_group_every_example_needs(shop: tuple) -> None:
    schema, data = shop
    fast = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C} WHERE COUNT(orders.*, 0, 5) > 0")
    slow = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C} WHERE NOT COUNT(orders.*, 0, 5) = 0")
    assert 'FROM "__g0"' in fast.compile(schema).sql
    assert "CROSS JOIN" in slow.compile(schema).sql
    assert fast.table_at(schema, data, [T]).equals(slow.table_at(schema, data, [T]))


@pytest.mark.parametrize(
    ("where", "needs_group"),
    [
        ("COUNT(orders.*, 0, 5) >= 1", True),
        ("COUNT(orders.*, 0, 5) >= 0", False),
        ("COUNT(orders.*, 0, 5) != 0", True),
        ("COUNT(orders.*, 0, 5) < 3", False),
        ("1 <= SUM(orders.amount, 0, 5)", True),
        ("COUNT(orders.*, 0, 5) IN (0, 1)", False),
        ("COUNT(orders.*, 0, 5) NOT IN (0)", True),
        ("AVG(orders.amount, 0, 5) IS NULL", False),
        ("AVG(orders.amount, 0, 5) IS NOT NULL", True),
        ("MIN(orders.amount, 0, 5) IN (1.0)", True),
        ("MAX(orders.amount, 0, 5) < 100", True),
    ],
)
def test_which_filters_need_their_group(shop: tuple, where: str, needs_group: bool) -> None:
    """The inner join is used only where the filter is false for a window without rows, so
    both plans give the same examples."""
    schema, data = shop
    query = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C} WHERE {where}")
    assert ('FROM "__g0"' in query.compile(schema).sql) is needs_group
    same = PredictiveQuery(f"PREDICT COUNT(orders.*, 0, 5) {C} WHERE NOT NOT ({where})")
    assert "CROSS JOIN" in same.compile(schema).sql
    assert query.table_at(schema, data, [T]).equals(same.table_at(schema, data, [T]))


def test_entity_key_must_not_clash_with_task_columns() -> None:
    schema = Schema(
        [Table("t", [Column("label", "integer"), Column("x", "category")], primary_key="label")]
    )
    with pytest.raises(
        PQueryError, match="the entity key 'label' clashes with the task table's column 'label'"
    ):
        PredictiveQuery("PREDICT t.x FOR EACH t.label").compile(schema)


def test_link_targets_are_named_after_the_ranked_key(shop: tuple) -> None:
    schema, data = shop
    compiled = PredictiveQuery(
        f"PREDICT LIST_DISTINCT(orders.product_id, 0, 5) RANK TOP 2 {C}"
    ).compile(schema)
    assert compiled.label_column == "product_id"
    static = PredictiveQuery(f"PREDICT customers.vip = TRUE {C}")
    tables = static.generate(schema, data, RandomSplit(0.25, 0.25))
    assert sum(t.num_rows for t in tables.values()) == 4
