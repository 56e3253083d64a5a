"""What node and link tasks share: loading split tables, metrics, validation, save and load."""

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Self

import pyarrow as pa

from relgraph.io.atomic import atomic_directory
from relgraph.schema import Schema
from relgraph.tasks.errors import TaskError
from relgraph.tasks.metric import EvaluationMetric, resolve_metrics
from relgraph.tasks.source import TaskDataSource, describe_source, read_task_source
from relgraph.tasks.split import SPLITS
from relgraph.tasks.task_table import normalize_time_column, write_task_table
from relgraph.tasks.task_type import TaskType

FORMAT_VERSION = 1
"""The version of the saved task folder format."""

TASK_FILE = "task.json"
"""The file of a saved task folder that describes the task."""

REQUIRED_SPLITS = ("train", "validation")
"""Splits every task has; ``test`` is optional."""


class TaskBase:
    """Behaviour shared by :class:`NodeTask` and :class:`LinkTask` (which hold the fields).

    Subclasses are frozen dataclasses with ``name``, ``source_entity_table``,
    ``source_entity_column``, ``task_type``, ``task_data_source``, ``time_column``,
    ``current_time``, ``evaluation_metric`` and a private ``_tables`` cache.
    """

    name: str
    source_entity_table: str
    source_entity_column: str
    task_type: TaskType
    task_data_source: Mapping[str, TaskDataSource]
    time_column: str | None
    current_time: bool
    evaluation_metric: tuple[EvaluationMetric, ...]
    _tables: dict[str, pa.Table]

    KIND = "task"

    @property
    def label_column(self) -> str:
        """The column of each task table that holds targets."""
        raise NotImplementedError

    def _check_common(self) -> None:
        where = f"{self.KIND} task"
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"{where}: name must be a non-empty string, found {self.name!r}")
        where = f"task '{self.name}'"
        for field_name in ("source_entity_table", "source_entity_column"):
            value = getattr(self, field_name)
            if not isinstance(value, str) or not value:
                raise ValueError(
                    f"{where}: {field_name} must be a non-empty string, found {value!r}"
                )
        if not isinstance(self.task_data_source, Mapping):
            raise ValueError(
                f"{where}: task_data_source maps split names {list(SPLITS)} to sources, "
                f"found {type(self.task_data_source).__name__}"
            )
        unknown = [s for s in self.task_data_source if s not in SPLITS]
        if unknown:
            raise ValueError(
                f"{where}: unknown splits {unknown} in task_data_source (splits: {list(SPLITS)})"
            )
        absent = [s for s in REQUIRED_SPLITS if s not in self.task_data_source]
        if absent:
            raise ValueError(f"{where}: task_data_source has no {absent} split(s)")
        if self.time_column is not None and (
            not isinstance(self.time_column, str) or not self.time_column
        ):
            raise ValueError(
                f"{where}: time_column must be a column name or None, found {self.time_column!r}"
            )
        if not isinstance(self.current_time, bool):
            raise ValueError(
                f"{where}: current_time must be True or False, found {self.current_time!r}"
            )
        object.__setattr__(self, "task_data_source", dict(self.task_data_source))
        metrics = resolve_metrics(self.evaluation_metric, self.task_type, where=where)
        object.__setattr__(self, "evaluation_metric", metrics)

    @property
    def metrics(self) -> tuple[EvaluationMetric, ...]:
        """The evaluation metrics (the task type's defaults when none were given)."""
        return self.evaluation_metric

    @property
    def splits(self) -> list[str]:
        """The splits this task has, in order."""
        return [s for s in SPLITS if s in self.task_data_source]

    def table(self, split: str) -> pa.Table:
        """The task table of ``split``, read once and then kept.

        The time column, if any, is read as ``timestamp[us]``.

        Raises:
            KeyError: If the task has no such split.
            TaskError: If the table cannot be read or its time column is not times.
        """
        if split not in self.task_data_source:
            raise KeyError(f"task '{self.name}' has no split '{split}' (splits: {self.splits})")
        if split not in self._tables:
            where = f"task '{self.name}', split '{split}'"
            table = read_task_source(self.task_data_source[split], where=where)
            if self.time_column is not None:
                table = normalize_time_column(table, self.time_column, where=where)
            self._tables[split] = self._normalize(table, where=where)
        return self._tables[split]

    def _normalize(self, table: pa.Table, *, where: str) -> pa.Table:
        return table

    def tables(self) -> dict[str, pa.Table]:
        """Every split's task table."""
        return {split: self.table(split) for split in self.splits}

    def has_labels(self, split: str) -> bool:
        """Whether the task table of ``split`` has targets (a test set may be prediction-only)."""
        return self.label_column in self.table(split).column_names

    def validate(
        self, schema: Schema | None = None, data: Mapping[str, pa.Table] | None = None
    ) -> None:
        """Checks the task and its tables, against the schema and data when given.

        See :func:`relgraph.tasks.validation.validate_task`.

        Raises:
            TaskError: Listing every problem found.
        """
        from relgraph.tasks.validation import validate_task  # validation needs the task classes

        validate_task(self, schema, data)

    # -- serialization --------------------------------------------------------------------

    def _fields(self) -> dict[str, Any]:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form; sources are given as their (redacted) locations.

        Raises:
            TaskError: If a source is an in-memory table (save the task instead).
        """
        sources = {}
        for split, source in self.task_data_source.items():
            if isinstance(source, pa.Table) or not isinstance(source, str | os.PathLike):
                raise TaskError(
                    f"task '{self.name}': split '{split}' is an in-memory table; "
                    "save the task with .save(path) to write its tables"
                )
            sources[split] = describe_source(source)
        return {**self._describe(), "task_data_source": sources}

    def _describe(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "kind": self.KIND,
            "name": self.name,
            "source_entity_table": self.source_entity_table,
            "source_entity_column": self.source_entity_column,
            **self._fields(),
            "task_type": self.task_type.value,
            "time_column": self.time_column,
            "current_time": self.current_time,
            "evaluation_metric": [m.to_dict() for m in self.evaluation_metric],
        }

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> Self:
        """Reads a task written by :meth:`save`.

        Raises:
            FileNotFoundError: If the folder has no ``task.json``.
            TaskError: If the folder holds another kind of task or a newer format.
        """
        from relgraph.tasks.task_io import load_task  # task_io imports the subclasses

        return load_task(Path(path), expect=cls)

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Writes the task as a folder: ``task.json`` and one parquet file per split.

        The folder appears complete or not at all.

        Args:
            path: The folder to create.
            overwrite: Replace an existing folder (default: ``False``).

        Returns:
            The folder.

        Raises:
            FileExistsError: If the folder exists and ``overwrite`` is ``False``.
            TaskError: If a split's table cannot be read.
        """
        path = Path(path)
        tables = self.tables()
        with atomic_directory(path, overwrite=overwrite) as tmp:
            files, rows = {}, {}
            for split, table in tables.items():
                files[split] = f"{split}.parquet"
                rows[split] = table.num_rows
                write_task_table(table, tmp / files[split])
            manifest = {**self._describe(), "task_data_source": files, "rows": rows}
            (tmp / TASK_FILE).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        return path
