"""Evaluation metrics per task type: plain functions, results keyed by the metric's name.

Names are those of :class:`relgraph.tasks.EvaluationMetric` (``roc_auc``, ``average_precision``,
``accuracy``, ``f1``, ``macro_f1``, ``micro_f1``, ``mae``, ``rmse``, ``mse``, ``r2``, and the
ranking metrics ``map``, ``precision``, ``recall``, ``ndcg`` reported as ``name@k``), so a
task's ``evaluation_metric`` picks a key of :func:`compute_metrics`' result. Aliases the task
layer knows (``auroc``, ``auc``, ``ap``, ``f1_macro``) are accepted wherever a name is.

Scores follow scikit-learn; the ranking metrics follow RelBench's ``link_prediction_*``
definitions (MAP@k and NDCG@k normalised by ``min(#targets, k)``, recall@k by ``#targets``).

Prediction conventions (``y_pred``):

* binary classification: ``P(label = 1)`` per example, shape ``[n]``;
* multiclass classification: class probabilities (or scores), shape ``[n, C]``;
* multilabel classification: per-label probabilities, shape ``[n, L]`` (``y_true`` a 0/1
  indicator of the same shape);
* regression: predicted values, shape ``[n]``;
* link prediction: ranked target ids, shape ``[n, k]`` (``y_true`` a sequence of the true
  target ids per example, such as a task table's list ``label`` column).
"""

import logging
from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from sklearn import metrics as skm

from relgraph.tasks import EvaluationMetric, TaskType, default_metrics

_logger = logging.getLogger(__name__)

MetricFn = Callable[[Any, Any], float]
"""A metric: ``fn(y_true, y_pred) -> float``."""

_THRESHOLD = 0.5
"""Probability above which (inclusive) a binary or multilabel prediction is positive."""

_LOWER_IS_BETTER = frozenset({"mae", "rmse", "mse", "loss"})


# --------------------------------------------------------------------------------------------
# input checks


def _to_numpy(x: Any, what: str) -> np.ndarray:
    """Converts arrays, tensors (detached, moved to CPU) and sequences to a numpy array."""
    if hasattr(x, "detach"):  # a torch tensor; torch is not imported here
        x = x.detach().cpu().numpy()
    elif isinstance(x, pa.ChunkedArray | pa.Array):
        x = x.to_numpy(zero_copy_only=False)
    arr = np.asarray(x)
    if arr.dtype == object:
        raise ValueError(f"{what}: expected numbers, found values of Python object dtype")
    return arr


def _check_pair(
    y_true: Any, y_pred: Any, *, true_ndim: int, pred_ndim: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    t = _to_numpy(y_true, f"{metric}: y_true")
    p = _to_numpy(y_pred, f"{metric}: y_pred").astype(np.float64, copy=False)
    if t.ndim != true_ndim:
        raise ValueError(f"{metric}: y_true must have {true_ndim} dimension(s), found {t.shape}")
    if p.ndim != pred_ndim:
        raise ValueError(f"{metric}: y_pred must have {pred_ndim} dimension(s), found {p.shape}")
    if len(t) != len(p):
        raise ValueError(
            f"{metric}: y_true has {len(t)} examples but y_pred has {len(p)}; they must match"
        )
    if len(t) == 0:
        raise ValueError(f"{metric}: no examples to score (y_true is empty)")
    if not np.isfinite(p).all():
        bad = int((~np.isfinite(p)).sum())
        raise ValueError(f"{metric}: y_pred has {bad} NaN or infinite value(s)")
    if t.dtype.kind == "f" and not np.isfinite(t).all():
        bad = int((~np.isfinite(t)).sum())
        raise ValueError(f"{metric}: y_true has {bad} NaN or infinite value(s)")
    return t, p


def _binary_labels(t: np.ndarray, metric: str) -> np.ndarray:
    values = np.unique(t)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            f"{metric}: y_true must hold 0/1 labels, found values {values[:10].tolist()}"
        )
    return t.astype(np.int64, copy=False)


