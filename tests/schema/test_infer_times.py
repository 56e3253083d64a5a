"""Choosing own and inherited times."""

import pytest

from relgraph.schema import Column, ColumnDType, ForeignKey, SchemaError, Table
from relgraph.schema.infer.dtypes import ColumnProfile
from relgraph.schema.infer.times import infer_inherited_times, infer_time_column


def _datetime(null_share: float = 0.0, distinct: int = 100) -> ColumnProfile:
    return ColumnProfile(ColumnDType.DATETIME, "test", null_share=null_share, distinct=distinct)


@pytest.mark.parametrize(
    ("profiles", "chosen", "reason"),
    [
        ({"date": _datetime()}, "date", "'date' is an event time with 0% nulls"),
        (
            {"dob": _datetime(), "date_of_birth": _datetime(), "birthday": _datetime()},
            None,
            "'dob': 'dob' marks an attribute of the entity",
        ),
        (
            {"loaded_at": _datetime(), "etl_ts": _datetime(), "updated_at": _datetime()},
            None,
            "'loaded' marks a record-keeping time",
        ),
        (
            {"last_modified": _datetime(), "ts": _datetime()},
            "ts",
            "'modified' marks a record-keeping",
        ),
        ({"fp1_date": _datetime(0.9), "date": _datetime(0.1)}, "date", "'fp1_date': 90% null"),
        ({"snapshot": _datetime(distinct=1), "when": _datetime()}, "when", "'snapshot': constant"),
        (
            {"created_at": _datetime(), "ordered_at": _datetime(0.2)},
            "ordered_at",
            "preferred to 'created_at' (event times first",
        ),
        ({"a_time": _datetime(0.3), "b_time": _datetime(0.1)}, "b_time", "preferred to 'a_time'"),
        ({"first": _datetime(), "second": _datetime()}, "first", "preferred to 'second'"),
        ({"created_at": _datetime()}, "created_at", "'created_at' is a creation time"),
    ],
)
def test_infer_time_column(
    profiles: dict[str, ColumnProfile], chosen: str | None, reason: str
) -> None:
    table = Table("t", [Column("id", "integer")] + [Column(n, "datetime") for n in profiles])
    choice = infer_time_column(table, profiles)
    assert choice.column == chosen
    assert reason in choice.reason


def test_no_datetime_column() -> None:
    choice = infer_time_column(Table("t", [Column("id", "integer")]), {})
    assert choice == type(choice)(None, "no datetime column")


def test_a_column_without_profile_passes_value_checks() -> None:
    table = Table("t", [Column("when", "datetime")])
    assert infer_time_column(table, {}).column == "when"


def _table(name: str, time: str | None = None, fks: dict[str, str] | None = None) -> Table:
    fks = fks or {}
    columns = [Column("id", "integer"), *(Column(c, "integer") for c in fks)]
    if time is not None:
        columns.append(Column(time, "datetime"))
    return Table(
        name,
        columns,
        primary_key="id",
        foreign_keys=[ForeignKey(c, f"{p}.id") for c, p in fks.items()],
        time_column=time,
    )


def _tables(*tables: Table) -> dict[str, Table]:
    return {t.name: t for t in tables}


def test_event_table_inherits_its_only_temporal_parent() -> None:
    tables = _tables(
        _table("races", "date"),
        _table("drivers"),
        _table("results", fks={"driverId": "drivers", "raceId": "races"}),
    )
    choices = infer_inherited_times(tables, dict.fromkeys(tables, 10), {})
    assert choices["results"].column == "raceId"
    assert "only referenced table with a time" in choices["results"].reason
    assert "races.date" in choices["results"].reason
    assert choices["drivers"].column is None
    assert "static" in choices["drivers"].reason
    assert "races" not in choices


def test_event_time_is_preferred_to_creation_time() -> None:
    tables = _tables(
        _table("customers", "created_at"),
        _table("orders", "ordered_at"),
        _table("items", fks={"customer_id": "customers", "order_id": "orders"}),
    )
    rows = {"customers": 1000, "orders": 10, "items": 50}
    choice = infer_inherited_times(tables, rows, {})["items"]
    assert choice.column == "order_id"
    assert "customers: 1,000 rows, creation time customers.created_at" in choice.reason


def test_finest_grain_is_preferred() -> None:
    tables = _tables(
        _table("sessions", "started"),
        _table("orders", "ordered_at"),
        _table("items", fks={"session_id": "sessions", "order_id": "orders"}),
    )
    rows = {"sessions": 100, "orders": 5000, "items": 20000}
    choice = infer_inherited_times(tables, rows, {})["items"]
    assert choice.column == "order_id"
    assert "finest grain (most rows)" in choice.reason


def test_inheritance_chains_and_never_cycles() -> None:
    # a <-> b reference each other; b also references the temporal c.
    tables = _tables(
        _table("c", "when"),
        _table("a", fks={"b_id": "b"}),
        _table("b", fks={"a_id": "a", "c_id": "c"}),
        _table("d", fks={"a_id": "a"}),
    )
    choices = infer_inherited_times(tables, dict.fromkeys(tables, 10), {})
    assert choices["b"].column == "c_id"
    assert choices["a"].column == "b_id"
    assert choices["d"].column == "a_id"
    assert "c.when" in choices["d"].reason


def test_fixed_inheritance() -> None:
    tables = _tables(
        _table("races", "date"),
        _table("drivers", "joined"),
        _table("results", fks={"raceId": "races", "driverId": "drivers"}),
        _table("laps", fks={"raceId": "races"}),
    )
    fixed = {"results": "driverId", "laps": None}
    choices = infer_inherited_times(tables, dict.fromkeys(tables, 10), fixed)
    assert choices["results"].column == "driverId"
    assert "set by override" in choices["results"].reason
    assert choices["laps"].column is None
    assert "set by override" in choices["laps"].reason


def test_fixed_inheritance_from_a_parent_without_time_raises() -> None:
    tables = _tables(_table("drivers"), _table("results", fks={"driverId": "drivers"}))
    with pytest.raises(
        SchemaError,
        match=r"table 'results': inherit_time_from override 'driverId' references 'drivers', which has no time",
    ):
        infer_inherited_times(tables, dict.fromkeys(tables, 10), {"results": "driverId"})
