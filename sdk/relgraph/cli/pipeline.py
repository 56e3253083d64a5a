"""``relgraph pipeline``: compile the Kubeflow pipelines, run them here, or on a cluster.

- ``compile``: write the pipelines' YAML, to upload in the Kubeflow Pipelines UI;
- ``run``: run a whole pipeline on this machine (``kfp.local``), and say where every artifact
  went;
- ``submit``: start a run on a Kubeflow Pipelines cluster;
- ``schedule``: create a recurring run there (or enable, disable or delete one).

Pipeline parameters are given as ``--param NAME=VALUE`` (repeatable), typed by the pipeline's
own parameter types (numbers, ``true``/``false``, JSON for lists and objects);
``--source`` and ``--query`` are shortcuts for the two every run needs.
"""

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import note, reporting_errors, stderr, stdout
from relgraph.client.pipeline_package import compiled_package

if TYPE_CHECKING:
    from relgraph.client.kubeflow import KubeflowClient, Schedule

SOURCE_PARAMETER = "source"
"""The pipelines' parameter that ``--source`` sets."""
QUERY_PARAMETER = "task"
"""The pipelines' parameter that ``--query`` sets."""
DEFAULT_COMPILE_DIR = Path(".relgraph/compiled")
DEFAULT_PIPELINE_ROOT = Path(".relgraph/pipelines")
DEFAULT_EXPERIMENT = "relgraph"

