"""``Dataset``: the tables a model learns from, their schema, and what to predict.

A :class:`Dataset` is a list of :class:`GNNTable` (schema bound to data) plus a task
description: a predictive query, or a :class:`NodeTask` / :class:`LinkTask` over task
tables. It checks itself (:meth:`Dataset.validate`), draws itself
(:meth:`Dataset.visualize_dataset`), and saves itself as a folder that a pipeline reads as
its source (:meth:`Dataset.save`): one parquet file per table with only the schema's
columns, ``dataset.json`` (schema, task, experiment) and the task's tables under ``task/``.
A pipeline infers the schema of what it reads; :meth:`Dataset.schema_overrides` pins that
inference to the dataset's schema.
"""

import json
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import graphviz
import pyarrow as pa
import pyarrow.parquet as pq

from relgraph.client.dtype_check import dtype_problems
from relgraph.client.pinned_schema import pin_schema
from relgraph.client.pquery import PredictiveQuery
from relgraph.client.table import GNNTable
from relgraph.io import (
    atomic_directory,
    atomic_write_text,
    combine_hashes,
    open_source,
    read_tables,
    redact_uri,
    table_hash,
)
from relgraph.schema import Schema, SchemaError, SchemaOverrides, infer_schema
from relgraph.schema.render import render_diagram, schema_diagram_dot
from relgraph.tasks import LinkTask, NodeTask, load_task
from relgraph.tasks import PredictiveQuery as QueryText

_logger = logging.getLogger(__name__)

DEFAULT_EXPERIMENT = "relgraph"
"""The MLflow experiment (and registered model name) of a dataset that names none."""

DATASET_KIND = "relgraph.dataset"
FORMAT_VERSION = 1
DATASET_FILE = "dataset.json"
TASK_FOLDER = "task"

TaskDescription = NodeTask | LinkTask | PredictiveQuery | QueryText | str
"""What a dataset is for: a predictive query (text, parsed, or bound to a dataset), or a task
over task tables."""

_ADVICE = (
    "edit the tables (GNNTable.set_dtype, set_primary_key, add_foreign_key, "
    "remove_foreign_key, set_time_column, remove_column) and validate again"
)


class DatasetError(SchemaError):
    """A dataset's schema does not fit its data; the message ends with what to do.

    Args:
        problems: One message per problem found, each naming the table and column.
    """

    def __str__(self) -> str:
        return f"{super().__str__()}; {_ADVICE}"


