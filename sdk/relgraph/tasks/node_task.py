"""``NodeTask``: predict a value for each entity (classification or regression)."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from relgraph.tasks.base import TaskBase
from relgraph.tasks.metric import EvaluationMetric
from relgraph.tasks.source import TaskDataSource
from relgraph.tasks.task_type import TaskType


@dataclass(frozen=True)
class NodeTask(TaskBase):
    """Predict ``target_column`` for rows of ``source_entity_table``.

    Each split's task table has the entity column (ids of ``source_entity_table`` rows,
    named ``source_entity_column`` like its primary key), the time column when the task is
    temporal, and the target column (optional in the test split, for prediction only).

    Args:
        name: The task name.
        source_entity_table: The table whose rows are predicted for.
        source_entity_column: Its primary key, and the task tables' entity column.
        target_column: The task tables' target column.
        task_type: Binary, multiclass or multilabel classification, or regression.
        task_data_source: ``{"train": ..., "validation": ..., "test": ...}``, each an Arrow
            table, a file or folder (local or ``s3://``), or ``<location>#<table>`` (a SQL
            table, e.g. ``sqlite:///tasks.db#train``); ``test`` may be left out.
        time_column: The task tables' anchor-time column, or ``None`` for a static task
            (default: ``None``).
        current_time: Whether a prediction at time ``t`` may see rows at exactly ``t``
            (default: ``False``: only rows before ``t``).
        evaluation_metric: One metric or several (names such as ``"roc_auc"`` or
            :class:`EvaluationMetric`) (default: ``None``, those of the task type).

    Raises:
        ValueError: If a field is malformed, the task type is a link type, or a metric does
            not fit the task type.
    """

    name: str
    source_entity_table: str
    source_entity_column: str
    target_column: str
    task_type: TaskType | str
    task_data_source: Mapping[str, TaskDataSource]
    time_column: str | None = None
    current_time: bool = False
    evaluation_metric: "EvaluationMetric | str | Sequence[EvaluationMetric | str] | None" = None
    _tables: dict[str, pa.Table] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    KIND = "node"

    def __post_init__(self) -> None:
        task_type = TaskType.parse(self.task_type)
        if task_type.is_link:
            raise ValueError(
                f"task '{self.name}': {task_type.value} ranks ids of another table; use LinkTask"
            )
        object.__setattr__(self, "task_type", task_type)
        if not isinstance(self.target_column, str) or not self.target_column:
            raise ValueError(
                f"task '{self.name}': target_column must be a non-empty string, found {self.target_column!r}"
            )
        self._check_common()

    @property
    def label_column(self) -> str:
        """The task tables' target column."""
        return self.target_column

    def _fields(self) -> dict[str, Any]:
        return {"target_column": self.target_column}
