"""Which rows to predict for: the entities and their anchor times.

Three ways (``batch_predict``'s ``entities``):

* an Arrow table with the entity column and, optionally, ``anchor_time``;
* a path or URI: a task folder (its ``test`` split, else its last one, the time column read
  as ``anchor_time``) or a table file / location that :func:`relgraph.tasks.read_task_source`
  reads (parquet, CSV, ``s3://``, ``sqlite:///db#table``);
* ``None``: every entity of the entity table that exists at the anchor time (static tables:
  every row; temporal ones: rows whose time is at or before it).

Rows without an ``anchor_time`` column get the ``anchor_time`` argument, by default the latest
time in the graph's data.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from relgraph.tasks import ANCHOR_TIME, load_task, read_task_source
from relgraph.tasks.base import TASK_FILE

if TYPE_CHECKING:  # relgraph.graph imports torch: only when a graph is used
    from relgraph.graph.artifact import GraphArtifact

EntitySource = pa.Table | str | os.PathLike[str]
"""What ``batch_predict`` takes as ``entities`` (besides ``None``)."""


def latest_time(artifact: GraphArtifact) -> int:
    """The latest known row time in the graph, in seconds since the epoch.

    Raises:
        ValueError: If no node type has a known time (a static graph has no "latest").
    """
    from relgraph.graph.store import NEVER

    latest = None
    for times in artifact.store.node_time.values():
        if times is None or times.size == 0:
            continue
        known = times[times != NEVER]
        if known.size:
            value = int(known.max())
            latest = value if latest is None else max(latest, value)
    if latest is None:
        raise ValueError(
            f"graph {artifact.path} has no row times, so there is no latest time: pass anchor_time"
        )
    return latest


def anchor_seconds(
    anchor_time: str | dt.datetime | dt.date | int | None, artifact: GraphArtifact
) -> int:
    """``anchor_time`` in seconds since the epoch; ``None`` -> :func:`latest_time`.

    Raises:
        ValueError: If the value is not a point in time, or ``None`` on a static graph.
    """
    from relgraph.graph.node_time import to_epoch_seconds

    if anchor_time is None:
        return latest_time(artifact)
    return to_epoch_seconds(anchor_time, name="anchor_time")


def _timestamps(seconds: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(seconds, dtype="datetime64[s]").astype("datetime64[us]"))


def read_entities(source: EntitySource, *, entity_column: str, time_column: str | None) -> pa.Table:
    """Reads the rows to predict for from a table, task folder or table location.

    Args:
        source: See the module docstring.
        entity_column: The entity column the rows must have.
        time_column: The task's time column, read as ``anchor_time`` (default name when
            ``None``: ``anchor_time``).

    Returns:
        The entity column and, when present, ``anchor_time`` (``timestamp[us]``).

    Raises:
        FileNotFoundError: If a task folder lacks its files.
        ValueError: If the entity column is missing, or the source cannot be read.
    """
    where = "entities"
    if isinstance(source, pa.Table):
        table = source
    else:
        path = os.fspath(source)
        if Path(path, TASK_FILE).is_file():
            task = load_task(Path(path))
            split = "test" if "test" in task.splits else task.splits[-1]
            table = task.table(split)
            time_column = task.time_column or time_column
            where = f"entities (task {task.name!r}, split {split!r})"
        else:
            table = read_task_source(path, where="entities")
    if time_column and time_column != ANCHOR_TIME and time_column in table.column_names:
        if ANCHOR_TIME in table.column_names:
            raise ValueError(
                f"{where} have both {time_column!r} and {ANCHOR_TIME!r} columns; keep one"
            )
        table = table.rename_columns(
            [ANCHOR_TIME if name == time_column else name for name in table.column_names]
        )
    if entity_column not in table.column_names:
        raise ValueError(
            f"{where} have no entity column {entity_column!r} (found columns: {table.column_names})"
        )
    keep = [entity_column] + ([ANCHOR_TIME] if ANCHOR_TIME in table.column_names else [])
    out = table.select(keep)
    if ANCHOR_TIME in keep:
        anchor = out.column(ANCHOR_TIME)
        if not pa.types.is_timestamp(anchor.type) and not pa.types.is_date(anchor.type):
            raise ValueError(
                f"{where}: column {ANCHOR_TIME!r} must hold timestamps or dates, found "
                f"{anchor.type}"
            )
        if anchor.null_count:
            raise ValueError(f"{where}: column {ANCHOR_TIME!r} has {anchor.null_count} null(s)")
        out = out.set_column(1, ANCHOR_TIME, anchor.cast(pa.timestamp("us")))
    return out


def resolve_entities(
    artifact: GraphArtifact,
    *,
    entity_table: str,
    entity_column: str,
    entities: EntitySource | None,
    anchor_time: str | dt.datetime | dt.date | int | None,
    time_column: str | None = None,
) -> pa.Table:
    """The rows to predict for: the entity column and ``anchor_time``.

    Args:
        artifact: The graph.
        entity_table: The node type predicted for.
        entity_column: The entity column.
        entities: A table, a task folder or table location, or ``None`` (every entity that
            exists at ``anchor_time``).
        anchor_time: The anchor time of rows without one (default: the latest time in the
            graph).
        time_column: The task's time column name, read as ``anchor_time`` (default: ``None``).

    Returns:
        The rows, ``anchor_time`` as ``timestamp[us]``.

    Raises:
        ValueError: If ``entities`` has an ``anchor_time`` column and ``anchor_time`` is given
            too, a column is missing, the table has no primary key, or there is no row.
    """
    if entities is None:
        if not artifact.id_maps.has_keys(entity_table):
            raise ValueError(
                f"entity table {entity_table!r} has no primary key: pass entities (a table of "
                f"{entity_column!r} values)"
            )
        at = anchor_seconds(anchor_time, artifact)
        keys = artifact.id_maps.key_values(entity_table)
        times = artifact.store.node_time.get(entity_table)
        if times is not None:
            keys = keys.filter(pa.array(np.asarray(times) <= at))
        if len(keys) == 0:
            from relgraph.graph.node_time import seconds_to_iso

            raise ValueError(
                f"no row of {entity_table!r} exists at anchor time {seconds_to_iso(at)}"
            )
        return pa.table({entity_column: keys, ANCHOR_TIME: _timestamps(np.full(len(keys), at))})
    table = read_entities(entities, entity_column=entity_column, time_column=time_column)
    if table.num_rows == 0:
        raise ValueError("entities has no rows")
    if ANCHOR_TIME in table.column_names:
        if anchor_time is not None:
            raise ValueError(
                f"entities has an {ANCHOR_TIME!r} column and anchor_time={anchor_time!r} was "
                "given too; pass one of them"
            )
        return table
    at = anchor_seconds(anchor_time, artifact)
    return table.append_column(ANCHOR_TIME, _timestamps(np.full(table.num_rows, at)))
