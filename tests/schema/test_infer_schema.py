"""Schema inference end to end on a tiny hand-built database, with overrides and errors."""

import datetime as dt
import subprocess
import sys
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pytest

from relgraph.schema import (
    ColumnDType,
    DecisionKind,
    ForeignKey,
    SchemaError,
    infer_schema,
    row_times,
)

REVIEWS = "Kundenbewertungen ä"


def _shop() -> dict[str, pa.Table]:
    rng = np.random.default_rng(0)
    n_customers, n_orders, n_items, n_products, n_reviews = 40, 300, 900, 25, 120
    days = rng.integers(0, 700, n_orders)
    order_dates = [dt.date(2020, 1, 1) + dt.timedelta(days=int(d)) for d in days]
    return {
        "customers": pa.table(
            {
                "customer_id": np.arange(1, n_customers + 1),
                "name": [f"customer {i}" for i in range(n_customers)],
                "country": rng.choice(["DE", "FR", "IT"], n_customers),
                "date_of_birth": [f"{1950 + i}-01-0{1 + i % 9}" for i in range(n_customers)],
                "loaded_at": ["2024-06-01 03:00:00"] * n_customers,
            }
        ),
        "products": pa.table(
            {
                "product_id": np.arange(1, n_products + 1),
                "title": [f"product number {i}" for i in range(n_products)],
                "price": rng.uniform(1, 100, n_products).round(2),
            }
        ),
        "orders": pa.table(
            {
                "order_id": np.arange(1, n_orders + 1),
                "customer_id": rng.integers(1, n_customers + 1, n_orders),
                "order_date": [d.strftime("%d/%m/%Y") for d in order_dates],
                "order_time": [f"{h:02d}:{m:02d}" for h, m in rng.integers(0, 24, (n_orders, 2))],
                "channel": rng.choice(["web", "app", "\\N"], n_orders),
                "amount": rng.uniform(5, 500, n_orders).round(2),
                "updated_at": [f"2024-06-0{1 + i % 3} 00:00:00" for i in range(n_orders)],
            }
        ),
        "order_items": pa.table(
            {
                "order_item_id": np.arange(1, n_items + 1),
                "order_id": rng.integers(1, n_orders + 1, n_items),
                "product_id": rng.integers(1, n_products + 1, n_items),
                "quantity": rng.integers(1, 4, n_items),
                "position": rng.integers(1, 20, n_items),
            }
        ),
        REVIEWS: pa.table(
            {
                "Bewertung Nr": np.arange(100, 100 + n_reviews),
                "customer_id": rng.integers(1, n_customers + 1, n_reviews),
                "author": rng.integers(1, n_customers + 1, n_reviews),
                "stars": rng.integers(1, 6, n_reviews),
                "created_at": pa.array(
                    [
                        dt.datetime(2021, 1, 1) + dt.timedelta(hours=int(h))
                        for h in rng.integers(0, 9000, n_reviews)
                    ],
                    pa.timestamp("us"),
                ),
            }
        ),
    }


def _decision(schema, table: str, kind: DecisionKind, column: str | None = None):
    found = [
        d
        for d in schema.table(table).decisions
        if d.kind == kind and (column is None or d.column == column)
    ]
    assert len(found) == 1, found
    return found[0]


def test_infers_keys_times_and_dtypes() -> None:
    data = _shop()
    schema = infer_schema(data)
    schema.validate(data)
    assert schema.table_names == list(data)
    keys = {t.name: t.primary_key for t in schema}
    assert keys == {
        "customers": "customer_id",
        "products": "product_id",
        "orders": "order_id",
        "order_items": "order_item_id",
        REVIEWS: "Bewertung Nr",
    }
    fks = {t.name: t.foreign_keys for t in schema}
    assert fks == {
        "customers": [],
        "products": [],
        "orders": [ForeignKey("customer_id", "customers.customer_id")],
        "order_items": [
            ForeignKey("order_id", "orders.order_id"),
            ForeignKey("product_id", "products.product_id"),
        ],
        REVIEWS: [ForeignKey("customer_id", "customers.customer_id")],
    }
    orders = schema.table("orders")
    assert orders.time_column == "order_date"
    date = orders.column("order_date")
    assert (date.dtype, date.datetime_format, date.time_of_day) == (
        ColumnDType.DATETIME,
        "%d/%m/%Y",
        "order_time",
    )
    assert (
        "'updated' marks a record-keeping time"
        in _decision(schema, "orders", DecisionKind.TIME_COLUMN).reason
    )
    customers = schema.table("customers")
    assert customers.time_column is None and customers.inherit_time_from is None
    assert customers.column("date_of_birth").dtype == ColumnDType.DATETIME
    reason = _decision(schema, "customers", DecisionKind.TIME_COLUMN).reason
    assert "'birth' marks an attribute" in reason and "'loaded' marks a record-keeping" in reason
    items = schema.table("order_items")
    assert (items.time_column, items.inherit_time_from) == (None, "order_id")
    assert schema.table(REVIEWS).time_column == "created_at"
    assert orders.column("channel").dtype == ColumnDType.CATEGORY
    assert customers.column("name").dtype == ColumnDType.TEXT
    assert items.column("quantity").dtype == ColumnDType.CATEGORY
    assert orders.column("amount").dtype == ColumnDType.FLOAT
    # The inferred times read: an item happens when its order does, at the order's time of day.
    item_times = row_times(schema, data, "order_items")
    order_of_first = data["order_items"]["order_id"][0].as_py()
    order_row = data["orders"].filter(pc.equal(data["orders"]["order_id"], order_of_first))
    expected = dt.datetime.strptime(
        f"{order_row['order_date'][0]} {order_row['order_time'][0]}", "%d/%m/%Y %H:%M"
    )
    assert item_times[0].as_py() == expected


