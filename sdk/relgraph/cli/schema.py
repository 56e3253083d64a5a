"""``relgraph schema``: infer a database's schema and explain it, or show a saved one."""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from relgraph.cli.console import note, reporting_errors, stdout
from relgraph.io import atomic_write_text, read_tables, redact_uri
from relgraph.schema import Schema, SchemaOverrides, infer_schema
from relgraph.schema.documents import YAML_SUFFIXES
from relgraph.schema.render import (
    render_diagram,
    schema_rich_table,
    schema_summary_markdown,
)

SCHEMA_SUFFIXES = (".json", *YAML_SUFFIXES)
_DIAGRAM_SUFFIXES = (".dot", ".svg", ".png", ".pdf")

app = typer.Typer(
    name="schema",
    help="Infer the schema of a database (keys, foreign keys, time, dtypes) and explain it.",
    no_args_is_help=True,
    rich_markup_mode="markdown",
)


@app.command("infer")
def infer(
    ctx: typer.Context,
    source: Annotated[
        str,
        typer.Argument(
            help="Where the tables are: a folder of CSV/parquet files, an `s3://bucket/prefix`, "
            "or a SQLAlchemy URL such as `sqlite:///shop.db` or `postgresql://user@host/db`.",
            show_default=False,
        ),
    ],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            help="Write the schema to this file: JSON, or YAML for a `.yaml`/`.yml` name.",
        ),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            help="A JSON/YAML file of settings that replace inference, e.g. "
            '`{"tables": {"drivers": {"time_column": null}}}`.',
        ),
    ] = None,
    tables: Annotated[
        str | None,
        typer.Option(help="Only these tables, comma-separated (default: all of them)."),
    ] = None,
    diagram: Annotated[
        Path | None,
        typer.Option(
            help="Draw the schema as `<STEM>.dot`, `.svg` and `.png` (SVG and PNG need "
            "Graphviz's `dot`).",
            metavar="STEM",
        ),
    ] = None,
    markdown: Annotated[
        Path | None,
        typer.Option(help="Write a Markdown summary of the schema to this file."),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print only the schema as JSON (for scripts)."),
    ] = False,
) -> None:
    """Infer the schema of a database and explain every decision.

    Reads the tables at SOURCE, infers each column's dtype, each table's primary key, the
    foreign keys between tables and each table's time (its own column, or inherited from a
    parent it references), and prints them with the reason for every decision.

    Examples:

    ```
    relgraph schema infer ./data -o schema.json
    relgraph schema infer sqlite:///shop.db --tables orders,customers --diagram schema
    relgraph schema infer s3://bucket/shop/ --overrides fixes.yaml --json > schema.json
    ```
    """
    names = _table_list(tables)
    _check_schema_path(output, "--output")
    where = redact_uri(source)
    with reporting_errors(ctx, f"reading overrides {overrides}"):
        settings = SchemaOverrides.load(overrides) if overrides is not None else None
    with reporting_errors(ctx, f"reading {where}"):
        data = read_tables(source, names)
    with reporting_errors(ctx, f"inferring the schema of {where}"):
        schema = infer_schema(data, overrides=settings)
    counts = {name: table.num_rows for name, table in data.items()}
    if as_json:
        typer.echo(json.dumps(schema.to_dict(), indent=2, ensure_ascii=False))
    else:
        stdout.print(schema_rich_table(schema, counts))
    write_schema_outputs(ctx, schema, counts, output=output, markdown=markdown, diagram=diagram)


@app.command("show")
def show(
    ctx: typer.Context,
    schema_file: Annotated[
        Path,
        typer.Argument(
            help="A schema file written by `relgraph schema infer -o`.", show_default=False
        ),
    ],
    markdown: Annotated[
        bool,
        typer.Option("--markdown", help="Print the Markdown summary instead of tables."),
    ] = False,
) -> None:
    """Show a saved schema: tables, keys, time, dtypes and the reasons behind them.

    Example: `relgraph schema show .relgraph/demo/schema.json --markdown`
    """
    with reporting_errors(ctx, f"reading {schema_file}"):
        schema = Schema.load(schema_file)
        schema.validate()
    if markdown:
        typer.echo(schema_summary_markdown(schema), nl=False)
    else:
        stdout.print(schema_rich_table(schema))


def write_schema_outputs(
    ctx: typer.Context,
    schema: Schema,
    row_counts: dict[str, int],
    *,
    output: Path | None = None,
    markdown: Path | None = None,
    diagram: Path | None = None,
) -> list[Path]:
    """Writes the schema file, Markdown summary and diagram that were asked for, and says where.

    Args:
        ctx: The command's context, for error reporting.
        schema: The schema.
        row_counts: Rows per table, shown in the summary and diagram.
        output: The schema file (JSON, or YAML by suffix), or ``None`` (default: ``None``).
        markdown: The Markdown summary file, or ``None`` (default: ``None``).
        diagram: The diagram's path stem, or ``None`` (default: ``None``).

    Returns:
        The files written.

    Raises:
        typer.Exit: With code 1 if a file cannot be written.
    """
    written: list[Path] = []
    if output is not None:
        with reporting_errors(ctx, f"writing {output}"):
            written.append(schema.save(output))
    if markdown is not None:
        with reporting_errors(ctx, f"writing {markdown}"):
            text = schema_summary_markdown(schema, row_counts)
            written.append(atomic_write_text(markdown, text))
    if diagram is not None:
        stem = diagram.with_suffix("") if diagram.suffix in _DIAGRAM_SUFFIXES else diagram
        with reporting_errors(ctx, f"drawing {stem}"):
            written += render_diagram(schema, stem, row_counts=row_counts)
    for path in written:
        note(f"wrote [bold]{escape(str(path))}[/]")
    return written


def _table_list(tables: str | None) -> list[str] | None:
    if tables is None:
        return None
    names = [name.strip() for name in tables.split(",")]
    if not all(names):
        raise typer.BadParameter(
            f"expected table names separated by commas, found {tables!r}", param_hint="--tables"
        )
    return names


def _check_schema_path(path: Path | None, option: str) -> None:
    if path is not None and path.suffix.lower() not in SCHEMA_SUFFIXES:
        raise typer.BadParameter(
            f"a schema file must end in {', '.join(SCHEMA_SUFFIXES)}, found {path.name!r}",
            param_hint=option,
        )
