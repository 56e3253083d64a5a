"""The pipeline's ``materialize_graph`` step: a graph artifact from a snapshot and a schema.

A training graph fits its feature encoders on the rows its task's training may see (up to
the task's cutoff time, see :func:`relgraph.tasks.build.task_cutoff_time`). A prediction
graph is encoded the way a model's training graph was: with the encoder state (and schema)
saved in the model's folder, so the model reads features it was trained on.
"""

import logging
import os
from pathlib import Path

from relgraph.graph.artifact import ENCODER_STATE_FILE, GraphArtifact
from relgraph.graph.encoder_state import EncoderState
from relgraph.graph.materialize import materialize
from relgraph.graph.summary import graph_summary_markdown
from relgraph.io.atomic import atomic_write_text
from relgraph.io.snapshot import Snapshot
from relgraph.schema import Schema, SchemaError
from relgraph.schema.artifact import load_schema
from relgraph.tasks import load_task
from relgraph.tasks.build import task_cutoff_time

_logger = logging.getLogger(__name__)


def load_encoder_state(path: str | os.PathLike[str]) -> EncoderState:
    """Reads an encoder state from its file, or from a folder holding ``encoder_state.json``
    (a model folder or a graph artifact).

    Args:
        path: The file or folder.

    Returns:
        The encoder state.

    Raises:
        FileNotFoundError: If there is no such file, or the folder holds no
            ``encoder_state.json``.
        ValueError: If the file is not an encoder state.
    """
    path = Path(path)
    if path.is_dir():
        file = path / ENCODER_STATE_FILE
        if not file.is_file():
            raise FileNotFoundError(
                f"no encoder state in {path}: {ENCODER_STATE_FILE} not found there (give a "
                "model folder or a graph artifact)"
            )
        return EncoderState.load(file)
    return EncoderState.load(path)


def build_graph(
    snapshot: Snapshot | str | os.PathLike[str],
    schema: Schema | str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    task: str | os.PathLike[str] | None = None,
    encoder_state: EncoderState | str | os.PathLike[str] | None = None,
    text_embedder: str | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    summary: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> GraphArtifact:
    """Materializes a snapshot's tables into a graph artifact folder.

    Args:
        snapshot: The snapshot, or its folder.
        schema: The schema, a schema file, or a folder holding ``schema.json`` (a schema
            artifact, or a model folder for a prediction graph). Tables of the snapshot that
            the schema does not list are left out.
        dest: The artifact folder to create.
        task: A task folder; the encoders are fitted on rows up to its cutoff time
            (default: ``None``, every row). Excludes ``encoder_state``.
        encoder_state: Encode with this fitted state, its file, or a folder holding
            ``encoder_state.json`` (a model folder), as a prediction graph must
            (default: ``None``, fit the encoders).
        text_embedder: ``"hashing"``, ``"hashing:<dim>"`` or ``"minilm"`` (default: ``None``,
            the encoder state's, else ``"hashing"``).
        cache_dir: A text embedding cache folder (default: ``None``, no cache).
        summary: Also write the graph's Markdown summary (:func:`graph_summary_markdown`) to
            this file; it is kept out of the artifact, whose content hash covers its files
            (default: ``None``).
        overwrite: Replace an existing folder at ``dest`` (default: ``False``).

    Returns:
        The artifact, its manifest recording the snapshot's content hash.

    Raises:
        ValueError: If both ``task`` and ``encoder_state`` are given, or the text embedder is
            not the encoder state's.
        SchemaError: If the schema does not fit the snapshot (a table missing, ...).
        SnapshotError: If ``snapshot`` is not a snapshot folder.
        FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
    """
    if task is not None and encoder_state is not None:
        raise ValueError(
            "build_graph: give a task (to fit the encoders up to its cutoff) or an encoder "
            "state (to encode like a trained model), not both"
        )
    snap = snapshot if isinstance(snapshot, Snapshot) else Snapshot.load(snapshot)
    schema = schema if isinstance(schema, Schema) else load_schema(schema)
    missing = [name for name in schema.table_names if name not in snap.table_names]
    if missing:
        raise SchemaError(
            f"the schema's tables {missing} are not in snapshot {snap.path} "
            f"(tables there: {', '.join(snap.table_names)})"
        )
    tables = {name: snap.table(name) for name in schema.table_names}
    state = (
        encoder_state
        if encoder_state is None or isinstance(encoder_state, EncoderState)
        else load_encoder_state(encoder_state)
    )
    cutoff = task_cutoff_time(load_task(Path(task))) if task is not None else None
    artifact = materialize(
        tables,
        schema,
        dest,
        cutoff_time=cutoff,
        text_embedder=text_embedder,
        cache_dir=cache_dir,
        encoder_state=state,
        data_hash=snap.content_hash,
        overwrite=overwrite,
    )
    if summary is not None:
        atomic_write_text(summary, graph_summary_markdown(artifact))
    _logger.info(
        "graph of snapshot %s (cutoff %s, %s encoders) written to %s",
        snap.content_hash,
        cutoff,
        "given" if state is not None else "fitted",
        dest,
    )
    return artifact
