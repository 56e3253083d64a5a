"""The train step: a graph artifact and a task folder in, a model folder and an MLflow run out.

:func:`train_model` is what the pipeline's train component and the CLI call. It trains inside a
:class:`~relgraph.train.RunTracker` (parameters, curves, metrics, schema, task spec, data hash
and git commit on the run), writes the :class:`~relgraph.train.ModelBundle` folder, and logs
that folder as the run's one model: an MLflow pyfunc at artifact path ``"model"``.
"""

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from relgraph.graph import GraphArtifact
from relgraph.tasks import ANCHOR_TIME, LABEL, LinkTask, NodeTask, load_task
from relgraph.train.bundle import ModelBundle, schema_hash
from relgraph.train.config import TrainerConfig
from relgraph.train.evaluation import holdout_frame
from relgraph.train.tracking import DEFAULT_EXPERIMENT, RunTracker
from relgraph.train.trainer import fit_node_task

_logger = logging.getLogger(__name__)

PathLike = str | os.PathLike[str]


@dataclass(frozen=True)
class TrainOutput:
    """What :func:`train_model` returns.

    Args:
        run_id: The MLflow run.
        model_path: The model folder written.
        metrics: ``{split: {metric: value}}``.
        tracking_url: Where to look at the run (its page on a tracking server, else the
            tracking URI).
        bundle: The model.
    """

    run_id: str
    model_path: Path
    metrics: dict[str, dict[str, float]]
    tracking_url: str
    bundle: ModelBundle


def trainer_config(config: TrainerConfig | Mapping[str, Any] | str | None) -> TrainerConfig:
    """A :class:`TrainerConfig` from itself, a mapping of fields or their JSON text.

    Raises:
        ValueError: If the mapping or JSON names unknown fields or holds invalid values.
    """
    if config is None:
        return TrainerConfig()
    if isinstance(config, TrainerConfig):
        return config
    if isinstance(config, str):
        return TrainerConfig.from_json(config) if config.strip() else TrainerConfig()
    if isinstance(config, Mapping):
        return TrainerConfig.from_dict(dict(config))
    raise ValueError(
        f"config must be a TrainerConfig, a mapping or JSON text, found {type(config).__name__}"
    )


def node_task_tables(task: NodeTask) -> dict[str, pa.Table]:
    """A node task's split tables as the trainer reads them: the entity column,
    ``anchor_time`` and ``label`` (renamed from the task's time and target columns).

    A split without the target column (a prediction-only test split) keeps no ``label``.

    Raises:
        ValueError: If the task has no time column, or a table lacks a column.
        TaskError: If a split's table cannot be read.
    """
    if task.time_column is None:
        raise ValueError(
            f"task '{task.name}' has no time column: relgraph trains node tasks with anchor "
            "times (give the task tables a time column and set time_column)"
        )
    renames = {task.time_column: ANCHOR_TIME, task.target_column: LABEL}
    out = {}
    for split, table in task.tables().items():
        needed = [task.source_entity_column, task.time_column]
        missing = [c for c in needed if c not in table.column_names]
        if missing:
            raise ValueError(
                f"task '{task.name}', split '{split}': no column(s) {missing} (found columns: "
                f"{table.column_names})"
            )
        keep = [c for c in (*needed, task.target_column) if c in table.column_names]
        part = table.select(keep)
        out[split] = part.rename_columns([renames.get(c, c) for c in part.column_names])
    return out


def _holdout(task: NodeTask, tables: Mapping[str, pa.Table], result: Any) -> pa.Table:
    """Holdout predictions of a node model: the test split when it has labels, else the
    validation split."""
    split = "test" if "test" in tables and LABEL in tables["test"].column_names else "validation"
    table = tables[split]
    frame = holdout_frame(
        table[task.source_entity_column],
        table[ANCHOR_TIME],
        table[LABEL],
        result.predictions[split],
        entity_column=task.source_entity_column,
        task_type=task.task_type,
    )
    return pa.Table.from_pandas(frame, preserve_index=False)


