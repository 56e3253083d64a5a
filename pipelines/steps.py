"""The pieces the pipelines are assembled from: each adds its steps to the pipeline being
defined, with their caching, retries, credentials and GPU request.

Caching: ``source_hash`` is never cached, so every run reads the source; the steps after it
are, keyed by the data: the snapshot step takes the content hash as an input, and the steps
after it take the snapshot artifact, which a cache hit hands on unchanged. Unchanged data and
settings therefore recompute nothing, not even the registration (no duplicate model
versions), and changed data recomputes everything. Two steps look outside the run and are
never cached: ``resolve_model`` (an alias may have moved) and ``batch_predict`` (writing its
outputs is the point of the run).
"""

from dataclasses import dataclass

from kfp import dsl
from kfp.dsl.pipeline_channel import PipelineChannel

from relgraph.components.batch_predict import batch_predict
from relgraph.components.build_task_table import build_task_table
from relgraph.components.evaluate import evaluate
from relgraph.components.infer_schema import infer_schema
from relgraph.components.materialize_graph import materialize_graph
from relgraph.components.materialize_prediction_graph import materialize_prediction_graph
from relgraph.components.register import register
from relgraph.components.resolve_model import resolve_model
from relgraph.components.snapshot import snapshot
from relgraph.components.source_hash import source_hash
from relgraph.components.train import train
from relgraph.pipelines.settings import PlatformSettings

Value = PipelineChannel | str
"""A pipeline parameter, or a constant."""


def _cached(task: dsl.PipelineTask, enabled: bool = True) -> dsl.PipelineTask:
    return task.set_caching_options(enable_caching=enabled)


def read_source(
    settings: PlatformSettings, *, source: Value, tables: Value, queries: Value
) -> dsl.PipelineTask:
    """Adds ``source_hash`` (never cached) and ``snapshot`` (cached on the hash).

    Returns:
        The snapshot task: ``outputs["data"]`` is the snapshot, ``output`` its hash.
    """
    hashed = settings.io(source_hash(source=source, tables=tables, queries=queries))
    _cached(hashed, enabled=False)
    snap = snapshot(source=source, tables=tables, queries=queries, data_hash=hashed.output)
    return _cached(settings.io(snap))


@dataclass(frozen=True)
class Prepared:
    """The steps that turn a snapshot into a training graph and task."""

    schema: dsl.PipelineTask
    task: dsl.PipelineTask
    graph: dsl.PipelineTask


def prepare_training(
    settings: PlatformSettings,
    data: PipelineChannel,
    *,
    schema_overrides: Value,
    task_spec: Value,
    task_name: Value,
    split: Value,
    text_embedder: Value,
) -> Prepared:
    """Adds ``infer_schema``, ``build_task_table`` and ``materialize_graph``.

    Args:
        settings: The platform.
        data: The snapshot artifact.
        schema_overrides: Schema overrides (``{}`` for none).
        task_spec: A predictive query or the JSON of existing task tables.
        task_name: The task's name.
        split: The split plan (``{}`` to derive one).
        text_embedder: The text embedder of the graph.
    """
    schema = _cached(infer_schema(data=data, overrides=schema_overrides))
    task = build_task_table(
        data=data,
        schema=schema.outputs["schema"],
        spec=task_spec,
        name=task_name,
        split=split,
    )
    task = _cached(settings.io(task))  # task tables may be read from s3:// or a database
    graph = materialize_graph(
        data=data,
        schema=schema.outputs["schema"],
        task=task.outputs["task"],
        text_embedder=text_embedder,
    )
    return Prepared(schema=schema, task=task, graph=_cached(graph))


def train_model(
    settings: PlatformSettings,
    prepared: Prepared,
    *,
    trainer_config: Value | dict,
    tracking_uri: Value,
    experiment: Value,
) -> dsl.PipelineTask:
    """Adds a ``train`` step, with the GPU request of ``settings``."""
    task = train(
        graph=prepared.graph.outputs["graph"],
        task=prepared.task.outputs["task"],
        trainer_config=trainer_config,
        tracking_uri=tracking_uri,
        experiment=experiment,
    )
    return _cached(settings.training(task))


def evaluate_and_register(
    settings: PlatformSettings,
    prepared: Prepared,
    data: PipelineChannel,
    model: PipelineChannel,
    *,
    model_name: Value,
    margin: Value,
    tracking_uri: Value,
) -> dsl.PipelineTask:
    """Adds ``evaluate`` (against the current champion) and ``register``.

    Returns:
        The register task: ``outputs["version"]``, ``outputs["model_uri"]``.
    """
    judged = evaluate(
        model=model,
        graph=prepared.graph.outputs["graph"],
        task=prepared.task.outputs["task"],
        data=data,
        registered_name=model_name,
        margin=margin,
        tracking_uri=tracking_uri,
    )
    judged = _cached(settings.io(judged))
    registered = register(
        model=model,
        evaluation=judged.outputs["evaluation"],
        name=model_name,
        tracking_uri=tracking_uri,
    )
    return _cached(settings.io(registered))


def predict(
    settings: PlatformSettings,
    data: PipelineChannel,
    *,
    model_ref: Value,
    tracking_uri: Value,
    output_location: Value,
    output_alias: Value,
    output_schema: Value,
    entities: Value,
    anchor_time: Value,
    batch_size: Value | int,
    extract_embeddings: Value | bool,
    overwrite: Value | bool,
) -> dsl.PipelineTask:
    """Adds ``resolve_model``, ``materialize_prediction_graph`` and ``batch_predict``.

    Args:
        settings: The platform.
        data: The snapshot artifact.
        model_ref: The model to predict with (see ``relgraph.registry.ModelRef``).
        tracking_uri: The MLflow tracking URI.
        output_location: A folder, an ``s3://`` prefix or a SQLAlchemy URL.
        output_alias: The alias in the output names.
        output_schema: The database schema of a SQL output (``""`` for the default).
        entities: A table location of the entities to predict for (``""`` for every entity
            of the model's task).
        anchor_time: The time to predict at (``""`` for the latest in the data).
        batch_size: Entities per prediction batch.
        extract_embeddings: Also write the entities' embeddings.
        overwrite: Replace the outputs of an existing alias.

    Returns:
        The batch_predict task: ``outputs["outputs"]``, ``outputs["num_rows"]``.
    """
    found = resolve_model(model_ref=model_ref, tracking_uri=tracking_uri)
    found = _cached(settings.io(found), enabled=False)
    graph = materialize_prediction_graph(data=data, model=found.outputs["model"])
    graph = _cached(graph.set_display_name("materialize graph with the model's encoders"))
    predicted = batch_predict(
        model=found.outputs["model"],
        graph=graph.outputs["graph"],
        output_location=output_location,
        output_alias=output_alias,
        anchor_time=anchor_time,
        extract_embeddings=extract_embeddings,
        overwrite=overwrite,
        tracking_uri=tracking_uri,
        entities=entities,
        batch_size=batch_size,
        output_schema=output_schema,
    )
    return _cached(settings.io(predicted), enabled=False)
