"""``relgraph predict``: batch predictions (and embeddings) with a trained model."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import note, reporting_errors, stdout
from relgraph.cli.models import reporting_model_errors
from relgraph.io import redact_uri


def predict(
    ctx: typer.Context,
    model: Annotated[
        str,
        typer.Argument(
            help="The model: `models:/NAME@ALIAS`, `models:/NAME/VERSION`, `NAME@ALIAS`, "
            "`NAME/VERSION`, an MLflow run id, `best:EXPERIMENT:METRIC`, or a model folder.",
            show_default=False,
        ),
    ],
    graph: Annotated[
        Path,
        typer.Argument(
            help="The graph artifact folder, built with the model's schema and encoder state.",
            show_default=False,
        ),
    ],
    output: Annotated[
        str,
        typer.Option(
            "--output",
            "-o",
            help="Where outputs go: a folder, `s3://bucket/prefix`, or a database URL "
            "(`sqlite:///out.db`, `postgresql://user@host/db`).",
            show_default=False,
        ),
    ],
    alias: Annotated[
        str,
        typer.Option(
            "--alias",
            "-a",
            help="The output alias: outputs are `PREDICTIONS_<ALIAS>` and "
            "`EMBEDDINGS_<SRC|TGT>_<COLUMN>_<ALIAS>` (letters, digits, underscores).",
            show_default=False,
        ),
    ],
    schema: Annotated[
        str | None, typer.Option(help="The database schema of a PostgreSQL output.")
    ] = None,
    entities: Annotated[
        str | None,
        typer.Option(
            help="The entities to predict for: a task folder (its test split), or a parquet/CSV "
            "file or table location with the entity column (and optionally `anchor_time`). "
            "Default: every entity that exists at the anchor time.",
        ),
    ] = None,
    anchor_time: Annotated[
        str | None,
        typer.Option(help="ISO 8601 time to predict at (default: the latest time in the data)."),
    ] = None,
    embeddings: Annotated[
        bool, typer.Option("--embeddings", help="Also write the entities' embeddings.")
    ] = False,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace the outputs of an existing alias.")
    ] = False,
    batch_size: Annotated[int, typer.Option(help="Entities per batch.")] = 1024,
    threshold: Annotated[
        float, typer.Option(help="Decision threshold of binary and multilabel classes.")
    ] = 0.5,
    k: Annotated[int, typer.Option("-k", help="Targets ranked per entity (link tasks).")] = 12,
    tracking_uri: Annotated[
        str | None,
        typer.Option(
            help="The MLflow tracking URI (default: `MLFLOW_TRACKING_URI`, else "
            "`sqlite:///.relgraph/mlflow.db`)."
        ),
    ] = None,
    job_id: Annotated[
        str | None, typer.Option(help="The job id written into the outputs' metadata.")
    ] = None,
    device: Annotated[str, typer.Option(help="`cpu`, `cuda` or `auto`.")] = "cpu",
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the result as JSON (for scripts).")
    ] = False,
) -> None:
    """Predict for many entities with a trained model, and write the predictions.

    Writes `PREDICTIONS_<ALIAS>` (and with `--embeddings` the embeddings) to the output, all at
    once or not at all; an existing alias is refused unless `--overwrite` is given. Prints
    where each output went and the drift of the predictions against the model's holdout
    predictions (PSI and Kolmogorov-Smirnov), which are also recorded in MLflow.

    Examples:

    ```
    relgraph predict models:/f1-dnf@champion ./graph -o s3://bucket/predictions -a nightly
    relgraph predict f1-dnf/3 ./graph -o sqlite:///predictions.db -a q1 --embeddings
    relgraph predict ./model ./graph -o ./out -a test --entities ./task --anchor-time 2010-01-01
    ```
    """
    from relgraph.predict import OutputConfig, batch_predict

    with reporting_errors(ctx, f"reading the output location {redact_uri(output)}"):
        config = OutputConfig.parse(output, schema=schema)
    with reporting_model_errors(ctx, f"predicting with {model}"):
        result = batch_predict(
            model,
            graph,
            output=config,
            output_alias=alias,
            entities=entities,
            anchor_time=anchor_time,
            extract_embeddings=embeddings,
            overwrite=overwrite,
            batch_size=batch_size,
            threshold=threshold,
            k=k,
            tracking_uri=tracking_uri,
            job_id=job_id,
            progress=not as_json,
            device=device,
        )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2, default=str))
        return
    described = result.model
    who = (
        f"{described['name']} version {described['version']}"
        if described.get("name")
        else f"run {described.get('run_id')}"
    )
    note(
        f"predicted {result.num_entities:,} entities at {escape(result.anchor_time)} with "
        f"{escape(who)} in {result.seconds:.2f} s (job {escape(result.job_id)})"
    )
    outputs = Table(title="outputs")
    outputs.add_column("output")
    outputs.add_column("written to", overflow="fold")
    for name, where in sorted(result.outputs.items()):
        outputs.add_row(escape(name), escape(where))
    stdout.print(outputs)
    numbers = {k: v for k, v in result.drift.items() if isinstance(v, int | float)}
    if numbers:
        drift = Table(title=f"drift of {result.drift.get('score', 'predictions')} vs holdout")
        drift.add_column("statistic")
        drift.add_column("value", justify="right")
        for name, value in numbers.items():
            drift.add_row(name, f"{value:.4g}")
        stdout.print(drift)
    if result.tracking_run_id:
        note(f"recorded as MLflow run {escape(result.tracking_run_id)}")
