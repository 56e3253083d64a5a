"""Tests of the schema summary (Markdown, rich) and diagram (DOT, SVG/PNG)."""

import html
import json
import logging
import re
import subprocess

import pytest
from rich.console import Console

from relgraph.schema import Column, Decision, DecisionKind, ForeignKey, Schema, Table
from relgraph.schema.render import (
    column_roles,
    describe_time,
    render_diagram,
    schema_diagram_dot,
    schema_rich_table,
    schema_summary_markdown,
)
from tests.markers import requires_dot

ROWS = {"races": 1125, "results": 26759, "drivers": 861}
FOREIGN_KEYS = {
    ("races", "circuitId", "circuits", "circuitId"),
    ("results", "raceId", "races", "raceId"),
    ("results", "driverId", "drivers", "driverId"),
    ("pit stops", "resultId", "results", "resultId"),
}


def _schema() -> Schema:
    return Schema(
        [
            Table(
                "circuits",
                [Column("circuitId", "integer"), Column("name", "text")],
                primary_key="circuitId",
            ),
            Table(
                "races",
                [
                    Column("raceId", "integer"),
                    Column("circuitId", "integer"),
                    Column("date", "datetime", time_of_day="time"),
                    Column("time", "text"),
                ],
                primary_key="raceId",
                foreign_keys=[ForeignKey("circuitId", "circuits.circuitId")],
                time_column="date",
                decisions=[
                    Decision(DecisionKind.TIME_COLUMN, "date", "date", "the only event date"),
                ],
            ),
            Table(
                "drivers",
                [Column("driverId", "integer"), Column("dob", "datetime")],
                primary_key="driverId",
                decisions=[
                    Decision(
                        DecisionKind.TIME_COLUMN,
                        None,
                        "none",
                        "dob is a date of birth: it precedes every event by decades",
                    ),
                ],
            ),
            Table(
                "results",
                [
                    Column("resultId", "integer"),
                    Column("raceId", "integer"),
                    Column("driverId", "integer"),
                    Column("position", "integer"),
                ],
                primary_key="resultId",
                foreign_keys=[
                    ForeignKey("raceId", "races.raceId"),
                    ForeignKey("driverId", "drivers.driverId"),
                ],
                inherit_time_from="raceId",
                decisions=[
                    Decision(
                        DecisionKind.FOREIGN_KEY,
                        "raceId",
                        "races.raceId",
                        "all 26759 values are races.raceId values; names match",
                    ),
                    Decision(
                        DecisionKind.DTYPE,
                        "position",
                        "integer",
                        "small integers [1, 33] that are no key",
                        source="override",
                    ),
                ],
            ),
            Table(
                "pit stops",
                [
                    Column("resultId", "integer"),
                    Column("lap|no", "integer"),
                    Column("a<b&c", "float"),
                ],
                foreign_keys=[ForeignKey("resultId", "results.resultId")],
                inherit_time_from="resultId",
            ),
        ]
    )


def test_schema_fixture_is_valid() -> None:
    _schema().validate()


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ("races", "date"),
        ("circuits", "none (static)"),
        ("results", "inherited via raceId from races"),
        ("pit stops", "inherited via resultId from results (time column races.date)"),
    ],
)
def test_describe_time(table: str, expected: str) -> None:
    schema = _schema()
    assert describe_time(schema, schema.table(table)) == expected


def test_describe_time_of_a_broken_schema_says_so() -> None:
    schema = _schema()
    schema.table("races").set_time_column(None)
    assert describe_time(schema, schema.table("results")) == (
        "inherited via raceId from races (unresolved: races has no time)"
    )


def test_column_roles() -> None:
    races = _schema().table("races")
    assert column_roles(races, "raceId") == ["primary key"]
    assert column_roles(races, "circuitId") == ["foreign key -> circuits.circuitId"]
    assert column_roles(races, "date") == ["time"]
    assert column_roles(races, "time") == ["time of day of date"]


def test_markdown_mentions_every_table_key_time_and_reason() -> None:
    schema = _schema()
    text = schema_summary_markdown(schema, ROWS)
    for table in schema.tables:
        assert f"\n## {table.name}\n" in text
        if table.primary_key:
            assert f"- primary key: `{table.primary_key}`" in text
        for col in table.columns:
            assert col.name.replace("|", "\\|") in text
        for decision in table.decisions:
            assert decision.reason in text
    sections = {part.split("\n", 1)[0]: part for part in text.split("\n## ")[1:]}
    for child, column, parent, target in FOREIGN_KEYS:
        assert f"  - `{column}` -> `{parent}.{target}`" in sections[child]
    assert "- time: `date`" in text
    assert "- time: inherited via raceId from races\n" in text
    assert "- time: none (static)" in text
    assert "- primary key: none" in text  # pit stops
    assert "- rows: 26,759" in text
    assert "| `position` | `integer` | override | small integers [1, 33] that are no key |" in text
    assert f"Schema hash `{schema.content_hash()}`" in text


