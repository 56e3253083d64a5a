"""``relgraph demo``: generate the demo shop database, infer its schema, and show it."""

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from relgraph.cli.console import note, reporting_errors, stdout
from relgraph.cli.schema import write_schema_outputs
from relgraph.datasets import generate_shop
from relgraph.datasets.files import FileFormat
from relgraph.io import read_tables
from relgraph.schema import infer_schema
from relgraph.schema.render import can_render_diagrams, schema_rich_table

DEFAULT_DIR = Path(".relgraph/demo")


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
) -> None:
    """Try relgraph with no data of your own: generate a demo online shop and infer its schema.

    Generates two years of an online shop (customers, products, orders, order items, reviews)
    into `DIR/data`, infers its schema, prints it, and writes `DIR/schema.json`,
    `DIR/schema.md` and the diagram `DIR/schema.{dot,svg,png}`. Running it again replaces
    them.
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
    note(
        "next: [bold]relgraph schema show "
        f"{escape(str(directory / 'schema.json'))} --markdown[/], or "
        f"[bold]relgraph schema infer YOUR_DATA -o schema.json[/]"
    )