def train_model(
    graph: PathLike,
    task: PathLike,
    *,
    output: PathLike,
    config: TrainerConfig | Mapping[str, Any] | str | None = None,
    tracking_uri: str | None = None,
    experiment: str = DEFAULT_EXPERIMENT,
    tags: Mapping[str, str] | None = None,
    checkpoint_dir: PathLike | None = None,
    overwrite: bool = False,
) -> TrainOutput:
    """Trains a model for a task on a graph, tracked as an MLflow run, and saves it.

    Node tasks train with :func:`~relgraph.train.fit_node_task`, link tasks with
    ``relgraph.train.link_predictor.fit_link_task``.

    Args:
        graph: The graph artifact folder (see :func:`relgraph.graph.materialize`).
        task: The task folder (written by ``NodeTask.save`` or ``LinkTask.save``).
        output: The model folder to write (see :class:`ModelBundle`).
        config: The training configuration: a :class:`TrainerConfig`, a mapping of its
            fields, or their JSON text (default: ``None``, ``TrainerConfig()``).
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``, else
            ``sqlite:///.relgraph/mlflow.db``).
        experiment: The MLflow experiment (default: ``"relgraph"``).
        tags: Extra run tags (default: ``None``).
        checkpoint_dir: Where per-epoch checkpoints go; a checkpoint of the same run is
            resumed (default: ``None``, none).
        overwrite: Replace an existing model folder (default: ``False``).

    Returns:
        The run id, model folder, metrics, tracking URL and the model.

    Raises:
        FileExistsError: If ``output`` exists and ``overwrite`` is ``False``.
        FileNotFoundError: If the graph or task folder is missing.
        ValueError: If the configuration is invalid, or the task does not fit the graph.
    """
    output = Path(output)
    if output.exists() and not overwrite:
        raise FileExistsError(f"model folder {output} already exists (pass overwrite=True)")
    settings = trainer_config(config)
    artifact = GraphArtifact.load(graph)
    spec = load_task(Path(task))
    data_hash = artifact.manifest.get("made_from", {}).get("data_hash")
    run_tags = {
        "relgraph.task": spec.name,
        "relgraph.task_type": spec.task_type.value,
        "relgraph.schema_hash": schema_hash(artifact.schema),
        **(tags or {}),
    }
    with RunTracker(
        tracking_uri,
        experiment=experiment,
        run_name=spec.name,
        tags=run_tags,
        data_snapshot=data_hash,
    ) as tracker:
        task_spec = spec.to_dict()
        if isinstance(spec, LinkTask):
            from relgraph.train.link_predictor import fit_link_task  # owner F's module

            tables = spec.tables()
            # The pyfunc's input example: the entity column and anchor_time, like node tasks.
            example_tables = {
                split: table.rename_columns(
                    [ANCHOR_TIME if c == spec.time_column else c for c in table.column_names]
                )
                for split, table in tables.items()
            }
            result = fit_link_task(
                artifact,
                tables,
                task=spec,
                config=settings,
                tracker=tracker,
                checkpoint_dir=checkpoint_dir,
            )
            holdout = result.holdout
            metric = result.metric
        else:
            tables = node_task_tables(spec)
            result = fit_node_task(
                artifact,
                tables,
                entity_table=spec.source_entity_table,
                entity_column=spec.source_entity_column,
                task_type=spec.task_type,
                config=settings,
                metric=spec.metrics[0].name if spec.metrics else None,
                tracker=tracker,
                checkpoint_dir=checkpoint_dir,
                task_spec=task_spec,
            )
            holdout = _holdout(spec, tables, result)
            metric = result.metric
            example_tables = tables
        bundle = ModelBundle(
            predictor=result.predictor,
            task=spec,
            schema=artifact.schema,
            encoder_state=artifact.encoder_state,
            graph_hash=artifact.content_hash,
            schema_hash=schema_hash(artifact.schema),
            data_hash=data_hash,
            run_id=tracker.run_id,
            tracking_uri=tracker.tracking_uri,
            metrics=result.metrics,
            holdout=holdout,
            metric=metric,
            graph_path=str(artifact.path.resolve()),
            trainer_config=settings.to_dict(),
        )
        bundle.save(output, overwrite=overwrite)
        from relgraph.train.pyfunc import input_example, log_model  # imports mlflow

        example_table = example_tables.get("test", example_tables["validation"])
        log_model(tracker, output, bundle, example=input_example(bundle, example_table))
        run_id, url = tracker.run_id, tracker.tracking_url
    _logger.info("trained %s: run %s, model folder %s", spec.name, run_id, output)
    return TrainOutput(
        run_id=run_id, model_path=output, metrics=result.metrics, tracking_url=url, bundle=bundle
    )
