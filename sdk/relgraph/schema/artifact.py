"""The schema artifact: a folder holding an inferred schema and what shows it to people.

Layout::

    manifest.json   kind "relgraph.schema", format version, content hash (the schema's),
                    made_from (snapshot content hash and source, overrides)
    schema.json     the schema, every inferred decision with its reason
    schema.md       a Markdown summary (tables, keys, time, dtypes, decisions)
    schema.dot      the diagram in Graphviz DOT
    schema.svg      the diagram drawn, when Graphviz's ``dot`` is installed

:func:`build_schema_artifact` is the pipeline's ``infer_schema`` step. :func:`load_schema`
reads the schema out of this folder, or out of any folder holding a ``schema.json`` (a graph
artifact, a model bundle).
"""

import html
import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from relgraph import __version__
from relgraph.io.atomic import atomic_directory, atomic_write_text
from relgraph.io.snapshot import Snapshot
from relgraph.schema.errors import SchemaError
from relgraph.schema.infer import SchemaOverrides, infer_schema
from relgraph.schema.render import render_diagram, schema_summary_markdown
from relgraph.schema.schema import Schema

_logger = logging.getLogger(__name__)

SCHEMA_ARTIFACT_KIND = "relgraph.schema"
FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
SCHEMA_FILE = "schema.json"
SUMMARY_FILE = "schema.md"
DIAGRAM_STEM = "schema"


@dataclass(frozen=True)
class SchemaArtifact:
    """A schema artifact folder, loaded.

    Args:
        path: The folder.
        schema: The schema.
        manifest: The parsed ``manifest.json``.
    """

    path: Path
    schema: Schema
    manifest: dict[str, Any]

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "SchemaArtifact":
        """Reads a folder written by :func:`build_schema_artifact`.

        Raises:
            FileNotFoundError: If the folder has no ``manifest.json`` or ``schema.json``.
            SchemaError: If the manifest is of another kind or a newer format, or the schema
                does not parse.
        """
        path = Path(path)
        file = path / MANIFEST_FILE
        if not file.is_file():
            raise FileNotFoundError(f"not a schema artifact: {file} not found")
        manifest = json.loads(file.read_text(encoding="utf-8"))
        if manifest.get("kind") != SCHEMA_ARTIFACT_KIND:
            raise SchemaError(
                f"{file}: kind {manifest.get('kind')!r} is not {SCHEMA_ARTIFACT_KIND!r}"
            )
        if manifest.get("format_version") != FORMAT_VERSION:
            raise SchemaError(
                f"{file}: format_version {manifest.get('format_version')!r} is not "
                f"{FORMAT_VERSION}, the one this relgraph reads"
            )
        return cls(path=path, schema=Schema.load(path / SCHEMA_FILE), manifest=manifest)

    @property
    def content_hash(self) -> str:
        """The schema's content hash (:meth:`Schema.content_hash`)."""
        return str(self.manifest["content_hash"])

    def summary_markdown(self) -> str:
        """The Markdown summary written beside the schema."""
        return (self.path / SUMMARY_FILE).read_text(encoding="utf-8")

    def diagram_html(self) -> str:
        """A standalone HTML page showing the diagram: the SVG drawing when Graphviz drew
        one, otherwise the DOT source with a note on how to draw it."""
        svg = self.path / f"{DIAGRAM_STEM}.svg"
        title = f"Schema {html.escape(self.content_hash)}"
        if svg.is_file():
            body = _svg_element(svg.read_text(encoding="utf-8"))
        else:
            dot = (self.path / f"{DIAGRAM_STEM}.dot").read_text(encoding="utf-8")
            body = (
                "<p>Graphviz's <code>dot</code> was not installed where the schema was "
                "inferred; draw this with <code>dot -Tsvg</code>.</p>\n"
                f"<pre>{html.escape(dot)}</pre>"
            )
        return (
            '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>{title}</title>\n</head>\n<body>\n<h1>{title}</h1>\n{body}\n"
            "</body>\n</html>\n"
        )


