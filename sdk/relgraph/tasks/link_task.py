"""``LinkTask``: predict, for each entity, which rows of another table it will link to."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from relgraph.tasks.base import TaskBase
from relgraph.tasks.errors import TaskError
from relgraph.tasks.metric import EvaluationMetric
from relgraph.tasks.source import TaskDataSource
from relgraph.tasks.task_type import TaskType


@dataclass(frozen=True)
class LinkTask(TaskBase):
    """Rank rows of ``target_entity_table`` for each row of ``source_entity_table``.

    Each split's task table has the source entity column, the time column when the task is
    temporal, and ``target_entity_column``: the list of ids (primary-key values of
    ``target_entity_table``) each example links to. A table with one row per link (a scalar
    target column) is grouped into lists when read.

    Args:
        name: The task name.
        source_entity_table: The table whose rows get rankings.
        source_entity_column: Its primary key, and the task tables' entity column.
        target_entity_table: The table whose ids are ranked.
        target_entity_column: The task tables' column of target ids (lists).
        task_type: Link prediction, or repeated link prediction (links that may have
            existed before).
        task_data_source: As for :class:`NodeTask`.
        time_column: The anchor-time column, or ``None`` (default: ``None``).
        current_time: Whether a prediction at ``t`` may see rows at exactly ``t``
            (default: ``False``).
        evaluation_metric: Ranking metrics (default: ``None``, MAP@10).

    Raises:
        ValueError: If a field is malformed, the task type is not a link type, or a metric
            does not rank.
    """

    name: str
    source_entity_table: str
    source_entity_column: str
    target_entity_table: str
    target_entity_column: str
    task_type: TaskType | str
    task_data_source: Mapping[str, TaskDataSource]
    time_column: str | None = None
    current_time: bool = False
    evaluation_metric: "EvaluationMetric | str | Sequence[EvaluationMetric | str] | None" = None
    _tables: dict[str, pa.Table] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    KIND = "link"

    def __post_init__(self) -> None:
        task_type = TaskType.parse(self.task_type)
        if not task_type.is_link:
            raise ValueError(
                f"task '{self.name}': a LinkTask is link_prediction or repeated_link_prediction, "
                f"found {task_type.value}; use NodeTask"
            )
        object.__setattr__(self, "task_type", task_type)
        for field_name in ("target_entity_table", "target_entity_column"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value:
                raise ValueError(
                    f"task '{self.name}': {field_name} must be a non-empty string, found {value!r}"
                )
        self._check_common()

    @property
    def label_column(self) -> str:
        """The task tables' column of target-id lists."""
        return self.target_entity_column

    def _normalize(self, table: pa.Table, *, where: str) -> pa.Table:
        """Groups one-row-per-link tables into one row per example with a list of ids."""
        target = self.target_entity_column
        if (
            target not in table.column_names
            or pa.types.is_list(table[target].type)
            or pa.types.is_large_list(table[target].type)
        ):
            return table
        keys = [self.source_entity_column]
        if self.time_column is not None:
            keys.append(self.time_column)
        absent = [k for k in keys if k not in table.column_names]
        if absent:
            raise TaskError(
                f"{where}: columns {absent} are not in the table (columns: {table.column_names})"
            )
        others = [c for c in table.column_names if c not in (*keys, target)]
        if others:
            raise TaskError(
                f"{where}: a table with one row per link holds only {[*keys, target]}; "
                f"found also {others}"
            )
        grouped = (
            table.filter(pc.is_valid(table[target]))
            .group_by(keys)
            .aggregate([(target, "distinct")])
        )
        grouped = grouped.rename_columns(
            [*(c if c != f"{target}_distinct" else target for c in grouped.column_names)]
        )
        return grouped.select([*keys, target]).sort_by([(k, "ascending") for k in reversed(keys)])

    def _fields(self) -> dict[str, Any]:
        return {
            "target_entity_table": self.target_entity_table,
            "target_entity_column": self.target_entity_column,
        }
