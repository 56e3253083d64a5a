"""``batch_predict``: a model, a graph and entities in; predictions, embeddings and drift out.

The steps, in order, so that nothing is written unless everything before it worked:

1. check the output alias and parameters, and refuse an alias that exists (unless
   ``overwrite``), before any work;
2. resolve the model (an MLflow reference through :func:`relgraph.registry.resolve_model`, or
   a model folder), load the graph and check that it was built like the training graph
   (schema and encoder hashes, ``ModelBundle.check_graph``);
3. choose the rows (:mod:`relgraph.predict.entities`) and predict in batches, with the
   source embeddings from the same forward pass when asked for (node tasks), or the link
   predictor's ``predict_topk`` / ``embed_sources`` / ``embed_targets`` (link tasks);
4. compare the predictions with the model's holdout predictions (:mod:`relgraph.predict.drift`);
5. write every output of the alias at once (:class:`~relgraph.predict.writer.OutputWriter`);
6. record the batch prediction and its drift in MLflow (:mod:`relgraph.predict.record`).
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.predict.drift import prediction_drift
from relgraph.predict.entities import EntitySource, resolve_entities
from relgraph.predict.metadata import OutputMetadata
from relgraph.predict.names import check_alias, embeddings_name, predictions_name
from relgraph.predict.output import OutputConfig
from relgraph.predict.record import record_batch_prediction
from relgraph.predict.tables import embeddings_table, link_predictions_table, node_predictions_table
from relgraph.predict.writer import OutputTable
from relgraph.tasks import ANCHOR_TIME, TaskType

if TYPE_CHECKING:  # relgraph.graph, registry and train import torch: only when predicting
    from relgraph.graph.artifact import GraphArtifact
    from relgraph.registry import ModelRef
    from relgraph.train import ModelBundle, NodePredictor

_logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class PredictionResult:
    """What :func:`batch_predict` returns.

    Args:
        outputs: Output name -> where it was written.
        num_rows: Rows of the predictions output (for link tasks, one per entity and rank).
        anchor_time: The (latest) anchor time predicted for, ISO 8601.
        model: ``run_id``, ``name``, ``version`` and ``uri`` of the model.
        drift: The drift statistics (see :func:`relgraph.predict.drift.prediction_drift`);
            empty when the model has no holdout predictions.
        job_id: The job id written into every output's metadata.
        num_entities: Entities predicted for (default: ``num_rows``).
        tracking_run_id: The MLflow run recording the batch prediction, or ``None``
            (default: ``None``).
        seconds: Wall time of the prediction step (sampling and model), without loading and
            writing (default: ``0.0``).
        details: The destination, entity table and column, graph and its hashes, and what
            the outputs' columns need (classes, threshold, k, target table) (default: empty).
    """

    outputs: dict[str, str]
    num_rows: int
    anchor_time: str
    model: dict[str, str | None]
    drift: dict[str, Any]
    job_id: str
    num_entities: int = -1
    tracking_run_id: str | None = None
    seconds: float = 0.0
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.num_entities < 0:
            object.__setattr__(self, "num_entities", self.num_rows)

    @property
    def rows_per_second(self) -> float:
        """Entities predicted per second of :attr:`seconds`."""
        return self.num_entities / self.seconds if self.seconds > 0 else float("nan")

    def to_dict(self) -> dict[str, Any]:
        """The JSON form."""
        return asdict(self)


@dataclass(frozen=True)
class LoadedModel:
    """A model ready to predict, and how it was named.

    Args:
        bundle: The model.
        run_id: The MLflow run that trained it, when known.
        name: Its registered name, when resolved through the registry.
        version: Its registered version, when resolved through the registry.
        uri: The MLflow model URI, or the model folder.
        tracking_uri: The tracking store its run is in: the one it was resolved from, or for a
            model folder the one it was trained with (``None``: the default).
    """

    bundle: ModelBundle
    run_id: str | None
    name: str | None
    version: str | None
    uri: str
    tracking_uri: str | None

    def describe(self) -> dict[str, str | None]:
        """``run_id``, ``name``, ``version`` and ``uri``."""
        return {"run_id": self.run_id, "name": self.name, "version": self.version, "uri": self.uri}


def load_model(model: ModelRef | PathLike, *, tracking_uri: str | None = None) -> LoadedModel:
    """The model named by an MLflow reference, or read from a model folder.

    Args:
        model: A :class:`~relgraph.registry.ModelRef`, its text (``"models:/f1-dnf@champion"``,
            ``"f1-dnf/3"``, a run id, ...), or the path of a model folder.
        tracking_uri: The MLflow tracking URI of references (default: ``None``:
            ``MLFLOW_TRACKING_URI``, else the embedded default).

    Raises:
        relgraph.registry.ModelNotFoundError: If the reference names no model.
        ValueError: If the text is neither a reference nor a model folder.
    """
    from relgraph.registry import resolve_model
    from relgraph.train import ModelBundle

    if isinstance(model, os.PathLike) or (isinstance(model, str) and Path(model).is_dir()):
        folder = Path(model)
        bundle = ModelBundle.load(folder)
        uri = tracking_uri or bundle.tracking_uri
        return LoadedModel(bundle, bundle.run_id, None, None, str(folder.resolve()), uri)
    resolved = resolve_model(model, tracking_uri=tracking_uri)
    return LoadedModel(
        resolved.bundle,
        resolved.run_id,
        resolved.name,
        resolved.version,
        resolved.model_uri,
        tracking_uri,
    )


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, found {value!r}")
    return int(value)


@contextmanager
def _progress(enabled: bool, description: str, total: int | None) -> Iterator[Callable[[], None]]:
    """A rich progress bar on stderr (``total`` None: a spinner); yields the advance call."""
    if not enabled:
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        SpinnerColumn,
        TextColumn,
        TimeElapsedColumn,
    )

    columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn()]
    columns += [MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


def predict_node_rows(
    predictor: NodePredictor,
    artifact: GraphArtifact,
    rows: pa.Table,
    *,
    entity_column: str,
    batch_size: int = 1024,
    embeddings: bool = False,
    device: str = "cpu",
    progress: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """Node predictions (and source embeddings) for rows of entities and anchor times.

    Batches are sampled exactly as :meth:`NodePredictor.predict` samples them (the same
    seeds per batch, the same batch ids), so the predictions equal its predictions; the
    embeddings are the seeds' states that the head reads (``NodeModel.embed``), from the
    same forward pass.

    Args:
        predictor: The node predictor.
        artifact: The graph.
        rows: The entity column and ``anchor_time``.
        entity_column: The entity column.
        batch_size: Seeds per batch (default: ``1024``).
        embeddings: Also return the embeddings (default: ``False``).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).
        progress: Show a progress bar on stderr (default: ``False``).

    Returns:
        ``(predictions, embeddings or None)``.

    Raises:
        ValueError: If a column is missing or an entity is not in the graph.
    """
    import torch

    from relgraph.graph.sampler_dataset import SamplerDataset
    from relgraph.train.data import node_examples
    from relgraph.train.trainer import resolve_device, to_device

    examples = node_examples(
        rows,
        artifact.id_maps,
        entity_table=predictor.entity_table,
        entity_column=entity_column,
        coder=None,
        split="entities",
    )
    dataset = SamplerDataset(
        predictor.sampler(artifact.store),
        predictor.entity_table,
        examples.seeds,
        examples.seed_time,
        batch_size=batch_size,
    )
    torch_device = resolve_device(device)
    model = predictor.model.to(torch_device).eval()
    outputs: list[torch.Tensor] = []
    states: list[torch.Tensor] = []
    try:
        with (
            torch.no_grad(),
            _progress(progress, f"predicting {predictor.entity_table}", len(dataset)) as advance,
        ):
            for index in range(len(dataset)):
                batch = to_device(dataset[index], torch_device)
                if embeddings:
                    state = model.embed(batch)
                    outputs.append(model.head(state).float().cpu())
                    states.append(state.float().cpu())
                else:
                    outputs.append(model(batch).float().cpu())
                advance()
    finally:
        model.cpu()
    if not outputs:
        raw = torch.zeros((0, predictor.coder.out_channels))
        return predictor.outputs_to_predictions(raw), None
    predictions = predictor.outputs_to_predictions(torch.cat(outputs))
    return predictions, (torch.cat(states).numpy() if embeddings else None)


def _rows_for(rows: pa.Table, time_column: str) -> pa.Table:
    """``rows`` with ``anchor_time`` named as the predictor reads it."""
    if time_column == ANCHOR_TIME:
        return rows
    return rows.rename_columns([time_column if c == ANCHOR_TIME else c for c in rows.column_names])


def batch_predict(
    model: ModelRef | PathLike,
    graph: PathLike,
    *,
    output: OutputConfig,
    output_alias: str,
    entities: EntitySource | None = None,
    anchor_time: str | datetime | date | None = None,
    extract_embeddings: bool = False,
    overwrite: bool = False,
    batch_size: int = 1024,
    threshold: float = 0.5,
    k: int = 12,
    tracking_uri: str | None = None,
    job_id: str | None = None,
    progress: bool = False,
    device: str = "cpu",
) -> PredictionResult:
    """Predicts for many entities with a trained model and writes the results.

    Writes ``PREDICTIONS_<ALIAS>`` and, with ``extract_embeddings``,
    ``EMBEDDINGS_SRC_<ENTITY COLUMN>_<ALIAS>`` (and for link tasks
    ``EMBEDDINGS_TGT_<TARGET COLUMN>_<ALIAS>``), all at once or not at all, each with its
    metadata; see :mod:`relgraph.predict.tables` for their columns.

    Args:
        model: A model reference (``"models:/f1-dnf@champion"``, ``"f1-dnf/3"``, a run id,
            ``"best:<experiment>:<metric>"``, a :class:`~relgraph.registry.ModelRef`) or a
            model folder.
        graph: The graph artifact folder, materialized with the model's schema and encoder
            state.
        output: Where outputs go (:class:`OutputConfig`).
        output_alias: The alias in the output names (ASCII letters, digits, underscores).
        entities: The rows: a table (entity column, optional ``anchor_time``), a task folder
            (its test split) or a table location; ``None`` predicts for every entity of the
            task's entity table that exists at ``anchor_time`` (default: ``None``).
        anchor_time: The anchor time of rows without one (default: ``None``, the latest time
            in the graph's data).
        extract_embeddings: Also write embeddings: the source entities' (node and link
            tasks) and the targets' (link tasks with a two-tower model) (default: ``False``).
        overwrite: Replace the outputs of an existing alias (default: ``False``).
        batch_size: Entities per batch (default: ``1024``).
        threshold: Decision threshold of binary and multilabel classes (default: ``0.5``).
        k: Targets ranked per entity, link tasks (default: ``12``).
        tracking_uri: The MLflow tracking URI, for model references and the record of the
            run (default: ``None``: ``MLFLOW_TRACKING_URI``, else the embedded default; for a
            model folder, the tracking URI it was trained with).
        job_id: The job id put in the outputs' metadata (default: ``None``, a new one).
        progress: Show a progress bar on stderr (default: ``False``).
        device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).

    Returns:
        The outputs written, row count, anchor time, model, drift statistics and job id.

    Raises:
        ValueError: If a name or parameter is invalid, the graph was not built like the
            model's training graph (nothing is written), or the entities do not fit.
        OutputExistsError: If the alias has outputs and ``overwrite`` is ``False``.
        OutputWriteError: If writing failed (nothing is left at the destination).
        relgraph.registry.ModelNotFoundError: If the model reference names no model.
    """
    alias = check_alias(output_alias)
    batch_size = _positive_int(batch_size, "batch_size")
    k = _positive_int(k, "k")
    if isinstance(threshold, bool) or not 0.0 <= float(threshold) <= 1.0:
        raise ValueError(f"threshold must lie in [0, 1], found {threshold!r}")
    if not isinstance(output, OutputConfig):
        raise ValueError(
            f"output must be an OutputConfig (OutputConfig.object_store/local/sql), found "
            f"{type(output).__name__}"
        )
    from relgraph.graph.artifact import GraphArtifact
    from relgraph.graph.node_time import seconds_to_iso

    job_id = job_id or uuid.uuid4().hex[:16]
    writer = output.writer()
    if not overwrite:
        writer.refuse_existing(alias)

    loaded = load_model(model, tracking_uri=tracking_uri)
    bundle = loaded.bundle
    artifact = GraphArtifact.load(graph)
    bundle.check_graph(artifact)
    task = bundle.task
    task_type = bundle.task_type
    entity_column = task.source_entity_column
    rows = resolve_entities(
        artifact,
        entity_table=task.source_entity_table,
        entity_column=entity_column,
        entities=entities,
        anchor_time=anchor_time,
        time_column=task.time_column,
    )
    anchors = rows.column(ANCHOR_TIME)
    latest = pc.max(anchors).cast(pa.int64()).as_py() // 1_000_000
    details: dict[str, Any] = {
        "entity_table": task.source_entity_table,
        "entity_column": entity_column,
        "graph": str(artifact.path),
        "graph_hash": artifact.content_hash,
        "schema_hash": bundle.schema_hash,
        "anchor_time_min": seconds_to_iso(pc.min(anchors).cast(pa.int64()).as_py() // 1_000_000),
    }
    start = time.perf_counter()
    if task_type.is_link:
        predicted = _predict_link(
            bundle,
            artifact,
            rows,
            k=k,
            batch_size=batch_size,
            device=device,
            embeddings=extract_embeddings,
            at=latest,
            progress=progress,
        )
    else:
        predicted = _predict_node(
            bundle,
            artifact,
            rows,
            threshold=threshold,
            batch_size=batch_size,
            device=device,
            embeddings=extract_embeddings,
            progress=progress,
        )
    seconds = time.perf_counter() - start
    predictions = predicted.predictions
    details.update(predicted.details)

    drift = _drift(bundle, task_type, predictions, predicted.details.get("target_column"))
    common = {
        "alias": alias,
        "anchor_time": seconds_to_iso(latest),
        "model_run_id": loaded.run_id,
        "model_name": loaded.name,
        "model_version": loaded.version,
        "model_uri": loaded.uri,
        "job_id": job_id,
        "task": task.name,
        "task_type": task_type.value,
    }
    outputs = [
        OutputTable(
            predictions,
            OutputMetadata(
                name=predictions_name(alias),
                kind="predictions",
                num_rows=predictions.num_rows,
                details={**details, "drift": drift},
                **common,
            ),
        )
    ]
    for side, table, extra in predicted.embeddings:
        dimensions = table.schema.field("embedding").type.list_size
        outputs.append(
            OutputTable(
                table,
                OutputMetadata(
                    name=embeddings_name(side, table.column_names[0], alias),
                    kind="embeddings",
                    num_rows=table.num_rows,
                    details={**details, "side": side, "dimensions": dimensions, **extra},
                    **common,
                ),
            )
        )
    written = writer.write(outputs, alias=alias, overwrite=overwrite)
    _logger.info(
        "batch prediction %r: %d row(s) for %d entities in %.2f s, written to %s",
        alias,
        predictions.num_rows,
        rows.num_rows,
        seconds,
        output.display,
    )
    result = PredictionResult(
        outputs=written,
        num_rows=predictions.num_rows,
        anchor_time=seconds_to_iso(latest),
        model=loaded.describe(),
        drift=drift,
        job_id=job_id,
        num_entities=rows.num_rows,
        seconds=seconds,
        details={"output": output.to_dict(), **details},
    )
    if loaded.run_id is None:
        _logger.info("the model has no MLflow run: batch prediction %r not recorded", alias)
        return result
    run_id = record_batch_prediction(
        tracking_uri=loaded.tracking_uri,
        model_run_id=loaded.run_id,
        alias=alias,
        params={
            "output_alias": alias,
            "anchor_time": result.anchor_time,
            "job_id": job_id,
            "model_uri": loaded.uri,
            "model_name": loaded.name,
            "model_version": loaded.version,
            "output": output.display,
            "extract_embeddings": extract_embeddings,
        },
        metrics={
            **{f"drift_{key}": value for key, value in drift.items() if _is_number(value)},
            "num_rows": float(result.num_rows),
            "num_entities": float(result.num_entities),
            "rows_per_s": result.rows_per_second,
        },
        summary=result.to_dict(),
    )
    return PredictionResult(**{**asdict(result), "tracking_run_id": run_id})


@dataclass(frozen=True)
class _Predicted:
    """What the prediction step made: the predictions table, the embeddings tables
    (``(side, table, metadata details)``) and details for the metadata."""

    predictions: pa.Table
    embeddings: list[tuple[str, pa.Table, dict[str, Any]]]
    details: dict[str, Any]


def _predict_node(
    bundle: ModelBundle,
    artifact: GraphArtifact,
    rows: pa.Table,
    *,
    threshold: float,
    batch_size: int,
    device: str,
    embeddings: bool,
    progress: bool,
) -> _Predicted:
    """Node-task predictions (per task type, see :mod:`relgraph.predict.tables`) and the
    source embeddings from the same pass."""
    task_type = bundle.task_type
    column = bundle.entity_column
    values, states = predict_node_rows(
        bundle.predictor,
        artifact,
        rows,
        entity_column=column,
        batch_size=batch_size,
        embeddings=embeddings,
        device=device,
        progress=progress,
    )
    ids, anchors = rows.column(column).combine_chunks(), rows.column(ANCHOR_TIME).combine_chunks()
    predictions = node_predictions_table(
        task_type, column, ids, anchors, values, classes=bundle.classes, threshold=threshold
    )
    details: dict[str, Any] = {}
    if task_type in (TaskType.BINARY_CLASSIFICATION, TaskType.MULTILABEL_CLASSIFICATION):
        details["threshold"] = float(threshold)
    if bundle.classes:
        details["classes"] = [str(value) for value in bundle.classes]
    tables = []
    if states is not None:
        tables.append(("SRC", embeddings_table(column, ids, anchors, states), {}))
    return _Predicted(predictions, tables, details)


def _predict_link(
    bundle: ModelBundle,
    artifact: GraphArtifact,
    rows: pa.Table,
    *,
    k: int,
    batch_size: int,
    device: str,
    embeddings: bool,
    at: int,
    progress: bool,
) -> _Predicted:
    """Link-task top-k targets (one row per entity and rank), and the source embeddings and,
    for two-tower models, the targets' embeddings at ``at``."""
    predictor = bundle.predictor
    column = bundle.entity_column
    target_column = bundle.task.target_entity_column
    if target_column == column:  # links between rows of one table
        target_column = f"target_{target_column}"
    link_rows = _rows_for(rows, predictor.time_column)
    with _progress(progress, f"ranking {predictor.target_table}", None):
        ids, scores = predictor.predict_topk(
            artifact, link_rows, k=k, batch_size=batch_size, device=device
        )
    key_type = artifact.id_maps.key_values(predictor.target_table).type
    entity_ids = rows.column(column).combine_chunks()
    anchors = rows.column(ANCHOR_TIME).combine_chunks()
    predictions = link_predictions_table(
        column,
        entity_ids,
        anchors,
        target_column,
        pa.array(np.asarray(ids).reshape(-1), type=key_type),
        scores,
    )
    details = {
        "k": int(scores.shape[1]),
        "target_table": predictor.target_table,
        "target_column": target_column,
    }
    tables: list[tuple[str, pa.Table, dict[str, Any]]] = []
    if embeddings:
        source = predictor.embed_sources(artifact, link_rows, batch_size=batch_size, device=device)
        tables.append(("SRC", embeddings_table(column, entity_ids, anchors, source), {}))
        tables.extend(
            _target_embeddings(predictor, artifact, target_column, at, batch_size, device)
        )
    return _Predicted(predictions, tables, details)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _target_embeddings(
    predictor: Any,
    artifact: GraphArtifact,
    target_column: str,
    at: int,
    batch_size: int,
    device: str,
) -> list[tuple[str, pa.Table, dict[str, Any]]]:
    """The targets' embeddings at ``at``, or none (with a warning) for a model that has no
    source-independent target embedding (ID-GNN)."""
    from relgraph.nn.link_two_tower import TwoTowerLinkModel

    if not isinstance(predictor.model, TwoTowerLinkModel):
        _logger.warning(
            "no target embeddings: a %r link model has none independent of the source (only "
            "two-tower models do); writing source embeddings only",
            predictor.kind,
        )
        return []
    ids, matrix = predictor.embed_targets(artifact, at, batch_size=batch_size, device=device)
    key_type = artifact.id_maps.key_values(predictor.target_table).type
    keys = pa.array(np.asarray(ids), type=key_type)
    anchor = pa.array(np.full(len(keys), at, dtype="datetime64[s]").astype("datetime64[us]"))
    table = embeddings_table(target_column, keys, anchor, matrix)
    return [
        ("TGT", table, {"entity_table": predictor.target_table, "entity_column": target_column})
    ]


def _drift(
    bundle: ModelBundle, task_type: TaskType, predictions: pa.Table, target_column: str | None
) -> dict[str, Any]:
    """Drift against the bundle's holdout predictions; empty without them. A holdout table
    that cannot be compared is reported in the result (``error``), not raised: the
    predictions themselves are sound."""
    if bundle.holdout is None or bundle.holdout.num_rows == 0:
        _logger.info("the model has no holdout predictions: no drift statistics")
        return {}
    try:
        return prediction_drift(task_type, bundle.holdout, predictions, target_column=target_column)
    except ValueError as exc:
        _logger.warning("drift not computed: %s", exc)
        return {"error": str(exc)}
