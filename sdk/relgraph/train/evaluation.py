"""Evaluation outputs: holdout predictions, ROC curve, confusion matrix, and the report of a run.

Everything here is shaped for where it goes next: :class:`RocCurve` and
:class:`ConfusionMatrix` hold exactly the lists Kubeflow's
``ClassificationMetrics.log_roc_curve(fpr, tpr, threshold)`` and
``log_confusion_matrix(categories, matrix)`` take (``metrics.log_roc_curve(**curve.kfp_args())``),
:meth:`EvaluationReport.flat_metrics` is what ``Metrics.log_metric`` takes, and every value
serializes to JSON (no NaN, no infinity). The holdout frame is saved beside the JSON as parquet.
"""

import json
import logging
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn import metrics as skm

from relgraph.io import atomic_directory
from relgraph.tasks import ANCHOR_TIME, LABEL, TaskType
from relgraph.train.metrics import compute_metrics, default_metric, metric_direction

_logger = logging.getLogger(__name__)

REPORT_FILE = "report.json"
"""The JSON file of a saved :class:`EvaluationReport`."""

HOLDOUT_FILE = "holdout.parquet"
"""The parquet file of a saved report's holdout predictions."""

FORMAT_VERSION = 1
"""The version of the saved report's layout."""

PREDICTION = "prediction"
PROBABILITY = "probability"


# --------------------------------------------------------------------------------------------
# holdout frame


def _as_array(values: Any) -> np.ndarray:
    if hasattr(values, "detach"):  # a torch tensor; torch is not imported here
        return values.detach().cpu().numpy()
    if isinstance(values, pa.ChunkedArray | pa.Array):
        return values.to_numpy(zero_copy_only=False)
    return np.asarray(values)


