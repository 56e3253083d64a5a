"""Node task tables turned into model inputs: seed node ids, seed times and label tensors."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch

from relgraph.graph.id_maps import IdMaps
from relgraph.tasks import ANCHOR_TIME, LABEL, TaskType
from relgraph.tasks.split import SPLITS

_HISTORY_LAG_STREAM = 7
"""Mixed into the seed of the history-lag draw, so it is independent of other draws."""


@dataclass(frozen=True)
class LabelCoder:
    """Maps task-table labels to training targets and model outputs back to predictions.

    Args:
        task_type: The task type (binary, multiclass, multilabel or regression).
        classes: Class values (multiclass) or label values (multilabel), in output order;
            empty for binary and regression.
    """

    task_type: TaskType
    classes: tuple[object, ...] = ()

    @classmethod
    def fit(cls, task_type: TaskType, labels: pa.ChunkedArray | pa.Array) -> LabelCoder:
        """Learns the classes of ``labels`` (the training labels).

        Raises:
            ValueError: If the task type is not a node task type, or a multiclass task has
                fewer than two classes.
        """
        if task_type.is_link:
            raise ValueError(f"task_type {task_type.value!r} is not a node task type")
        if task_type is TaskType.MULTICLASS_CLASSIFICATION:
            classes = tuple(sorted(pc.unique(labels.drop_null()).to_pylist()))
            if len(classes) < 2:
                raise ValueError(f"a multiclass task needs >= 2 classes, found {list(classes)}")
            return cls(task_type, classes)
        if task_type is TaskType.MULTILABEL_CLASSIFICATION:
            values = pc.list_flatten(labels).drop_null()
            return cls(task_type, tuple(sorted(pc.unique(values).to_pylist())))
        return cls(task_type)

    @property
    def out_channels(self) -> int:
        """The model's output width."""
        return len(self.classes) if self.classes else 1

    def encode(self, labels: pa.ChunkedArray | pa.Array, split: str) -> torch.Tensor:
        """Returns training targets: float ``[n]`` (binary, regression), int64 ``[n]``
        (multiclass) or float ``[n, L]`` multi-hot (multilabel).

        Raises:
            ValueError: If labels are null, or hold classes unseen in training.
        """
        if labels.null_count:
            raise ValueError(f"the {split} task table has {labels.null_count} null label(s)")
        if self.task_type is TaskType.MULTICLASS_CLASSIFICATION:
            index = pc.index_in(labels, value_set=pa.array(self.classes, type=labels.type))
            if index.null_count:
                unseen = pc.unique(pc.filter(labels, pc.is_null(index))).to_pylist()
                raise ValueError(
                    f"the {split} task table has classes not seen in training: {unseen[:10]}"
                )
            return torch.from_numpy(index.to_numpy(zero_copy_only=False).astype(np.int64))
        if self.task_type is TaskType.MULTILABEL_CLASSIFICATION:
            flat = pc.list_flatten(labels)
            index = pc.index_in(flat, value_set=pa.array(self.classes, type=flat.type))
            lengths = pc.list_value_length(labels).to_numpy(zero_copy_only=False)
            rows = np.repeat(np.arange(len(labels)), lengths)
            index_np = index.to_numpy(zero_copy_only=False)
            known = ~np.isnan(index_np.astype(float)) if index.null_count else slice(None)
            target = torch.zeros((len(labels), len(self.classes)), dtype=torch.float32)
            target[
                torch.from_numpy(rows[known]),
                torch.from_numpy(np.asarray(index_np[known], dtype=np.int64)),
            ] = 1.0
            return target
        values = labels.to_numpy(zero_copy_only=False) if hasattr(labels, "to_numpy") else labels
        return torch.from_numpy(np.asarray(values, dtype=np.float32))

    def metric_targets(self, target: torch.Tensor) -> np.ndarray:
        """The targets in the form ``compute_metrics`` expects."""
        return target.numpy()


@dataclass(frozen=True)
class NodeExamples:
    """One split of a node task as model inputs.

    Args:
        entity_ids: The entity key of every example (as in the task table).
        anchor_time: ``timestamp`` anchor time of every example.
        seeds: ``int64`` node index of every example's entity.
        seed_time: ``int64`` anchor time in seconds.
        target: The encoded labels (see :meth:`LabelCoder.encode`), or ``None`` when the
            split has no labels.
        visible_until: ``int64`` time (seconds) per example after which the graph is hidden
            from it, or ``None``: everything before the anchor time is visible.
    """

    entity_ids: pa.Array
    anchor_time: pa.Array
    seeds: np.ndarray
    seed_time: np.ndarray
    target: torch.Tensor | None
    visible_until: np.ndarray | None = None

    def __len__(self) -> int:
        return int(self.seeds.size)


