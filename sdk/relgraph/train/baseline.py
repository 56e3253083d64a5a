"""A tabular baseline without the graph: gradient-boosted trees on the entity's own columns.

As RelBench's LightGBM baseline does, each example of a task table is joined to its entity's
row, and a gradient-boosted tree model (scikit-learn's ``HistGradientBoosting*``) learns the
label from that row's feature columns alone, never from the other tables. On top of RelBench's
features it gets the anchor time (days since the epoch) and, for each datetime column, the
entity's age at the anchor (``anchor - value`` in days: a driver's age at the race). Its scores
go through the same metric functions as the GNN's, so every report can show what the graph
adds.

Features by column dtype: ``integer``/``float`` as numbers, ``category`` as native categorical
splits (the most frequent values up to the tree's bin limit, rarer ones read as missing),
``datetime`` as days since the epoch plus the age at the anchor, ``embedding`` one feature per
dimension. ``text`` and ``multi_categorical`` columns are left out (RelBench embeds text with
GloVe; names and free text add little to trees). Primary and foreign keys are never features.

The number of boosting rounds and a small grid of tree settings are chosen on the validation
split by the task's metric.
"""

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from threadpoolctl import threadpool_limits

from relgraph.schema import ColumnDType, Table, to_timestamps
from relgraph.tasks import ANCHOR_TIME, LABEL, TaskType
from relgraph.train.metrics import compute_metrics, default_metric, metric_direction

if TYPE_CHECKING:
    from relgraph.graph import TextEmbedder

_logger = logging.getLogger(__name__)


