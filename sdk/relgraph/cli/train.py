"""``relgraph train``: train, evaluate and register a model for a predictive query, as a job.

The command is :meth:`relgraph.client.Trainer.fit` on a :class:`LocalBackend`: the
``training`` pipeline (snapshot, schema, task table, graph, train, evaluate against the
champion, register in MLflow) runs in the background worker, so the job can be followed,
listed and canceled with ``relgraph jobs`` from any terminal.

Exit codes: 0 the job completed (or, with ``--non-blocking``, was queued); 1 bad input, or the
job failed or was canceled; 2 wrong usage; 130 interrupted while attached (the job goes on).
"""

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import note, reporting_errors, stderr, stdout
from relgraph.cli.task import (
    SchemaOption,
    SplitOption,
    json_option,
    load_dataset,
    parse_query,
    parse_split_option,
    reporting_query_errors,
)
from relgraph.client.dataset import DEFAULT_EXPERIMENT
from relgraph.client.jobs import DEFAULT_ROOT, JobMonitor, JobStatus, LocalBackend
from relgraph.client.pquery import PredictiveQuery

if TYPE_CHECKING:
    from relgraph.client.jobs import JobRecord, JobResult
    from relgraph.registry import RegisteredVersion

EXIT_INTERRUPTED = 130
"""Interrupted (Ctrl-C) while attached; the job goes on in the background."""

_SPLITS = ("train", "validation", "test")


def train(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Option(
            "--source",
            help="Where the tables are: a folder of CSV/parquet files, an `s3://bucket/prefix`, "
            "or a SQLAlchemy URL such as `sqlite:///shop.db`.",
            show_default=False,
        ),
    ],
    query: Annotated[
        str,
        typer.Option(
            "--query",
            "-q",
            help='What to predict: a predictive query, e.g. `"PREDICT COUNT(orders.*, 0, 30, '
            'days) = 0 FOR EACH customers.customer_id"`. Try it first with '
            "`relgraph task preview`.",
            show_default=False,
        ),
    ],
    config: Annotated[
        str | None,
        typer.Option(
            "--config",
            help='Training settings (TrainerConfig fields) as JSON or `@file.json`, e.g. `{"n_epochs": '
            '8, "channels": 64}` (default: the defaults).',
            show_default=False,
        ),
    ] = None,
    split: SplitOption = None,
    schema_file: SchemaOption = None,
    model_name: Annotated[
        str | None,
        typer.Option(
            "--model-name",
            help="The registered model name, also the MLflow experiment "
            f"(default: `{DEFAULT_EXPERIMENT}`).",
            show_default=False,
        ),
    ] = None,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            "--tracking-uri",
            help="The MLflow tracking URI of the run and the registry "
            "(default: `sqlite:///.relgraph/mlflow.db`).",
            show_default=False,
        ),
    ] = None,
    non_blocking: Annotated[
        bool,
        typer.Option(
            "--non-blocking",
            help="Queue the job, print its id and return; follow it with `relgraph jobs logs "
            "ID -f`.",
        ),
    ] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="Print the result as JSON (for scripts); the job's log still goes to stderr.",
        ),
    ] = False,
    root: Annotated[
        Path,
        typer.Option("--root", help="relgraph's state folder; jobs are kept in `ROOT/jobs`."),
    ] = DEFAULT_ROOT,
) -> None:
    """Train a model for a predictive query, evaluate it against the registered champion and
    register it in MLflow, as a job that runs in the background.

    Checks the data and the query here first, then queues the `training` pipeline. Without
    `--non-blocking` it stays attached: it shows the job's log, then the metrics of each split,
    where the MLflow run is, and the registered version. Interrupting it (Ctrl-C) leaves the
    job running; `relgraph jobs cancel ID` stops it.

    Examples:

    ```
    relgraph train --source ./shop --query "PREDICT COUNT(orders.*, 0, 30, days) = 0 FOR EACH customers.customer_id" --model-name churn
    relgraph train --source sqlite:///f1.db -q "PREDICT ..." --config @config.json --non-blocking
    ```
    """
    settings = json_option(config, "--config") if config is not None else {}
    parsed = parse_query(ctx, query)
    plan = parse_split_option(ctx, split)
    experiment = model_name or DEFAULT_EXPERIMENT
    dataset = load_dataset(ctx, source, schema_file, experiment_name=experiment)
    with reporting_errors(ctx, "reading --config"):
        from relgraph.client.trainer import Trainer
        from relgraph.train import TrainerConfig

        trainer_config = TrainerConfig.from_dict(settings)
    trainer = Trainer(
        trainer_config, LocalBackend(root), model_name=model_name, tracking_uri=tracking_uri
    )
    with reporting_query_errors(ctx, "submitting the training job"):
        dataset.task_description = PredictiveQuery(dataset, parsed, split=plan)
        job = trainer.fit(dataset, non_blocking=True)
    if non_blocking:
        _show_queued(job, as_json)
        return
    note(f"job [bold]{job.id}[/] queued; showing its log (Ctrl-C leaves it running)")
    record = _attach(job)
    if record.status != JobStatus.COMPLETED:
        _report_unfinished(job, record, as_json)
    with reporting_errors(ctx, f"reading the result of job {job.id}"):
        result = job.result()
        versions = _registered_versions(job)
    if as_json:
        typer.echo(json.dumps(_json_result(record, result, versions), indent=2, default=str))
        return
    _show_result(job, result, versions)