def test_every_decision_is_recorded_with_a_reason() -> None:
    schema = infer_schema(_shop())
    for table in schema:
        kinds = [d.kind for d in table.decisions]
        assert kinds.count(DecisionKind.PRIMARY_KEY) == 1
        assert kinds.count(DecisionKind.TIME_COLUMN) == 1
        dtype_columns = [d.column for d in table.decisions if d.kind == DecisionKind.DTYPE]
        assert dtype_columns == table.column_names
        assert all(d.reason and d.source == "inferred" for d in table.decisions)
        for fk in table.foreign_keys:
            assert (
                _decision(schema, table.name, DecisionKind.FOREIGN_KEY, fk.column).value
                == fk.link_to
            )


def _meaning(schema) -> dict[str, Any]:
    """The schema without decisions and datetime formats, which may differ by arrival type."""
    data = schema.to_dict(with_decisions=False)
    for table in data["tables"]:
        for column in table["columns"]:
            column.pop("datetime_format", None)
    return data


def _as_strings(data: dict[str, pa.Table], kind: pa.DataType) -> dict[str, pa.Table]:
    """Every non-numeric column as strings, as SQLite hands them out."""
    out = {}
    for name, table in data.items():
        columns = {}
        for column in table.column_names:
            values = table[column]
            numeric = pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
            if not numeric:
                values = values.cast(pa.string())
                if values.type != kind:
                    values = values.cast(kind)
            columns[column] = values
        out[name] = pa.table(columns)
    return out


def _as_typed(data: dict[str, pa.Table]) -> dict[str, pa.Table]:
    """Date and time strings as Arrow date, timestamp and time types, as PostgreSQL hands them out."""
    out = dict(data)
    orders = data["orders"]
    dates = pc.strptime(orders["order_date"], format="%d/%m/%Y", unit="s").cast(pa.date32())
    times = pc.strptime(
        pc.binary_join_element_wise("1970-01-01 ", orders["order_time"], ""),
        format="%Y-%m-%d %H:%M",
        unit="s",
    )
    times = times.cast(pa.int64()).cast(pa.int32()).cast(pa.time32("s"))
    out["orders"] = orders.set_column(2, "order_date", dates).set_column(3, "order_time", times)
    customers = data["customers"]
    dob = pc.strptime(customers["date_of_birth"], format="%Y-%m-%d", unit="s").cast(pa.date32())
    out["customers"] = customers.set_column(3, "date_of_birth", dob)
    return out


def test_same_schema_whatever_the_arrival_types() -> None:
    base = _shop()
    typed = _as_typed(base)
    assert typed["orders"]["order_date"].type == pa.date32()
    reference = _meaning(infer_schema(typed))
    for variant in (base, _as_strings(base, pa.string()), _as_strings(base, pa.large_string())):
        assert _meaning(infer_schema(variant)) == reference


def test_dtype_sampling_scales_but_keys_are_checked_on_every_row() -> None:
    n = 5000
    ids = np.arange(n)
    ids[-1] = 0  # one duplicate, almost surely outside a 100-row sample
    data = {"events": pa.table({"event_id": ids, "kind": np.arange(n) % 3})}
    schema_error = "has no primary key and no foreign key"
    with pytest.raises(SchemaError, match=schema_error):
        infer_schema(data, sample_rows=100)
    data["events"] = pa.table({"event_id": np.arange(n), "kind": np.arange(n) % 3})
    schema = infer_schema(data, sample_rows=100)
    assert (
        "a sample of 100 of 5,000 rows"
        in _decision(schema, "events", DecisionKind.DTYPE, "kind").reason
    )