DEFAULT_GRID: tuple[dict[str, Any], ...] = (
    {"learning_rate": 0.05, "max_leaf_nodes": 15, "min_samples_leaf": 20},
    {"learning_rate": 0.05, "max_leaf_nodes": 31, "min_samples_leaf": 40},
    {"learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 80},
)
"""Tree settings tried (each with up to ``max_iter`` rounds); the best on validation wins."""

_MAX_CATEGORIES = 254
"""Categories a native categorical feature keeps: HistGradientBoosting bins at most 255 values
(one bin is for missing)."""

_SECONDS_PER_DAY = 86_400.0


@dataclass(frozen=True)
class BaselineResult:
    """What the tabular baseline predicted and scored.

    Attributes:
        task_type: The task type.
        predictions: Per split, predictions in :mod:`relgraph.train.metrics`' convention
            (``P(1)`` for binary, ``[n, C]`` probabilities for multiclass, ``[n, L]`` for
            multilabel, values for regression).
        labels: Per split, the labels the metrics were computed on (class ids for multiclass,
            a 0/1 indicator for multilabel).
        metrics: ``{split: {metric: value}}`` for every split given.
        target_metric: The metric the settings were chosen by.
        params: The chosen settings, ``max_iter`` included (the best number of rounds).
        feature_names: The features the trees used, in order.
        classes: For multiclass and multilabel tasks, the label value of each class id
            (default: empty).
    """

    task_type: TaskType
    predictions: dict[str, np.ndarray]
    labels: dict[str, np.ndarray]
    metrics: dict[str, dict[str, float]]
    target_metric: str
    params: dict[str, Any]
    feature_names: list[str]
    classes: list[Any] = field(default_factory=list)

    def splits(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """``{split: (labels, predictions)}``, the ``baseline`` argument of
        :meth:`relgraph.train.evaluation.EvaluationReport.from_predictions`."""
        return {s: (self.labels[s], self.predictions[s]) for s in self.predictions}


# --------------------------------------------------------------------------------------------
# features


def _entity_rows(entity_table: pa.Table, key: str, task: pa.Table, where: str) -> pa.Array:
    """For each task row, the index of its entity's row (null when the id is unknown)."""
    ids = task[key]
    keys = entity_table[key]
    if ids.type != keys.type:
        try:
            ids = ids.cast(keys.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise ValueError(
                f"{where}: column '{key}' has type {task[key].type}, which does not match the "
                f"entity table's key type {keys.type}"
            ) from exc
    rows = pc.index_in(ids, value_set=keys.combine_chunks())
    missing = rows.null_count - ids.null_count
    if missing:
        _logger.warning("%s: %d row(s) name an entity id that is not in the table", where, missing)
    return rows.combine_chunks() if isinstance(rows, pa.ChunkedArray) else rows


def _anchor_seconds(task: pa.Table, time_column: str, where: str) -> np.ndarray | None:
    if time_column not in task.column_names:
        return None
    column = task[time_column]
    if not pa.types.is_timestamp(column.type):
        raise ValueError(
            f"{where}: time column '{time_column}' must be a timestamp, found {column.type}"
        )
    seconds = column.cast(pa.timestamp("s", column.type.tz)).cast(pa.int64())
    return seconds.to_numpy(zero_copy_only=False).astype(np.float64)


class _Featurizer:
    """Turns an entity table into feature columns, with the same encoding for every split."""

    def __init__(
        self,
        entity_table: pa.Table,
        entity_schema: Table,
        exclude: Sequence[str],
        text_embedder: "TextEmbedder | None" = None,
        text_dims: int = 8,
    ) -> None:
        unknown = sorted(set(exclude) - set(entity_schema.column_names))
        if unknown:
            raise ValueError(
                f"exclude_columns names {unknown}, which entity table '{entity_schema.name}' "
                f"does not have (columns: {entity_schema.column_names})"
            )
        if text_dims < 1:
            raise ValueError(f"text_dims must be a positive integer, found {text_dims}")
        self.columns: dict[str, pd.Series | np.ndarray] = {}
        self.datetimes: dict[str, np.ndarray] = {}
        skipped = []
        for column in entity_schema.feature_columns:
            if column.name in exclude:
                continue
            if column.name not in entity_table.column_names:
                raise ValueError(
                    f"entity table '{entity_schema.name}' has no column '{column.name}' that "
                    f"its schema lists (columns: {entity_table.column_names})"
                )
            values = entity_table[column.name]
            name = f"{entity_schema.name}.{column.name}"
            if column.dtype.is_numeric:
                self.columns[name] = _as_float(values, name)
            elif column.dtype is ColumnDType.CATEGORY:
                self.columns[name] = _as_category(values)
            elif column.dtype is ColumnDType.DATETIME:
                helper = column.time_of_day
                stamps = to_timestamps(
                    values,
                    column,
                    None if helper is None else entity_table[helper],
                    table=entity_schema.name,
                )
                seconds = stamps.cast(pa.int64()).to_numpy(zero_copy_only=False)
                self.datetimes[name] = seconds.astype(np.float64)
                self.columns[name] = self.datetimes[name] / _SECONDS_PER_DAY
            elif column.dtype is ColumnDType.EMBEDDING:
                for i, dim in enumerate(_embedding_columns(values, name)):
                    self.columns[f"{name}[{i}]"] = dim
            elif column.dtype is ColumnDType.TEXT and text_embedder is not None:
                for i, dim in enumerate(_text_columns(values, text_embedder, text_dims)):
                    self.columns[f"{name}[{i}]"] = dim
            else:
                skipped.append(f"{column.name} ({column.dtype.value})")
        if skipped:
            _logger.info("tabular baseline leaves out %s", ", ".join(skipped))

    def frame(self, rows: pa.Array, anchor: np.ndarray | None) -> pd.DataFrame:
        """The features of the entity rows ``rows`` (null: unknown entity) at ``anchor``."""
        known = ~np.asarray(rows.is_null().to_numpy(zero_copy_only=False), dtype=bool)
        index = rows.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
        out: dict[str, Any] = {}
        for name, values in self.columns.items():
            if isinstance(values, pd.Series):  # categorical
                taken = values.take(index).reset_index(drop=True)
                out[name] = taken.where(known)
            else:
                out[name] = np.where(known, values[index], np.nan)
        if anchor is not None:
            out[ANCHOR_TIME] = anchor / _SECONDS_PER_DAY
            for name, seconds in self.datetimes.items():
                age = (anchor - seconds[index]) / _SECONDS_PER_DAY
                out[f"age_at_anchor({name})"] = np.where(known, age, np.nan)
        return pd.DataFrame(out)


def _as_float(values: pa.ChunkedArray, name: str) -> np.ndarray:
    try:
        floats = values.cast(pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
        raise ValueError(
            f"column {name} is numeric in the schema but its values ({values.type}) are not "
            f"numbers: {exc}"
        ) from exc
    return floats.to_numpy(zero_copy_only=False).astype(np.float64)


def _as_category(values: pa.ChunkedArray) -> pd.Series:
    """A pandas categorical of the most frequent values (rarer ones and nulls missing)."""
    text = values.cast(pa.string()) if not pa.types.is_string(values.type) else values
    counts = pc.value_counts(text.drop_null()).to_pylist()
    counts.sort(key=lambda c: (-c["counts"], c["values"]))
    kept = [c["values"] for c in counts[:_MAX_CATEGORIES]]
    series = pd.Series(text.to_numpy(zero_copy_only=False), dtype=object)
    return pd.Series(pd.Categorical(series, categories=kept))


def _text_columns(values: pa.ChunkedArray, embedder: "TextEmbedder", dims: int) -> list[np.ndarray]:
    """The first ``dims`` principal components of a text column's embeddings (null: missing).

    Fitted on the entity table alone (no labels), as a text column's vectors are too wide
    for trees on a few thousand rows.
    """
    from sklearn.decomposition import PCA

    text = values.combine_chunks().cast(pa.string())
    valid = pc.is_valid(text)
    vectors = embedder.embed(text.filter(valid)).astype(np.float64)
    out = np.full((len(text), dims), np.nan)
    n_components = min(dims, vectors.shape[0], vectors.shape[1])
    if n_components > 0:
        mask = valid.to_numpy(zero_copy_only=False)
        out[mask, :n_components] = PCA(n_components, random_state=0).fit_transform(vectors)
    return list(out.T)


def _embedding_columns(values: pa.ChunkedArray, name: str) -> list[np.ndarray]:
    """One float column per dimension of a column of equal-length vectors (null: missing)."""
    lists = values.combine_chunks()
    dims = pc.unique(pc.list_value_length(lists).drop_null()).to_pylist()
    if len(dims) != 1 or dims[0] == 0:
        raise ValueError(f"embedding column {name} has vectors of lengths {sorted(dims)}")
    valid = pc.is_valid(lists)
    matrix = np.full((len(lists), dims[0]), np.nan)
    flat = pc.list_flatten(lists.filter(valid)).to_numpy(zero_copy_only=False)
    matrix[valid.to_numpy(zero_copy_only=False)] = flat.astype(np.float64).reshape(-1, dims[0])
    return list(matrix.T)


# --------------------------------------------------------------------------------------------
# labels


def _labels(
    task_type: TaskType, tables: Mapping[str, pa.Table], label_column: str
) -> tuple[dict[str, np.ndarray], list[Any]]:
    """Labels per split as the metrics take them, and the class values for class tasks."""
    for split, table in tables.items():
        if label_column not in table.column_names:
            raise ValueError(
                f"{split} task table has no label column '{label_column}' "
                f"(columns: {table.column_names})"
            )
        if table[label_column].null_count:
            raise ValueError(
                f"{split} task table: label column '{label_column}' has "
                f"{table[label_column].null_count} missing value(s)"
            )
    columns = {s: t[label_column] for s, t in tables.items()}
    if task_type in (TaskType.BINARY_CLASSIFICATION, TaskType.REGRESSION):
        dtype = np.int64 if task_type is TaskType.BINARY_CLASSIFICATION else np.float64
        return {s: c.to_numpy(zero_copy_only=False).astype(dtype) for s, c in columns.items()}, []
    if task_type is TaskType.MULTICLASS_CLASSIFICATION:
        every = pa.chunked_array([c.combine_chunks() for c in columns.values()])
        classes = pc.unique(every).sort().to_pylist()
        value_set = pa.array(classes, every.type)
        return {
            s: pc.index_in(c, value_set=value_set).to_numpy(zero_copy_only=False).astype(np.int64)
            for s, c in columns.items()
        }, classes
    # multilabel: lists of label values -> 0/1 indicator over every value seen
    flat = {s: pc.list_flatten(c.combine_chunks()) for s, c in columns.items()}
    every = pa.chunked_array(list(flat.values()))
    classes = pc.unique(every).sort().to_pylist()
    value_set = pa.array(classes, every.type)
    out = {}
    for split, column in columns.items():
        lists = column.combine_chunks()
        rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False)
        cols = pc.index_in(flat[split], value_set=value_set).to_numpy(zero_copy_only=False)
        indicator = np.zeros((len(lists), len(classes)), dtype=np.int64)
        indicator[rows, cols.astype(np.int64)] = 1
        out[split] = indicator
    return out, classes


# --------------------------------------------------------------------------------------------
# models


def _staged(model: Any, task_type: TaskType, x: pd.DataFrame, n_classes: int) -> Any:
    """Yields the predictions after each boosting round."""
    if task_type is TaskType.REGRESSION:
        yield from model.staged_predict(x)
    elif task_type is TaskType.BINARY_CLASSIFICATION:
        for proba in model.staged_predict_proba(x):
            yield proba[:, 1]
    else:
        full = np.zeros((len(x), n_classes))
        for proba in model.staged_predict_proba(x):
            full[:, model.classes_] = proba
            yield full.copy()


def _at_round(model: Any, task_type: TaskType, x: pd.DataFrame, n_classes: int, k: int) -> Any:
    """The predictions after round ``k`` (1-based)."""
    for i, prediction in enumerate(_staged(model, task_type, x, n_classes), start=1):
        if i == k:
            return prediction
    raise ValueError(f"the model has fewer than {k} boosting rounds")


def _fit_select(
    task_type: TaskType,
    x: Mapping[str, pd.DataFrame],
    y: Mapping[str, np.ndarray],
    *,
    target: str,
    n_classes: int,
    grid: Sequence[Mapping[str, Any]],
    max_iter: int,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """Fits each setting of ``grid``, picks setting and round count on validation."""
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    sign = 1.0 if metric_direction(target) == "max" else -1.0
    best: tuple[float, Any, int, Mapping[str, Any]] | None = None
    for setting in grid:
        common = {"max_iter": max_iter, "early_stopping": False, "random_state": seed, **setting}
        if task_type is TaskType.REGRESSION:
            model = HistGradientBoostingRegressor(loss="absolute_error", **common)
        else:
            model = HistGradientBoostingClassifier(**common)
        model.fit(x["train"], y["train"])
        for i, pred in enumerate(_staged(model, task_type, x["validation"], n_classes), start=1):
            score = (
                sign * compute_metrics(task_type, y["validation"], pred, metrics=[target])[target]
            )
            if best is None or score > best[0]:
                best = (score, model, i, setting)
    if best is None:
        raise ValueError("grid must hold at least one setting")
    _, model, rounds, setting = best
    predictions = {s: _at_round(model, task_type, x[s], n_classes, rounds) for s in x}
    return predictions, {**setting, "max_iter": rounds}


def _fit_multilabel(
    x: Mapping[str, pd.DataFrame],
    y: Mapping[str, np.ndarray],
    *,
    grid: Sequence[Mapping[str, Any]],
    max_iter: int,
    seed: int,
) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    """One binary model per label (HistGradientBoosting has no multilabel mode); a label
    that is constant in train is predicted as that constant."""
    out = {s: np.zeros(y[s].shape) for s in x}
    chosen: dict[str, Any] = {}
    for j in range(y["train"].shape[1]):
        column = {s: y[s][:, j] for s in y}
        n_pos = int(column["train"].sum())
        if n_pos in (0, len(column["train"])) or len(np.unique(column["validation"])) < 2:
            rate = column["train"].mean()
            for s in x:
                out[s][:, j] = rate
            continue
        predictions, params = _fit_select(
            TaskType.BINARY_CLASSIFICATION,
            x,
            column,
            target="roc_auc",
            n_classes=2,
            grid=grid,
            max_iter=max_iter,
            seed=seed,
        )
        chosen[f"label_{j}"] = params
        for s in x:
            out[s][:, j] = predictions[s]
    return out, chosen


def tabular_baseline(
    task_type: TaskType | str,
    entity_table: pa.Table,
    entity_schema: Table,
    train: pa.Table,
    validation: pa.Table,
    test: pa.Table | None = None,
    *,
    label_column: str = LABEL,
    time_column: str = ANCHOR_TIME,
    target_metric: str | None = None,
    exclude_columns: Sequence[str] = (),
    max_iter: int = 300,
    grid: Sequence[Mapping[str, Any]] = DEFAULT_GRID,
    seed: int = 0,
    num_threads: int | None = 1,
    text_embedder: "TextEmbedder | str | None" = None,
    text_dims: int = 8,
) -> BaselineResult:
    """Trains the tabular baseline on a node task and scores it on every split.

    Args:
        task_type: A node task type (binary, multiclass, multilabel, regression).
        entity_table: The entity table's rows (with its primary key).
        entity_schema: The entity table's schema (its primary key names the task tables'
            entity column; its feature columns are the features).
        train: Train task table: entity id, ``anchor_time`` (optional), ``label``.
        validation: Validation task table, which chooses the tree settings and round count.
        test: Test task table (default: ``None``, not scored).
        label_column: The label column of the task tables (default: ``"label"``).
        time_column: The anchor-time column (default: ``"anchor_time"``; a static task
            without it gets no time features).
        target_metric: The metric settings are chosen by (default: ``None``, the task type's
            default: AUROC, accuracy, macro-F1 or MAE).
        exclude_columns: Entity columns not to use as features (default: none), for example
            columns that leak the future.
        max_iter: Most boosting rounds (default: ``300``).
        grid: Tree settings to try (default: :data:`DEFAULT_GRID`).
        seed: Random seed (default: ``0``).
        num_threads: OpenMP threads of the tree fitting (default: ``1``; ``None``: the
            library's default, all cores). One is best on tables of this size: on shared or
            busy cores, OpenMP's spinning threads made fitting F1's 11k rows 50x slower.

    Returns:
        Predictions and metrics per split, and the chosen settings.

    Raises:
        ValueError: For a link task, a table without the entity or label column, an entity
            table whose key is missing, or labels a metric cannot score.
    """
    task = TaskType.parse(task_type)
    if task.is_link:
        raise ValueError(
            f"the tabular baseline predicts node tasks, not {task.value}; use the popularity "
            "baseline for link prediction"
        )
    if not grid:
        raise ValueError("grid must hold at least one setting")
    if max_iter < 1:
        raise ValueError(f"max_iter must be a positive integer, found {max_iter}")
    key = entity_schema.primary_key
    if key is None:
        raise ValueError(f"entity table '{entity_schema.name}' has no primary key")
    if key not in entity_table.column_names:
        raise ValueError(
            f"entity table '{entity_schema.name}' has no key column '{key}' "
            f"(columns: {entity_table.column_names})"
        )
    tables = {"train": train, "validation": validation}
    if test is not None:
        tables["test"] = test
    for split, table in tables.items():
        if key not in table.column_names:
            raise ValueError(
                f"{split} task table has no entity column '{key}' (columns: {table.column_names})"
            )
        if table.num_rows == 0:
            raise ValueError(f"{split} task table is empty")
    target = target_metric or default_metric(task)

    if text_embedder is not None:
        from relgraph.graph import get_text_embedder

        text_embedder = get_text_embedder(text_embedder)
    featurizer = _Featurizer(entity_table, entity_schema, exclude_columns, text_embedder, text_dims)
    x = {
        split: featurizer.frame(
            _entity_rows(entity_table, key, table, f"{split} task table"),
            _anchor_seconds(table, time_column, f"{split} task table"),
        )
        for split, table in tables.items()
    }
    y, classes = _labels(task, tables, label_column)
    if task is not TaskType.REGRESSION and task is not TaskType.MULTILABEL_CLASSIFICATION:
        seen = np.unique(y["train"])
        if len(seen) < 2:
            raise ValueError(
                f"train task table: every one of its {len(y['train'])} label(s) is the same "
                f"class ({classes[seen[0]] if classes else seen[0]}); a classifier needs two"
            )
    with threadpool_limits(num_threads, user_api="openmp"):
        if task is TaskType.MULTILABEL_CLASSIFICATION:
            predictions, params = _fit_multilabel(x, y, grid=grid, max_iter=max_iter, seed=seed)
        else:
            predictions, params = _fit_select(
                task,
                x,
                y,
                target=target,
                n_classes=len(classes),
                grid=grid,
                max_iter=max_iter,
                seed=seed,
            )
    metrics = {split: compute_metrics(task, y[split], predictions[split]) for split in tables}
    _logger.info("tabular baseline %s: %s", task.value, metrics)
    return BaselineResult(
        task_type=task,
        predictions=predictions,
        labels=y,
        metrics=metrics,
        target_metric=target,
        params=params,
        feature_names=list(x["train"].columns),
        classes=classes,
    )