def _show_queued(job: JobMonitor, as_json: bool) -> None:
    """Prints a queued job's id (stdout) and how to follow it (stderr)."""
    follow = f"relgraph jobs logs {job.id} -f"
    if as_json:
        typer.echo(
            json.dumps(
                {
                    **job.record().to_dict(),
                    "follow": follow,
                    "cancel": f"relgraph jobs cancel {job.id}",
                },
                indent=2,
                default=str,
            )
        )
        return
    typer.echo(job.id)
    note(
        f"queued training job [bold]{job.id}[/]; follow it with [bold]{follow}[/], "
        f"cancel it with [bold]relgraph jobs cancel {job.id}[/]"
    )


def _attach(job: JobMonitor) -> "JobRecord":
    """Copies the job's log to stderr until it ends; on Ctrl-C says how to get back to it.

    Raises:
        typer.Exit: With code 130 when interrupted.
    """
    try:
        for line in job.stream_logs(follow=True):
            stderr.file.write(line)
        stderr.file.flush()
        return job.wait()
    except KeyboardInterrupt:
        note(
            f"\n[yellow]stopped following job {job.id}; it goes on in the background:[/] "
            f"relgraph jobs logs {job.id} -f  |  relgraph jobs cancel {job.id}"
        )
        raise typer.Exit(code=EXIT_INTERRUPTED) from None


def _report_unfinished(job: JobMonitor, record: "JobRecord", as_json: bool) -> None:
    """A failed or canceled job: its record as JSON (if asked) and one red line; exit 1.

    Raises:
        typer.Exit: Always, with code 1.
    """
    if as_json:
        typer.echo(json.dumps({"job": record.to_dict()}, indent=2, default=str))
    what = "failed" if record.status == JobStatus.FAILED else "was canceled"
    reason = " ".join(str(record.error or "").split())
    stderr.print(
        f"[bold red]error:[/] training job {escape(job.id)} {what}"
        + (f": {escape(reason)}" if reason else "")
        + f" (its log: relgraph jobs logs {escape(job.id)})",
        soft_wrap=True,
    )
    raise typer.Exit(code=1)


def _registered_versions(job: JobMonitor) -> list["RegisteredVersion"]:
    """The versions registered from the job's model; none (with a warning) if the registry
    cannot be read, since the model is trained and registered either way."""
    from mlflow.exceptions import MlflowException

    try:
        return job.registered_models
    except MlflowException as exc:
        note(f"[yellow]warning:[/] could not read the registered versions: {escape(str(exc))}")
        return []


def _json_result(
    record: "JobRecord", result: "JobResult", versions: list["RegisteredVersion"]
) -> dict[str, Any]:
    return {
        "job": record.to_dict(),
        "model_run_id": result.model_run_id,
        "tracking_url": result.tracking_url,
        "metrics": result.metrics,
        "registered_versions": [version.to_dict() for version in versions],
    }


def _show_result(job: JobMonitor, result: "JobResult", versions: list["RegisteredVersion"]) -> None:
    """Metrics per split, where the MLflow run is, and the registered versions."""
    seconds = f" in {result.seconds:.0f} s" if result.seconds is not None else ""
    note(f"job [bold]{job.id}[/] completed{seconds}")
    stdout.print(metrics_table(result.metrics))
    if result.model_run_id is not None:
        stdout.print(
            f"MLflow run [bold]{escape(result.model_run_id)}[/]: "
            f"{escape(result.tracking_url or result.tracking_uri or '')}"
        )
    if result.tracking_uri and not result.tracking_uri.startswith(("http://", "https://")):
        note(f"look at it with: mlflow ui --backend-store-uri {escape(result.tracking_uri)}")
    for version in versions:
        aliases = f" (@{', @'.join(version.aliases)})" if version.aliases else ""
        stdout.print(
            f"registered [bold]{escape(version.name)}[/] version [bold]{escape(version.version)}[/]"
            f"{escape(aliases)}"
        )
    if not versions:
        note("no registered version found for the job's model")


def metrics_table(metrics: dict[str, dict[str, float]]) -> Table:
    """The model's metrics, one row per split and one column per metric.

    Args:
        metrics: ``{split: {metric: value}}``.

    Returns:
        The table.
    """
    splits = [s for s in _SPLITS if s in metrics] + sorted(set(metrics) - set(_SPLITS))
    names = sorted({name for values in metrics.values() for name in values})
    table = Table(title="metrics", title_justify="left")
    table.add_column("split", style="bold")
    for name in names:
        table.add_column(escape(name), justify="right")
    for split in splits:
        values = metrics[split]
        table.add_row(escape(split), *(f"{values[n]:.4f}" if n in values else "-" for n in names))
    return table
