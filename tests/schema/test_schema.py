import json

import pyarrow as pa
import pytest

from relgraph.schema import Column, ForeignKey, Schema, SchemaError, Table


def _schema() -> Schema:
    return Schema(
        [
            Table(
                "races",
                [Column("raceId", "integer"), Column("date", "datetime")],
                primary_key="raceId",
                time_column="date",
            ),
            Table(
                "results",
                [Column("resultId", "integer"), Column("raceId", "integer")],
                primary_key="resultId",
                foreign_keys=[ForeignKey("raceId", "races.raceId")],
                inherit_time_from="raceId",
            ),
        ]
    )


def _data() -> dict[str, pa.Table]:
    return {
        "races": pa.table({"raceId": [1, 2], "date": ["2009-03-29", "2009-04-05"]}),
        "results": pa.table({"resultId": [10, 11], "raceId": [1, 2]}),
    }


def test_valid_schema_passes_with_and_without_data() -> None:
    _schema().validate()
    _schema().validate(_data())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (
            lambda s: (
                s.table("results").set_primary_key(None) or s.table("results").foreign_keys.clear()
            ),
            "table 'results' has no primary key and no foreign key",
        ),
        (
            lambda s: s.table("results").foreign_keys.append(ForeignKey("raceId", "seasons.year")),
            r"unknown table 'seasons' \(tables: \['races', 'results'\]\)",
        ),
        (
            lambda s: s.table("results").add_foreign_key("resultId", "races.date"),
            "'date' is not the primary key of 'races'",
        ),
        (
            lambda s: s.table("races").set_dtype("date", "text"),
            "time column 'date' must be datetime, found text",
        ),
        (
            lambda s: setattr(s.table("races"), "time_column", "when"),
            "time column 'when' is not a column",
        ),
        (
            lambda s: s.table("races").set_time_column(None),
            "inherits time from 'races', which has no time",
        ),
        (
            lambda s: s.table("races").columns.append(Column("date", "text")),
            "column 'date' is defined more than once",
        ),
    ],
)
def test_structural_problems_name_table_and_column(edit, match: str) -> None:
    schema = _schema()
    edit(schema)
    with pytest.raises(SchemaError, match=match):
        schema.validate()


@pytest.mark.parametrize(
    ("table", "values", "match"),
    [
        (
            "races",
            {"raceId": [1, 1], "date": ["2009-03-29", "2009-04-05"]},
            "raceId: 1 duplicate values",
        ),
        (
            "races",
            {"raceId": [1, None], "date": ["2009-03-29", "2009-04-05"]},
            "raceId: 1 null values",
        ),
        (
            "results",
            {"resultId": [10, 11], "raceId": ["1", "2"]},
            "values of type string cannot reference a key of type int64",
        ),
        ("results", {"resultId": [10, 11]}, r"columns \['raceId'\] are not in the data"),
    ],
)
def test_data_problems_name_table_and_column(table: str, values: dict, match: str) -> None:
    data = _data()
    data[table] = pa.table(values)
    with pytest.raises(SchemaError, match=match):
        _schema().validate(data)


def test_remove_table_drops_references_to_it() -> None:
    schema = _schema()
    schema.remove_table("races")
    assert schema.table("results").foreign_keys == []
    assert schema.table("results").inherit_time_from is None


def test_time_source_follows_inheritance_and_detects_cycles() -> None:
    schema = _schema()
    assert schema.time_source("results") == ("races", "date")
    races = schema.table("races")
    races.add_column("resultId", "integer")
    races.add_foreign_key("resultId", "results.resultId")
    races.set_inherit_time_from("resultId")
    with pytest.raises(SchemaError, match="inherited time runs in a cycle"):
        schema.time_source("results")


@pytest.mark.parametrize("suffix", [".json", ".yaml"])
def test_save_load_round_trip(tmp_path, suffix: str) -> None:
    schema = _schema()
    path = schema.save(tmp_path / f"nested/schema{suffix}")
    assert Schema.load(path) == schema
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_content_hash_tracks_meaning_not_decisions() -> None:
    a, b = _schema(), _schema()
    assert a.content_hash() == b.content_hash()
    b.table("results").set_primary_key(None)
    assert a.content_hash() != b.content_hash()


def test_load_rejects_newer_format_and_non_schema_files(tmp_path) -> None:
    newer = tmp_path / "newer.json"
    newer.write_text(json.dumps({"format_version": 99, "tables": []}))
    with pytest.raises(SchemaError, match="format_version 99 is not supported"):
        Schema.load(newer)
    other = tmp_path / "other.json"
    other.write_text("[1, 2")
    with pytest.raises(SchemaError, match="not a valid schema file"):
        Schema.load(other)
    with pytest.raises(FileNotFoundError, match="schema file not found"):
        Schema.load(tmp_path / "missing.json")


def test_names_with_spaces_and_non_ascii_are_kept() -> None:
    schema = Schema(
        [Table("clientes del año", [Column("número id", "integer")], primary_key="número id")]
    )
    schema.validate({"clientes del año": pa.table({"número id": [1, 2]})})
    assert Schema.from_dict(schema.to_dict()).table("clientes del año").primary_key == "número id"


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ({"tables": {"races": {}}}, "expected an object with a list under 'tables'"),
        (
            {"tables": [{"name": "races", "columns": [{"name": "raceId"}]}]},
            "table 'races': malformed entry",
        ),
        (
            {"tables": [{"name": "races", "columns": [{"name": "id", "dtype": "money"}]}]},
            "table 'races': malformed entry.*unknown dtype",
        ),
    ],
)
def test_from_dict_rejects_malformed_entries_naming_the_table(data: dict, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        Schema.from_dict(data)