def _anchor_times(values: Any, n: int) -> pa.Array:
    """Anchor times as ``timestamp[us]``: from timestamps, datetime64, or int64 epoch seconds."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array) and pa.types.is_timestamp(values.type):
        out = values.cast(pa.timestamp("us", values.type.tz))
    else:
        arr = _as_array(values)
        if arr.dtype.kind in "iu":  # seed times of the sampler: int64 seconds
            arr = arr.astype("datetime64[s]")
        if arr.dtype.kind != "M":
            raise ValueError(
                f"anchor_times must be timestamps, datetime64 or int64 epoch seconds, "
                f"found dtype {arr.dtype}"
            )
        out = pa.array(arr.astype("datetime64[us]"), pa.timestamp("us"))
    if len(out) != n:
        raise ValueError(f"anchor_times has {len(out)} values but entity_ids has {n}")
    return out


def _index_lists(mask: np.ndarray) -> pa.Array:
    """The column indices where each row of a boolean matrix is true, as a list array."""
    offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
    return pa.ListArray.from_arrays(pa.array(offsets), pa.array(np.nonzero(mask)[1]))


def _matrix_lists(matrix: np.ndarray) -> pa.Array:
    """A 2-D array as a list array (one list per row), without a per-row loop."""
    flat = pa.array(np.ascontiguousarray(matrix).ravel())
    return pa.FixedSizeListArray.from_arrays(flat, matrix.shape[1]).cast(pa.list_(flat.type))


def _label_column(labels: Any, task_type: TaskType | None) -> pa.Array:
    if isinstance(labels, pa.ChunkedArray):
        labels = labels.combine_chunks()
    if isinstance(labels, pa.Array):
        return labels
    if task_type is not None and task_type.is_link:
        return pa.array(labels)
    arr = _as_array(labels)
    if arr.ndim == 2:  # a multilabel indicator: keep the ids of the positive labels
        return _index_lists(arr.astype(bool))
    return pa.array(arr)


def holdout_frame(
    entity_ids: Any,
    anchor_times: Any,
    labels: Any,
    predictions: Any,
    *,
    entity_column: str,
    task_type: TaskType | str | None = None,
    threshold: float = 0.5,
) -> pd.DataFrame:
    """Holdout predictions, one row per example, ready to inspect, save or join back.

    Columns: ``entity_column``, ``anchor_time`` (``datetime64[us]``), ``label``,
    ``prediction``, and for classification ``probability``:

    * binary: ``prediction`` is the class (1 where ``P(1) >= threshold``), ``probability`` is
      ``P(1)``;
    * multiclass: ``prediction`` is the arg-max class, ``probability`` its probability;
    * multilabel: ``prediction`` lists the labels with ``P >= threshold``, ``probability`` all
      per-label probabilities; a 0/1 indicator ``labels`` becomes the list of positive labels;
    * regression: ``prediction`` is the value;
    * link: ``prediction`` lists the ranked target ids, ``label`` the true ones;
    * ``task_type=None``: ``prediction`` as given (a 2-D array becomes a list per row).

    List columns are pyarrow-backed (``pd.ArrowDtype``).

    Args:
        entity_ids: The entity id per example.
        anchor_times: Anchor time per example: timestamps, datetime64 or int64 epoch seconds
            (the sampler's seed times).
        labels: The true target per example (a 2-D indicator or list array for multilabel,
            lists of ids for link tasks).
        predictions: The model output per example, in the convention of
            :mod:`relgraph.train.metrics`.
        entity_column: Name of the entity id column (the entity table's primary key).
        task_type: How to read ``predictions`` (default: ``None``, as given).
        threshold: Decision threshold of binary and multilabel classes (default: ``0.5``).

    Returns:
        The frame, in the order of the inputs.

    Raises:
        ValueError: If the inputs differ in length, the entity column name clashes with
            another column, or predictions have the wrong shape for the task type.
    """
    if entity_column in (ANCHOR_TIME, LABEL, PREDICTION, PROBABILITY):
        raise ValueError(f"entity_column {entity_column!r} clashes with a holdout column name")
    task = None if task_type is None else TaskType.parse(task_type)
    ids = entity_ids.combine_chunks() if isinstance(entity_ids, pa.ChunkedArray) else entity_ids
    ids = ids if isinstance(ids, pa.Array) else pa.array(_as_array(ids))
    n = len(ids)
    pred = _as_array(predictions)
    if len(pred) != n:
        raise ValueError(f"predictions has {len(pred)} rows but entity_ids has {n}")
    label = _label_column(labels, task)
    if len(label) != n:
        raise ValueError(f"labels has {len(label)} rows but entity_ids has {n}")

    columns: dict[str, pa.Array] = {
        entity_column: ids,
        ANCHOR_TIME: _anchor_times(anchor_times, n),
        LABEL: label,
    }
    expected_ndim = {
        TaskType.BINARY_CLASSIFICATION: 1,
        TaskType.REGRESSION: 1,
        TaskType.MULTICLASS_CLASSIFICATION: 2,
        TaskType.MULTILABEL_CLASSIFICATION: 2,
        TaskType.LINK_PREDICTION: 2,
        TaskType.REPEATED_LINK_PREDICTION: 2,
    }
    if task is not None and pred.ndim != expected_ndim[task]:
        raise ValueError(
            f"a {task.value} task needs {expected_ndim[task]}-D predictions, found shape "
            f"{pred.shape}"
        )
    if task is TaskType.BINARY_CLASSIFICATION:
        columns[PREDICTION] = pa.array((pred >= threshold).astype(np.int64))
        columns[PROBABILITY] = pa.array(pred.astype(np.float64))
    elif task is TaskType.MULTICLASS_CLASSIFICATION:
        best = pred.argmax(axis=1)
        columns[PREDICTION] = pa.array(best.astype(np.int64))
        columns[PROBABILITY] = pa.array(pred[np.arange(n), best].astype(np.float64))
    elif task is TaskType.MULTILABEL_CLASSIFICATION:
        columns[PREDICTION] = _index_lists(pred >= threshold)
        columns[PROBABILITY] = _matrix_lists(pred.astype(np.float64))
    elif pred.ndim == 2:
        columns[PREDICTION] = _matrix_lists(pred)
    else:
        columns[PREDICTION] = pa.array(pred)
    table = pa.table(columns)
    return table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None)


# --------------------------------------------------------------------------------------------
# curves


@dataclass(frozen=True)
class RocCurve:
    """Points of a ROC curve, as lists (JSON-ready, the shape Kubeflow's UI takes).

    Attributes:
        fpr: False-positive rate per threshold, rising from 0 to 1.
        tpr: True-positive rate per threshold.
        thresholds: Score at or above which examples are called positive, falling. The first
            point (nothing called positive) has the smallest number above the highest score
            rather than scikit-learn's infinity, which JSON cannot hold.
    """

    fpr: list[float]
    tpr: list[float]
    thresholds: list[float]

    def kfp_args(self) -> dict[str, list[float]]:
        """Keyword arguments of ``ClassificationMetrics.log_roc_curve``."""
        return {"fpr": self.fpr, "tpr": self.tpr, "threshold": self.thresholds}

    def to_dict(self) -> dict[str, list[float]]:
        """The JSON form."""
        return {"fpr": self.fpr, "tpr": self.tpr, "thresholds": self.thresholds}

    @classmethod
    def from_dict(cls, data: Mapping[str, Sequence[float]]) -> "RocCurve":
        """Reads the JSON form."""
        return cls(list(data["fpr"]), list(data["tpr"]), list(data["thresholds"]))


def roc_curve_points(y_true: Any, y_score: Any, *, max_points: int | None = 200) -> RocCurve:
    """The ROC curve of binary scores (scikit-learn's, without collinear points).

    Args:
        y_true: 0/1 labels, shape ``[n]``.
        y_score: Scores (probabilities or logits), shape ``[n]``.
        max_points: Keep at most this many points, evenly spaced along the curve and always
            including both ends, so a large holdout set does not flood the UI (default: ``200``;
            ``None`` keeps all).

    Returns:
        The curve.

    Raises:
        ValueError: If the inputs differ in length, labels are not 0/1, scores are not finite,
            labels hold a single class, or ``max_points < 2``.
    """
    t, s = _as_array(y_true), _as_array(y_score).astype(np.float64)
    if t.ndim != 1 or s.ndim != 1 or len(t) != len(s):
        raise ValueError(
            f"roc_curve_points: y_true {t.shape} and y_score {s.shape} must be 1-D of one length"
        )
    if not np.isin(t, (0, 1)).all():
        raise ValueError(
            f"roc_curve_points: y_true must hold 0/1 labels, found {np.unique(t)[:10].tolist()}"
        )
    if not np.isfinite(s).all():
        raise ValueError("roc_curve_points: y_score has NaN or infinite values")
    n_pos = int(t.sum())
    if n_pos in (0, len(t)):
        raise ValueError(
            f"roc_curve_points: a ROC curve needs both classes; all {len(t)} example(s) have "
            f"label {1 if n_pos else 0}"
        )
    if max_points is not None and max_points < 2:
        raise ValueError(f"max_points must be at least 2 (or None), found {max_points}")
    fpr, tpr, thresholds = skm.roc_curve(t.astype(np.int64), s)
    thresholds[~np.isfinite(thresholds)] = np.nextafter(s.max(), np.inf)
    if max_points is not None and len(fpr) > max_points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(np.int64))
        fpr, tpr, thresholds = fpr[keep], tpr[keep], thresholds[keep]
    return RocCurve(fpr.tolist(), tpr.tolist(), thresholds.tolist())


@dataclass(frozen=True)
class ConfusionMatrix:
    """A confusion matrix: ``matrix[i][j]`` counts examples of class ``i`` predicted ``j``.

    Attributes:
        categories: Class names, in row (and column) order.
        matrix: Counts, one row per true class.
    """

    categories: list[str]
    matrix: list[list[int]]

    def kfp_args(self) -> dict[str, Any]:
        """Keyword arguments of ``ClassificationMetrics.log_confusion_matrix``."""
        return {"categories": self.categories, "matrix": self.matrix}

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return {"categories": self.categories, "matrix": self.matrix}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ConfusionMatrix":
        """Reads the JSON form."""
        return cls(list(data["categories"]), [list(row) for row in data["matrix"]])


def confusion_matrix(
    y_true: Any,
    y_pred: Any,
    *,
    num_classes: int | None = None,
    categories: Sequence[str] | None = None,
) -> ConfusionMatrix:
    """Counts true class against predicted class.

    Args:
        y_true: True class ids in ``[0, C)``, shape ``[n]``.
        y_pred: Predicted class ids, shape ``[n]`` (threshold or arg-max probabilities first;
            :func:`holdout_frame`'s ``prediction`` column is such).
        num_classes: ``C`` (default: ``None``, the number of ``categories`` if given, else
            one more than the largest id seen).
        categories: Class names (default: ``None``, the ids as strings).

    Returns:
        The matrix over every class ``0..C-1``, including classes never seen.

    Raises:
        ValueError: If lengths differ, ids are negative or not below ``C``, or
            ``categories`` and ``num_classes`` disagree.
    """
    t, p = _as_array(y_true), _as_array(y_pred)
    if t.ndim != 1 or p.ndim != 1 or len(t) != len(p):
        raise ValueError(
            f"confusion_matrix: y_true {t.shape} and y_pred {p.shape} must be 1-D of one length"
        )
    for name, arr in (("y_true", t), ("y_pred", p)):
        if arr.dtype.kind not in "iub":
            raise ValueError(f"confusion_matrix: {name} must hold class ids, found {arr.dtype}")
    t, p = t.astype(np.int64), p.astype(np.int64)
    if categories is not None:
        if num_classes is not None and num_classes != len(categories):
            raise ValueError(
                f"confusion_matrix: {len(categories)} categories but num_classes={num_classes}"
            )
        num_classes = len(categories)
    if num_classes is None:
        num_classes = int(max(t.max(initial=0), p.max(initial=0))) + 1
    low = min(t.min(initial=0), p.min(initial=0))
    high = max(t.max(initial=0), p.max(initial=0))
    if low < 0 or high >= num_classes:
        raise ValueError(
            f"confusion_matrix: class ids must lie in [0, {num_classes}), found range "
            f"[{low}, {high}]"
        )
    counts = np.bincount(t * num_classes + p, minlength=num_classes * num_classes)
    names = [str(c) for c in range(num_classes)] if categories is None else list(categories)
    return ConfusionMatrix(names, counts.reshape(num_classes, num_classes).tolist())


# --------------------------------------------------------------------------------------------
# report


def _check_finite(metrics: Mapping[str, Mapping[str, float]], what: str) -> dict:
    out: dict[str, dict[str, float]] = {}
    for split, values in metrics.items():
        out[split] = {}
        for name, value in values.items():
            if not math.isfinite(float(value)):
                raise ValueError(f"{what}: metric {split}/{name} is {value}, not a finite number")
            out[split][name] = float(value)
    return out


@dataclass(frozen=True)
class EvaluationReport:
    """What a trained model scored, beside the tabular baseline, with the outputs to plot.

    Attributes:
        task_type: The task type.
        metrics: ``{split: {metric: value}}``, for example ``{"test": {"roc_auc": 0.76}}``.
        target_metric: The metric the model was selected on (default: the task type's).
        baseline_metrics: The same for the tabular baseline, when run (default: ``None``).
        roc_curve: ROC curve on ``curve_split`` for binary tasks (default: ``None``).
        confusion_matrix: Confusion matrix on ``curve_split`` for binary and multiclass tasks
            (default: ``None``).
        curve_split: Which split the curve and matrix come from (default: ``None``).
        holdout: Holdout predictions (:func:`holdout_frame`); saved as parquet, not in the
            JSON (default: ``None``).
    """

    task_type: TaskType
    metrics: dict[str, dict[str, float]]
    target_metric: str = ""
    baseline_metrics: dict[str, dict[str, float]] | None = None
    roc_curve: RocCurve | None = None
    confusion_matrix: ConfusionMatrix | None = None
    curve_split: str | None = None
    holdout: pd.DataFrame | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "task_type", TaskType.parse(self.task_type))
        object.__setattr__(self, "metrics", _check_finite(self.metrics, "metrics"))
        if self.baseline_metrics is not None:
            object.__setattr__(
                self, "baseline_metrics", _check_finite(self.baseline_metrics, "baseline_metrics")
            )
        if not self.target_metric:
            object.__setattr__(self, "target_metric", default_metric(self.task_type))
        metric_direction(self.target_metric)  # raises on an unknown name

    @classmethod
    def from_predictions(
        cls,
        task_type: TaskType | str,
        splits: Mapping[str, tuple[Any, Any]],
        *,
        target_metric: str | None = None,
        baseline: Mapping[str, tuple[Any, Any]] | None = None,
        holdout: pd.DataFrame | None = None,
        curve_split: str = "test",
        k: int | None = None,
        threshold: float = 0.5,
    ) -> "EvaluationReport":
        """Scores ``(y_true, y_pred)`` per split and draws the curves of ``curve_split``.

        Args:
            task_type: The task type.
            splits: ``{split: (y_true, y_pred)}`` in the conventions of
                :func:`~relgraph.train.metrics.compute_metrics`.
            target_metric: The selection metric (default: ``None``, the task type's default).
            baseline: The tabular baseline's ``{split: (y_true, y_pred)}`` (default: ``None``).
            holdout: Holdout predictions to keep with the report (default: ``None``).
            curve_split: The split to draw the ROC curve and confusion matrix on, when present
                (default: ``"test"``).
            k: Rank cut-off of link metrics (default: ``None``, all ranked ids).
            threshold: Decision threshold for the binary confusion matrix (default: ``0.5``).

        Returns:
            The report.

        Raises:
            ValueError: If ``splits`` is empty or a metric rejects its inputs.
        """
        task = TaskType.parse(task_type)
        if not splits:
            raise ValueError("from_predictions: no split to score (splits is empty)")
        metrics = {s: compute_metrics(task, t, p, k=k) for s, (t, p) in splits.items()}
        base = (
            None
            if baseline is None
            else {s: compute_metrics(task, t, p, k=k) for s, (t, p) in baseline.items()}
        )
        curve = matrix = None
        if curve_split in splits and task in (
            TaskType.BINARY_CLASSIFICATION,
            TaskType.MULTICLASS_CLASSIFICATION,
        ):
            y_true, y_pred = (_as_array(v) for v in splits[curve_split])
            if task is TaskType.BINARY_CLASSIFICATION:
                curve = roc_curve_points(y_true, y_pred)
                classes = (y_pred >= threshold).astype(np.int64)
                matrix = confusion_matrix(y_true.astype(np.int64), classes, num_classes=2)
            else:
                matrix = confusion_matrix(
                    y_true.astype(np.int64), y_pred.argmax(axis=1), num_classes=y_pred.shape[1]
                )
        if target_metric is None and task.is_link:
            target_metric = next(iter(next(iter(metrics.values()))))  # map@k with the k used
        return cls(
            task_type=task,
            metrics=metrics,
            target_metric=target_metric or "",
            baseline_metrics=base,
            roc_curve=curve,
            confusion_matrix=matrix,
            curve_split=curve_split if curve is not None or matrix is not None else None,
            holdout=holdout,
        )

    def flat_metrics(self) -> dict[str, float]:
        """``{"<split>_<metric>": value}``, baseline ones prefixed ``baseline_`` (the names
        Kubeflow's ``Metrics.log_metric`` and MLflow's ``log_metrics`` take; ``@`` becomes
        ``_at_``)."""
        out = {}
        for prefix, table in (("", self.metrics), ("baseline_", self.baseline_metrics or {})):
            for split, values in table.items():
                for name, value in values.items():
                    out[f"{prefix}{split}_{name.replace('@', '_at_')}"] = value
        return out

    def log_kfp(self, metrics: Any = None, classification_metrics: Any = None) -> None:
        """Logs to Kubeflow output artifacts (duck-typed; kfp is not imported here).

        Args:
            metrics: A ``dsl.Metrics`` output; gets :meth:`flat_metrics` (default: ``None``).
            classification_metrics: A ``dsl.ClassificationMetrics`` output; gets the ROC curve
                and confusion matrix when the report has them (default: ``None``).
        """
        if metrics is not None:
            for name, value in self.flat_metrics().items():
                metrics.log_metric(name, value)
        if classification_metrics is not None:
            if self.roc_curve is not None:
                classification_metrics.log_roc_curve(**self.roc_curve.kfp_args())
            if self.confusion_matrix is not None:
                classification_metrics.log_confusion_matrix(**self.confusion_matrix.kfp_args())

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (everything but the holdout frame)."""
        return {
            "format_version": FORMAT_VERSION,
            "task_type": self.task_type.value,
            "target_metric": self.target_metric,
            "target_direction": metric_direction(self.target_metric),
            "metrics": self.metrics,
            "baseline_metrics": self.baseline_metrics,
            "roc_curve": None if self.roc_curve is None else self.roc_curve.to_dict(),
            "confusion_matrix": (
                None if self.confusion_matrix is None else self.confusion_matrix.to_dict()
            ),
            "curve_split": self.curve_split,
        }

    def to_json(self) -> str:
        """The JSON text of :meth:`to_dict`."""
        return json.dumps(self.to_dict(), indent=2, allow_nan=False)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], holdout: pd.DataFrame | None = None
    ) -> "EvaluationReport":
        """Reads the JSON form.

        Raises:
            ValueError: If the format version is not one this code reads.
        """
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ValueError(
                f"evaluation report format_version {version!r} is not {FORMAT_VERSION}"
            )
        return cls(
            task_type=TaskType.parse(data["task_type"]),
            metrics=data["metrics"],
            target_metric=data["target_metric"],
            baseline_metrics=data.get("baseline_metrics"),
            roc_curve=None
            if data.get("roc_curve") is None
            else RocCurve.from_dict(data["roc_curve"]),
            confusion_matrix=(
                None
                if data.get("confusion_matrix") is None
                else ConfusionMatrix.from_dict(data["confusion_matrix"])
            ),
            curve_split=data.get("curve_split"),
            holdout=holdout,
        )

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Writes the report as a folder, atomically: ``report.json`` and ``holdout.parquet``.

        Args:
            path: The folder to create.
            overwrite: Replace an existing folder (default: ``False``).

        Returns:
            The folder.

        Raises:
            FileExistsError: If the folder exists and ``overwrite`` is ``False``.
        """
        with atomic_directory(path, overwrite=overwrite) as tmp:
            (tmp / REPORT_FILE).write_text(self.to_json())
            if self.holdout is not None:
                pq.write_table(
                    pa.Table.from_pandas(self.holdout, preserve_index=False), tmp / HOLDOUT_FILE
                )
        _logger.info("wrote evaluation report to %s", path)
        return Path(path)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "EvaluationReport":
        """Reads a folder written by :meth:`save`.

        Raises:
            FileNotFoundError: If the folder has no ``report.json``.
        """
        folder = Path(path)
        if not (folder / REPORT_FILE).is_file():
            raise FileNotFoundError(f"{folder} holds no {REPORT_FILE}: not an evaluation report")
        data = json.loads((folder / REPORT_FILE).read_text())
        holdout = None
        if (folder / HOLDOUT_FILE).is_file():
            holdout = pq.read_table(folder / HOLDOUT_FILE).to_pandas(
                types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None
            )
        return cls.from_dict(data, holdout)