app = typer.Typer(
    name="pipeline",
    help="Compile relgraph's Kubeflow pipelines, run them on this machine, or submit and "
    "schedule them on a Kubeflow Pipelines cluster.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

PipelineArg = Annotated[
    str,
    typer.Argument(
        help="A relgraph pipeline (`training`, `batch_prediction`, `train_and_predict`, "
        "`tuning`) or a compiled pipeline `.yaml` file.",
        metavar="PIPELINE",
        show_default=False,
    ),
]
ParamOption = Annotated[
    list[str] | None,
    typer.Option(
        "--param",
        "-p",
        help="A pipeline parameter, `NAME=VALUE` (repeatable). Values take the parameter's "
        "type: numbers, `true`/`false`, JSON for lists and objects.",
        metavar="NAME=VALUE",
    ),
]
SourceOption = Annotated[
    str | None,
    typer.Option(
        help="Where the tables are (shortcut for `-p source=...`): a folder, an `s3://` "
        "prefix, or a SQL URL.",
        show_default=False,
    ),
]
QueryOption = Annotated[
    str | None,
    typer.Option(
        help="What to predict, as a predictive query (shortcut for `-p task=...`).",
        show_default=False,
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print only the result as JSON (for scripts).")
]
HostOption = Annotated[
    str,
    typer.Option(
        envvar="KF_PIPELINES_ENDPOINT",
        help="The Kubeflow Pipelines API, e.g. `http://localhost:8888` after `kubectl "
        "port-forward -n kubeflow svc/ml-pipeline 8888:8888`.",
        show_default=False,
    ),
]
NamespaceOption = Annotated[
    str,
    typer.Option(help="The namespace: your profile's namespace in a multi-user Kubeflow."),
]
ExperimentOption = Annotated[
    str, typer.Option(help="The experiment runs go to (created if missing).")
]
TokenOption = Annotated[
    str | None,
    typer.Option(
        envvar="KF_PIPELINES_TOKEN",
        help="A bearer token for the Pipelines API (e.g. a service-account token).",
        show_default=False,
    ),
]
UiHostOption = Annotated[
    str | None,
    typer.Option(
        help="Where the Pipelines UI is, for the links printed (default: the host).",
        show_default=False,
    ),
]
ServiceAccountOption = Annotated[
    str | None,
    typer.Option(
        help="The service account of the run's pods, e.g. `relgraph-pipeline-runner` from "
        "manifests/ (default: Kubeflow's `pipeline-runner`).",
        show_default=False,
    ),
]


@app.command("compile")
def compile_(
    ctx: typer.Context,
    names: Annotated[
        list[str] | None,
        typer.Argument(
            help="Pipelines to compile (default: all of them).", metavar="NAMES", show_default=False
        ),
    ] = None,
    output_dir: Annotated[
        Path, typer.Option("--output-dir", "-o", help="Folder for the `<pipeline>.yaml` files.")
    ] = DEFAULT_COMPILE_DIR,
    as_json: JsonOption = False,
) -> None:
    """Compile the pipelines to YAML, to upload in the Kubeflow Pipelines UI.

    Example: `relgraph pipeline compile -o compiled/` then, in the UI, *Pipelines > Upload
    pipeline* with `compiled/training.yaml`.
    """
    from relgraph.pipelines import PIPELINES, compile_all, compile_pipeline

    unknown = sorted(set(names or ()) - set(PIPELINES))
    if unknown:
        raise typer.BadParameter(
            f"unknown pipeline {', '.join(map(repr, unknown))} "
            f"(the pipelines: {', '.join(sorted(PIPELINES))})",
            param_hint="NAMES",
        )
    with reporting_errors(ctx, f"compiling into {output_dir}"):
        if names:
            output_dir.mkdir(parents=True, exist_ok=True)
            written = [compile_pipeline(name, output_dir / f"{name}.yaml") for name in names]
        else:
            written = list(compile_all(output_dir))
    if as_json:
        typer.echo(json.dumps({"written": [str(path) for path in written]}, indent=2))
        return
    for path in written:
        note(f"wrote [bold]{escape(str(path))}[/]")


@app.command("run")
def run(
    ctx: typer.Context,
    pipeline: Annotated[
        str,
        typer.Argument(
            help="A relgraph pipeline: `training`, `batch_prediction`, `train_and_predict` "
            "or `tuning`.",
            metavar="PIPELINE",
            show_default=False,
        ),
    ],
    source: SourceOption = None,
    query: QueryOption = None,
    params: ParamOption = None,
    pipeline_root: Annotated[
        Path,
        typer.Option(help="Folder for the run's artifacts (one subfolder per run)."),
    ] = DEFAULT_PIPELINE_ROOT,
    as_json: JsonOption = False,
) -> None:
    """Run a whole pipeline on this machine and show where every artifact went.

    Every step runs as a local process (`kfp.local`), with the embedded defaults: MLflow in
    `.relgraph/mlflow.db`, artifacts under `--pipeline-root`. Same pipeline, same parameters
    as on a cluster.

    Example:

    ```
    relgraph pipeline run training --source ../shared/data/f1 -p model_name=f1-dnf \\
        --query "PREDICT COUNT(results.* WHERE results.statusId != 1, 0, 30, days) > 0
                 FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 30, days) > 0"
    ```
    """
    from relgraph.client.local_pipeline import run_pipeline
    from relgraph.pipelines import PIPELINES

    if pipeline not in PIPELINES:
        raise typer.BadParameter(
            f"unknown pipeline '{pipeline}' (the pipelines: {', '.join(sorted(PIPELINES))}; "
            "compiled .yaml files run on a cluster: `relgraph pipeline submit`)",
            param_hint="PIPELINE",
        )
    texts = _parameter_texts(params, source=source, query=query)
    with (
        reporting_errors(ctx, f"reading the parameters of '{pipeline}'"),
        compiled_package(pipeline) as package,
    ):
        arguments = package.parse_arguments(texts)
    note(f"running pipeline [bold]{escape(pipeline)}[/] on this machine (step logs follow)")
    with reporting_errors(ctx, f"running pipeline '{pipeline}'"):
        result = run_pipeline(
            pipeline, arguments, pipeline_root=pipeline_root, raise_on_error=False, log=sys.stderr
        )
    if as_json:
        summary = {
            "pipeline": result.name,
            "state": result.state,
            "seconds": round(result.seconds, 3),
            "run_dir": str(result.run_dir) if result.run_dir else None,
            "arguments": result.arguments,
            "outputs": result.outputs,
            "error": result.error,
        }
        typer.echo(json.dumps(summary, indent=2, default=str))
    else:
        table = Table(title=f"{result.name}: {result.state} in {result.seconds:.1f} s")
        table.add_column("step / output", style="bold")
        table.add_column("where it went (or its value)")
        for key, location in result.outputs.items():
            table.add_row(escape(key), escape(location))
        stdout.print(table)
        if result.run_dir is not None:
            note(f"the run's folder: [bold]{escape(str(result.run_dir))}[/]")
    if not result.succeeded:
        message = " ".join(str(result.error or "a step failed").split())
        stderr.print(f"[bold red]error:[/] pipeline '{escape(pipeline)}' failed: {escape(message)}")
        raise typer.Exit(code=1)


@app.command("submit")
def submit(
    ctx: typer.Context,
    pipeline: PipelineArg,
    host: HostOption,
    source: SourceOption = None,
    query: QueryOption = None,
    params: ParamOption = None,
    experiment: ExperimentOption = DEFAULT_EXPERIMENT,
    run_name: Annotated[
        str | None,
        typer.Option(help="The run's name (default: pipeline and time).", show_default=False),
    ] = None,
    namespace: NamespaceOption = "kubeflow",
    service_account: ServiceAccountOption = None,
    pipeline_root: Annotated[
        str | None,
        typer.Option(
            help="Where the run's artifacts go, e.g. `minio://mlpipeline/v2/artifacts` "
            "(default: the cluster's).",
            show_default=False,
        ),
    ] = None,
    token: TokenOption = None,
    ui_host: UiHostOption = None,
    as_json: JsonOption = False,
) -> None:
    """Start a run of a pipeline on a Kubeflow Pipelines cluster.

    Compiles the pipeline, uploads it as a new pipeline version unless the same package was
    uploaded before (versions are named by content hash), and starts a run in the experiment.

    Example:

    ```
    relgraph pipeline submit training --host http://localhost:8888 \\
        --source s3://data/f1 --query "..." -p model_name=f1-dnf
    ```
    """
    texts = _parameter_texts(params, source=source, query=query)
    client = _client(ctx, host, namespace=namespace, token=token, ui_host=ui_host)
    with (
        reporting_errors(ctx, f"submitting '{pipeline}' to {host}"),
        compiled_package(pipeline) as package,
    ):
        arguments = package.parse_arguments(texts)
        submitted = client.submit(
            package.path,
            arguments,
            experiment=experiment,
            run_name=run_name,
            service_account=service_account,
            pipeline_root=pipeline_root,
        )
    if as_json:
        typer.echo(json.dumps(asdict(submitted), indent=2, default=str))
        return
    version = submitted.pipeline
    _print_fields(
        f"submitted run {submitted.run_id}",
        {
            "run": submitted.name,
            "experiment": submitted.experiment,
            "pipeline version": f"{version.version} ({'uploaded' if version.uploaded else 'reused'})",
            "state": submitted.state,
            "arguments": json.dumps(submitted.arguments),
            "link": submitted.url,
        },
    )


@app.command("schedule")
def schedule(
    ctx: typer.Context,
    host: HostOption,
    pipeline: Annotated[
        str | None,
        typer.Argument(
            help="A relgraph pipeline or a compiled `.yaml` (not with --enable/--disable/"
            "--delete).",
            metavar="PIPELINE",
            show_default=False,
        ),
    ] = None,
    cron: Annotated[
        str | None,
        typer.Option(
            help='When to run, standard cron: `"0 3 * * *"` is 03:00 every day (UTC). '
            "Kubeflow's six-field form (seconds first) and `@daily` also work.",
            show_default=False,
        ),
    ] = None,
    name: Annotated[
        str | None,
        typer.Option(
            help="The schedule's name, unique in the experiment (default: pipeline and cron).",
            show_default=False,
        ),
    ] = None,
    max_concurrency: Annotated[
        int, typer.Option(min=1, max=10, help="How many of its runs may run at once.")
    ] = 1,
    disabled: Annotated[
        bool, typer.Option("--disabled", help="Create it disabled (enable it later).")
    ] = False,
    catchup: Annotated[
        bool,
        typer.Option("--catchup", help="After a pause, also start the runs that were missed."),
    ] = False,
    source: SourceOption = None,
    query: QueryOption = None,
    params: ParamOption = None,
    experiment: ExperimentOption = DEFAULT_EXPERIMENT,
    enable: Annotated[
        str | None,
        typer.Option("--enable", metavar="ID", help="Enable the schedule ID.", show_default=False),
    ] = None,
    disable: Annotated[
        str | None,
        typer.Option(
            "--disable", metavar="ID", help="Disable the schedule ID.", show_default=False
        ),
    ] = None,
    delete: Annotated[
        str | None,
        typer.Option("--delete", metavar="ID", help="Delete the schedule ID.", show_default=False),
    ] = None,
    namespace: NamespaceOption = "kubeflow",
    service_account: ServiceAccountOption = None,
    token: TokenOption = None,
    ui_host: UiHostOption = None,
    as_json: JsonOption = False,
) -> None:
    """Run a pipeline on a schedule on a Kubeflow Pipelines cluster (a recurring run).

    Creates a recurring run of PIPELINE on the `--cron` schedule; or, with `--enable ID`,
    `--disable ID` or `--delete ID`, changes an existing one.

    Examples:

    ```
    relgraph pipeline schedule training --host http://localhost:8888 --cron "0 3 * * *" \\
        --name nightly-retrain --source s3://data/f1 --query "..."
    relgraph pipeline schedule --host http://localhost:8888 --disable 6f1c...
    ```
    """
    actions = {"--enable": enable, "--disable": disable, "--delete": delete}
    chosen = {option: value for option, value in actions.items() if value is not None}
    if len(chosen) > 1 or (chosen and pipeline is not None):
        raise typer.BadParameter(
            "give either PIPELINE with --cron, or one of --enable/--disable/--delete ID",
            param_hint=", ".join(chosen) or "PIPELINE",
        )
    if not chosen and (pipeline is None or cron is None):
        raise typer.BadParameter(
            "a new schedule needs PIPELINE and --cron (or change one with "
            "--enable/--disable/--delete ID)",
            param_hint="PIPELINE" if pipeline is None else "--cron",
        )
    client = _client(ctx, host, namespace=namespace, token=token, ui_host=ui_host)
    if chosen:
        option, schedule_id = next(iter(chosen.items()))
        _change_schedule(ctx, client, option, schedule_id, as_json=as_json)
        return
    texts = _parameter_texts(params, source=source, query=query)
    with (
        reporting_errors(ctx, f"scheduling '{pipeline}' on {host}"),
        compiled_package(str(pipeline)) as package,
    ):
        arguments = package.parse_arguments(texts)
        created = client.schedule(
            package.path,
            arguments,
            cron=str(cron),
            name=name or f"{package.name} {cron}",
            experiment=experiment,
            max_concurrency=max_concurrency,
            enabled=not disabled,
            catchup=catchup,
            service_account=service_account,
        )
    _show_schedule(created, f"created schedule {created.schedule_id}", as_json)


_CHANGES = {
    "--enable": ("enabling", "enabled"),
    "--disable": ("disabling", "disabled"),
    "--delete": ("deleting", "deleted"),
}


def _change_schedule(
    ctx: typer.Context, client: "KubeflowClient", option: str, schedule_id: str, *, as_json: bool
) -> None:
    doing, done = _CHANGES[option]
    with reporting_errors(ctx, f"{doing} schedule {schedule_id} on {client.host}"):
        if option == "--delete":
            client.delete_schedule(schedule_id)
        else:
            change = client.enable_schedule if option == "--enable" else client.disable_schedule
            change(schedule_id)
            current = client.get_schedule(schedule_id)
    if option != "--delete":
        _show_schedule(current, f"{done} schedule {schedule_id}", as_json)
    elif as_json:
        typer.echo(json.dumps({"schedule_id": schedule_id, "deleted": True}, indent=2))
    else:
        note(f"deleted schedule [bold]{escape(schedule_id)}[/]")


def _client(
    ctx: typer.Context, host: str, *, namespace: str, token: str | None, ui_host: str | None
) -> "KubeflowClient":
    from relgraph.client.kubeflow import KubeflowClient

    with reporting_errors(ctx, f"connecting to {host}"):
        return KubeflowClient(host, namespace=namespace, existing_token=token, ui_host=ui_host)


def _parameter_texts(
    params: list[str] | None, *, source: str | None, query: str | None
) -> dict[str, str]:
    texts: dict[str, str] = {}
    for item in params or ():
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise typer.BadParameter(f"expected NAME=VALUE, found {item!r}", param_hint="--param")
        texts[key.strip()] = value
    for option, parameter, value in (
        ("--source", SOURCE_PARAMETER, source),
        ("--query", QUERY_PARAMETER, query),
    ):
        if value is None:
            continue
        if parameter in texts:
            raise typer.BadParameter(
                f"{option} and --param {parameter}=... both set '{parameter}'", param_hint=option
            )
        texts[parameter] = value
    return texts


def _show_schedule(schedule: "Schedule", title: str, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(asdict(schedule), indent=2, default=str))
        return
    _print_fields(
        title,
        {
            "name": schedule.name,
            "cron (Kubeflow, seconds first)": schedule.cron,
            "enabled": "yes" if schedule.enabled else "no",
            "max concurrency": str(schedule.max_concurrency),
            "arguments": json.dumps(schedule.arguments),
            "link": schedule.url,
        },
    )


def _print_fields(title: str, fields: dict[str, str]) -> None:
    table = Table(title=title, show_header=False)
    table.add_column(style="bold")
    table.add_column()
    for key, value in fields.items():
        table.add_row(escape(key), escape(value))
    stdout.print(table)
