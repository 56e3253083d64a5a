"""Choosing each table's time: its own event-time column, or the time of a parent it references.

A row's time decides when a model may see it, so a wrong time leaks the future or hides the
past. Datetime columns that are not event times are rejected: mostly-null or constant
columns, record-keeping times (loaded, ingested, ETL, updated, modified: they date the
database, not the event) and attributes (a date of birth or an expiry date describes an
entity that exists before and after it). A table with no event time of its own takes the time
of a parent it references (a result takes its race's time): a row cannot exist before the
row it refers to.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError
from relgraph.schema.infer.dtypes import ColumnProfile
from relgraph.schema.infer.names import (
    attribute_time_word,
    bookkeeping_time_word,
    is_creation_time,
)
from relgraph.schema.table import Table

MAX_NULL_SHARE = 0.5
"""A time column may have at most this share of null values."""


@dataclass(frozen=True)
class TimeChoice:
    """A table's own time column.

    Args:
        column: The chosen column, or ``None``.
        reason: Why, with every rejected candidate and its fault.
    """

    column: str | None
    reason: str


def infer_time_column(table: Table, profiles: Mapping[str, ColumnProfile]) -> TimeChoice:
    """Chooses a table's own event-time column among its datetime columns.

    Among the columns that pass, an event time is preferred to a creation time
    (``created_at``), then the fewest nulls, then the earliest column.

    Args:
        table: The table, with its columns' dtypes decided.
        profiles: Sampled column profiles by column name (columns without one pass the null
            and constant checks).

    Returns:
        The chosen column, or none with the reason.
    """
    usable: list[tuple[bool, float, int, str]] = []
    rejected: list[str] = []
    for position, col in enumerate(table.columns):
        if col.dtype != ColumnDType.DATETIME:
            continue
        fault = _time_fault(col.name, profiles.get(col.name))
        if fault is None:
            null_share = profiles[col.name].null_share if col.name in profiles else 0.0
            usable.append((is_creation_time(col.name), null_share, position, col.name))
        else:
            rejected.append(f"'{col.name}': {fault}")
    if not usable:
        if not rejected:
            return TimeChoice(None, "no datetime column")
        return TimeChoice(None, "no usable datetime column (" + "; ".join(rejected) + ")")
    creation, null_share, _, name = min(usable)
    what = "a creation time" if creation else "an event time"
    reason = f"'{name}' is {what} with {null_share:.0%} nulls"
    if len(usable) > 1:
        others = ", ".join(f"'{u[3]}'" for u in usable if u[3] != name)
        reason += f", preferred to {others} (event times first, then fewest nulls, then order)"
    if rejected:
        reason += "; rejected: " + "; ".join(rejected)
    return TimeChoice(name, reason)


def _time_fault(name: str, profile: ColumnProfile | None) -> str | None:
    word = attribute_time_word(name)
    if word is not None:
        return f"'{word}' marks an attribute of the entity (like a date of birth), not an event"
    word = bookkeeping_time_word(name)
    if word is not None:
        return f"'{word}' marks a record-keeping time (when the row was written), not an event"
    if profile is None:
        return None
    if profile.null_share > MAX_NULL_SHARE:
        return f"{profile.null_share:.0%} null (at most {MAX_NULL_SHARE:.0%} allowed)"
    if profile.distinct <= 1:
        return "constant (one distinct value): dates the load, not the rows"
    return None


@dataclass(frozen=True)
class InheritChoice:
    """Where a table without its own time takes its time from.

    Args:
        column: The foreign-key column through which the time is inherited, or ``None``.
        reason: Why.
    """

    column: str | None
    reason: str


def infer_inherited_times(
    tables: Mapping[str, Table],
    row_counts: Mapping[str, int],
    fixed: Mapping[str, str | None],
) -> dict[str, InheritChoice]:
    """Decides which tables without their own time inherit a parent's time, and from which.

    A table is temporal when it has its own time, or references a temporal table. Each table
    takes the time of a parent that is fewer references away from an own time than itself
    (so inheritance never runs in a cycle); among those, a parent whose time is an event time
    rather than a creation time, then the finest grain (most rows: an order is more specific
    than its customer), then the first foreign key.

    Args:
        tables: Tables by name, with foreign keys and own time columns decided.
        row_counts: Rows per table.
        fixed: Tables whose inherited time the user set: the foreign-key column, or ``None``
            for none.

    Returns:
        A choice for every table without its own time.

    Raises:
        SchemaError: If a fixed inheritance goes through a parent that has no time.
    """
    depth = _depths(tables, fixed)
    source = {n: (n, t.time_column) for n, t in tables.items() if t.time_column is not None}
    out: dict[str, InheritChoice] = {}
    for name in sorted(depth, key=depth.__getitem__):
        if depth[name] == 0:
            continue
        table = tables[name]
        if name in fixed:
            column = fixed[name]
            parent = table.foreign_key(column).table
            reason = f"takes the time of '{parent}' through '{column}' (set by override)"
        else:
            column, reason = _best_parent(table, depth, source, row_counts)
            parent = table.foreign_key(column).table
        source[name] = source[parent]
        out[name] = InheritChoice(column, reason)
    for name, table in tables.items():
        if table.time_column is not None or name in out:
            continue
        if name in fixed and fixed[name] is None:
            out[name] = InheritChoice(None, "static: no inherited time (set by override)")
        elif name in fixed:
            parent = table.foreign_key(fixed[name]).table
            raise SchemaError(
                f"table '{name}': inherit_time_from override '{fixed[name]}' references "
                f"'{parent}', which has no time of its own or inherited"
            )
        else:
            out[name] = InheritChoice(None, "no referenced table has a time -> static")
    return out


def _best_parent(
    table: Table,
    depth: Mapping[str, int],
    source: Mapping[str, tuple[str, str]],
    row_counts: Mapping[str, int],
) -> tuple[str, str]:
    options = []
    for position, fk in enumerate(table.foreign_keys):
        if fk.table in depth and depth[fk.table] < depth[table.name]:
            src_table, src_column = source[fk.table]
            creation = is_creation_time(src_column)
            options.append(
                (creation, -row_counts[fk.table], position, fk, f"{src_table}.{src_column}")
            )
    options.sort(key=lambda o: o[:3])
    _, _, _, fk, time = options[0]
    reason = f"takes the time of '{fk.table}' ({time}) through '{fk.column}'"
    if len(options) == 1:
        return fk.column, reason + ": the only referenced table with a time"
    listed = "; ".join(
        f"{o[3].table}: {-o[1]:,} rows, {'creation' if o[0] else 'event'} time {o[4]}"
        for o in options
    )
    reason += (
        f": chosen among the referenced tables with a time ({listed}) by event time before "
        f"creation time, then finest grain (most rows), then column order"
    )
    return fk.column, reason


def _depths(tables: Mapping[str, Table], fixed: Mapping[str, str | None]) -> dict[str, int]:
    """References from each temporal table to the nearest own time (0 for an own time)."""
    depth = {n: 0 for n, t in tables.items() if t.time_column is not None}
    changed = True
    while changed:
        changed = False
        for name, table in tables.items():
            if table.time_column is not None:
                continue
            if name in fixed:
                column = fixed[name]
                fks = [] if column is None else [table.foreign_key(column)]
            else:
                fks = table.foreign_keys
            reach = [depth[fk.table] + 1 for fk in fks if fk.table in depth]
            if reach and min(reach) < depth.get(name, len(tables) + 1):
                depth[name] = min(reach)
                changed = True
    return depth