def _probabilities(p: np.ndarray, metric: str) -> np.ndarray:
    if p.min() < 0.0 or p.max() > 1.0:
        raise ValueError(
            f"{metric}: y_pred must be probabilities in [0, 1] (apply a sigmoid to logits), "
            f"found range [{p.min():.4g}, {p.max():.4g}]"
        )
    return p


def _both_classes(t: np.ndarray, metric: str) -> None:
    n_pos = int(t.sum())
    if n_pos == 0 or n_pos == len(t):
        only = 1 if n_pos else 0
        raise ValueError(
            f"{metric} is undefined when y_true holds a single class: all {len(t)} "
            f"example(s) have label {only}"
        )


# --------------------------------------------------------------------------------------------
# binary classification (y_pred = P(1))


def roc_auc(y_true: Any, y_score: Any) -> float:
    """Area under the ROC curve of a binary classifier (tied scores count half).

    Args:
        y_true: 0/1 labels, shape ``[n]``.
        y_score: Scores, higher meaning more likely 1 (probabilities or logits), shape ``[n]``.

    Returns:
        AUROC in ``[0, 1]``.

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, scores are not finite, or ``y_true``
            holds a single class.
    """
    t, p = _check_pair(y_true, y_score, true_ndim=1, pred_ndim=1, metric="roc_auc")
    t = _binary_labels(t, "roc_auc")
    _both_classes(t, "roc_auc")
    return float(skm.roc_auc_score(t, p))


def average_precision(y_true: Any, y_score: Any) -> float:
    """Average precision (area under the precision-recall curve, step-wise) of a binary classifier.

    Args:
        y_true: 0/1 labels, shape ``[n]``.
        y_score: Scores, higher meaning more likely 1, shape ``[n]``.

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or ``y_true`` has no positive.
    """
    t, p = _check_pair(y_true, y_score, true_ndim=1, pred_ndim=1, metric="average_precision")
    t = _binary_labels(t, "average_precision")
    if not t.any():
        raise ValueError(
            f"average_precision is undefined without positives: all {len(t)} example(s) have "
            "label 0"
        )
    return float(skm.average_precision_score(t, p))


def binary_accuracy(y_true: Any, y_proba: Any, *, threshold: float = _THRESHOLD) -> float:
    """Accuracy of a binary classifier that predicts 1 where ``P(1) >= threshold``.

    Args:
        y_true: 0/1 labels, shape ``[n]``.
        y_proba: ``P(1)`` per example, shape ``[n]``.
        threshold: Decision threshold (default: ``0.5``).

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or ``y_proba`` is outside [0, 1].
    """
    t, p = _check_pair(y_true, y_proba, true_ndim=1, pred_ndim=1, metric="accuracy")
    t = _binary_labels(t, "accuracy")
    p = _probabilities(p, "accuracy")
    return float(skm.accuracy_score(t, (p >= threshold).astype(np.int64)))


def binary_f1(y_true: Any, y_proba: Any, *, threshold: float = _THRESHOLD) -> float:
    """F1 of the positive class for a classifier that predicts 1 where ``P(1) >= threshold``.

    F1 is 0 when there are no true and no predicted positives.

    Args:
        y_true: 0/1 labels, shape ``[n]``.
        y_proba: ``P(1)`` per example, shape ``[n]``.
        threshold: Decision threshold (default: ``0.5``).

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or ``y_proba`` is outside [0, 1].
    """
    t, p = _check_pair(y_true, y_proba, true_ndim=1, pred_ndim=1, metric="f1")
    t = _binary_labels(t, "f1")
    p = _probabilities(p, "f1")
    return float(skm.f1_score(t, (p >= threshold).astype(np.int64), zero_division=0.0))


# --------------------------------------------------------------------------------------------
# multiclass classification (y_pred = [n, C] probabilities)


