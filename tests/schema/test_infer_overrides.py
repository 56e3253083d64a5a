"""The overrides a user forces on schema inference, and their JSON form."""

import json
from pathlib import Path

import pytest

from relgraph.schema import INFER, ColumnDType, SchemaError, SchemaOverrides, TableOverrides

FULL = {
    "tables": {
        "drivers": {
            "primary_key": "driverId",
            "dtypes": {"nationality": "Category"},
            "datetime_formats": {"dob": "%d/%m/%Y"},
            "time_column": None,
        },
        "results": {
            "foreign_keys": {"raceId": "races.raceId", "driverId": "drivers"},
            "drop_foreign_keys": ["statusId"],
            "inherit_time_from": "raceId",
        },
        "pit_stops": {"primary_key": None, "inherit_time_from": None},
    }
}


def test_from_dict_reads_every_setting() -> None:
    overrides = SchemaOverrides.from_dict(FULL)
    drivers = overrides.table("drivers")
    assert drivers.primary_key == "driverId"
    assert drivers.dtypes == {"nationality": ColumnDType.CATEGORY}
    assert drivers.dtype("dob") == ColumnDType.DATETIME
    assert drivers.dtype("nationality") == ColumnDType.CATEGORY
    assert drivers.dtype("forename") is None
    assert drivers.time_column is None
    assert drivers.inherit_time_from is INFER
    results = overrides.table("results")
    assert results.foreign_keys == {"raceId": "races.raceId", "driverId": "drivers"}
    assert results.drop_foreign_keys == ("statusId",)
    assert results.columns == {"raceId", "driverId", "statusId"}
    assert overrides.table("pit_stops").primary_key is None
    assert overrides.table("unknown") == TableOverrides()


def test_json_round_trip() -> None:
    overrides = SchemaOverrides.from_dict(FULL)
    again = SchemaOverrides.from_dict(json.loads(json.dumps(overrides.to_dict())))
    assert again == overrides
    assert again.to_dict()["tables"]["drivers"]["dtypes"] == {"nationality": "category"}
    assert "primary_key" not in again.to_dict()["tables"]["results"]


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_load(tmp_path: Path, suffix: str) -> None:
    import yaml

    path = tmp_path / f"overrides{suffix}"
    text = json.dumps(FULL) if suffix == ".json" else yaml.safe_dump(FULL)
    path.write_text(text, encoding="utf-8")
    assert SchemaOverrides.load(path) == SchemaOverrides.from_dict(FULL)


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="schema overrides file not found"):
        SchemaOverrides.load(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(SchemaError, match="not a valid schema overrides file"):
        SchemaOverrides.load(bad)


def test_coerce() -> None:
    overrides = SchemaOverrides.from_dict(FULL)
    assert SchemaOverrides.coerce(None) == SchemaOverrides()
    assert SchemaOverrides.coerce(overrides) is overrides
    assert SchemaOverrides.coerce(FULL) == overrides


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], r"schema overrides: expected a mapping, found list"),
        ({"table": {}}, r"schema overrides: unknown keys \['table'\]"),
        ({"tables": []}, r"'tables' must map table names to settings"),
        ({"tables": {"t": "x"}}, r"overrides for table 't': expected a mapping, found str"),
        (
            {"tables": {"t": {"primary": "id"}}},
            r"overrides for table 't': unknown keys \['primary'\]",
        ),
        (
            {"tables": {"t": {"dtypes": {"c": "number"}}}},
            r"overrides for table 't': column 'c': unknown dtype 'number'",
        ),
        (
            {"tables": {"t": {"dtypes": ["c"]}}},
            r"table 't': 'dtypes' must map column names to strings",
        ),
        (
            {"tables": {"t": {"foreign_keys": {"c": 1}}}},
            r"table 't': 'foreign_keys' must map column names",
        ),
        (
            {"tables": {"t": {"drop_foreign_keys": "c"}}},
            r"table 't': 'drop_foreign_keys' must be a list",
        ),
        (
            {"tables": {"t": {"primary_key": 3}}},
            r"table 't': 'primary_key' must be a column name or null, found 3",
        ),
        (
            {"tables": {"t": {"time_column": ["a"]}}},
            r"table 't': 'time_column' must be a column name or null",
        ),
        (
            {"tables": {"t": {"foreign_keys": {"c": "p"}, "drop_foreign_keys": ["c"]}}},
            r"table 't': columns \['c'\] are both in foreign_keys and drop_foreign_keys",
        ),
        (
            {"tables": {"t": {"time_column": "a", "inherit_time_from": "b"}}},
            r"table 't': time_column 'a' and inherit_time_from 'b' are both set",
        ),
        (
            {"tables": {"t": {"dtypes": {"d": "text"}, "datetime_formats": {"d": "%Y"}}}},
            r"table 't': column 'd' has datetime format '%Y' but dtype 'text'",
        ),
    ],
)
def test_from_dict_errors_name_the_table_and_setting(data: object, message: str) -> None:
    with pytest.raises(SchemaError, match=message):
        SchemaOverrides.from_dict(data)  # type: ignore[arg-type]


def test_overrides_are_frozen() -> None:
    overrides = TableOverrides(primary_key="id")
    with pytest.raises(AttributeError):
        overrides.primary_key = "other"  # type: ignore[misc]
    assert repr(INFER) == "INFER"
