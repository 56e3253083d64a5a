"""``PredictiveQuery``: a predictive query from text to task tables."""

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import pyarrow as pa

from relgraph.schema import Schema
from relgraph.tasks.link_task import LinkTask
from relgraph.tasks.metric import DEFAULT_EVAL_AT_K, EvaluationMetric, default_metrics
from relgraph.tasks.node_task import NodeTask
from relgraph.tasks.pquery.compiler import CompiledQuery, compile_query, label_column_name
from relgraph.tasks.pquery.generate import run_at_anchors, run_query
from relgraph.tasks.pquery.parser import parse
from relgraph.tasks.pquery.printer import to_text
from relgraph.tasks.pquery.resolve import ResolvedQuery, resolve
from relgraph.tasks.split import SplitPlan, TimeLike, to_datetime64
from relgraph.tasks.task_table import ANCHOR_TIME
from relgraph.tasks.task_type import TaskType


class PredictiveQuery:
    """A predictive query: what to predict, for which entities, from the data.

    Example::

        query = PredictiveQuery(
            "PREDICT AVG(results.positionOrder, 0, 60, days) "
            "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 60, days) > 0"
        )
        query.task_type(schema)                      # TaskType.REGRESSION
        tables = query.generate(schema, data, TemporalSplit("2005-01-01", "2010-01-01"))

    Args:
        text: The query (see ``docs/predictive_queries.md`` for the language).

    Raises:
        PQuerySyntaxError: If the text does not parse; the message points at the problem.
    """

    def __init__(self, text: str) -> None:
        self.ast = parse(text)
        self.text = text

    def __str__(self) -> str:
        return to_text(self.ast)

    def __repr__(self) -> str:
        return f"PredictiveQuery({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, PredictiveQuery) and self.ast == other.ast

    def __hash__(self) -> int:
        return hash(self.ast)

    def resolve(self, schema: Schema, data: Mapping[str, pa.Table] | None = None) -> ResolvedQuery:
        """Binds the query to ``schema`` (and checks constants against the types of ``data``).

        Raises:
            PQueryError: At the first problem, with its position in the query.
        """
        types = None if data is None else {name: table.schema for name, table in data.items()}
        return resolve(self.ast, schema, text=self.text, types=types)

    def task_type(self, schema: Schema) -> TaskType:
        """The task type the query implies, from the schema alone: a numeric target is
        regression, a comparison binary classification, a categorical value multiclass, a
        list multilabel, and ``LIST_DISTINCT(...) RANK TOP k`` link prediction.

        Raises:
            PQueryError: If the query does not fit the schema.
        """
        return self.resolve(schema).task_type

    def explain(self, schema: Schema) -> str:
        """A few lines saying what the query predicts, before anything runs.

        Raises:
            PQueryError: If the query does not fit the schema.
        """
        r = self.resolve(schema)
        k = r.rank_top if r.rank_top is not None else None
        metrics = ", ".join(str(m) for m in default_metrics(r.task_type, k))
        lines = [
            f"query:     {r.text}",
            f"task type: {r.task_type.value}",
            f"entities:  {r.entity_table}.{r.entity_column}",
            f"target:    {label_column_name(r, schema)} ({_target_kind(r)})",
        ]
        if r.target_window is not None:
            w = r.target_window
            lines.append(f"window:    (anchor + {w.start}, anchor + {w.end}] {w.unit.value}")
        else:
            lines.append("window:    none (static target; random split)")
        if r.link_table is not None:
            lines.append(f"ranks:     ids of '{r.link_table}', top {r.rank_top}")
        lines.append(f"metrics:   {metrics}")
        return "\n".join(lines)

    def compile(self, schema: Schema) -> CompiledQuery:
        """The DuckDB statement the query runs as.

        Raises:
            PQueryError: If the query does not fit the schema.
        """
        return compile_query(self.resolve(schema), schema)

    def generate(
        self,
        schema: Schema,
        data: Mapping[str, pa.Table],
        split: SplitPlan,
        *,
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> dict[str, pa.Table]:
        """Builds the train, validation and test task tables.

        Args:
            schema: The schema of ``data``.
            data: Arrow tables by name (e.g. ``Snapshot.tables()`` or ``relgraph.io.read_tables(uri)``).
            split: A :class:`TemporalSplit` for a windowed target, a :class:`RandomSplit`
                for a static one.
            connection: A DuckDB connection to run on (default: ``None``, a new one).

        Returns:
            ``{"train": ..., "validation": ..., "test": ...}``: entity key, ``anchor_time``
            (temporal queries) and the target column.

        Raises:
            PQueryError: If the query does not fit the schema or the data's types.
            TaskError: If the data or split plan does not fit the query.
        """
        resolved = self.resolve(schema, data)
        return run_query(
            resolved, compile_query(resolved, schema), schema, data, split, connection=connection
        )

    def table_at(
        self,
        schema: Schema,
        data: Mapping[str, pa.Table],
        anchor_times: "Sequence[TimeLike] | np.ndarray",
        *,
        cutoff: TimeLike | None = None,
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> pa.Table:
        """The examples of a temporal query at the given anchor times, without a split plan.

        Args:
            schema: The schema of ``data``.
            data: Arrow tables by name.
            anchor_times: The anchor times.
            cutoff: Leave out rows with a time after this (default: ``None``, all rows).
            connection: A DuckDB connection to run on (default: ``None``, a new one).

        Raises:
            PQueryError: If the query does not fit the schema or the data's types.
            TaskError: If the query is static or the data lacks a table or column.
        """
        resolved = self.resolve(schema, data)
        anchors = np.array(
            [to_datetime64(t, where="anchor time") for t in anchor_times], dtype="datetime64[us]"
        )
        limit = None if cutoff is None else to_datetime64(cutoff, where="cutoff")
        return run_at_anchors(
            resolved,
            compile_query(resolved, schema),
            schema,
            data,
            anchors,
            cutoff=limit,
            connection=connection,
        )

    def to_task(
        self,
        name: str,
        schema: Schema,
        data: Mapping[str, pa.Table],
        split: SplitPlan,
        *,
        task_type: TaskType | str | None = None,
        evaluation_metric: "EvaluationMetric | str | Sequence[EvaluationMetric | str] | None" = None,
        connection: duckdb.DuckDBPyConnection | None = None,
    ) -> NodeTask | LinkTask:
        """Builds the task tables and wraps them in a :class:`NodeTask` or :class:`LinkTask`.

        Args:
            name: The task name.
            schema: The schema of ``data``.
            data: Arrow tables by name.
            split: The split plan.
            task_type: Overrides the derived type where the query cannot tell, e.g.
                ``repeated_link_prediction`` for a link query (default: ``None``, derived).
            evaluation_metric: The metrics (default: ``None``, those of the task type; for
                link prediction MAP@k with ``k`` from ``RANK TOP k``).
            connection: A DuckDB connection to run on (default: ``None``, a new one).

        Raises:
            ValueError: If ``task_type`` is not compatible with the derived type.
            PQueryError: If the query does not fit the schema or the data's types.
            TaskError: If the data or split plan does not fit the query.
        """
        resolved = self.resolve(schema, data)
        derived = resolved.task_type
        chosen = derived if task_type is None else TaskType.parse(task_type)
        if chosen != derived and not (chosen.is_link and derived.is_link):
            raise ValueError(
                f"task '{name}': the query predicts a {derived.value} target, which a "
                f"{chosen.value} task cannot take"
            )
        compiled = compile_query(resolved, schema)
        tables = run_query(resolved, compiled, schema, data, split, connection=connection)
        time_column = ANCHOR_TIME if compiled.temporal else None
        if chosen.is_link:
            metrics = evaluation_metric or EvaluationMetric(
                "map", resolved.rank_top or DEFAULT_EVAL_AT_K
            )
            return LinkTask(
                name=name,
                source_entity_table=resolved.entity_table,
                source_entity_column=resolved.entity_column,
                target_entity_table=resolved.link_table,
                target_entity_column=compiled.label_column,
                task_type=chosen,
                task_data_source=tables,
                time_column=time_column,
                evaluation_metric=metrics,
            )
        return NodeTask(
            name=name,
            source_entity_table=resolved.entity_table,
            source_entity_column=resolved.entity_column,
            target_column=compiled.label_column,
            task_type=chosen,
            task_data_source=tables,
            time_column=time_column,
            evaluation_metric=evaluation_metric,
        )


def _target_kind(resolved: ResolvedQuery) -> str:
    if resolved.task_type is TaskType.BINARY_CLASSIFICATION:
        return "0/1"
    if resolved.link_table is not None:
        return f"list of {resolved.link_table} ids"
    return resolved.target_kind.value
