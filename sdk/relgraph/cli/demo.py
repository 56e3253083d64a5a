"""``relgraph demo``: generate the demo shop database, infer its schema, then run the training
and batch-prediction pipelines on it with ``kfp.local``, and show what came out where."""

import json
import time
from pathlib import Path
from typing import Annotated, Any

import pyarrow.compute as pc
import pyarrow.parquet as pq
import typer
from rich.markup import escape
from rich.table import Table

from relgraph.cli.console import note, reporting_errors, stderr, stdout
from relgraph.cli.schema import write_schema_outputs
from relgraph.datasets import generate_shop
from relgraph.datasets.files import FileFormat
from relgraph.io import filesystem_for, read_tables
from relgraph.schema import Schema, infer_schema
from relgraph.schema.render import can_render_diagrams, schema_rich_table

DEFAULT_DIR = Path(".relgraph/demo")

DEMO_QUERY = (
    "PREDICT COUNT(orders.*, 0, 90, days) = 0 "
    "FOR EACH customers.customer_id WHERE COUNT(orders.*, -90, 0, days) > 0"
)
"""Churn: will a customer who ordered in the past 90 days order nothing in the next 90?"""

DEMO_MODEL = "shop-churn"
DEMO_ALIAS = "demo"


def demo(
    ctx: typer.Context,
    directory: Annotated[
        Path,
        typer.Option("--dir", help="Folder for the demo's data and outputs."),
    ] = DEFAULT_DIR,
    seed: Annotated[int, typer.Option(min=0, help="Seed of the generated data.")] = 0,
    scale: Annotated[
        float,
        typer.Option(min=0.001, help="Size: 1 is 5,000 customers and ~100,000 order items."),
    ] = 1.0,
    file_format: Annotated[
        FileFormat, typer.Option("--format", help="File format of the data.")
    ] = "parquet",
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs.")] = 4,
    output_location: Annotated[
        str | None,
        typer.Option(
            "--output",
            help="Where predictions go: a folder, an `s3://bucket/prefix` or a SQLAlchemy URL "
            "(default: `DIR/predictions`).",
            show_default=False,
        ),
    ] = None,
    schema_only: Annotated[
        bool,
        typer.Option("--schema-only", help="Stop after the schema; run no pipeline."),
    ] = False,
) -> None:
    """Try relgraph with no data of your own: a demo online shop, its schema, a churn model
    trained, registered and predicting, all through the Kubeflow pipelines run locally.

    Generates two years of an online shop (customers, products, orders, order items, reviews)
    into `DIR/data`, infers its schema, prints it, and writes `DIR/schema.json`,
    `DIR/schema.md` and the diagram `DIR/schema.{dot,svg,png}`. Then runs the `training`
    pipeline (snapshot, schema, churn task from a predictive query, graph, train, evaluate,
    register in MLflow at `DIR/mlflow.db`) and the `batch_prediction` pipeline (predict with
    the champion for every customer) with `kfp.local`, and shows the metrics, the model
    version and where every artifact and prediction went. Running it again replaces the data
    and trains a new version, judged against the champion.
    """
    data_dir = directory / "data"
    started = time.perf_counter()
    with reporting_errors(ctx, f"generating the demo database in {data_dir}"):
        counts = generate_shop(
            data_dir, seed=seed, scale=scale, file_format=file_format, overwrite=True
        )
    note(
        f"generated the demo shop ({sum(counts.values()):,} rows in {len(counts)} tables, "
        f"seed {seed}) in {time.perf_counter() - started:.1f} s"
    )
    started = time.perf_counter()
    with reporting_errors(ctx, f"inferring the schema of {data_dir}"):
        schema = infer_schema(read_tables(data_dir))
    note(f"inferred its schema in {time.perf_counter() - started:.1f} s")
    stdout.print(schema_rich_table(schema, counts))
    write_schema_outputs(
        ctx,
        schema,
        counts,
        output=directory / "schema.json",
        markdown=directory / "schema.md",
        diagram=directory / "schema",
    )
    note(f"the demo data is in [bold]{escape(str(data_dir))}[/] ({file_format} files)")
    if not can_render_diagrams():
        note(
            "[yellow]install Graphviz (apt-get install graphviz) to draw the diagram as SVG/PNG[/]"
        )
    if schema_only:
        note(
            "next: [bold]relgraph schema show "
            f"{escape(str(directory / 'schema.json'))} --markdown[/], or "
            f"[bold]relgraph schema infer YOUR_DATA -o schema.json[/]"
        )
        return
    _run_pipelines(ctx, directory, data_dir, schema, epochs=epochs, output_location=output_location)