def node_examples(
    table: pa.Table,
    id_maps: IdMaps,
    *,
    entity_table: str,
    entity_column: str,
    coder: LabelCoder | None,
    split: str,
) -> NodeExamples:
    """Reads a task table (entity column, ``anchor_time``, optional ``label``).

    Args:
        table: The task table.
        id_maps: The graph's id maps.
        entity_table: The node type of the entities.
        entity_column: The task table's entity column.
        coder: Encodes labels; ``None`` ignores them.
        split: The split's name, for error messages.

    Raises:
        ValueError: If a column is missing, or an entity or anchor time is unknown / null.
    """
    for column in (entity_column, ANCHOR_TIME):
        if column not in table.column_names:
            raise ValueError(
                f"the {split} task table has no column {column!r} "
                f"(found columns: {table.column_names})"
            )
    keys = table.column(entity_column).combine_chunks()
    seeds = id_maps.node_index(entity_table, keys)
    unknown = seeds < 0
    if unknown.any():
        examples = keys.filter(pa.array(unknown)).to_pylist()[:5]
        raise ValueError(
            f"the {split} task table has {int(unknown.sum())} {entity_column} value(s) that "
            f"are no row of {entity_table!r} (e.g. {examples})"
        )
    anchor = table.column(ANCHOR_TIME).combine_chunks()
    if anchor.null_count:
        raise ValueError(f"the {split} task table has {anchor.null_count} null anchor_time(s)")
    seconds = pc.cast(pc.cast(anchor, pa.timestamp("s"), safe=False), pa.int64()).to_numpy()
    target = None
    if coder is not None and LABEL in table.column_names:
        target = coder.encode(table.column(LABEL).combine_chunks(), split)
    return NodeExamples(
        entity_ids=keys,
        anchor_time=anchor,
        seeds=seeds.astype(np.int64),
        seed_time=np.ascontiguousarray(seconds, dtype=np.int64),
        target=target,
    )


def check_splits(tables: Mapping[str, pa.Table]) -> None:
    """Raises ``ValueError`` unless ``tables`` has ``train`` and ``validation`` tables with a
    ``label`` column (``test`` is optional)."""
    unknown = sorted(set(tables) - set(SPLITS))
    if unknown:
        raise ValueError(f"unknown split name(s) {unknown} (known: {list(SPLITS)})")
    for split in ("train", "validation"):
        if split not in tables:
            raise ValueError(f"a {split!r} task table is required (found: {sorted(tables)})")
        if LABEL not in tables[split].column_names:
            raise ValueError(
                f"the {split} task table has no 'label' column "
                f"(found columns: {tables[split].column_names})"
            )


def recent_rows(table: pa.Table, time_column: str, window_days: int | None) -> pa.Table:
    """The rows of a training table whose time is at most ``window_days`` days before its
    latest time (all rows when ``None``): old history is another regime (field sizes,
    prices, catalogues drift), and the recent past predicts the future better.

    Raises:
        ValueError: If the table has no ``time_column``.
    """
    if window_days is None or table.num_rows == 0:
        return table
    if time_column not in table.column_names:
        raise ValueError(
            f"the train task table has no time column '{time_column}' "
            f"(columns: {table.column_names})"
        )
    times = pc.cast(table[time_column], pa.timestamp("us"))
    start = np.datetime64(pc.max(times).as_py(), "us") - np.timedelta64(window_days, "D")
    keep = pc.greater_equal(times, pa.scalar(start, type=pa.timestamp("us")))
    return table.filter(pc.fill_null(keep, False))


def freeze_examples(examples: NodeExamples, visible_until: int) -> NodeExamples:
    """The examples with the graph hidden after ``visible_until`` (seconds), as from a
    database snapshot taken then; anchor times (and so ages) are unchanged."""
    return dataclasses.replace(
        examples, visible_until=np.full(len(examples), visible_until, dtype=np.int64)
    )


def with_history_lag(
    examples: NodeExamples, lags: np.ndarray, prob: float, seed: int
) -> NodeExamples:
    """The examples with a fraction ``prob`` of them seeing the graph as a snapshot older
    than their anchor time by a lag drawn from ``lags`` (seconds); the draw is fixed by
    ``seed``.

    Raises:
        ValueError: If ``lags`` is empty or negative.
    """
    lags = np.asarray(lags, dtype=np.int64)
    if lags.size == 0 or (lags < 0).any():
        raise ValueError("history lags must be a non-empty array of non-negative seconds")
    rng = np.random.default_rng([seed, _HISTORY_LAG_STREAM])
    drawn = rng.choice(lags, size=len(examples))
    drawn[rng.random(len(examples)) >= prob] = 0
    return dataclasses.replace(examples, visible_until=examples.seed_time - drawn)
