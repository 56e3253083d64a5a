"""The shape of the output tables: predictions per task type, and embeddings.

Every output starts with the entity column (its key values as in the graph) and
``anchor_time`` (``timestamp[us]``), then:

* binary classification: ``probability`` (P(class 1)) and ``prediction``, the predicted class
  (1 where ``probability >= threshold``, else 0);
* multiclass classification: ``prediction``, the predicted class (the most probable one, as
  the labels spell it), ``probability`` (its probability) and ``probability_<class>`` per
  class;
* multilabel classification: ``probability_<label>`` and ``predicted_<label>`` (0/1 by the
  threshold) per label;
* regression: ``prediction``;
* link prediction: one row per (entity, rank): ``rank`` (1 = best), the target column (the
  target's key) and ``score``; long rather than lists, so SQL tables can hold it too;
* embeddings: ``embedding``, a ``fixed_size_list<float32>`` per row.

``prediction`` and ``probability`` mean what they mean in the model's holdout predictions
(:func:`relgraph.train.holdout_frame`) and in ``ModelBundle.predict``; per-class values are
columns rather than lists so that SQL tables can hold them.
"""

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from relgraph.tasks import ANCHOR_TIME, TaskType

PROBABILITY = "probability"
PREDICTION = "prediction"
RANK = "rank"
SCORE = "score"
EMBEDDING = "embedding"


class _Columns(dict[str, pa.Array]):
    """Output columns by name; a name set twice is an error, not a silent replacement."""

    def __setitem__(self, name: str, values: pa.Array) -> None:
        if name in self:
            raise ValueError(f"output column {name!r} would be written twice")
        super().__setitem__(name, values)


def _keys(entity_column: str, entity_ids: pa.Array, anchor_time: pa.Array) -> _Columns:
    if entity_column == ANCHOR_TIME:
        raise ValueError(f"entity column {entity_column!r} clashes with an output column name")
    if len(entity_ids) != len(anchor_time):
        raise ValueError(
            f"{len(entity_ids)} entity ids but {len(anchor_time)} anchor times: lengths differ"
        )
    columns = _Columns()
    columns[entity_column] = entity_ids
    columns[ANCHOR_TIME] = anchor_time.cast(pa.timestamp("us"))
    return columns


def _check_rows(values: np.ndarray, n: int, what: str) -> None:
    if values.shape[0] != n:
        raise ValueError(f"{what} has {values.shape[0]} rows for {n} entities")