def parse_overrides(overrides: SchemaOverrides | Mapping[str, Any] | str | None) -> SchemaOverrides:
    """Reads schema overrides given as overrides, their JSON form, or its text.

    Args:
        overrides: The overrides; ``None`` or blank text for none.

    Returns:
        The overrides.

    Raises:
        SchemaError: If the text is not JSON or the form is invalid (naming the table and
            setting).
    """
    if isinstance(overrides, str):
        if not overrides.strip():
            return SchemaOverrides()
        try:
            overrides = json.loads(overrides)
        except json.JSONDecodeError as error:
            raise SchemaError(f"schema overrides are not valid JSON: {error}") from None
    return SchemaOverrides.coerce(overrides)


def build_schema_artifact(
    snapshot: Snapshot | str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    overrides: SchemaOverrides | Mapping[str, Any] | str | None = None,
    sample_rows: int = 100_000,
    summary: str | os.PathLike[str] | None = None,
    diagram_html: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> SchemaArtifact:
    """Infers the schema of a snapshot and writes it as a schema artifact folder, atomically.

    Args:
        snapshot: A snapshot, or its folder.
        dest: The artifact folder to create.
        overrides: Settings that replace inference (see :func:`parse_overrides`)
            (default: ``None``, infer everything).
        sample_rows: Rows sampled per table to infer dtypes (default: ``100_000``).
        summary: Also write the Markdown summary to this file (default: ``None``).
        diagram_html: Also write the diagram as an HTML page to this file
            (:meth:`SchemaArtifact.diagram_html`) (default: ``None``).
        overwrite: Replace an existing folder at ``dest`` (default: ``False``).

    Returns:
        The artifact.

    Raises:
        SnapshotError: If ``snapshot`` is not a snapshot folder.
        SchemaError: If the overrides are invalid or inference fails (see
            :func:`~relgraph.schema.infer_schema`).
        FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
    """
    snap = snapshot if isinstance(snapshot, Snapshot) else Snapshot.load(snapshot)
    settings = parse_overrides(overrides)
    schema = infer_schema(snap.tables(), overrides=settings, sample_rows=sample_rows)
    counts = {name: snap.num_rows(name) for name in snap.table_names}
    manifest = {
        "kind": SCHEMA_ARTIFACT_KIND,
        "format_version": FORMAT_VERSION,
        "created_by": f"relgraph {__version__}",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_hash": schema.content_hash(),
        "made_from": {
            "snapshot": snap.content_hash,
            "source": snap.source,
            "overrides": settings.to_dict(),
            "sample_rows": sample_rows,
        },
        "files": {"schema": SCHEMA_FILE, "summary": SUMMARY_FILE},
    }
    with atomic_directory(dest, overwrite=overwrite) as folder:
        schema.save(folder / SCHEMA_FILE)
        atomic_write_text(folder / SUMMARY_FILE, schema_summary_markdown(schema, counts))
        drawn = render_diagram(schema, folder / DIAGRAM_STEM, formats=("svg",), row_counts=counts)
        manifest["files"]["diagram"] = [path.name for path in drawn]
        atomic_write_text(folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    artifact = SchemaArtifact(path=Path(dest), schema=schema, manifest=manifest)
    if summary is not None:
        atomic_write_text(summary, artifact.summary_markdown())
    if diagram_html is not None:
        atomic_write_text(diagram_html, artifact.diagram_html())
    _logger.info(
        "schema %s of snapshot %s: %d tables, written to %s",
        manifest["content_hash"],
        snap.content_hash,
        len(schema.tables),
        dest,
    )
    return artifact


def load_schema(path: str | os.PathLike[str]) -> Schema:
    """Reads a schema from a schema file, or from a folder holding ``schema.json`` (a schema
    artifact, a graph artifact or a model bundle).

    Args:
        path: The file or folder.

    Returns:
        The schema.

    Raises:
        FileNotFoundError: If there is no such file, or the folder holds no ``schema.json``.
        SchemaError: If the file is not a schema.
    """
    path = Path(path)
    if path.is_dir():
        file = path / SCHEMA_FILE
        if not file.is_file():
            raise FileNotFoundError(f"no schema in {path}: {SCHEMA_FILE} not found there")
        return Schema.load(file)
    return Schema.load(path)


def _svg_element(svg: str) -> str:
    """The ``<svg>`` element of an SVG document, without the XML prolog and DOCTYPE that
    may not appear inside HTML."""
    start = svg.find("<svg")
    return svg[start:] if start >= 0 else svg
