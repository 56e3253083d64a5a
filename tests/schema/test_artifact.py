"""The schema artifact: inferred schema, summary and diagram of a snapshot, in one folder."""

import json
from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import Snapshot
from relgraph.schema import Schema, SchemaError
from relgraph.schema.artifact import (
    SchemaArtifact,
    build_schema_artifact,
    load_schema,
    parse_overrides,
)
from tests.markers import requires_dot


def _snapshot(tmp_path: Path) -> Snapshot:
    tables = {
        "users": pa.table({"user_id": [1, 2, 3], "country": ["fr", "de", "fr"]}),
        "visits": pa.table(
            {
                "visit_id": [10, 11, 12, 13],
                "user_id": [1, 1, 2, 3],
                "at": ["2024-01-01", "2024-01-05", "2024-02-01", "2024-03-01"],
            }
        ),
    }
    return Snapshot.create(tables, tmp_path / "snap", source="sqlite:///shop.db")


def test_build_writes_schema_summary_diagram_and_manifest(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)

    artifact = build_schema_artifact(snap.path, tmp_path / "schema")

    files = sorted(p.name for p in (tmp_path / "schema").iterdir())
    assert {"manifest.json", "schema.json", "schema.md", "schema.dot"} <= set(files)
    schema = Schema.load(tmp_path / "schema" / "schema.json")
    assert schema.table("visits").foreign_keys[0].link_to == "users.user_id"
    assert schema.table("visits").time_column == "at"
    manifest = json.loads((tmp_path / "schema" / "manifest.json").read_text())
    assert manifest["kind"] == "relgraph.schema"
    assert manifest["format_version"] == 1
    assert manifest["content_hash"] == schema.content_hash() == artifact.content_hash
    assert manifest["made_from"]["snapshot"] == snap.content_hash
    assert manifest["made_from"]["source"] == "sqlite:///shop.db"
    assert "| `visits` | 4 |" in artifact.summary_markdown()
    loaded = SchemaArtifact.load(tmp_path / "schema")
    assert loaded.schema.to_dict() == artifact.schema.to_dict()


def test_overrides_as_json_text(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    overrides = (
        '{"tables": {"visits": {"time_column": null}, "users": {"dtypes": {"country": "text"}}}}'
    )

    artifact = build_schema_artifact(snap, tmp_path / "schema", overrides=overrides)

    assert artifact.schema.table("visits").time_column is None
    assert artifact.schema.table("users").column("country").dtype.value == "text"
    assert artifact.manifest["made_from"]["overrides"]["tables"]["visits"] == {"time_column": None}


@pytest.mark.parametrize(
    ("overrides", "match"),
    [
        ("{oops", "schema overrides are not valid JSON"),
        ('{"tables": {"visits": {"primary": "x"}}}', "overrides for table 'visits': unknown keys"),
        ({"tables": {"nope": {"time_column": None}}}, "nope"),
    ],
)
def test_bad_overrides(tmp_path: Path, overrides, match: str) -> None:
    with pytest.raises(SchemaError, match=match):
        build_schema_artifact(_snapshot(tmp_path), tmp_path / "schema", overrides=overrides)
    assert not (tmp_path / "schema").exists()


@pytest.mark.parametrize("blank", [None, "", "  "])
def test_no_overrides(blank) -> None:
    assert parse_overrides(blank).tables == {}


@requires_dot
def test_diagram_html_embeds_the_svg(tmp_path: Path) -> None:
    summary, page = tmp_path / "ui" / "summary.md", tmp_path / "ui" / "diagram.html"

    artifact = build_schema_artifact(
        _snapshot(tmp_path), tmp_path / "schema", summary=summary, diagram_html=page
    )

    assert (tmp_path / "schema" / "schema.svg").is_file()
    assert summary.read_text() == artifact.summary_markdown()
    html = page.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "<svg" in html and "<?xml" not in html
    assert "visits" in html


def test_diagram_html_without_graphviz(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    snap = _snapshot(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` here

    artifact = build_schema_artifact(snap, tmp_path / "schema")

    assert not (tmp_path / "schema" / "schema.svg").exists()
    assert artifact.manifest["files"]["diagram"] == ["schema.dot"]
    html = artifact.diagram_html()
    assert "dot -Tsvg" in html and "digraph schema" in html


def test_existing_destination(tmp_path: Path) -> None:
    snap = _snapshot(tmp_path)
    build_schema_artifact(snap, tmp_path / "schema")
    with pytest.raises(FileExistsError):
        build_schema_artifact(snap, tmp_path / "schema")
    build_schema_artifact(snap, tmp_path / "schema", overwrite=True)


def test_load_schema_from_file_or_folder(tmp_path: Path) -> None:
    artifact = build_schema_artifact(_snapshot(tmp_path), tmp_path / "schema")
    expected = artifact.schema.to_dict()

    assert load_schema(tmp_path / "schema").to_dict() == expected
    assert load_schema(tmp_path / "schema" / "schema.json").to_dict() == expected
    with pytest.raises(FileNotFoundError, match=r"no schema in .*schema.json not found"):
        load_schema(tmp_path / "snap")


def test_load_rejects_other_artifacts(tmp_path: Path) -> None:
    _snapshot(tmp_path)
    with pytest.raises(SchemaError, match=r"kind 'relgraph\.snapshot' is not 'relgraph\.schema'"):
        SchemaArtifact.load(tmp_path / "snap")
    with pytest.raises(FileNotFoundError, match="not a schema artifact"):
        SchemaArtifact.load(tmp_path)
