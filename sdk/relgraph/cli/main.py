"""The ``relgraph`` command: builds the app from one module per command group."""

from typing import Annotated

import typer

import relgraph
from relgraph.cli import demo, jobs, models, pipeline, predict, schema, task, train
from relgraph.cli.console import CliOptions, logging_to_stderr

app = typer.Typer(
    name="relgraph",
    help=(
        "Graph neural networks on relational databases.\n\n"
        "New here? Run `relgraph demo`: it generates a small online-shop database and shows "
        "the schema relgraph infers for it. Then point `relgraph schema infer` at your own "
        "tables: a folder of CSV/parquet files, an `s3://` prefix, or a SQL database URL."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(schema.app, name="schema")
app.add_typer(models.app, name="models")
app.add_typer(jobs.app, name="jobs")
app.add_typer(pipeline.app, name="pipeline")
app.add_typer(task.app, name="task")
app.command("demo")(demo.demo)
app.command("predict")(predict.predict)
app.command("train")(train.train)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"relgraph {relgraph.__version__}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[
        bool,
        typer.Option("--verbose", "-v", help="Log progress, and show tracebacks of errors."),
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_show_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Graph neural networks on relational databases."""
    ctx.with_resource(logging_to_stderr(verbose))
    ctx.obj = CliOptions(verbose=verbose)
