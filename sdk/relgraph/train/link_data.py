"""Link task tables as node indices: seeds, seed times and a CSR of true targets per row."""

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.graph.id_maps import IdMaps
from relgraph.tasks import LinkTask


@dataclass(frozen=True)
class LinkExamples:
    """The rows of one split of a link task, mapped to graph node indices.

    Row ``i`` asks for a ranking of ``target_type`` nodes for source node ``seeds[i]`` at
    ``seed_time[i]``; its true targets are ``targets[indptr[i]:indptr[i + 1]]`` (distinct,
    sorted).

    Args:
        source_type: The node type of the sources (the task's entity table).
        target_type: The node type of the ranked targets.
        num_targets: The number of ``target_type`` nodes.
        seeds: ``int64[n]`` source node indices.
        seed_time: ``int64[n]`` anchor times in seconds since the epoch.
        indptr: ``int64[n + 1]`` offsets into ``targets``.
        targets: ``int64[nnz]`` target node indices.
    """

    source_type: str
    target_type: str
    num_targets: int
    seeds: np.ndarray
    seed_time: np.ndarray
    indptr: np.ndarray
    targets: np.ndarray

    def __len__(self) -> int:
        return int(self.seeds.shape[0])

    @classmethod
    def from_table(
        cls,
        table: pa.Table,
        id_maps: IdMaps,
        *,
        source_type: str,
        entity_column: str,
        target_type: str,
        target_column: str,
        time_column: str = "anchor_time",
    ) -> "LinkExamples":
        """Maps a link task table (entity key, anchor time, list of target keys) to nodes.

        Args:
            table: The task table.
            id_maps: The graph's primary key <-> node index maps.
            source_type: The entity table (a node type with a primary key).
            entity_column: The task table's column of entity keys.
            target_type: The target table (a node type with a primary key).
            target_column: The task table's column of target-key lists.
            time_column: The anchor-time column (default: ``"anchor_time"``).

        Returns:
            The examples; null target lists count as empty.

        Raises:
            ValueError: If a column is missing or of the wrong type, or a key is not a node.
        """
        missing = [
            c for c in (entity_column, time_column, target_column) if c not in table.column_names
        ]
        if missing:
            raise ValueError(
                f"link task table lacks columns {missing} (found: {table.column_names})"
            )
        labels = table[target_column].combine_chunks()
        if not (pa.types.is_list(labels.type) or pa.types.is_large_list(labels.type)):
            raise ValueError(
                f"link task column '{target_column}' must hold lists of target keys, "
                f"found {labels.type}"
            )
        times = table[time_column].combine_chunks()
        if not pa.types.is_timestamp(times.type) or times.null_count:
            raise ValueError(
                f"link task column '{time_column}' must be a timestamp without nulls, "
                f"found {times.type} with {times.null_count} nulls"
            )
        seeds = id_maps.node_index(source_type, table[entity_column].combine_chunks())
        if (seeds < 0).any():
            bad = table[entity_column].take(pa.array(np.flatnonzero(seeds < 0)[:5]))
            raise ValueError(
                f"link task column '{entity_column}': keys {bad.to_pylist()} are not rows of "
                f"'{source_type}'"
            )
        seed_time = (
            times.cast(pa.timestamp("s")).cast(pa.int64()).to_numpy(zero_copy_only=False)
        ).astype(np.int64)
        labels = pc.fill_null(labels, pa.scalar([], labels.type))
        lengths = pc.list_value_length(labels).to_numpy(zero_copy_only=False).astype(np.int64)
        flat = id_maps.node_index(target_type, pc.list_flatten(labels))
        if (flat < 0).any():
            bad = pc.list_flatten(labels).take(pa.array(np.flatnonzero(flat < 0)[:5]))
            raise ValueError(
                f"link task column '{target_column}': keys {bad.to_pylist()} are not rows of "
                f"'{target_type}'"
            )
        row = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
        num_targets = len(id_maps.key_values(target_type))
        indptr, targets = _csr(row, flat, len(lengths), num_targets)
        return cls(source_type, target_type, num_targets, seeds, seed_time, indptr, targets)

    @classmethod
    def from_task(cls, task: LinkTask, split: str, id_maps: IdMaps) -> "LinkExamples":
        """The rows of one split of a :class:`~relgraph.tasks.LinkTask`.

        Args:
            task: The link task (its tables are read with ``task.table(split)``).
            split: ``"train"``, ``"validation"`` or ``"test"``.
            id_maps: The graph's primary key <-> node index maps.

        Raises:
            ValueError: As :meth:`from_table`, or if the task has no time column.
        """
        if task.time_column is None:
            raise ValueError(
                f"task '{task.name}' has no time column; link training samples each row's "
                "subgraph at its anchor time"
            )
        return cls.from_table(
            task.table(split),
            id_maps,
            source_type=task.source_entity_table,
            entity_column=task.source_entity_column,
            target_type=task.target_entity_table,
            target_column=task.target_entity_column,
            time_column=task.time_column,
        )

    def pairs(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The (position in ``rows``, target) pairs of the true links of ``rows``.

        Args:
            rows: ``int[b]`` example indices.

        Returns:
            ``int64[m]`` positions into ``rows`` and ``int64[m]`` target node indices.
        """
        rows = np.asarray(rows, dtype=np.int64)
        start = self.indptr[rows]
        lengths = self.indptr[rows + 1] - start
        local = np.repeat(np.arange(rows.size, dtype=np.int64), lengths)
        offsets = np.arange(local.size, dtype=np.int64) - np.repeat(
            np.cumsum(lengths) - lengths, lengths
        )
        return local, self.targets[np.repeat(start, lengths) + offsets]

    def target_lists(self) -> list[np.ndarray]:
        """The true targets of every row, one array per row."""
        return np.split(self.targets, self.indptr[1:-1])

    def target_counts(self) -> np.ndarray:
        """How many rows link to each target node: ``int64[num_targets]``."""
        return np.bincount(self.targets, minlength=self.num_targets).astype(np.int64)


def _csr(
    row: np.ndarray, col: np.ndarray, num_rows: int, num_cols: int
) -> tuple[np.ndarray, np.ndarray]:
    """Sorted, de-duplicated CSR of (row, col) pairs."""
    key = np.unique(row * num_cols + col)
    rows, cols = np.divmod(key, num_cols)
    indptr = np.zeros(num_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_rows), out=indptr[1:])
    return indptr, cols.astype(np.int64)
