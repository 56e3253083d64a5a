"""``relgraph models``: list registered models and their versions, promote, roll back."""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import CliOptions, note, reporting_errors, stderr, stdout

app = typer.Typer(
    name="models",
    help="Registered models in MLflow: list versions and aliases, promote, roll back.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

TrackingUri = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        envvar="MLFLOW_TRACKING_URI",
        help="The MLflow tracking URI (default: `sqlite:///.relgraph/mlflow.db`).",
        show_default=False,
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print the result as JSON (for scripts).")]

_METRIC_PREFIX = "metric."


@contextmanager
def reporting_model_errors(ctx: typer.Context, action: str) -> Iterator[None]:
    """Like :func:`~relgraph.cli.console.reporting_errors`, and an unknown model
    (``ModelNotFoundError``) is one red line and exit code 1 as well.

    Raises:
        typer.Exit: With code 1, after an expected error.
    """
    from relgraph.registry import ModelNotFoundError

    try:
        with reporting_errors(ctx, action):
            yield
    except ModelNotFoundError as exc:
        options = ctx.find_object(CliOptions)
        if options is not None and options.verbose:
            raise
        message = " ".join(str(exc).split())
        stderr.print(f"[bold red]error:[/] {escape(action)}: {escape(message)}", soft_wrap=True)
        raise typer.Exit(code=1) from None


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


@app.command("list")
def list_command(
    ctx: typer.Context,
    name: Annotated[
        str | None,
        typer.Argument(help="A registered model: list its versions (default: list the models)."),
    ] = None,
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """List registered models, or the versions of one with their aliases, runs and scores.

    Examples:

    ```
    relgraph models list
    relgraph models list f1-dnf --json
    ```
    """
    from relgraph.registry import list_models, list_versions

    if name is None:
        with reporting_model_errors(ctx, "listing registered models"):
            models = list_models(tracking_uri=tracking_uri)
        if as_json:
            _echo_json(models)
            return
        table = Table("name", "latest version", "aliases", title="registered models")
        for model in models:
            aliases = ", ".join(f"@{a} = {v}" for a, v in model["aliases"].items())
            table.add_row(escape(model["name"]), model["latest_version"] or "", escape(aliases))
        stdout.print(table)
        return
    with reporting_model_errors(ctx, f"listing the versions of '{name}'"):
        versions = list_versions(name, tracking_uri=tracking_uri)
    if as_json:
        _echo_json([v.to_dict() for v in versions])
        return
    table = Table("version", "aliases", "run", "task", "test score", "decision", title=name)
    for version in versions:
        tags = version.tags
        metric = tags.get("relgraph.metric", "")
        score = tags.get(f"{_METRIC_PREFIX}test_{metric}")
        table.add_row(
            version.version,
            escape(" ".join(f"@{a}" for a in version.aliases)),
            version.run_id[:8],
            escape(tags.get("relgraph.task", "")),
            f"{metric} {float(score):.4g}" if score is not None else "",
            escape(tags.get("relgraph.decision", "")),
        )
    stdout.print(table)


@app.command("promote")
def promote_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The registered model.", show_default=False)],
    version: Annotated[
        str, typer.Argument(help="The version number, e.g. `3`.", show_default=False)
    ],
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Make a version the champion (move the `@champion` alias to it).

    Example: `relgraph models promote f1-dnf 3`
    """
    from relgraph.registry import promote

    with reporting_model_errors(ctx, f"promoting '{name}' version {version}"):
        promote(name, version, tracking_uri=tracking_uri)
    if as_json:
        _echo_json({"name": name, "champion": version})
    else:
        note(f"'{escape(name)}' version [bold]{escape(version)}[/] is the champion")


@app.command("rollback")
def rollback_command(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The registered model.", show_default=False)],
    tracking_uri: TrackingUri = None,
    as_json: AsJson = False,
) -> None:
    """Put the previous champion back.

    Example: `relgraph models rollback f1-dnf`
    """
    from relgraph.registry import rollback

    with reporting_model_errors(ctx, f"rolling back '{name}'"):
        version = rollback(name, tracking_uri=tracking_uri)
    if as_json:
        _echo_json({"name": name, "champion": version})
    else:
        note(f"rolled '{escape(name)}' back: version [bold]{escape(version)}[/] is the champion")