def node_predictions_table(
    task_type: TaskType,
    entity_column: str,
    entity_ids: pa.Array,
    anchor_time: pa.Array,
    predictions: np.ndarray,
    *,
    classes: Sequence[object] = (),
    threshold: float = 0.5,
) -> pa.Table:
    """The predictions of a node task (see the module docstring for the columns).

    Args:
        task_type: The task type.
        entity_column: Name of the entity column.
        entity_ids: The entity key per row.
        anchor_time: The anchor time per row.
        predictions: The model's predictions in :class:`~relgraph.train.NodePredictor`'s
            convention: ``[n]`` P(1) or values, ``[n, C]`` class or label probabilities.
        classes: Class (multiclass) or label (multilabel) values in output order (default:
            empty).
        threshold: Binary and multilabel decision threshold (default: ``0.5``).

    Returns:
        The table.

    Raises:
        ValueError: If shapes do not fit the task type, the threshold is outside ``[0, 1]``,
            or a column name clashes.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], found {threshold!r}")
    columns = _keys(entity_column, entity_ids, anchor_time)
    n = len(entity_ids)
    values = np.asarray(predictions, dtype=np.float64)
    _check_rows(values, n, "predictions")
    if task_type is TaskType.BINARY_CLASSIFICATION:
        values = values.reshape(n)
        columns[PROBABILITY] = pa.array(values)
        columns[PREDICTION] = pa.array((values >= threshold).astype(np.int64))
    elif task_type is TaskType.REGRESSION:
        columns[PREDICTION] = pa.array(values.reshape(n))
    elif task_type in (TaskType.MULTICLASS_CLASSIFICATION, TaskType.MULTILABEL_CLASSIFICATION):
        values = values.reshape(n, -1)
        if values.shape[1] != len(classes):
            raise ValueError(
                f"predictions have {values.shape[1]} columns for {len(classes)} classes"
            )
        if task_type is TaskType.MULTICLASS_CLASSIFICATION:
            best = values.argmax(axis=1) if n else np.zeros(0, dtype=np.int64)
            columns[PREDICTION] = pa.array(list(classes)).take(pa.array(best))
            columns[PROBABILITY] = pa.array(values[np.arange(n), best])
        for index, value in enumerate(classes):
            columns[f"{PROBABILITY}_{value}"] = pa.array(values[:, index])
        if task_type is TaskType.MULTILABEL_CLASSIFICATION:
            for index, value in enumerate(classes):
                columns[f"predicted_{value}"] = pa.array(
                    (values[:, index] >= threshold).astype(np.int64)
                )
    else:
        raise ValueError(f"{task_type.value} is not a node task type")
    return pa.table(columns)


def link_predictions_table(
    entity_column: str,
    entity_ids: pa.Array,
    anchor_time: pa.Array,
    target_column: str,
    target_ids: pa.Array | np.ndarray,
    scores: np.ndarray,
) -> pa.Table:
    """The top-k targets per entity, one row per (entity, rank).

    Args:
        entity_column: Name of the entity column.
        entity_ids: The entity key per entity.
        anchor_time: The anchor time per entity.
        target_column: Name of the target column.
        target_ids: ``[n, k]`` target keys, best first (a NumPy array, or an Arrow array of
            ``n * k`` keys in row order).
        scores: ``[n, k]`` their scores.

    Returns:
        ``n * k`` rows: entity, ``anchor_time``, ``rank`` (1-based), target, ``score``.

    Raises:
        ValueError: If shapes differ or column names clash.
    """
    keys = _keys(entity_column, entity_ids, anchor_time)
    n = len(entity_ids)
    scores = np.asarray(scores, dtype=np.float64)
    _check_rows(scores, n, "scores")
    k = scores.shape[1] if scores.ndim == 2 else 0
    targets = (
        target_ids
        if isinstance(target_ids, pa.Array)
        else pa.array(np.asarray(target_ids).reshape(-1))
    )
    if len(targets) != n * k:
        raise ValueError(f"{len(targets)} target ids for {n} entities x top {k}")
    repeat = pa.array(np.repeat(np.arange(n), k))
    columns = _Columns()
    columns[entity_column] = keys[entity_column].take(repeat)
    columns[ANCHOR_TIME] = keys[ANCHOR_TIME].take(repeat)
    columns[RANK] = pa.array(np.tile(np.arange(1, k + 1, dtype=np.int32), n))
    columns[target_column] = targets
    columns[SCORE] = pa.array(scores.reshape(-1))
    return pa.table(columns)


def embeddings_table(
    entity_column: str, entity_ids: pa.Array, anchor_time: pa.Array, embeddings: np.ndarray
) -> pa.Table:
    """Entity embeddings: entity, ``anchor_time``, ``embedding`` (``fixed_size_list<float32>``).

    Raises:
        ValueError: If the embeddings are not ``[n, d]`` or a column name clashes.
    """
    columns = _keys(entity_column, entity_ids, anchor_time)
    matrix = np.ascontiguousarray(embeddings, dtype=np.float32)
    if matrix.ndim != 2:
        raise ValueError(f"embeddings must be [rows, dims], found shape {matrix.shape}")
    _check_rows(matrix, len(entity_ids), "embeddings")
    columns[EMBEDDING] = pa.FixedSizeListArray.from_arrays(
        pa.array(matrix.reshape(-1)), matrix.shape[1]
    )
    return pa.table(columns)
