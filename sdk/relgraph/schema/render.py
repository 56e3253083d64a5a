"""Showing a schema to people: a Markdown summary, rich terminal tables, and a diagram.

All three say the same things: each table's rows, primary key, foreign keys and time (its
own, or inherited from a parent), the dtype and role of every column, and each inferred or
overridden decision with its reason. Nothing here prints; callers print or write the result.
"""

import html
import logging
import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

import graphviz
from rich import box
from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text

from relgraph.io.atomic import atomic_write_bytes, atomic_write_text
from relgraph.schema.decision import Decision, DecisionKind
from relgraph.schema.errors import SchemaError
from relgraph.schema.schema import Schema
from relgraph.schema.table import Table

_logger = logging.getLogger(__name__)

_HEADER_COLOR = "#2F5D8A"
_TIME_COLOR = "#E8F1E4"
_KEY_COLOR = "#F3EBD3"


# -- shared descriptions -----------------------------------------------------------------------


def describe_time(schema: Schema, table: Table) -> str:
    """Says where a table's row times come from, in words.

    Args:
        schema: The schema the table belongs to.
        table: The table.

    Returns:
        ``"<column>"`` for an own time column; ``"inherited via <fk> from <parent>"`` (with the
        column that finally holds the time when it is further up) for an inherited time;
        ``"none (static)"`` for a static table.
    """
    if table.time_column is not None:
        return table.time_column
    if table.inherit_time_from is None:
        return "none (static)"
    parent = next(
        (fk.table for fk in table.foreign_keys if fk.column == table.inherit_time_from), "?"
    )
    text = f"inherited via {table.inherit_time_from} from {parent}"
    try:
        source = schema.time_source(table.name)
    except (SchemaError, KeyError) as exc:
        return f"{text} (unresolved: {exc})"
    if source is None:
        return f"{text} (unresolved: {parent} has no time)"
    if source[0] != parent:
        text += f" (time column {source[0]}.{source[1]})"
    return text


def column_roles(table: Table, column: str) -> list[str]:
    """The roles a column plays in its table, e.g. ``["primary key"]`` or ``["time"]``.

    Args:
        table: The table.
        column: One of its column names.

    Returns:
        Zero or more of ``"primary key"``, ``"foreign key -> T.c"``, ``"time"``,
        ``"time of day of <column>"``.
    """
    roles = []
    if table.primary_key == column:
        roles.append("primary key")
    roles += [f"foreign key -> {fk.link_to}" for fk in table.foreign_keys if fk.column == column]
    if table.time_column == column:
        roles.append("time")
    roles += [f"time of day of {c.name}" for c in table.columns if c.time_of_day == column]
    return roles


# -- Markdown ----------------------------------------------------------------------------------


def schema_summary_markdown(schema: Schema, row_counts: Mapping[str, int] | None = None) -> str:
    """Writes a Markdown summary of a schema: one section per table, with every decision.

    Args:
        schema: The schema.
        row_counts: Rows per table name, shown where given (default: ``None``).

    Returns:
        The Markdown text, ending with a newline.
    """
    counts = row_counts or {}
    n_fks = sum(len(t.foreign_keys) for t in schema.tables)
    temporal = sum(t.is_temporal for t in schema.tables)
    lines = [
        "# Schema",
        "",
        f"{len(schema.tables)} tables, {n_fks} foreign keys, {temporal} tables with time. "
        f"Schema hash `{schema.content_hash()}`.",
        "",
        "| table | rows | primary key | foreign keys | time |",
        "|---|---:|---|---|---|",
    ]
    for table in schema.tables:
        fks = ", ".join(f"{_code(fk.column)} -> {_code(fk.link_to)}" for fk in table.foreign_keys)
        cells = (
            _code(table.name),
            _count(counts.get(table.name)),
            _code(table.primary_key) if table.primary_key else "-",
            fks or "-",
            describe_time(schema, table),
        )
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    for table in schema.tables:
        lines += ["", *_table_markdown(schema, table, counts.get(table.name))]
    return "\n".join(lines) + "\n"


def _table_markdown(schema: Schema, table: Table, rows: int | None) -> list[str]:
    lines = [f"## {table.name}", ""]
    if rows is not None:
        lines.append(f"- rows: {rows:,}")
    lines.append(f"- primary key: {_code(table.primary_key) if table.primary_key else 'none'}")
    if table.foreign_keys:
        lines.append("- foreign keys:")
        lines += [f"  - {_code(fk.column)} -> {_code(fk.link_to)}" for fk in table.foreign_keys]
    else:
        lines.append("- foreign keys: none")
    time = describe_time(schema, table)
    lines.append(f"- time: {_code(time) if table.time_column is not None else time}")
    lines += ["", "| column | dtype | role |", "|---|---|---|"]
    for col in table.columns:
        cells = (_code(col.name), col.dtype.value, ", ".join(column_roles(table, col.name)))
        lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    if table.decisions:
        lines += [
            "",
            "Decisions:",
            "",
            "| decision | column | value | source | reason |",
            "|---|---|---|---|---|",
        ]
        for d in table.decisions:
            column = _code(d.column) if d.column is not None else "(table)"
            cells = (_kind(d), column, _code(d.value), d.source, d.reason)
            lines.append("| " + " | ".join(_cell(x) for x in cells) + " |")
    return lines


