"""``relgraph task preview``: what a predictive query predicts on a database, before training.

Shows the task type and what the query means, the split plan the training pipeline would use
(the given one, or the one it derives), the rows and label distribution of each split, and the
first rows of the training table. The ``relgraph train`` command reads its data and query the
same way (:func:`load_dataset`, :func:`parse_query`, :func:`reporting_query_errors`).
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import pyarrow as pa
import pyarrow.compute as pc
import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import CliOptions, reporting_errors, stderr, stdout
from relgraph.client.dataset import DEFAULT_EXPERIMENT, Dataset
from relgraph.client.pquery import PredictiveQuery
from relgraph.client.table import GNNTable
from relgraph.io import open_source, read_tables, redact_uri
from relgraph.schema import Schema
from relgraph.tasks import ANCHOR_TIME, LinkTask, NodeTask, PQueryError, SplitPlan, TaskType
from relgraph.tasks import PredictiveQuery as QueryText
from relgraph.tasks.build import parse_split_plan

DEFAULT_PREVIEW_ROWS = 10
MAX_CLASSES_SHOWN = 10
"""Classes of a classification label listed by name; the rest are counted together."""

app = typer.Typer(
    name="task",
    help="Look at what a predictive query predicts on your data before training on it.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

QueryArgument = Annotated[
    str,
    typer.Argument(
        help='The predictive query, e.g. `"PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH '
        'customers.customer_id"` (see docs/predictive_queries.md).',
        metavar="QUERY",
        show_default=False,
    ),
]
SourceOption = Annotated[
    str,
    typer.Option(
        "--source",
        help="Where the tables are: a folder of CSV/parquet files, an `s3://bucket/prefix`, or "
        "a SQLAlchemy URL such as `sqlite:///shop.db`.",
        show_default=False,
    ),
]
SchemaOption = Annotated[
    Path | None,
    typer.Option(
        "--schema",
        help="Use this schema file (from `relgraph schema infer -o`) instead of inferring one.",
        show_default=False,
    ),
]
SplitOption = Annotated[
    str | None,
    typer.Option(
        "--split",
        help='The split plan as JSON (or `@file.json`), e.g. `{"kind": "temporal", '
        '"validation_time": "2024-06-01", "test_time": "2024-09-01"}` or `{"kind": "random"}` '
        "(default: the plan the training pipeline derives).",
        show_default=False,
    ),
]


@app.command("preview")
def preview(
    ctx: typer.Context,
    query: QueryArgument,
    source: SourceOption,
    schema_file: SchemaOption = None,
    split: SplitOption = None,
    rows: Annotated[
        int, typer.Option("--rows", min=0, help="Rows of the training table to show.")
    ] = DEFAULT_PREVIEW_ROWS,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print everything as one JSON object (for scripts)."),
    ] = False,
) -> None:
    """Preview a predictive query on a database: task type, split plan, label distribution
    and the first rows of the training table, all before anything trains.

    The split plan is the one `relgraph train` would use: `--split` if given, else the one
    the training pipeline derives from the data (a temporal split stepping by the target
    window, or a random split for a static target).

    Examples:

    ```
    relgraph task preview "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.customer_id" --source ./shop
    relgraph task preview "PREDICT drivers.nationality FOR EACH drivers.driverId" --source sqlite:///f1.db --json
    ```
    """
    parsed = parse_query(ctx, query)
    plan = parse_split_option(ctx, split)
    dataset = load_dataset(ctx, source, schema_file)
    bound = PredictiveQuery(dataset, parsed, split=plan)
    with reporting_query_errors(ctx, "checking the query against the data"):
        dataset.task_description = bound
        dataset.validate()
        explanation = bound.explain()
        suggested = plan is None
        chosen = plan if plan is not None else bound.suggest_split_plan()
    with (
        reporting_query_errors(ctx, "building the training table"),
        stderr.status("building the training table"),
    ):
        task = bound.generate_training_table(chosen)
    tables = task.tables()
    labels = label_distribution(task)
    head = tables["train"].slice(0, rows) if "train" in tables else pa.table({})
    if as_json:
        result = {
            "query": bound.text,
            "task_type": task.task_type.value,
            "explanation": explanation,
            "split_plan": _plan_dict(chosen),
            "split_plan_suggested": suggested,
            "rows": {name: table.num_rows for name, table in tables.items()},
            "label_column": task.label_column,
            "labels": labels,
            "training_rows": head.to_pylist(),
        }
        typer.echo(json.dumps(result, indent=2, default=str))
        return
    stdout.print(escape(explanation))
    how = (
        "suggested: the training pipeline derives this plan when given none"
        if suggested
        else "given with --split"
    )
    stdout.print(f"\n[bold]split plan[/] ({how})")
    for key, value in _plan_dict(chosen).items():
        stdout.print(f"  {escape(key)}: {escape(str(value))}")
    stdout.print(splits_table(tables, labels, task.label_column))
    stdout.print(rows_table(head, title=f"training table: first {head.num_rows} rows"))


# -- reading the inputs --------------------------------------------------------------------


def parse_query(ctx: typer.Context, query: str) -> QueryText:
    """Parses the query text, reporting a syntax error with a caret under it.

    Args:
        ctx: The command's context, for error reporting.
        query: The query text.

    Returns:
        The parsed query.

    Raises:
        typer.Exit: With code 1 if the text does not parse.
    """
    with reporting_query_errors(ctx, "parsing the query"):
        return QueryText(query)


def parse_split_option(ctx: typer.Context, split: str | None) -> SplitPlan | None:
    """Reads ``--split``: a split plan as JSON text or ``@file.json``.

    Args:
        ctx: The command's context, for error reporting.
        split: The option's value, or ``None``.

    Returns:
        The plan, or ``None`` when not given.

    Raises:
        typer.BadParameter: If the text is not a JSON object, or the file cannot be read.
        typer.Exit: With code 1 if the plan is invalid.
    """
    if split is None:
        return None
    value = json_option(split, "--split")
    with reporting_errors(ctx, "reading --split"):
        return parse_split_plan(value)


def json_option(value: str, option: str) -> dict[str, Any]:
    """A JSON object given on the command line as text, or as ``@path`` to a JSON file.

    Args:
        value: The option's value.
        option: The option's name, for messages (e.g. ``"--config"``).

    Returns:
        The object.

    Raises:
        typer.BadParameter: If the file cannot be read or the text is not a JSON object.
    """
    text = value
    if value.startswith("@"):
        path = Path(value[1:])
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise typer.BadParameter(
                f"cannot read {path}: {exc.strerror or exc}", param_hint=option
            ) from None
    try:
        parsed = json.loads(text)
    except json.JSONDecodeError as exc:
        raise typer.BadParameter(
            f"expected a JSON object or @file.json, found {value!r:.80} ({exc})", param_hint=option
        ) from None
    if not isinstance(parsed, dict):
        raise typer.BadParameter(
            f"expected a JSON object, found {type(parsed).__name__} {value!r:.80}",
            param_hint=option,
        )
    return parsed


def load_dataset(
    ctx: typer.Context,
    source: str,
    schema_file: Path | None = None,
    *,
    experiment_name: str = DEFAULT_EXPERIMENT,
) -> Dataset:
    """The dataset at ``source``: its schema inferred, or read from ``schema_file``.

    Args:
        ctx: The command's context, for error reporting.
        source: A folder of CSV/parquet files, ``s3://bucket/prefix``, or a SQLAlchemy URL.
        schema_file: A schema file to use instead of inference (default: ``None``).
        experiment_name: The dataset's experiment name (default: ``"relgraph"``).

    Returns:
        The dataset, without a task.

    Raises:
        typer.Exit: With code 1 if the schema or the tables cannot be read, or do not fit.
    """
    where = redact_uri(source)
    if schema_file is None:
        with reporting_errors(ctx, f"reading {where}"), stderr.status(f"reading {where}"):
            return Dataset.infer(source, experiment_name=experiment_name)
    with reporting_errors(ctx, f"reading {schema_file}"):
        schema = Schema.load(schema_file)
        schema.validate()
    with reporting_errors(ctx, f"reading {where}"), stderr.status(f"reading {where}"):
        data = read_tables(source, schema.table_names)
        location = open_source(source).uri
        tables = [
            GNNTable.from_schema(table, data[table.name], location=location)
            for table in schema.tables
        ]
        return Dataset(tables, experiment_name=experiment_name)


@contextmanager
def reporting_query_errors(ctx: typer.Context, action: str) -> Iterator[None]:
    """Like :func:`relgraph.cli.console.reporting_errors`, and an error that points into the
    predictive query (a syntax error, an unknown table or column) shows the query line with a
    caret under the problem below the red line.

    Args:
        ctx: The command's context; with ``--verbose`` the error is raised as it is.
        action: What was being done, to start the message.

    Raises:
        typer.Exit: With code 1, after an expected error.
    """
    with reporting_errors(ctx, action):
        try:
            yield
        except PQueryError as exc:
            options = ctx.find_object(CliOptions)
            if exc.line is None or (options is not None and options.verbose):
                raise
            # reporting_errors makes one line of a message; the caret needs the query's line.
            where = f"line {exc.line}, column {exc.column}"
            stderr.print(
                f"[bold red]error:[/] {escape(action)}: {where}: {escape(exc.message)}",
                soft_wrap=True,
            )
            for line in str(exc).split("\n")[1:]:
                stderr.print(escape(line), soft_wrap=True, highlight=False)
            raise typer.Exit(code=1) from None


# -- what the task looks like --------------------------------------------------------------


def label_distribution(task: NodeTask | LinkTask) -> dict[str, dict[str, Any]]:
    """The label distribution of each split of a task.

    Args:
        task: The task, with its tables.

    Returns:
        ``{split: summary}``; a summary has ``rows`` and ``nulls``, then by label kind: for a
        list label (multilabel, link prediction) ``items_per_row`` (``mean``, ``min``,
        ``max``) and ``distinct_items``; for regression ``mean``, ``std``, ``min``, ``max``;
        for classification ``classes`` (the ``MAX_CLASSES_SHOWN`` most frequent label ->
        rows, most frequent first) and ``other_rows`` (rows of the other classes).
    """
    return {
        split: _label_summary(table[task.label_column], task.task_type)
        for split, table in task.tables().items()
    }


def _label_summary(labels: pa.ChunkedArray, task_type: TaskType) -> dict[str, Any]:
    summary: dict[str, Any] = {"rows": len(labels), "nulls": labels.null_count}
    if pa.types.is_list(labels.type) or pa.types.is_large_list(labels.type):
        lengths = pc.list_value_length(labels)
        bounds = pc.min_max(lengths).as_py()
        summary["items_per_row"] = {
            "mean": pc.mean(lengths).as_py(),
            "min": bounds["min"],
            "max": bounds["max"],
        }
        summary["distinct_items"] = pc.count_distinct(pc.list_flatten(labels)).as_py()
    elif task_type is TaskType.REGRESSION:
        bounds = pc.min_max(labels).as_py()
        summary.update(
            mean=pc.mean(labels).as_py(),
            std=pc.stddev(labels).as_py(),
            min=bounds["min"],
            max=bounds["max"],
        )
    else:
        found = pc.value_counts(labels.drop_null())
        counts = pa.table(
            {"values": found.field("values"), "counts": found.field("counts")}
        ).sort_by([("counts", "descending"), ("values", "ascending")])
        shown = counts.slice(0, MAX_CLASSES_SHOWN)
        summary["classes"] = dict(
            zip(
                [str(v) for v in shown["values"].to_pylist()],
                shown["counts"].to_pylist(),
                strict=True,
            )
        )
        summary["other_rows"] = pc.sum(counts["counts"][MAX_CLASSES_SHOWN:]).as_py() or 0
    return summary


def splits_table(
    tables: dict[str, pa.Table], labels: dict[str, dict[str, Any]], label_column: str
) -> Table:
    """The rows and label distribution of each split, as a rich table.

    Args:
        tables: The task's tables by split.
        labels: Their label summaries (from :func:`label_distribution`).
        label_column: The label's column name, for the header.

    Returns:
        The table.
    """
    table = Table(title="splits", title_justify="left")
    table.add_column("split", style="bold")
    table.add_column("rows", justify="right")
    table.add_column("anchor times", justify="right")
    table.add_column(f"label ({escape(label_column)})", overflow="fold")
    for split, data in tables.items():
        table.add_row(
            split, f"{data.num_rows:,}", _time_range(data), escape(_describe(labels[split]))
        )
    return table


def rows_table(data: pa.Table, *, title: str) -> Table:
    """Rows of a table as a rich table (the caller slices the few rows to show).

    Args:
        data: The rows.
        title: The table's title.

    Returns:
        The table.
    """
    table = Table(title=title, title_justify="left")
    for name in data.column_names:
        table.add_column(escape(name), overflow="fold")
    columns = [data[name].to_pylist() for name in data.column_names]
    for row in zip(*columns, strict=True):  # only the rows shown: a handful
        table.add_row(*(escape(_cell(value)) for value in row))
    return table


def _describe(summary: dict[str, Any]) -> str:
    nulls = f"; {summary['nulls']:,} missing" if summary["nulls"] else ""
    rows = summary["rows"]
    if not rows:
        return "no rows"
    if "items_per_row" in summary:
        items = summary["items_per_row"]
        return (
            f"{items['mean']:.2f} items per row ({items['min']}-{items['max']}), "
            f"{summary['distinct_items']:,} distinct{nulls}"
        )
    if "mean" in summary:
        std = "-" if summary["std"] is None else f"{summary['std']:.4g}"
        return (
            f"mean {summary['mean']:.4g}, std {std}, min {summary['min']:.4g}, "
            f"max {summary['max']:.4g}{nulls}"
        )
    parts = [f"{value}: {n:,} ({n / rows:.1%})" for value, n in summary["classes"].items()]
    if summary["other_rows"]:
        parts.append(f"other classes: {summary['other_rows']:,}")
    return ", ".join(parts) + nulls


def _time_range(data: pa.Table) -> str:
    if ANCHOR_TIME not in data.column_names or data.num_rows == 0:
        return "-"
    bounds = pc.min_max(data[ANCHOR_TIME]).as_py()
    first, last = (str(bounds[k])[:10] for k in ("min", "max"))
    return first if first == last else f"{first} to {last}"


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)


def _plan_dict(plan: SplitPlan) -> dict[str, Any]:
    return {key: value for key, value in plan.to_dict().items() if value is not None}