def _run_pipelines(
    ctx: typer.Context,
    directory: Path,
    data_dir: Path,
    schema: Schema,
    *,
    epochs: int,
    output_location: str | None,
) -> None:
    """Runs the training and batch-prediction pipelines and shows what they produced."""
    from relgraph.client.local_pipeline import LocalPipelineRun, run_pipeline
    from relgraph.tasks import PredictiveQuery

    stdout.print("\n[bold]The task[/]")
    stdout.print(escape(PredictiveQuery(DEMO_QUERY).explain(schema)))
    log_path = directory / "pipelines.log"
    runs: list[LocalPipelineRun] = []
    steps = [
        (
            "training",
            {
                "source": str(data_dir.resolve()),
                "task": DEMO_QUERY,
                "model_name": DEMO_MODEL,
                "trainer_config": {"n_epochs": epochs, "channels": 32},
            },
        ),
        (
            "batch_prediction",
            {
                "source": str(data_dir.resolve()),
                "model": f"{DEMO_MODEL}@champion",
                "output_alias": DEMO_ALIAS,
                "overwrite": True,
                **({"output_location": output_location} if output_location else {}),
            },
        ),
    ]
    with log_path.open("w", encoding="utf-8") as log:
        for name, arguments in steps:
            note(f"running the [bold]{name}[/] pipeline with kfp.local (step logs: {log_path})")
            with (
                reporting_errors(ctx, f"running the {name} pipeline"),
                stderr.status(f"{name} pipeline running"),
            ):
                run = run_pipeline(
                    name,
                    arguments,
                    pipeline_root=directory / "pipelines",
                    state_dir=directory,
                    raise_on_error=False,
                    log=log,
                )
            if not run.succeeded:
                message = " ".join(str(run.error).split())
                stderr.print(
                    f"[bold red]error:[/] the {name} pipeline failed: {escape(message)} "
                    f"(see {escape(str(log_path))})"
                )
                raise typer.Exit(code=1)
            note(f"{name} pipeline done in {run.seconds:.0f} s")
            runs.append(run)
    trained, predicted = runs
    _show_training(trained)
    _show_predictions(predicted)
    _show_artifacts(runs)
    tracking = trained.arguments["mlflow_tracking_uri"]
    note(
        f"MLflow store: [bold]{escape(tracking)}[/] (look: mlflow ui --backend-store-uri {tracking})"
    )
    note(
        "next: [bold]relgraph pipeline run training --source YOUR_DATA --query "
        '"PREDICT ..."[/], or compile for Kubeflow with [bold]relgraph pipeline compile[/]'
    )


def _show_training(run: Any) -> None:
    """The model's metrics, the decision and the registered version."""
    metrics = run.metadata.get("train/metrics", {})
    splits = ["train", "validation", "test"]
    names = sorted({key.split("_", 1)[1] for key in metrics if key.split("_", 1)[0] in splits})
    table = Table(title=f"Model {DEMO_MODEL}: metrics per split", title_justify="left")
    table.add_column("split", style="bold")
    for name in names:
        table.add_column(name, justify="right")
    for split in splits:
        cells = [
            f"{metrics[f'{split}_{n}']:.4f}" if f"{split}_{n}" in metrics else "-" for n in names
        ]
        table.add_row(split, *cells)
    stdout.print(table)
    blessed = run.output("evaluate", "blessed") == "true"
    version = run.output("register", "version")
    stdout.print(
        f"registered [bold]{DEMO_MODEL}[/] version [bold]{escape(version)}[/] "
        f"(MLflow run {escape(run.output('train', 'run_id'))}): "
        + ("blessed, now [bold]@champion[/]" if blessed else "not blessed; the champion stays")
    )
    decision = Path(run.output("evaluate", "evaluation")) / "decision.json"
    stdout.print(escape(json.loads(decision.read_text(encoding="utf-8"))["reason"]))


def _show_predictions(run: Any) -> None:
    """Where the predictions went, and the customers most likely to churn."""
    outputs = json.loads(run.output("batch-predict", "outputs"))
    rows = int(run.output("batch-predict", "num_rows"))
    stdout.print(
        f"predicted for [bold]{rows:,}[/] customers with "
        f"{escape(run.output('resolve-model', 'model_uri'))}:"
    )
    for name, where in sorted(outputs.items()):
        stdout.print(f"  {escape(name)} -> [bold]{escape(where)}[/]")
    location = outputs.get(f"PREDICTIONS_{DEMO_ALIAS}", "")
    if not location.endswith(".parquet"):
        return
    filesystem, path = filesystem_for(location)
    with filesystem.open_input_file(path) as handle:
        predictions = pq.read_table(handle)
    if "probability" not in predictions.column_names:
        return
    top = predictions.sort_by([("probability", "descending")]).slice(0, 5)
    table = Table(title="Most likely to churn", title_justify="left")
    for column in ("customer_id", "probability"):
        table.add_column(column, justify="right")
    for customer, probability in zip(
        top["customer_id"].to_pylist(), pc.round(top["probability"], 3).to_pylist(), strict=True
    ):
        table.add_row(str(customer), f"{probability:.3f}")
    stdout.print(table)


def _show_artifacts(runs: list[Any]) -> None:
    """Every artifact of the runs, by run folder."""
    for run in runs:
        table = Table(title=f"{run.name}: {run.run_dir}", title_justify="left")
        table.add_column("step / output", style="bold")
        table.add_column("path in the run's folder")
        for key in sorted(run.artifacts):
            path = Path(run.outputs[key])
            if path.exists():  # Metrics outputs have no file: their values are shown above
                table.add_row(escape(key), escape(str(path.relative_to(run.run_dir))))
        stdout.print(table)