def test_markdown_table_rows_have_as_many_cells_as_their_header() -> None:
    lines = schema_summary_markdown(_schema()).splitlines()
    width = 0
    for previous, line in zip(["", *lines], lines, strict=False):
        if not line.startswith("|"):
            continue
        cells = len(re.split(r"(?<!\\)\|", line)) - 2  # an escaped \| is not a cell border
        if not previous.startswith("|"):
            width = cells  # a header row
        assert cells == width, line
    assert "| `lap\\|no` | integer |  |" in lines


def test_rich_tables_show_everything_without_reading_markup() -> None:
    schema = _schema()
    console = Console(record=True, width=200, color_system=None)
    console.print(schema_rich_table(schema, ROWS))
    text = console.export_text()
    for table in schema.tables:
        assert table.name in text
    assert "results (26,759 rows)" in text
    assert "inherited via raceId from races" in text
    assert "foreign key -> drivers.driverId" in text
    assert "dob is a date of birth" in text
    assert "override: small integers [1, 33] that are no key" in text  # brackets kept
    assert "lap|no" in text


def _dot_edges(source: str) -> set[tuple[str, str, str, str]]:
    """The edges of a DOT source, as (child, column, parent, column) by name."""
    schema = _schema()
    edges = set()
    pattern = r"t(\d+):o(\d+):e -> t(\d+):i(\d+):w \[label=\"?([^\"\s]+)"
    for tail, tail_col, head, head_col, label in re.findall(pattern, source):
        child, parent = schema.tables[int(tail)], schema.tables[int(head)]
        assert label == child.columns[int(tail_col)].name
        edges.add(
            (
                child.name,
                child.columns[int(tail_col)].name,
                parent.name,
                parent.columns[int(head_col)].name,
            )
        )
    return edges


def test_dot_has_one_edge_per_foreign_key_child_to_parent() -> None:
    source = schema_diagram_dot(_schema(), ROWS)
    assert _dot_edges(source) == FOREIGN_KEYS
    assert source.count(" -> ") == len(FOREIGN_KEYS)
    # the edges a table takes its time through are marked
    assert 'label="raceId (time)" style=bold' in source
    assert "label=driverId style=solid" in source
    assert "<B>PK</B>" in source and "<B>FK</B>" in source and "<B>time</B>" in source
    assert "a&lt;b&amp;c" in source
    assert "26,759 rows" in source
    assert "time: inherited via resultId from results" in source


@requires_dot
def test_dot_parses_with_graphviz() -> None:
    source = schema_diagram_dot(_schema())
    result = subprocess.run(
        ["dot", "-Tjson"], input=source.encode(), capture_output=True, check=True
    )
    graph = json.loads(result.stdout)
    assert len(graph["objects"]) == len(_schema().tables)
    labels = sorted(edge["label"] for edge in graph["edges"])
    assert labels == ["circuitId", "driverId", "raceId (time)", "resultId (time)"]


@requires_dot
def test_odd_names_survive_graphviz() -> None:
    odd = '<id> "quoted" \\n é'
    schema = Schema(
        [
            Table("a&b", [Column(odd, "integer")], primary_key=odd),
            Table("c", [Column("c_id", "integer"), Column(odd, "integer")], primary_key="c_id",
                  foreign_keys=[ForeignKey(odd, f"a&b.{odd}")]),
        ]
    )  # fmt: skip
    schema.validate()
    result = subprocess.run(
        ["dot", "-Tsvg"], input=schema_diagram_dot(schema).encode(), capture_output=True, check=True
    )
    texts = [
        html.unescape(t) for t in re.findall(r"<text[^>]*>(.*?)</text>", result.stdout.decode())
    ]
    assert texts.count(odd) == 3  # the two columns and the edge label, drawn verbatim
    assert "a&b" in texts


@requires_dot
def test_render_diagram_draws_svg_and_png(tmp_path) -> None:
    written = render_diagram(_schema(), tmp_path / "out" / "schema", row_counts=ROWS)
    assert [p.name for p in written] == ["schema.dot", "schema.svg", "schema.png"]
    svg = written[1].read_text()
    assert "<svg" in svg and "pit stops" in svg and "26,759 rows" in svg
    assert written[2].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert written[0].read_text() == schema_diagram_dot(_schema(), ROWS)


def test_render_diagram_without_dot_writes_only_the_dot_file(tmp_path, monkeypatch, caplog) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no Graphviz on this PATH
    with caplog.at_level(logging.WARNING, logger="relgraph.schema.render"):
        written = render_diagram(_schema(), tmp_path / "schema")
    assert written == [tmp_path / "schema.dot"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["schema.dot"]
    assert "Graphviz 'dot' is not installed" in caplog.text


def test_render_diagram_rejects_unknown_formats(tmp_path) -> None:
    with pytest.raises(ValueError, match=r"unknown diagram formats \['svgz2'\]"):
        render_diagram(_schema(), tmp_path / "schema", formats=("svg", "svgz2"))
    assert list(tmp_path.iterdir()) == []