def _count(rows: int | None) -> str:
    return "-" if rows is None else f"{rows:,}"


def _cell(text: str) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(text.split()).replace("|", "\\|")


def _code(text: str) -> str:
    """A Markdown code span holding ``text`` verbatim (names may hold any character)."""
    return f"`` {text} ``" if "`" in text else f"`{text}`"


# -- rich --------------------------------------------------------------------------------------


def schema_rich_table(schema: Schema, row_counts: Mapping[str, int] | None = None) -> Group:
    """Builds terminal tables for a schema: an overview, then one table per table.

    Args:
        schema: The schema.
        row_counts: Rows per table name, shown where given (default: ``None``).

    Returns:
        A rich renderable; print it with ``rich.console.Console().print``.
    """
    counts = row_counts or {}
    overview = RichTable(title="Schema", box=box.SIMPLE_HEAVY, title_justify="left")
    overview.add_column("table", overflow="fold")
    if row_counts is not None:
        overview.add_column("rows", justify="right")
    overview.add_column("primary key", overflow="fold")
    overview.add_column("foreign keys", overflow="fold")
    overview.add_column("time", overflow="fold")
    for table in schema.tables:
        # Text, not str, everywhere: names and reasons must not be read as rich markup.
        cells = [Text(table.name, style="bold")]
        if row_counts is not None:
            cells.append(Text(_count(counts.get(table.name))))
        cells += [
            Text(table.primary_key or "-"),
            Text("\n".join(f"{fk.column} -> {fk.table}" for fk in table.foreign_keys) or "-"),
            Text(describe_time(schema, table)),
        ]
        overview.add_row(*cells)
    return Group(overview, *(_table_rich(schema, t, counts.get(t.name)) for t in schema.tables))


def _table_rich(schema: Schema, table: Table, rows: int | None) -> RichTable:
    title = table.name if rows is None else f"{table.name} ({rows:,} rows)"
    general = [d for d in table.decisions if d.column is None]
    caption = [f"time: {describe_time(schema, table)}"]
    caption += [f"{_kind(d)}: {d.value} ({_reason(d)})" for d in general]
    grid = RichTable(
        title=Text(title),
        caption=Text("\n".join(caption)),
        box=box.ROUNDED,
        title_justify="left",
        caption_justify="left",
        expand=False,
    )
    grid.add_column("column", style="bold")
    grid.add_column("dtype", style="cyan")
    grid.add_column("role", style="yellow")
    grid.add_column("why", overflow="fold")
    for col in table.columns:
        reasons = [f"{_kind(d)}: {_reason(d)}" for d in table.decisions if d.column == col.name]
        grid.add_row(
            Text(col.name),
            Text(col.dtype.value),
            Text(", ".join(column_roles(table, col.name))),
            Text("\n".join(reasons)),
        )
    return grid


def _kind(decision: Decision) -> str:
    return DecisionKind(decision.kind).value


def _reason(decision: Decision) -> str:
    return (
        decision.reason
        if decision.source == "inferred"
        else f"{decision.source}: {decision.reason}"
    )


# -- diagram -----------------------------------------------------------------------------------


def schema_diagram_dot(schema: Schema, row_counts: Mapping[str, int] | None = None) -> str:
    """Draws a schema as a Graphviz DOT graph.

    Every table is a node whose label lists its columns with their dtypes and ``PK``, ``FK``
    and ``time`` markers; every foreign key is an edge from the child's key column to the
    parent's primary key, labelled with the foreign-key column. An edge the child takes its
    time through is bold and says ``(time)``.

    Args:
        schema: The schema.
        row_counts: Rows per table name, shown where given (default: ``None``).

    Returns:
        The DOT source.
    """
    counts = row_counts or {}
    graph = graphviz.Digraph("schema", comment="relgraph schema")
    graph.attr(rankdir="LR", fontname="Helvetica", nodesep="0.4", ranksep="1.0")
    graph.attr("node", shape="plain", fontname="Helvetica", fontsize="11")
    graph.attr("edge", fontname="Helvetica", fontsize="10", color="#555555")
    node_ids = {t.name: f"t{i}" for i, t in enumerate(schema.tables)}
    for table in schema.tables:
        graph.node(node_ids[table.name], label=_html_label(schema, table, counts.get(table.name)))
    for table in schema.tables:
        for fk in table.foreign_keys:
            if fk.table not in node_ids or not table.has_column(fk.column):
                continue  # a dangling key; Schema.validate reports it
            parent = schema.table(fk.table)
            # Leave the child's key row on its right, enter the parent's key row on its left.
            tail = f"{node_ids[table.name]}:o{table.column_names.index(fk.column)}:e"
            head = node_ids[parent.name]
            if parent.has_column(fk.target_column):
                head += f":i{parent.column_names.index(fk.target_column)}:w"
            through_time = table.inherit_time_from == fk.column
            graph.edge(
                tail,
                head,
                # escape: a name like "<id>" must not read as an HTML label, nor "\\n" as DOT's
                label=graphviz.escape(fk.column + (" (time)" if through_time else "")),
                style="bold" if through_time else "solid",
            )
    return graph.source


