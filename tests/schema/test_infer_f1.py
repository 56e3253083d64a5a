"""Acceptance: schema inference on the real F1 database, with no hints.

The F1 README lists the traps: small integers (``position``, ``grid``, ``number``, ``rank``)
that fall inside other tables' id ranges, ``sprint_results.resultId`` that looks like a
reference to ``results``, ``drivers.dob`` that is a date but no event time, and event tables
that take their race's time.
"""

from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest

from relgraph.schema import ColumnDType, DecisionKind, Schema, infer_schema, row_times

NULL_VALUES = ["\\N", "", "NULL", "null", "NA", "N/A", "NaN", "None"]
TABLES = [
    "circuits",
    "constructor_results",
    "constructor_standings",
    "constructors",
    "driver_standings",
    "drivers",
    "pit_stops",
    "qualifying",
    "races",
    "results",
    "seasons",
    "sprint_results",
    "status",
]
PRIMARY_KEYS = {
    "circuits": "circuitId",
    "constructor_results": "constructorResultsId",
    "constructor_standings": "constructorStandingsId",
    "constructors": "constructorId",
    "driver_standings": "driverStandingsId",
    "drivers": "driverId",
    "pit_stops": None,
    "qualifying": "qualifyId",
    "races": "raceId",
    "results": "resultId",
    "seasons": "year",
    "sprint_results": "resultId",
    "status": "statusId",
}
RACE = "races.raceId"
DRIVER = "drivers.driverId"
CONSTRUCTOR = "constructors.constructorId"
STATUS = "status.statusId"
FOREIGN_KEYS = {
    "circuits": set(),
    "constructors": set(),
    "drivers": set(),
    "seasons": set(),
    "status": set(),
    "races": {("circuitId", "circuits.circuitId"), ("year", "seasons.year")},
    "results": {
        ("raceId", RACE),
        ("driverId", DRIVER),
        ("constructorId", CONSTRUCTOR),
        ("statusId", STATUS),
    },
    "sprint_results": {
        ("raceId", RACE),
        ("driverId", DRIVER),
        ("constructorId", CONSTRUCTOR),
        ("statusId", STATUS),
    },
    "qualifying": {("raceId", RACE), ("driverId", DRIVER), ("constructorId", CONSTRUCTOR)},
    "driver_standings": {("raceId", RACE), ("driverId", DRIVER)},
    "constructor_results": {("raceId", RACE), ("constructorId", CONSTRUCTOR)},
    "constructor_standings": {("raceId", RACE), ("constructorId", CONSTRUCTOR)},
    "pit_stops": {("raceId", RACE), ("driverId", DRIVER)},
}
INHERITING = [
    "results",
    "sprint_results",
    "qualifying",
    "driver_standings",
    "constructor_results",
    "constructor_standings",
    "pit_stops",
]
STATIC = ["circuits", "drivers", "constructors", "status", "seasons"]


@pytest.fixture(scope="module")
def f1_data(f1_dir: Path) -> dict[str, pa.Table]:
    convert = pacsv.ConvertOptions(null_values=NULL_VALUES, strings_can_be_null=True)
    return {
        name: pacsv.read_csv(f1_dir / f"{name}.csv", convert_options=convert) for name in TABLES
    }


@pytest.fixture(scope="module")
def f1_schema(f1_data: dict[str, pa.Table]) -> Schema:
    return infer_schema(f1_data)


def test_all_tables_in_order(f1_schema: Schema) -> None:
    assert f1_schema.table_names == TABLES


def test_primary_keys(f1_schema: Schema) -> None:
    assert {t.name: t.primary_key for t in f1_schema} == PRIMARY_KEYS


def test_exactly_the_foreign_keys(f1_schema: Schema) -> None:
    found = {t.name: {(fk.column, fk.link_to) for fk in t.foreign_keys} for t in f1_schema}
    assert found == FOREIGN_KEYS


def test_traps_are_not_foreign_keys(f1_schema: Schema) -> None:
    for table in ("results", "sprint_results", "qualifying"):
        columns = {fk.column for fk in f1_schema.table(table).foreign_keys}
        assert not columns & {"position", "grid", "number", "rank", "positionOrder", "resultId"}
    sprint = f1_schema.table("sprint_results")
    decision = next(d for d in sprint.decisions if d.kind == DecisionKind.PRIMARY_KEY)
    assert decision.value == "resultId"
    assert "named like an id of 'sprint_results'" in decision.reason


def test_races_time_is_date_plus_time_of_day(f1_schema: Schema) -> None:
    races = f1_schema.table("races")
    assert races.time_column == "date"
    assert races.inherit_time_from is None
    date = races.column("date")
    assert (date.dtype, date.time_of_day) == (ColumnDType.DATETIME, "time")
    reason = next(d for d in races.decisions if d.kind == DecisionKind.TIME_COLUMN).reason
    assert "'sprint_date': 98% null" in reason


def test_dob_is_a_datetime_but_no_time(f1_schema: Schema) -> None:
    drivers = f1_schema.table("drivers")
    assert drivers.column("dob").dtype == ColumnDType.DATETIME
    assert drivers.time_column is None and drivers.inherit_time_from is None
    reason = next(d for d in drivers.decisions if d.kind == DecisionKind.TIME_COLUMN).reason
    assert "'dob': 'dob' marks an attribute" in reason


@pytest.mark.parametrize("table", INHERITING)
def test_event_tables_inherit_the_race_time(f1_schema: Schema, table: str) -> None:
    spec = f1_schema.table(table)
    assert (spec.time_column, spec.inherit_time_from) == (None, "raceId")
    assert f1_schema.time_source(table) == ("races", "date")


@pytest.mark.parametrize("table", STATIC)
def test_dimension_tables_are_static(f1_schema: Schema, table: str) -> None:
    assert not f1_schema.table(table).is_temporal


def test_schema_validates_and_times_read(f1_schema: Schema, f1_data: dict[str, pa.Table]) -> None:
    f1_schema.validate(f1_data)
    race_times = row_times(f1_schema, f1_data, "races")
    assert race_times.null_count == 0
    first = f1_data["races"].slice(0, 1).to_pylist()[0]
    assert str(race_times[0].as_py()) == f"{first['date']} {first['time']}"
    result_times = row_times(f1_schema, f1_data, "results")
    assert result_times.null_count == 0 and len(result_times) == f1_data["results"].num_rows


def test_decisions_explain_everything(f1_schema: Schema) -> None:
    for table in f1_schema:
        assert all(d.reason for d in table.decisions)
        dtype_columns = [d.column for d in table.decisions if d.kind == DecisionKind.DTYPE]
        assert dtype_columns == table.column_names


def test_same_schema_from_strings(f1_data: dict[str, pa.Table], f1_schema: Schema) -> None:
    """Dates and times arriving as (large) strings, as from SQLite, give the same schema."""
    as_strings = {
        name: pa.table(
            {
                c: table[c].cast(pa.large_string())
                if pa.types.is_date(table[c].type) or pa.types.is_time(table[c].type)
                else table[c]
                for c in table.column_names
            }
        )
        for name, table in f1_data.items()
    }
    assert as_strings["races"]["date"].type == pa.large_string()
    schema = infer_schema(as_strings)

    def meaning(s: Schema) -> dict:
        data = s.to_dict(with_decisions=False)
        for table in data["tables"]:
            for column in table["columns"]:
                column.pop("datetime_format", None)
        return data

    assert meaning(schema) == meaning(f1_schema)
    assert schema.table("races").column("date").datetime_format == "%Y-%m-%d"
    schema.validate(as_strings)