# -- overrides ---------------------------------------------------------------------------------


def _with(overrides: dict[str, dict[str, Any]]):
    return infer_schema(_shop(), overrides={"tables": overrides})


def test_dtype_override() -> None:
    schema = _with({"orders": {"dtypes": {"amount": "text", "order_date": "text"}}})
    orders = schema.table("orders")
    assert orders.column("amount").dtype == ColumnDType.TEXT
    decision = _decision(schema, "orders", DecisionKind.DTYPE, "amount")
    assert (decision.value, decision.source, decision.reason) == (
        "text",
        "override",
        "set by override",
    )
    # With its only date no longer a datetime, orders has no time of its own.
    assert orders.time_column is None and orders.column("order_date").time_of_day is None


def test_dtype_override_makes_an_unreadable_type_usable() -> None:
    data = {"blobs": pa.table({"blob_id": [1, 2], "payload": [b"\x00", b"\x01"]})}
    with pytest.raises(
        SchemaError, match=r"column blobs\.payload: no dtype reading for Arrow type binary"
    ):
        infer_schema(data)
    schema = infer_schema(data, overrides={"tables": {"blobs": {"dtypes": {"payload": "text"}}}})
    assert schema.table("blobs").column("payload").dtype == ColumnDType.TEXT


def test_datetime_format_override() -> None:
    schema = _with({"customers": {"datetime_formats": {"date_of_birth": "%Y-%d-%m"}}})
    column = schema.table("customers").column("date_of_birth")
    assert (column.dtype, column.datetime_format) == (ColumnDType.DATETIME, "%Y-%d-%m")
    assert _decision(schema, "customers", DecisionKind.DTYPE, "date_of_birth").source == "override"


def test_datetime_dtype_override_detects_the_format() -> None:
    data = {"t": pa.table({"id": [1, 2], "when": ["2020-01-02", "2020-03-04"]})}
    schema = infer_schema(data, overrides={"tables": {"t": {"dtypes": {"when": "datetime"}}}})
    assert schema.table("t").column("when").datetime_format == "%Y-%m-%d"
    assert schema.table("t").time_column == "when"


def test_primary_key_overrides() -> None:
    schema = _with({"customers": {"primary_key": "name"}, "order_items": {"primary_key": None}})
    assert schema.table("customers").primary_key == "name"
    decision = _decision(schema, "customers", DecisionKind.PRIMARY_KEY)
    assert decision.source == "override" and "40 values are unique and non-null" in decision.reason
    assert schema.table("order_items").primary_key is None
    assert _decision(schema, "order_items", DecisionKind.PRIMARY_KEY).value == "none"
    # With the key moved, no column references customers any more.
    assert schema.table("orders").foreign_keys == []


def test_foreign_key_overrides() -> None:
    schema = _with(
        {
            REVIEWS: {
                "foreign_keys": {"author": "customers"},
                "drop_foreign_keys": ["customer_id"],
            },
            "order_items": {"foreign_keys": {"product_id": "products.product_id"}},
        }
    )
    reviews = schema.table(REVIEWS)
    assert reviews.foreign_keys == [ForeignKey("author", "customers.customer_id")]
    added = _decision(schema, REVIEWS, DecisionKind.FOREIGN_KEY, "author")
    assert added.source == "override"
    assert "120 of 120 non-null values (100.0%) are in customers.customer_id" in added.reason
    dropped = _decision(schema, REVIEWS, DecisionKind.FOREIGN_KEY, "customer_id")
    assert (dropped.value, dropped.source) == ("none", "override")
    items = schema.table("order_items")
    assert [fk.column for fk in items.foreign_keys] == ["order_id", "product_id"]