def _html_label(schema: Schema, table: Table, rows: int | None) -> str:
    title = f"<B>{html.escape(table.name)}</B>"
    if rows is not None:
        title += f' <FONT POINT-SIZE="9">{rows:,} rows</FONT>'
    out = [
        '<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="4">',
        f'<TR><TD COLSPAN="3" BGCOLOR="{_HEADER_COLOR}"><FONT COLOR="white">{title}</FONT></TD></TR>',
    ]
    fk_columns = {fk.column for fk in table.foreign_keys}
    for i, col in enumerate(table.columns):
        markers = []
        if col.name == table.primary_key:
            markers.append("PK")
        if col.name in fk_columns:
            markers.append("FK")
        if col.name == table.time_column:
            markers.append("time")
        marker_text = f"<B>{' '.join(markers)}</B>" if markers else " "
        bgcolor = ""
        if col.name == table.time_column:
            bgcolor = f' BGCOLOR="{_TIME_COLOR}"'
        elif markers:
            bgcolor = f' BGCOLOR="{_KEY_COLOR}"'
        out.append(
            # Ports are named by column position (in on the left, out on the right): column
            # names may hold any character.
            f'<TR><TD ALIGN="LEFT" PORT="i{i}"{bgcolor}>{marker_text}</TD>'
            f'<TD ALIGN="LEFT"{bgcolor}>{html.escape(col.name)}</TD>'
            f'<TD ALIGN="LEFT" PORT="o{i}"{bgcolor}>'
            f'<FONT COLOR="#666666">{col.dtype.value}</FONT></TD></TR>'
        )
    if table.time_column is None:
        note = html.escape(describe_time(schema, table))
        out.append(f'<TR><TD COLSPAN="3" ALIGN="LEFT"><I>time: {note}</I></TD></TR>')
    out.append("</TABLE>>")
    return "\n".join(out)


def can_render_diagrams() -> bool:
    """Whether the Graphviz ``dot`` program is installed, so diagrams can be drawn."""
    return shutil.which("dot") is not None


def render_diagram(
    schema: Schema,
    dest_stem: str | os.PathLike[str],
    formats: Sequence[str] = ("svg", "png"),
    *,
    row_counts: Mapping[str, int] | None = None,
) -> list[Path]:
    """Writes a schema diagram: ``<dest_stem>.dot``, and each format Graphviz can draw.

    When the Graphviz ``dot`` program is not installed, only the ``.dot`` file is written and
    a warning says so (render it later with ``dot -Tsvg``).

    Args:
        schema: The schema.
        dest_stem: The path of the files without suffix, e.g. ``out/schema``.
        formats: Graphviz output formats to draw (default: ``("svg", "png")``).
        row_counts: Rows per table name, shown where given (default: ``None``).

    Returns:
        The files written, the ``.dot`` file first.

    Raises:
        ValueError: If a format is not a Graphviz output format.
        RuntimeError: If ``dot`` fails to draw the diagram.
    """
    unknown = [f for f in formats if f not in graphviz.FORMATS]
    if unknown:
        raise ValueError(
            f"render_diagram: unknown diagram formats {unknown} (for example: svg, png, pdf)"
        )
    stem = Path(dest_stem)
    source = schema_diagram_dot(schema, row_counts)
    written = [atomic_write_text(stem.with_name(stem.name + ".dot"), source)]
    if not formats:
        return written
    if not can_render_diagrams():
        _logger.warning(
            "Graphviz 'dot' is not installed: wrote only %s (install graphviz to draw %s)",
            written[0],
            ", ".join(formats),
        )
        return written
    for fmt in formats:
        try:
            data = graphviz.pipe("dot", fmt, source.encode("utf-8"))
        except graphviz.CalledProcessError as exc:
            stderr = exc.stderr.decode("utf-8", "replace") if exc.stderr else ""
            raise RuntimeError(f"dot could not draw the {fmt} diagram: {stderr.strip()}") from exc
        written.append(atomic_write_bytes(stem.with_name(f"{stem.name}.{fmt}"), data))
    return written
