import pyarrow as pa
import pytest
from rich.console import Console

from relgraph.graph import (
    graph_summary_markdown,
    materialize,
    render_graph_summary,
    summarize_graph,
)
from relgraph.schema import Column, Schema, Table


@pytest.fixture
def artifact(tmp_path):
    parents = Table(
        "parents",
        [Column("id", "integer"), Column("at", "datetime")],
        primary_key="id",
        time_column="at",
    )
    kids = Table(
        "kids",
        [Column("id", "integer"), Column("p", "integer"), Column("s", "text")],
        primary_key="id",
    )
    kids.add_foreign_key("p", "parents.id")
    tables = {
        "parents": pa.table({"id": [1, 2], "at": ["2001-01-01", "2003-01-01"]}),
        "kids": pa.table({"id": [1, 2, 3, 4], "p": [1, 1, 7, None], "s": ["a", "b", "c", "d"]}),
    }
    return materialize(
        tables, Schema(tables=[parents, kids]), tmp_path / "g", cutoff_time="2002-01-01"
    )


def test_summary_numbers(artifact):
    summary = summarize_graph(artifact)
    nodes = {n.name: n for n in summary.nodes}
    assert nodes["parents"].time_range == ("2001-01-01T00:00:00", "2003-01-01T00:00:00")
    assert nodes["kids"].features == "text_embedded: 1" and not nodes["kids"].temporal
    edges = {e.rel: e for e in summary.edges}
    assert edges["f2p_p"].num_edges == 2 and edges["f2p_p"].max_degree == 2
    assert edges["f2p_p"].degree_quantiles[0] == 1.0  # in-degrees of parents: 2 and 0
    assert [(f.num_null, f.num_dangling) for f in summary.foreign_keys] == [(1, 1)]
    assert summary.cutoff_time == "2002-01-01T00:00:00"


def test_markdown(artifact):
    text = graph_summary_markdown(artifact)
    assert text.startswith("# Graph summary\n")
    assert (
        "| parents | 2 | id | timestamp: 1 | 2001-01-01T00:00:00 .. 2003-01-01T00:00:00 | 0 |"
        in text
    )
    assert "| kids -[f2p_p]-> parents | 2 | 1 | 1.8 | 1.98 | 2 |" in text
    assert "| kids.p -> parents.id | 4 | 1 | 1 |" in text


def test_render_is_separate_from_printing(artifact):
    console = Console(record=True, width=160)
    console.print(render_graph_summary(artifact))
    text = console.export_text()
    assert "Node types" in text and "Foreign keys" in text
    assert "kids.p -> parents.id" in text and "static" in text