def _multiclass(y_true: Any, y_proba: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(y_true, y_proba, true_ndim=1, pred_ndim=2, metric=metric)
    if t.dtype.kind not in "iub" and not (t.dtype.kind == "f" and (t == np.round(t)).all()):
        raise ValueError(f"{metric}: y_true must hold integer class ids, found dtype {t.dtype}")
    t = t.astype(np.int64, copy=False)
    n_classes = p.shape[1]
    if t.min() < 0 or t.max() >= n_classes:
        raise ValueError(
            f"{metric}: y_true class ids must lie in [0, {n_classes}) to match y_pred's "
            f"{n_classes} columns, found range [{t.min()}, {t.max()}]"
        )
    return t, p.argmax(axis=1)


def multiclass_accuracy(y_true: Any, y_proba: Any) -> float:
    """Accuracy of the arg-max class.

    Args:
        y_true: Class ids in ``[0, C)``, shape ``[n]``.
        y_proba: Class probabilities or scores, shape ``[n, C]``.

    Raises:
        ValueError: If shapes disagree or a class id is out of range.
    """
    t, c = _multiclass(y_true, y_proba, "accuracy")
    return float(skm.accuracy_score(t, c))


def macro_f1(y_true: Any, y_proba: Any) -> float:
    """F1 of the arg-max class averaged over the classes present in labels or predictions.

    Args:
        y_true: Class ids in ``[0, C)``, shape ``[n]``.
        y_proba: Class probabilities or scores, shape ``[n, C]``.

    Raises:
        ValueError: If shapes disagree or a class id is out of range.
    """
    t, c = _multiclass(y_true, y_proba, "macro_f1")
    return float(skm.f1_score(t, c, average="macro", zero_division=0.0))


def micro_f1(y_true: Any, y_proba: Any) -> float:
    """F1 of the arg-max class pooled over all examples (equals accuracy for single labels).

    Args:
        y_true: Class ids in ``[0, C)``, shape ``[n]``.
        y_proba: Class probabilities or scores, shape ``[n, C]``.

    Raises:
        ValueError: If shapes disagree or a class id is out of range.
    """
    t, c = _multiclass(y_true, y_proba, "micro_f1")
    return float(skm.f1_score(t, c, average="micro", zero_division=0.0))


# --------------------------------------------------------------------------------------------
# multilabel classification (y_true [n, L] 0/1, y_pred [n, L] probabilities)


def _multilabel(y_true: Any, y_proba: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(y_true, y_proba, true_ndim=2, pred_ndim=2, metric=metric)
    if t.shape != p.shape:
        raise ValueError(f"{metric}: y_true {t.shape} and y_pred {p.shape} must have one shape")
    return _binary_labels(t, metric), p


def _per_label_mean(
    t: np.ndarray, p: np.ndarray, metric: str, fn: Callable[[np.ndarray, np.ndarray], float]
) -> float:
    """Averages ``fn`` over the labels whose column holds both classes (others are undefined)."""
    n_pos = t.sum(axis=0)
    scorable = (n_pos > 0) & (n_pos < len(t))
    if not scorable.any():
        raise ValueError(
            f"{metric}: no label has both positive and negative examples among {len(t)} "
            f"example(s), so no per-label score is defined"
        )
    if not scorable.all():
        _logger.warning(
            "%s: skipping %d of %d label(s) that hold a single class",
            metric,
            int((~scorable).sum()),
            len(scorable),
        )
    cols = np.flatnonzero(scorable)
    return float(np.mean([fn(t[:, j], p[:, j]) for j in cols]))


def multilabel_roc_auc(y_true: Any, y_proba: Any) -> float:
    """Macro AUROC: AUROC per label, averaged over the labels that hold both classes.

    Args:
        y_true: 0/1 indicator, shape ``[n, L]``.
        y_proba: Per-label scores, shape ``[n, L]``.

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or no label holds both classes.
    """
    t, p = _multilabel(y_true, y_proba, "roc_auc")
    return _per_label_mean(t, p, "roc_auc", skm.roc_auc_score)


def multilabel_average_precision(y_true: Any, y_proba: Any) -> float:
    """Macro average precision over the labels that hold both classes.

    Args:
        y_true: 0/1 indicator, shape ``[n, L]``.
        y_proba: Per-label scores, shape ``[n, L]``.

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or no label holds both classes.
    """
    t, p = _multilabel(y_true, y_proba, "average_precision")
    return _per_label_mean(t, p, "average_precision", skm.average_precision_score)


def multilabel_macro_f1(y_true: Any, y_proba: Any, *, threshold: float = _THRESHOLD) -> float:
    """F1 per label at ``P >= threshold``, averaged over all labels (an empty label scores 0).

    Args:
        y_true: 0/1 indicator, shape ``[n, L]``.
        y_proba: Per-label probabilities, shape ``[n, L]``.
        threshold: Decision threshold (default: ``0.5``).

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or ``y_proba`` is outside [0, 1].
    """
    return _multilabel_f1(y_true, y_proba, threshold, "macro")


def multilabel_micro_f1(y_true: Any, y_proba: Any, *, threshold: float = _THRESHOLD) -> float:
    """F1 pooled over every (example, label) decision at ``P >= threshold``.

    Args:
        y_true: 0/1 indicator, shape ``[n, L]``.
        y_proba: Per-label probabilities, shape ``[n, L]``.
        threshold: Decision threshold (default: ``0.5``).

    Raises:
        ValueError: If shapes disagree, labels are not 0/1, or ``y_proba`` is outside [0, 1].
    """
    return _multilabel_f1(y_true, y_proba, threshold, "micro")


def _multilabel_f1(y_true: Any, y_proba: Any, threshold: float, average: str) -> float:
    """Multilabel F1 at ``P >= threshold``, ``"macro"`` or ``"micro"`` averaged."""
    name = f"{average}_f1"
    t, p = _multilabel(y_true, y_proba, name)
    pred = (_probabilities(p, name) >= threshold).astype(np.int64)
    return float(skm.f1_score(t, pred, average=average, zero_division=0.0))


# --------------------------------------------------------------------------------------------
# regression


def _regression(y_true: Any, y_pred: Any, metric: str) -> tuple[np.ndarray, np.ndarray]:
    t, p = _check_pair(y_true, y_pred, true_ndim=1, pred_ndim=1, metric=metric)
    return t.astype(np.float64, copy=False), p


def mae(y_true: Any, y_pred: Any) -> float:
    """Mean absolute error.

    Raises:
        ValueError: If shapes disagree or values are not finite.
    """
    t, p = _regression(y_true, y_pred, "mae")
    return float(np.mean(np.abs(t - p)))


def mse(y_true: Any, y_pred: Any) -> float:
    """Mean squared error.

    Raises:
        ValueError: If shapes disagree or values are not finite.
    """
    t, p = _regression(y_true, y_pred, "mse")
    return float(np.mean(np.square(t - p)))


def rmse(y_true: Any, y_pred: Any) -> float:
    """Root mean squared error.

    Raises:
        ValueError: If shapes disagree or values are not finite.
    """
    return float(np.sqrt(mse(y_true, y_pred)))


def r2(y_true: Any, y_pred: Any) -> float:
    """Coefficient of determination, ``1 - SS_res / SS_tot``.

    Raises:
        ValueError: If shapes disagree, values are not finite, or ``y_true`` is constant (then
            ``SS_tot`` is 0 and R2 is undefined).
    """
    t, p = _regression(y_true, y_pred, "r2")
    if np.ptp(t) == 0.0:
        raise ValueError(
            f"r2 is undefined when y_true is constant: all {len(t)} example(s) equal {t[0]:g}"
        )
    return float(skm.r2_score(t, p))


# --------------------------------------------------------------------------------------------
# link prediction (y_true: true target ids per row, y_pred: [n, k] ranked ids)


def _hits(y_true: Any, y_pred: Any, k: int | None, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """Returns ``hit[n, k]`` (ranked id is a true target) and the number of true targets per row.

    Hand-written rather than RelBench's pandas explode: each (row, id) pair becomes one int64
    key over densely re-coded ids, and ``np.isin`` matches all predictions at once.
    """
    pred = _to_numpy(y_pred, f"{metric}: y_pred")
    if pred.ndim != 2 or pred.dtype.kind not in "iu":
        raise ValueError(
            f"{metric}: y_pred must be a 2-D integer array of ranked target ids [n, k], "
            f"found shape {pred.shape} dtype {pred.dtype}"
        )
    if k is not None:
        if k < 1 or k > pred.shape[1]:
            raise ValueError(
                f"{metric}: k must lie in [1, {pred.shape[1]}] (y_pred ranks {pred.shape[1]} "
                f"ids per row), found {k}"
            )
        pred = pred[:, :k]
    ranked = np.sort(pred, axis=1)
    if pred.shape[1] > 1 and (ranked[:, 1:] == ranked[:, :-1]).any():
        row = int(np.flatnonzero((ranked[:, 1:] == ranked[:, :-1]).any(axis=1))[0])
        raise ValueError(f"{metric}: y_pred row {row} ranks the same id twice: {pred[row]}")

    lists = y_true if isinstance(y_true, pa.ChunkedArray | pa.Array) else pa.array(y_true)
    if isinstance(lists, pa.ChunkedArray):
        lists = lists.combine_chunks()
    if not pa.types.is_list(lists.type) and not pa.types.is_large_list(lists.type):
        raise ValueError(
            f"{metric}: y_true must hold one list of true target ids per row, found {lists.type}"
        )
    if len(lists) != len(pred):
        raise ValueError(
            f"{metric}: y_true has {len(lists)} rows but y_pred has {len(pred)}; they must match"
        )
    if len(pred) == 0:
        raise ValueError(f"{metric}: no examples to score (y_true is empty)")
    if lists.null_count:
        raise ValueError(f"{metric}: y_true has {lists.null_count} null list(s)")
    true_ids = pc.list_flatten(lists).to_numpy(zero_copy_only=False)
    if true_ids.dtype.kind not in "iu":
        raise ValueError(f"{metric}: true target ids must be integers, found {true_ids.dtype}")
    true_rows = pc.list_parent_indices(lists).to_numpy()

    vocab, codes = np.unique(np.concatenate([true_ids, pred.ravel()]), return_inverse=True)
    true_keys = np.unique(true_rows.astype(np.int64) * len(vocab) + codes[: len(true_ids)])
    n_true = np.bincount(true_keys // len(vocab), minlength=len(pred))
    if (n_true == 0).any():
        row = int(np.flatnonzero(n_true == 0)[0])
        raise ValueError(
            f"{metric}: {int((n_true == 0).sum())} row(s) have no true target (first: row "
            f"{row}); drop them before scoring"
        )
    pred_rows = np.repeat(np.arange(len(pred), dtype=np.int64), pred.shape[1])
    pred_keys = pred_rows * len(vocab) + codes[len(true_ids) :]
    hit = np.isin(pred_keys, true_keys).reshape(pred.shape)
    return hit, n_true


def map_at_k(y_true: Any, y_pred: Any, k: int | None = None) -> float:
    """Mean average precision at ``k``: per row, the precision at each hit's rank, summed and
    divided by ``min(#targets, k)``; averaged over rows.

    Args:
        y_true: True target ids per row (sequence of sequences or an Arrow list array).
        y_pred: Ranked target ids, shape ``[n, K]``.
        k: Rank cut-off (default: ``None``, all ``K`` columns).

    Raises:
        ValueError: If shapes disagree, a row has no target, or a row ranks an id twice.
    """
    hit, n_true = _hits(y_true, y_pred, k, "map")
    ranks = np.arange(1, hit.shape[1] + 1)
    precision = np.cumsum(hit, axis=1) / ranks
    ap = (precision * hit).sum(axis=1) / np.minimum(n_true, hit.shape[1])
    return float(ap.mean())


def precision_at_k(y_true: Any, y_pred: Any, k: int | None = None) -> float:
    """Share of the top ``k`` ranked ids that are true targets, averaged over rows.

    Args:
        y_true: True target ids per row.
        y_pred: Ranked target ids, shape ``[n, K]``.
        k: Rank cut-off (default: ``None``, all ``K`` columns).

    Raises:
        ValueError: If shapes disagree, a row has no target, or a row ranks an id twice.
    """
    hit, _ = _hits(y_true, y_pred, k, "precision")
    return float(hit.mean(axis=1).mean())


def recall_at_k(y_true: Any, y_pred: Any, k: int | None = None) -> float:
    """Share of each row's true targets found in its top ``k``, averaged over rows.

    Args:
        y_true: True target ids per row.
        y_pred: Ranked target ids, shape ``[n, K]``.
        k: Rank cut-off (default: ``None``, all ``K`` columns).

    Raises:
        ValueError: If shapes disagree, a row has no target, or a row ranks an id twice.
    """
    hit, n_true = _hits(y_true, y_pred, k, "recall")
    return float((hit.sum(axis=1) / n_true).mean())


def ndcg_at_k(y_true: Any, y_pred: Any, k: int | None = None) -> float:
    """Normalised discounted cumulative gain at ``k`` with binary relevance.

    Args:
        y_true: True target ids per row.
        y_pred: Ranked target ids, shape ``[n, K]``.
        k: Rank cut-off (default: ``None``, all ``K`` columns).

    Raises:
        ValueError: If shapes disagree, a row has no target, or a row ranks an id twice.
    """
    hit, n_true = _hits(y_true, y_pred, k, "ndcg")
    gains = 1.0 / np.log2(np.arange(hit.shape[1]) + 2.0)
    ideal = np.cumsum(gains)[np.minimum(n_true, hit.shape[1]) - 1]
    return float(((hit * gains).sum(axis=1) / ideal).mean())


# --------------------------------------------------------------------------------------------
# registry


METRICS: dict[TaskType, dict[str, MetricFn]] = {
    TaskType.BINARY_CLASSIFICATION: {
        "roc_auc": roc_auc,
        "average_precision": average_precision,
        "accuracy": binary_accuracy,
        "f1": binary_f1,
    },
    TaskType.MULTICLASS_CLASSIFICATION: {
        "accuracy": multiclass_accuracy,
        "macro_f1": macro_f1,
        "micro_f1": micro_f1,
    },
    TaskType.MULTILABEL_CLASSIFICATION: {
        "roc_auc": multilabel_roc_auc,
        "average_precision": multilabel_average_precision,
        "macro_f1": multilabel_macro_f1,
        "micro_f1": multilabel_micro_f1,
    },
    TaskType.REGRESSION: {"mae": mae, "rmse": rmse, "mse": mse, "r2": r2},
}
"""The metric functions of each non-link task type, keyed by metric name."""

RANKING_METRICS: dict[str, Callable[[Any, Any, int | None], float]] = {
    "map": map_at_k,
    "precision": precision_at_k,
    "recall": recall_at_k,
    "ndcg": ndcg_at_k,
}
"""The ranking metrics of link tasks, keyed by name; results are keyed ``name@k``."""


def metric_names(task_type: TaskType | str, *, k: int | None = None) -> tuple[str, ...]:
    """The keys :func:`compute_metrics` returns for a task type.

    Args:
        task_type: The task type.
        k: Rank cut-off of link metrics (default: ``None``; then the names carry no ``@k``).
    """
    task_type = TaskType.parse(task_type)
    if task_type.is_link:
        return tuple(name if k is None else f"{name}@{k}" for name in RANKING_METRICS)
    return tuple(METRICS[task_type])


def _select(
    task_type: TaskType, metrics: "Sequence[str | EvaluationMetric] | None", k: int
) -> list[tuple[str, str]]:
    """``(key, function name)`` pairs to compute, checked against the task type."""
    if metrics is None:
        return [(f"{n}@{k}" if task_type.is_link else n, n) for n in metric_names(task_type)]
    chosen = []
    for m in metrics:
        metric = EvaluationMetric.parse(m)
        known = RANKING_METRICS if task_type.is_link else METRICS[task_type]
        if metric.name not in known:
            raise ValueError(
                f"metric '{metric}' does not fit a {task_type.value} task "
                f"(metrics that do: {', '.join(known)})"
            )
        if task_type.is_link:
            at = metric.eval_at_k if isinstance(m, EvaluationMetric) or "@" in str(m) else k
            chosen.append((f"{metric.name}@{at}", metric.name))
        else:
            chosen.append((metric.name, metric.name))
    return chosen


def compute_metrics(
    task_type: TaskType | str,
    y_true: Any,
    y_pred: Any,
    *,
    k: int | None = None,
    metrics: "Sequence[str | EvaluationMetric] | None" = None,
) -> dict[str, float]:
    """Scores predictions with every metric of a task type (or the chosen ones).

    Args:
        task_type: The task type; fixes what ``y_true`` and ``y_pred`` hold (module docstring).
        y_true: Labels: numpy arrays, torch tensors, Arrow arrays or sequences.
        y_pred: Predictions in the task type's convention.
        k: Rank cut-off for link tasks (default: ``None``, every column of ``y_pred``). Ignored
            by other task types.
        metrics: Names or :class:`~relgraph.tasks.EvaluationMetric` s to compute (default:
            ``None``, all of the task type's). A link metric written ``name@k`` uses its own k.

    Returns:
        ``{name: value}``, names as in :func:`metric_names` (``"map@10"`` for link tasks).

    Raises:
        ValueError: If a metric does not fit the task type, or any metric rejects the inputs
            (shape mismatch, a single class where two are needed, ...).
    """
    task_type = TaskType.parse(task_type)
    if task_type.is_link:
        width = _to_numpy(y_pred, "y_pred").shape[-1]
        k = width if k is None else k
        return {
            key: RANKING_METRICS[name](y_true, y_pred, int(key.partition("@")[2]))
            for key, name in _select(task_type, metrics, k)
        }
    fns = METRICS[task_type]
    return {key: fns[name](y_true, y_pred) for key, name in _select(task_type, metrics, 0)}


def metric_direction(name: str | EvaluationMetric) -> Literal["max", "min"]:
    """Whether a metric is better when larger (``"max"``) or smaller (``"min"``).

    Args:
        name: A metric name as :func:`compute_metrics` keys it (``"mae"``, ``"map@10"``), an
            alias (``"auroc"``) or ``"loss"``; a split prefix such as ``"val_"`` or ``"val/"``
            is ignored.

    Raises:
        ValueError: If the name is no known metric.
    """
    text = str(name).strip().lower()
    for prefix in ("train", "val", "validation", "test"):
        for sep in ("_", "/", "."):
            if text.startswith(prefix + sep):
                text = text[len(prefix) + 1 :]
    if text == "loss":
        return "min"
    return "min" if EvaluationMetric.parse(text).name in _LOWER_IS_BETTER else "max"


def default_metric(task_type: TaskType | str, *, k: int | None = None) -> str:
    """The metric a task type is judged by when none is given, as :func:`compute_metrics` keys it.

    The first of :func:`relgraph.tasks.default_metrics`: ``roc_auc`` (binary), ``accuracy``
    (multiclass), ``macro_f1`` (multilabel), ``mae`` (regression), ``map@k`` (link).

    Args:
        task_type: The task type.
        k: Rank cut-off for link tasks (default: ``None``, the task layer's default of 10).
    """
    return str(default_metrics(TaskType.parse(task_type), k)[0])