def test_time_overrides() -> None:
    schema = _with(
        {
            REVIEWS: {"time_column": None},
            "orders": {"time_column": None, "inherit_time_from": None},
            "products": {"time_column": None},
        }
    )
    assert not schema.table("order_items").is_temporal
    assert _decision(schema, "order_items", DecisionKind.TIME_COLUMN).source == "inferred"
    assert _decision(schema, REVIEWS, DecisionKind.TIME_COLUMN).source == "override"
    assert schema.table(REVIEWS).time_column is None
    assert schema.table(REVIEWS).inherit_time_from is None  # customers are static
    assert not schema.table("orders").is_temporal
    assert _decision(schema, "orders", DecisionKind.TIME_COLUMN).source == "override"
    with pytest.raises(SchemaError, match="references 'products', which has no time"):
        _with({"order_items": {"inherit_time_from": "product_id"}})
    schema = _with({"customers": {"time_column": "loaded_at", "dtypes": {"loaded_at": "datetime"}}})
    assert schema.table("customers").time_column == "loaded_at"
    assert schema.table("orders").time_column == "order_date"
    schema = _with(
        {
            "orders": {"inherit_time_from": "customer_id"},
            "customers": {"time_column": "date_of_birth"},
        }
    )
    assert schema.table("orders").inherit_time_from == "customer_id"
    assert schema.table("order_items").inherit_time_from == "order_id"
    assert schema.table("customers").time_column == "date_of_birth"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"nope": {}}, r"overrides name unknown table 'nope' \(tables: \['customers'"),
        (
            {"orders": {"dtypes": {"nope": "text"}}},
            r"overrides for table 'orders' name unknown columns \['nope'\]",
        ),
        ({"orders": {"primary_key": "nope"}}, r"unknown columns \['nope'\]"),
        (
            {"orders": {"primary_key": "customer_id"}},
            r"table 'orders': primary key override 'customer_id' fails: \d+ duplicate values and 0 nulls in 300 rows",
        ),
        (
            {"orders": {"primary_key": "amount"}},
            r"primary key override 'amount' fails: type double",
        ),
        (
            {"orders": {"foreign_keys": {"amount": "nope"}}},
            r"foreign key override orders\.amount -> 'nope': unknown table 'nope'",
        ),
        (
            {"orders": {"foreign_keys": {"amount": "customers.name"}}},
            r"'name' is not the primary key of 'customers' \(it is 'customer_id'\)",
        ),
        (
            {"orders": {"foreign_keys": {"channel": "customers"}}},
            r"orders\.channel -> 'customers': values of type string cannot reference customers\.customer_id of type int64",
        ),
        (
            {
                "customers": {"primary_key": None},
                "orders": {"foreign_keys": {"amount": "customers"}},
            },
            r"table 'customers' has no primary key",
        ),
        (
            {"orders": {"time_column": "amount"}},
            r"table 'orders': time column override 'amount' has dtype 'float', not datetime",
        ),
        (
            {"order_items": {"inherit_time_from": "quantity"}},
            r"table 'order_items': inherit_time_from override 'quantity' is not a foreign key \(foreign keys: \['order_id', 'product_id'\]\)",
        ),
        (
            {"orders": {"datetime_formats": {"order_date": "%Y-%m-%d"}}},
            r"column orders\.order_date: format '%Y-%m-%d' reads only 0\.0% of 300",
        ),
        (
            {"orders": {"dtypes": {"amount": "datetime"}}},
            r"orders\.amount: values of type double cannot be read as datetimes",
        ),
        (
            {"products": {"primary_key": None}},
            r"table 'products' has no primary key and no foreign key \(no primary key \(set by override\)",
        ),
    ],
)
def test_override_errors_name_table_and_column(overrides: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        _with(overrides)


@pytest.mark.parametrize(
    ("tables", "kwargs", "message"),
    [
        ({}, {}, r"'tables' must be a non-empty mapping"),
        ([pa.table({"a": [1]})], {}, r"'tables' must be a non-empty mapping"),
        ({"t": {"a": [1]}}, {}, r"table 't': expected a pyarrow\.Table, found dict"),
        ({"": pa.table({"a": [1]})}, {}, r"table names must be non-empty strings"),
        (
            {"t": pa.table({"a": [1]})},
            {"sample_rows": 0},
            r"'sample_rows' must be a positive integer, found 0",
        ),
        (
            {"t": pa.table({"a": [1]})},
            {"sample_rows": True},
            r"'sample_rows' must be a positive integer, found True",
        ),
        (
            {"t": pa.table([pa.array([1]), pa.array([2])], names=["a", "a"])},
            {},
            r"table 't': duplicate column names \['a'\]",
        ),
        ({"t": pa.table({})}, {}, r"table 't' has no columns"),
        (
            {"t": pa.table({"x": [1, 1]})},
            {},
            r"table 't' has no primary key and no foreign key \(no primary key: .*'x': 1 duplicate values",
        ),
        (
            {"t": pa.table({"a": [1]})},
            {"overrides": {"tables": {"t": {"primary": 1}}}},
            r"unknown keys \['primary'\]",
        ),
    ],
)
def test_input_errors(tables: Any, kwargs: dict, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        infer_schema(tables, **kwargs)


def test_inference_never_imports_torch() -> None:
    code = (
        "import sys, pyarrow as pa; from relgraph.schema import infer_schema; "
        "infer_schema({'t': pa.table({'id': [1, 2]})}); "
        "sys.exit('torch' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr or "torch was imported"
