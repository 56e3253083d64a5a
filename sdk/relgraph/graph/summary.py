"""A readable summary of a graph artifact: node types, edge types, dangling foreign keys.

:func:`summarize_graph` computes it; :func:`render_graph_summary` renders rich tables for a
terminal and :func:`graph_summary_markdown` Markdown. Nothing here prints.
"""

from dataclasses import dataclass

import numpy as np
from rich.console import Group
from rich.table import Table as RichTable

from relgraph.graph.artifact import GraphArtifact

DEGREE_QUANTILES = (0.5, 0.9, 0.99)
"""The in-degree quantiles reported per edge type (plus the maximum)."""


@dataclass(frozen=True)
class NodeTypeSummary:
    """One node type.

    Args:
        name: The node type (table).
        num_nodes: Its node count.
        primary_key: Its primary key, or ``None``.
        num_features: Its encoded feature columns.
        features: Feature columns per semantic type, as ``"numerical: 3, text_embedded: 1"``.
        time_range: ``(first, last)`` ISO times of its known node times, or ``None``.
        num_unknown_time: Nodes of a temporal type whose time is unknown.
        temporal: Whether the node type has times.
    """

    name: str
    num_nodes: int
    primary_key: str | None
    num_features: int
    features: str
    time_range: tuple[str, str] | None
    num_unknown_time: int
    temporal: bool


@dataclass(frozen=True)
class EdgeTypeSummary:
    """One edge type.

    Args:
        src: Source node type.
        rel: Relation.
        dst: Destination node type.
        num_edges: Its edge count.
        degree_quantiles: In-degree of destination nodes at :data:`DEGREE_QUANTILES`.
        max_degree: The largest in-degree.
    """

    src: str
    rel: str
    dst: str
    num_edges: int
    degree_quantiles: tuple[float, ...]
    max_degree: int


@dataclass(frozen=True)
class ForeignKeySummary:
    """One foreign key.

    Args:
        name: ``"table.column -> Parent.key"``.
        num_rows: Rows of the child table.
        num_null: Rows with a null key.
        num_dangling: Rows whose key matches no parent.
    """

    name: str
    num_rows: int
    num_null: int
    num_dangling: int


@dataclass(frozen=True)
class GraphSummary:
    """A graph artifact in numbers.

    Args:
        nodes: Per node type.
        edges: Per edge type.
        foreign_keys: Per foreign key.
        cutoff_time: The encoder fitting cutoff (ISO), or ``None``.
        text_embedder: The text embedder name.
        encoded_bytes: The artifact's size on disk.
    """

    nodes: list[NodeTypeSummary]
    edges: list[EdgeTypeSummary]
    foreign_keys: list[ForeignKeySummary]
    cutoff_time: str | None
    text_embedder: str
    encoded_bytes: int


def summarize_graph(artifact: GraphArtifact) -> GraphSummary:
    """Computes the summary of a graph artifact.

    Args:
        artifact: A loaded artifact.
    """
    manifest = artifact.manifest
    nodes = []
    for node in manifest["node_types"]:
        columns = artifact.encoder_state.columns(node["name"])
        per_stype: dict[str, int] = {}
        for column in columns:
            per_stype[column.stype.value] = per_stype.get(column.stype.value, 0) + 1
        nodes.append(
            NodeTypeSummary(
                name=node["name"],
                num_nodes=int(node["num_nodes"]),
                primary_key=node["primary_key"],
                num_features=len(columns),
                features=", ".join(f"{s}: {n}" for s, n in per_stype.items()) or "-",
                time_range=tuple(node["time_range"]) if node["time_range"] else None,
                num_unknown_time=int(node["num_unknown_time"]),
                temporal=bool(node["temporal"]),
            )
        )
    edges = []
    for (src, rel, dst), csr in artifact.store.edges.items():
        degrees = csr.degrees()
        quantiles = (
            tuple(float(q) for q in np.quantile(degrees, DEGREE_QUANTILES))
            if len(degrees)
            else tuple(0.0 for _ in DEGREE_QUANTILES)
        )
        edges.append(
            EdgeTypeSummary(
                src=src,
                rel=rel,
                dst=dst,
                num_edges=csr.num_edges,
                degree_quantiles=quantiles,
                max_degree=int(degrees.max()) if len(degrees) else 0,
            )
        )
    foreign_keys = [
        ForeignKeySummary(
            name=f"{fk['table']}.{fk['column']} -> {fk['link_to']}",
            num_rows=int(fk["num_rows"]),
            num_null=int(fk["num_null"]),
            num_dangling=int(fk["num_dangling"]),
        )
        for fk in manifest["foreign_keys"]
    ]
    return GraphSummary(
        nodes=nodes,
        edges=edges,
        foreign_keys=foreign_keys,
        cutoff_time=manifest["made_from"]["cutoff_time"],
        text_embedder=manifest["made_from"]["text_embedder"],
        encoded_bytes=int(manifest["counts"]["encoded_bytes"]),
    )


