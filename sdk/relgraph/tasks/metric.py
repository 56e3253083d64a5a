"""Evaluation metrics: which score a task is judged by, with defaults per task type."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from relgraph.tasks.task_type import TaskType

_ALIASES = {"auroc": "roc_auc", "auc": "roc_auc", "ap": "average_precision", "f1_macro": "macro_f1"}

_RANKING = ("map", "precision", "recall", "ndcg")
"""Metrics of a ranked list of target ids, each cut at ``eval_at_k``."""

_BY_TASK_TYPE: dict[TaskType, tuple[str, ...]] = {
    TaskType.BINARY_CLASSIFICATION: ("roc_auc", "average_precision", "accuracy", "f1"),
    TaskType.MULTICLASS_CLASSIFICATION: ("accuracy", "macro_f1", "micro_f1"),
    TaskType.MULTILABEL_CLASSIFICATION: ("macro_f1", "micro_f1", "average_precision"),
    TaskType.REGRESSION: ("mae", "rmse", "mse", "r2"),
    TaskType.LINK_PREDICTION: _RANKING,
    TaskType.REPEATED_LINK_PREDICTION: _RANKING,
}

DEFAULT_EVAL_AT_K = 10
"""The ``k`` of a ranking metric when none is given."""


@dataclass(frozen=True)
class EvaluationMetric:
    """A metric a task is evaluated with, such as ``roc_auc`` or ``map@10``.

    Args:
        name: The metric name, case-insensitive (``auroc``/``auc`` mean ``roc_auc``,
            ``ap`` means ``average_precision``).
        eval_at_k: For ranking metrics (``map``, ``precision``, ``recall``, ``ndcg``), how
            many top-ranked ids are scored (default: ``None``, which is
            :data:`DEFAULT_EVAL_AT_K` for ranking metrics).

    Raises:
        ValueError: If the name is unknown, or ``eval_at_k`` is given to a metric that does
            not rank, or is not a positive integer.
    """

    name: str
    eval_at_k: int | None = None

    def __post_init__(self) -> None:
        name = _ALIASES.get(self.name.strip().lower(), self.name.strip().lower())
        known = {n for names in _BY_TASK_TYPE.values() for n in names}
        if name not in known:
            raise ValueError(f"unknown evaluation metric {self.name!r} (known: {sorted(known)})")
        object.__setattr__(self, "name", name)
        if name in _RANKING:
            k = DEFAULT_EVAL_AT_K if self.eval_at_k is None else self.eval_at_k
            if isinstance(k, bool) or not isinstance(k, int) or k < 1:
                raise ValueError(
                    f"metric '{name}': eval_at_k must be a positive integer, found {k!r}"
                )
            object.__setattr__(self, "eval_at_k", k)
        elif self.eval_at_k is not None:
            raise ValueError(
                f"metric '{name}' does not rank, so it takes no eval_at_k (found {self.eval_at_k!r})"
            )

    def __str__(self) -> str:
        return self.name if self.eval_at_k is None else f"{self.name}@{self.eval_at_k}"

    @classmethod
    def parse(cls, text: "str | EvaluationMetric") -> "EvaluationMetric":
        """Reads a metric written as ``name`` or ``name@k`` (``"map@12"``).

        Raises:
            ValueError: If the text names no metric or ``k`` is not an integer.
        """
        if isinstance(text, cls):
            return text
        name, at, k = str(text).partition("@")
        if not at:
            return cls(name)
        try:
            return cls(name, int(k))
        except ValueError as exc:
            if not k.strip().lstrip("-").isdigit():
                raise ValueError(f"metric {text!r}: k after '@' must be an integer") from exc
            raise

    def fits(self, task_type: TaskType) -> bool:
        """Whether the metric can score a task of ``task_type``."""
        return self.name in _BY_TASK_TYPE[TaskType(task_type)]

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {"name": self.name, "eval_at_k": self.eval_at_k}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "EvaluationMetric":
        """Builds a metric from its JSON form."""
        return cls(data["name"], data.get("eval_at_k"))


def default_metrics(
    task_type: TaskType, eval_at_k: int | None = None
) -> tuple[EvaluationMetric, ...]:
    """The metrics a task of ``task_type`` is evaluated with when none are given.

    AUROC for binary classification, accuracy and macro-F1 for multiclass, macro-F1 for
    multilabel, MAE for regression, MAP@k for link prediction.

    Args:
        task_type: The task type.
        eval_at_k: ``k`` for link prediction (default: ``None``, :data:`DEFAULT_EVAL_AT_K`).
    """
    task_type = TaskType.parse(task_type)
    if task_type.is_link:
        return (EvaluationMetric("map", eval_at_k),)
    names = {
        TaskType.BINARY_CLASSIFICATION: ("roc_auc",),
        TaskType.MULTICLASS_CLASSIFICATION: ("accuracy", "macro_f1"),
        TaskType.MULTILABEL_CLASSIFICATION: ("macro_f1",),
        TaskType.REGRESSION: ("mae",),
    }[task_type]
    return tuple(EvaluationMetric(n) for n in names)


def resolve_metrics(
    metrics: "EvaluationMetric | str | Sequence[EvaluationMetric | str] | None",
    task_type: TaskType,
    *,
    where: str,
) -> tuple[EvaluationMetric, ...]:
    """Reads a task's ``evaluation_metric`` argument and checks it fits the task type.

    Args:
        metrics: One metric, several, or ``None`` for the defaults of ``task_type``.
        task_type: The task type the metrics must fit.
        where: What the metrics belong to, for error messages.

    Returns:
        The metrics, at least one.

    Raises:
        ValueError: If a metric is unknown or does not fit the task type.
    """
    if metrics is None:
        return default_metrics(task_type)
    items = [metrics] if isinstance(metrics, str | EvaluationMetric) else list(metrics)
    if not items:
        raise ValueError(f"{where}: evaluation_metric is empty; give a metric or None")
    parsed = tuple(EvaluationMetric.parse(m) for m in items)
    for metric in parsed:
        if not metric.fits(task_type):
            fitting = ", ".join(_BY_TASK_TYPE[task_type])
            raise ValueError(
                f"{where}: metric '{metric}' does not fit a {task_type.value} task "
                f"(metrics that do: {fitting})"
            )
    return parsed