class Dataset:
    """Tables with their schema, and what to predict from them.

    Example::

        dataset = Dataset.infer("shop/", task="PREDICT COUNT(orders.*, 0, 30, days) = 0 "
                                "FOR EACH customers.customer_id", experiment_name="churn")
        dataset.table("customers").remove_column("loaded_at")
        dataset.validate()
        dataset.visualize_dataset()

    Args:
        tables: The tables, with unique names.
        task_description: What to predict: a predictive query (text or
            :class:`PredictiveQuery`), or a :class:`NodeTask` / :class:`LinkTask`
            (default: ``None``, set it later).
        experiment_name: The MLflow experiment training runs go to; also the registered
            model name and the name of a predictive query's task (default: ``"relgraph"``).

    Raises:
        ValueError: If there are no tables, a name repeats, or the experiment name is empty.
        PQuerySyntaxError: If a query text does not parse.
    """

    def __init__(
        self,
        tables: Sequence[GNNTable],
        task_description: TaskDescription | None = None,
        *,
        experiment_name: str = DEFAULT_EXPERIMENT,
    ) -> None:
        tables = list(tables)
        if not tables:
            raise ValueError("Dataset: give at least one table")
        wrong = [type(t).__name__ for t in tables if not isinstance(t, GNNTable)]
        if wrong:
            raise ValueError(f"Dataset: tables must be GNNTable, found {wrong}")
        names = [t.name for t in tables]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"Dataset: tables {repeated} are given more than once")
        if not isinstance(experiment_name, str) or not experiment_name.strip():
            raise ValueError(f"Dataset: experiment_name must be a name, found {experiment_name!r}")
        self._tables = tables
        self.experiment_name = experiment_name
        self._task: NodeTask | LinkTask | PredictiveQuery | None = None
        self.task_description = task_description

    @classmethod
    def infer(
        cls,
        source: str | os.PathLike[str],
        task: TaskDescription | None = None,
        *,
        tables: Sequence[str] | None = None,
        overrides: SchemaOverrides | Mapping[str, Any] | None = None,
        experiment_name: str = DEFAULT_EXPERIMENT,
        sample_rows: int = 100_000,
    ) -> "Dataset":
        """Reads tables from a source and infers their schema: dtypes, primary keys, foreign
        keys, times (own or inherited), each with its reason.

        Args:
            source: A folder of CSV/parquet files, ``s3://bucket/prefix``, or a SQLAlchemy URL.
            task: What to predict (default: ``None``).
            tables: The tables to read (default: ``None``, all of them).
            overrides: Settings that replace inference (see
                :class:`relgraph.schema.SchemaOverrides`) (default: ``None``).
            experiment_name: See :class:`Dataset` (default: ``"relgraph"``).
            sample_rows: Rows sampled per table to infer dtypes (default: ``100_000``).

        Returns:
            The dataset; its tables remember ``source``.

        Raises:
            SourceError: If the source or a table cannot be read.
            SchemaError: If the overrides are invalid or inference fails (naming the table).
        """
        data = read_tables(source, tables)
        schema = infer_schema(data, overrides=overrides, sample_rows=sample_rows)
        location = open_source(source).uri
        bound = [
            GNNTable.from_schema(table, data[table.name], location=location)
            for table in schema.tables
        ]
        _logger.info("inferred the schema of %d tables of %s", len(bound), redact_uri(location))
        return cls(bound, task, experiment_name=experiment_name)

    def __repr__(self) -> str:
        task = "" if self._task is None else f", task={self._task!r}"
        return f"Dataset({self.table_names}{task}, experiment_name={self.experiment_name!r})"

    # -- tables -----------------------------------------------------------------------------

    @property
    def tables(self) -> list[GNNTable]:
        """The tables, in order."""
        return list(self._tables)

    @property
    def table_names(self) -> list[str]:
        """The table names, in order."""
        return [t.name for t in self._tables]

    def table(self, name: str) -> GNNTable:
        """The table called ``name``.

        Raises:
            KeyError: If there is none; the message lists the tables there are.
        """
        for table in self._tables:
            if table.name == name:
                return table
        raise KeyError(f"dataset has no table '{name}' (tables: {self.table_names})")

    @property
    def schema(self) -> Schema:
        """The schema of all tables (their live schemas: edits show here)."""
        return Schema([t.schema for t in self._tables])

    @property
    def data(self) -> dict[str, pa.Table]:
        """Every table's data, with the schema's columns only."""
        return {t.name: t.selected_data() for t in self._tables}

    @property
    def row_counts(self) -> dict[str, int]:
        """Rows per table."""
        return {t.name: t.num_rows for t in self._tables}

    # -- the task ---------------------------------------------------------------------------

    @property
    def task_description(self) -> NodeTask | LinkTask | PredictiveQuery | None:
        """What to predict: a :class:`PredictiveQuery` over this dataset, a
        :class:`NodeTask` or :class:`LinkTask`, or ``None``. Set it to any
        :data:`TaskDescription`."""
        return self._task

    @task_description.setter
    def task_description(self, task: TaskDescription | None) -> None:
        if task is None or isinstance(task, NodeTask | LinkTask):
            self._task = task
        elif isinstance(task, PredictiveQuery):
            self._task = task if task.dataset is self else task.bound_to(self)
        elif isinstance(task, QueryText | str):
            self._task = PredictiveQuery(self, task)
        else:
            raise ValueError(
                "task_description must be a predictive query ('PREDICT ...'), a "
                f"PredictiveQuery, a NodeTask or a LinkTask, found {type(task).__name__}"
            )

    # -- checking and showing ---------------------------------------------------------------

    def validate(self) -> None:
        """Checks the schema against the data (keys, foreign keys, times, every column's
        values against its dtype), then the task against the schema and data.

        Raises:
            DatasetError: Listing every schema problem, each naming its table and column.
            PQueryError: If the predictive query does not fit (naming the table or column).
            TaskError: If the task or its tables do not fit the schema and data.
        """
        problems: list[str] = []
        try:
            self.schema.validate(self.data)
        except SchemaError as exc:
            problems += exc.problems
        for table in self._tables:
            problems += dtype_problems(table.schema, table.data)
        if problems:
            raise DatasetError(problems)
        if isinstance(self._task, PredictiveQuery):
            self._task.validate()
        elif self._task is not None:
            self._task.validate(self.schema, self.data)

    def visualize_dataset(
        self, path: str | os.PathLike[str] | None = None, *, formats: Sequence[str] = ("svg",)
    ) -> graphviz.Source:
        """Draws the schema: every table with its columns, dtypes and key and time markers,
        and an arrow per foreign key.

        Args:
            path: Also write the diagram to ``<path>.dot`` and ``<path>.<format>``
                (default: ``None``, write nothing).
            formats: The drawings to write beside the ``.dot`` file (default: ``("svg",)``).

        Returns:
            The diagram; a notebook shows it, ``.render()`` draws it to a file.
        """
        counts = self.row_counts
        if path is not None:
            written = render_diagram(self.schema, path, formats, row_counts=counts)
            _logger.info("wrote the dataset diagram to %s", ", ".join(map(str, written)))
        return graphviz.Source(schema_diagram_dot(self.schema, counts))

    # -- what pipelines read ----------------------------------------------------------------

    def schema_overrides(self) -> SchemaOverrides:
        """Schema-inference overrides that give back exactly this dataset's schema (see
        :func:`relgraph.client.pinned_schema.pin_schema`)."""
        return pin_schema(self.schema)

    @property
    def location(self) -> str | None:
        """The one location every table was read from as it is (same name, every column, in
        order), which a pipeline can read itself; ``None`` when the tables come from memory or
        several places, or a table's columns were changed. May hold a password."""
        locations = {t.location for t in self._tables}
        if len(locations) != 1 or None in locations:
            return None
        if any(t.is_projected or t.name != t.source_table for t in self._tables):
            return None
        return locations.pop()

    def content_hash(self) -> str:
        """A hash of the data (schema columns only), the schema and the task."""
        hashes = {f"table:{t.name}": table_hash(t.selected_data()) for t in self._tables}
        hashes["schema"] = self.schema.content_hash()
        hashes["task"] = self._task_hash()
        return combine_hashes(hashes)

    def _task_hash(self) -> str:
        task = self._task
        if task is None:
            return "none"
        if isinstance(task, PredictiveQuery):
            split = task.split_plan.to_dict() if task.split_plan is not None else None
            described = {"query": task.text, "name": task.name, "split": split}
        else:
            described = task._describe()
            described["tables"] = {s: table_hash(t) for s, t in task.tables().items()}
        return combine_hashes({"task": json.dumps(described, sort_keys=True, default=str)})

    def save(self, dest: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Writes the dataset as a folder, all at once or not at all: ``<table>.parquet`` per
        table (the schema's columns), ``dataset.json`` (schema, task, experiment, content
        hash) and, for a :class:`NodeTask` or :class:`LinkTask`, its tables under ``task/``.

        The folder is a source for :func:`relgraph.io.open_source` (and so for the
        pipelines); :meth:`load` reads it back.

        Args:
            dest: The folder to create.
            overwrite: Replace an existing folder (default: ``False``).

        Returns:
            The folder.

        Raises:
            ValueError: If a table name cannot be a file name.
            FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
        """
        for name in self.table_names:
            if not name or name != Path(name).name or name.startswith((".", "_")):
                raise ValueError(
                    f"table name {name!r} cannot be saved as a file name (no '/', and no "
                    "leading '.' or '_')"
                )
        dest = Path(dest)
        task_entry: dict[str, Any] | None = None
        if isinstance(self._task, PredictiveQuery):
            split = self._task.split_plan
            task_entry = {
                "query": self._task.text,
                "name": self._task.name,
                "split": split.to_dict() if split is not None else None,
            }
        elif self._task is not None:
            task_entry = {"folder": TASK_FOLDER}
        files = {}
        with atomic_directory(dest, overwrite=overwrite) as folder:
            for table in self._tables:
                files[table.name] = f"{table.name}.parquet"
                pq.write_table(table.selected_data(), folder / files[table.name])
            if self._task is not None and not isinstance(self._task, PredictiveQuery):
                self._task.save(folder / TASK_FOLDER)
            manifest = {
                "kind": DATASET_KIND,
                "format_version": FORMAT_VERSION,
                "content_hash": self.content_hash(),
                "experiment_name": self.experiment_name,
                "tables": {
                    t.name: {"file": files[t.name], "rows": t.num_rows} for t in self._tables
                },
                "schema": self.schema.to_dict(),
                "task": task_entry,
            }
            atomic_write_text(
                folder / DATASET_FILE, json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"
            )
        _logger.info("saved dataset %s to %s", manifest["content_hash"], dest)
        return dest

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "Dataset":
        """Reads a dataset folder written by :meth:`save`.

        Raises:
            FileNotFoundError: If the folder has no ``dataset.json``.
            ValueError: If the file is not a dataset of a format this relgraph reads.
            SourceError: If a table file cannot be read.
        """
        path = Path(path).resolve()
        file = path / DATASET_FILE
        if not file.is_file():
            raise FileNotFoundError(f"no dataset at {path}: {DATASET_FILE} not found")
        manifest = json.loads(file.read_text(encoding="utf-8"))
        if manifest.get("kind") != DATASET_KIND or manifest.get("format_version") != FORMAT_VERSION:
            raise ValueError(
                f"{file}: not a relgraph dataset of format {FORMAT_VERSION} "
                f"(kind {manifest.get('kind')!r}, format {manifest.get('format_version')!r})"
            )
        schema = Schema.from_dict(manifest["schema"])
        data = read_tables(path, schema.table_names)
        tables = [GNNTable.from_schema(t, data[t.name], location=str(path)) for t in schema]
        dataset = cls(tables, experiment_name=manifest["experiment_name"])
        entry = manifest.get("task")
        if entry is not None and "query" in entry:
            dataset.task_description = PredictiveQuery(
                dataset, entry["query"], name=entry.get("name"), split=entry.get("split")
            )
        elif entry is not None:
            dataset.task_description = load_task(path / entry["folder"])
        return dataset