def _rows(summary: GraphSummary) -> dict[str, tuple[list[str], list[list[str]]]]:
    """The summary as (header, rows) per section, shared by both renderings."""
    quantile_names = [f"p{round(q * 100)}" for q in DEGREE_QUANTILES]
    nodes = [
        [
            n.name,
            f"{n.num_nodes:,}",
            n.primary_key or "-",
            n.features,
            _time_cell(n),
            f"{n.num_unknown_time:,}",
        ]
        for n in summary.nodes
    ]
    edges = [
        [
            f"{e.src} -[{e.rel}]-> {e.dst}",
            f"{e.num_edges:,}",
            *[f"{q:g}" for q in e.degree_quantiles],
            f"{e.max_degree:,}",
        ]
        for e in summary.edges
    ]
    keys = [
        [f.name, f"{f.num_rows:,}", f"{f.num_null:,}", f"{f.num_dangling:,}"]
        for f in summary.foreign_keys
    ]
    return {
        "Node types": (
            ["node type", "rows", "primary key", "features", "time range", "unknown time"],
            nodes,
        ),
        "Edge types (in-degree of destination nodes)": (
            ["edge type", "edges", *quantile_names, "max"],
            edges,
        ),
        "Foreign keys": (["foreign key", "rows", "null", "dangling"], keys),
    }


def _time_cell(node: NodeTypeSummary) -> str:
    if not node.temporal:
        return "static"
    if node.time_range is None:
        return "unknown"
    return f"{node.time_range[0]} .. {node.time_range[1]}"


def _caption(summary: GraphSummary) -> str:
    cutoff = summary.cutoff_time or "none (all rows)"
    return (
        f"encoder fitted at cutoff {cutoff}; text embedder {summary.text_embedder}; "
        f"{summary.encoded_bytes / 2**20:,.1f} MiB on disk"
    )


def render_graph_summary(artifact: GraphArtifact) -> Group:
    """Renders the summary as rich tables (print them with a rich console).

    Args:
        artifact: A loaded artifact.
    """
    summary = summarize_graph(artifact)
    tables = []
    for title, (header, rows) in _rows(summary).items():
        table = RichTable(title=title, title_justify="left")
        for i, name in enumerate(header):
            table.add_column(name, justify="left" if i == 0 or name == "features" else "right")
        for row in rows:
            table.add_row(*row)
        tables.append(table)
    return Group(*tables, _caption(summary))


def graph_summary_markdown(artifact: GraphArtifact) -> str:
    """Renders the summary as Markdown.

    Args:
        artifact: A loaded artifact.
    """
    summary = summarize_graph(artifact)
    lines = ["# Graph summary", "", _caption(summary)]
    for title, (header, rows) in _rows(summary).items():
        lines += ["", f"## {title}", "", _md_row(header), _md_row(["---"] * len(header))]
        lines += [_md_row(row) for row in rows]
    return "\n".join(lines) + "\n"


def _md_row(cells: list[str]) -> str:
    escaped = [c.replace("|", "\\|") for c in cells]
    return "| " + " | ".join(escaped) + " |"
