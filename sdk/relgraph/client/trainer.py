"""``Trainer``: fit a model on a dataset, predict with it, as jobs on a backend.

Every call submits one of relgraph's pipelines as a job: :meth:`Trainer.fit` the
``training`` pipeline (snapshot, schema, task tables, graph, train, evaluate, register),
:meth:`Trainer.predict` the ``batch_prediction`` pipeline, :meth:`Trainer.fit_predict` the
``train_and_predict`` pipeline. The backend runs them on this machine
(:class:`LocalBackend`, the default) or on a Kubeflow cluster (:class:`KubeflowBackend`);
each job can be followed, re-attached to from another process (:meth:`Trainer.load`,
``JobManager().fetch_job(id)``) and canceled.
"""

import json
import logging
import os
from collections.abc import Mapping
from typing import Any, Literal

import pandas as pd
import pyarrow as pa

from relgraph.client.dataset import Dataset
from relgraph.client.jobs import (
    JobBackend,
    JobManager,
    JobMonitor,
    JobRecord,
    JobStatus,
    LocalBackend,
)
from relgraph.client.pipeline_arguments import (
    check_pipeline_arguments,
    config_arguments,
    prediction_arguments,
    schema_arguments,
    source_arguments,
    task_arguments,
)
from relgraph.client.table import GNNTable
from relgraph.predict import OutputConfig
from relgraph.train import TrainerConfig

_logger = logging.getLogger(__name__)

FIT_PIPELINE = "training"
PREDICT_PIPELINE = "batch_prediction"
FIT_PREDICT_PIPELINE = "train_and_predict"

FIT_KIND = "fit"
PREDICT_KIND = "predict"
FIT_PREDICT_KIND = "fit_predict"

PREDICTIONS_OUTPUT = "batch-predict/outputs"
"""The job output that maps each written prediction table to its location."""

TestTable = GNNTable | pa.Table | pd.DataFrame | str | os.PathLike
"""Entities to predict for: a table (with the entity column and, for a temporal task, the
anchor-time column) or its location."""

_EXPERIMENT_TAG = "experiment"
_MODEL_NAME_TAG = "model_name"
_DATASET_TAG = "dataset"


class Trainer:
    """Trains models and predicts with them, as jobs.

    Example::

        trainer = Trainer(TrainerConfig(n_epochs=8))
        job = trainer.fit(dataset)                  # blocks; non_blocking=True returns at once
        print(job.metrics())
        trainer.predict(dataset, output_config=OutputConfig.local("predictions"),
                        output_alias="churn_2025_01")

    Args:
        config: The training configuration: a :class:`TrainerConfig` or its fields
            (default: ``None``, the defaults).
        backend: Where jobs run (default: ``None``, a :class:`LocalBackend` on ``.relgraph``).
        model_name: The registered model name (default: ``None``, the dataset's experiment
            name).
        tracking_uri: The MLflow tracking URI of the runs and the registry (default: ``None``:
            the pipelines' default: ``sqlite:///.relgraph/mlflow.db`` locally, the cluster's
            MLflow on Kubeflow).
        staging_dir: Where datasets and tables that the pipelines cannot read where they are
            get saved, by content hash: a local folder, or ``s3://bucket/prefix`` for a
            cluster (default: ``None``, ``<backend root>/datasets``).
        margin: How much a new model must beat the registered champion by to become champion
            (default: ``0.0``).

    Raises:
        ValueError: If a configuration field is unknown or invalid.
    """

    def __init__(
        self,
        config: TrainerConfig | Mapping[str, Any] | None = None,
        backend: JobBackend | None = None,
        *,
        model_name: str | None = None,
        tracking_uri: str | None = None,
        staging_dir: str | os.PathLike[str] | None = None,
        margin: float = 0.0,
    ) -> None:
        if config is None:
            config = TrainerConfig()
        elif not isinstance(config, TrainerConfig):
            config = TrainerConfig.from_dict(dict(config))
        self.config = config
        self.backend = backend if backend is not None else LocalBackend()
        self.model_name = model_name
        self.tracking_uri = tracking_uri
        self.staging_dir = os.fspath(
            staging_dir if staging_dir is not None else self.backend.store.root / "datasets"
        )
        self.margin = float(margin)
        self._job: JobMonitor | None = None

    def __repr__(self) -> str:
        return f"Trainer(backend={self.backend!r}, job={self._job.id if self._job else None!r})"

    @property
    def job(self) -> JobMonitor | None:
        """The job of the latest :meth:`fit` or :meth:`fit_predict`, or ``None``."""
        return self._job

    @property
    def model_run_id(self) -> str | None:
        """The MLflow run of the model the latest fit trained; ``None`` before a fit.

        Raises:
            JobNotFinishedError: If the fit has not finished yet.
        """
        return None if self._job is None else self._job.model_run_id

    @property
    def _remote(self) -> bool:
        return self.backend.name != LocalBackend.name

    # -- training ---------------------------------------------------------------------------

    def fit(
        self,
        dataset: Dataset,
        *,
        non_blocking: bool = False,
        custom_tags: Mapping[str, str] | None = None,
    ) -> JobMonitor:
        """Trains a model on the dataset's task: checks the dataset here, then runs the
        ``training`` pipeline as a job (the model is evaluated against the registered
        champion and registered as a new version).

        Args:
            dataset: The dataset, with a task description.
            non_blocking: Return as soon as the job is queued (default: ``False``: wait until
                it has finished).
            custom_tags: Labels kept with the job (default: ``None``).

        Returns:
            The job; when blocking, completed (``.metrics()``, ``.model_run_id``,
            ``.holdout_df()``, ``.register_model(name)``).

        Raises:
            DatasetError: If the schema does not fit the data.
            PQueryError: If the predictive query does not fit the schema.
            TaskError: If the task does not fit the schema and data.
            ValueError: If the dataset has no task, or its data cannot reach the backend.
            JobFailedError: If the job failed (blocking only).
        """
        arguments = self._training_arguments(dataset)
        job = self._submit(FIT_PIPELINE, arguments, FIT_KIND, dataset, custom_tags)
        self._job = job
        if not non_blocking:
            job.result()
        return job

    def fit_predict(
        self,
        dataset: Dataset,
        *,
        output_alias: str,
        output_config: OutputConfig | None = None,
        test_table: TestTable | None = None,
        test_batch_size: int | None = None,
        extract_embeddings: bool = False,
        overwrite: bool = False,
        non_blocking: bool = False,
        custom_tags: Mapping[str, str] | None = None,
    ) -> JobMonitor:
        """Trains, evaluates and registers a model, then predicts for every entity of the
        task (or those of ``test_table``) at the latest time in the data, in one job (the
        ``train_and_predict`` pipeline).

        Predictions come from the registered champion after training: the new model when it
        beat the champion by :attr:`margin` (always for a model's first version), else the
        champion it did not beat.

        Args:
            dataset: The dataset, with a task description.
            output_alias: The name the outputs are written under (``PREDICTIONS_<ALIAS>``).
            output_config: Where predictions go (default: ``None``, the pipeline's default:
                ``.relgraph/predictions`` locally).
            test_table: The entities to predict for: a table with the entity column and,
                optionally, ``anchor_time``, or its location; an in-memory table is staged
                under ``staging_dir`` (default: ``None``: every entity of the task).
            test_batch_size: Entities per prediction batch (default: ``None``, the
                pipeline's: 1024).
            extract_embeddings: Also write the entities' embeddings (default: ``False``).
            overwrite: Replace the outputs of an existing alias (default: ``False``).
            non_blocking: Return as soon as the job is queued (default: ``False``).
            custom_tags: Labels kept with the job (default: ``None``).

        Returns:
            The job; :func:`prediction_locations` says where its predictions went.

        Raises:
            ValueError: As :meth:`fit`, or if the output or entity settings are invalid.
            JobFailedError: If the job failed (blocking only).
        """
        arguments = self._training_arguments(dataset)
        arguments.update(
            self._output_arguments(
                output_config,
                output_alias,
                extract_embeddings,
                overwrite,
                test_table=test_table,
                test_batch_size=test_batch_size,
            )
        )
        job = self._submit(FIT_PREDICT_PIPELINE, arguments, FIT_PREDICT_KIND, dataset, custom_tags)
        self._job = job
        if not non_blocking:
            job.result()
        return job

    def _training_arguments(self, dataset: Dataset) -> dict[str, Any]:
        if not isinstance(dataset, Dataset):
            raise ValueError(f"expected a Dataset, found {type(dataset).__name__}")
        dataset.validate()
        arguments: dict[str, Any] = {
            **task_arguments(dataset, staging=self.staging_dir, remote=self._remote),
            **source_arguments(dataset, staging=self.staging_dir, remote=self._remote),
            **schema_arguments(dataset),
            **config_arguments(self.config),
            "model_name": self._model_name(dataset.experiment_name),
            "experiment": dataset.experiment_name,
            "margin": self.margin,
        }
        if self.tracking_uri is not None:
            arguments["mlflow_tracking_uri"] = self.tracking_uri
        return arguments

    # -- prediction -------------------------------------------------------------------------

    def predict(
        self,
        dataset: Dataset | None = None,
        *,
        output_alias: str,
        output_config: OutputConfig | None = None,
        experiment_name: str | None = None,
        test_table: TestTable | None = None,
        model_run_id: str | None = None,
        registered_model_name: str | None = None,
        version: str | int | None = None,
        alias: str | None = None,
        model_selection_strategy: Literal["best"] | None = None,
        evaluation_metric: str | None = None,
        test_batch_size: int | None = None,
        extract_embeddings: bool = False,
        anchor_time: str | None = None,
        overwrite: bool = False,
        non_blocking: bool = False,
        custom_tags: Mapping[str, str] | None = None,
    ) -> JobMonitor:
        """Predicts with a trained model and writes the predictions (and embeddings) under
        ``output_alias``, as a job (the ``batch_prediction`` pipeline).

        The data is ``dataset``'s, or, with ``experiment_name`` instead, that of the latest
        completed fit of that experiment. The model is named one way: ``model_run_id``;
        ``registered_model_name`` with ``version``; ``alias`` (of ``registered_model_name``,
        default the trainer's model name); ``model_selection_strategy="best"`` with
        ``evaluation_metric`` (the best run of the experiment; a metric without a split, such
        as ``"roc_auc"``, is read on validation); or, with none of these, the model of this
        trainer's latest fit (waiting for it to finish).

        Args:
            dataset: The data to predict on (default: ``None``: give ``experiment_name``).
            output_alias: The name the outputs are written under (``PREDICTIONS_<ALIAS>``):
                letters, digits, underscores. An existing alias is not replaced unless
                ``overwrite``.
            output_config: Where predictions go (default: ``None``, the pipeline's default).
            experiment_name: The experiment whose latest fit's data is used, and whose runs
                ``"best"`` chooses from (default: ``None``, the dataset's).
            test_table: The entities to predict for: a table with the entity column and,
                optionally, ``anchor_time`` (rows without one get ``anchor_time``), or its
                location (parquet, CSV, ``s3://``, ``sqlite:///db#table``, a task folder); an
                in-memory table is staged under ``staging_dir`` (default: ``None``: every
                entity of the model's task).
            model_run_id: An MLflow run id (default: ``None``).
            registered_model_name: A registered model name (default: ``None``).
            version: Its version (default: ``None``).
            alias: Its alias, e.g. ``"champion"`` (default: ``None``).
            model_selection_strategy: ``"best"`` to take the best run of the experiment
                (default: ``None``).
            evaluation_metric: The metric ``"best"`` maximizes or minimizes, e.g.
                ``"roc_auc"`` or ``"test_mae"`` (default: ``None``).
            test_batch_size: Entities per prediction batch (default: ``None``, the
                pipeline's: 1024).
            extract_embeddings: Also write the entities' embeddings (default: ``False``).
            anchor_time: The time to predict at, ISO 8601 (default: ``None``, the latest time
                in the data).
            overwrite: Replace the outputs of an existing alias (default: ``False``).
            non_blocking: Return as soon as the job is queued (default: ``False``).
            custom_tags: Labels kept with the job (default: ``None``).

        Returns:
            The job; :func:`prediction_locations` says where its predictions went.

        Raises:
            ValueError: If the model is named more than one way or not completely, there is no
                model to predict with, the data is missing, or the output or entity settings
                are invalid.
            JobFailedError: If the job (or the fit it waits for) failed (blocking only).
        """
        model = self._model_reference(
            dataset,
            experiment_name,
            model_run_id=model_run_id,
            registered_model_name=registered_model_name,
            version=version,
            alias=alias,
            strategy=model_selection_strategy,
            metric=evaluation_metric,
        )
        arguments: dict[str, Any] = {
            **self._prediction_source(dataset, experiment_name),
            "model": model,
            **self._output_arguments(
                output_config,
                output_alias,
                extract_embeddings,
                overwrite,
                test_table=test_table,
                test_batch_size=test_batch_size,
            ),
        }
        if anchor_time is not None:
            arguments["anchor_time"] = str(anchor_time)
        if self.tracking_uri is not None:
            arguments["mlflow_tracking_uri"] = self.tracking_uri
        job = self._submit(PREDICT_PIPELINE, arguments, PREDICT_KIND, dataset, custom_tags)
        if not non_blocking:
            job.result()
        return job

    def _model_reference(
        self,
        dataset: Dataset | None,
        experiment_name: str | None,
        *,
        model_run_id: str | None,
        registered_model_name: str | None,
        version: str | int | None,
        alias: str | None,
        strategy: str | None,
        metric: str | None,
    ) -> str:
        """The text form of the model to predict with (see :class:`relgraph.registry.ModelRef`)."""
        from relgraph.registry import ModelRef

        if strategy is not None and strategy != "best":
            raise ValueError(f"model_selection_strategy must be 'best', found {strategy!r}")
        if metric is not None and strategy is None:
            raise ValueError(
                "evaluation_metric chooses the best run: also pass model_selection_strategy='best'"
            )
        ways = {
            "model_run_id": model_run_id is not None,
            "registered_model_name/version/alias": any(
                v is not None for v in (registered_model_name, version, alias)
            ),
            "model_selection_strategy": strategy is not None,
        }
        chosen = [way for way, given in ways.items() if given]
        if len(chosen) > 1:
            raise ValueError(f"name the model one way, not by {' and '.join(chosen)}")
        experiment = experiment_name or (dataset.experiment_name if dataset is not None else None)
        if model_run_id is not None:
            ref = ModelRef(run_id=model_run_id)
        elif version is not None or alias is not None or registered_model_name is not None:
            if version is None and alias is None:
                raise ValueError(
                    f"registered model '{registered_model_name}': give version=... or "
                    "alias=... (e.g. alias='champion')"
                )
            name = registered_model_name or self._model_name(experiment)
            ref = ModelRef(
                name=name, version=None if version is None else str(version), alias=alias
            )
        elif strategy is not None:
            if metric is None:
                raise ValueError(
                    "model_selection_strategy='best' needs evaluation_metric=..., e.g. 'roc_auc'"
                )
            if experiment is None:
                raise ValueError(
                    "model_selection_strategy='best' chooses among the runs of an experiment: "
                    "pass dataset=... or experiment_name=..."
                )
            ref = ModelRef.best(experiment, _split_metric(metric))
        else:
            if self._job is None:
                raise ValueError(
                    "no trained model to predict with: call trainer.fit(dataset) first, or "
                    "name a model: model_run_id=..., registered_model_name=... with version= "
                    "or alias=..., or model_selection_strategy='best' with evaluation_metric=..."
                )
            self._job.result()
            run_id = self._job.model_run_id
            if run_id is None:
                raise ValueError(f"job {self._job.id} trained no model; fit again")
            ref = ModelRef(run_id=run_id)
        return str(ref)

    def _prediction_source(
        self, dataset: Dataset | None, experiment_name: str | None
    ) -> dict[str, str]:
        if dataset is not None:
            if not isinstance(dataset, Dataset):
                raise ValueError(f"expected a Dataset, found {type(dataset).__name__}")
            dataset.validate()
            return source_arguments(dataset, staging=self.staging_dir, remote=self._remote)
        if experiment_name is None:
            raise ValueError(
                "say what to predict on: pass dataset=..., or experiment_name=... to use the "
                "data of its latest fit"
            )
        record = _latest_fit(JobManager(self.backend), experiment_name)
        return {
            key: record.arguments[key] for key in ("source", "tables") if key in record.arguments
        }

    def _output_arguments(
        self,
        output_config: OutputConfig | None,
        output_alias: str,
        extract_embeddings: bool,
        overwrite: bool,
        *,
        test_table: TestTable | None,
        test_batch_size: int | None,
    ) -> dict[str, Any]:
        if not isinstance(output_alias, str) or not output_alias.strip():
            raise ValueError(
                f"output_alias must be a name such as 'churn_2025_01', found {output_alias!r}"
            )
        return {
            "output_alias": output_alias,
            "extract_embeddings": bool(extract_embeddings),
            "overwrite": bool(overwrite),
            **prediction_arguments(
                output_config=output_config,
                entities=test_table,
                batch_size=test_batch_size,
                staging=self.staging_dir,
                remote=self._remote,
            ),
        }

    # -- jobs -------------------------------------------------------------------------------

    def _submit(
        self,
        pipeline: str,
        arguments: dict[str, Any],
        kind: str,
        dataset: Dataset | None,
        custom_tags: Mapping[str, str] | None,
    ) -> JobMonitor:
        check_pipeline_arguments(pipeline, arguments)
        tags = {str(k): str(v) for k, v in (custom_tags or {}).items()}
        if dataset is not None:
            tags.setdefault(_EXPERIMENT_TAG, dataset.experiment_name)
            tags.setdefault(_DATASET_TAG, dataset.content_hash())
        if "model_name" in arguments:
            tags.setdefault(_MODEL_NAME_TAG, arguments["model_name"])
        job = self.backend.submit(pipeline, arguments, kind=kind, tags=tags)
        _logger.info("submitted %s job %s (pipeline %s)", kind, job.id, pipeline)
        return job

    def _model_name(self, experiment: str | None) -> str:
        name = self.model_name or experiment
        if name is None:
            raise ValueError(
                "no registered model name: pass registered_model_name=... or a dataset"
            )
        return name

    @classmethod
    def load(
        cls,
        job_id: str,
        *,
        root: str | os.PathLike[str] = ".relgraph",
        backend: JobBackend | None = None,
    ) -> "Trainer":
        """The trainer of an earlier fit job, e.g. one submitted by another process: its
        configuration, backend and model name, with :attr:`job` set to it (so
        :meth:`predict` uses its model).

        Args:
            job_id: A job of :meth:`fit` or :meth:`fit_predict`.
            root: The state folder holding the job (default: ``.relgraph``); ignored when
                ``backend`` is given.
            backend: The backend the job ran on (default: ``None``: found from the job).

        Returns:
            The trainer.

        Raises:
            JobNotFoundError: If there is no such job.
            ValueError: If the job did not train a model (a prediction job).
        """
        manager = JobManager(backend) if backend is not None else JobManager(root=root)
        job = manager.fetch_job(job_id)
        record = job.record()
        if record.kind not in (FIT_KIND, FIT_PREDICT_KIND):
            raise ValueError(
                f"job {job_id} is a {record.kind} job (pipeline {record.pipeline!r}); "
                "Trainer.load takes a job of Trainer.fit or fit_predict"
            )
        trainer = cls(
            record.arguments.get("trainer_config") or {},
            job.backend,
            model_name=record.arguments.get("model_name"),
            tracking_uri=record.arguments.get("mlflow_tracking_uri"),
            margin=record.arguments.get("margin", 0.0),
        )
        trainer._job = job
        return trainer


def prediction_locations(job: JobMonitor) -> dict[str, str]:
    """Where a prediction job wrote its outputs.

    Args:
        job: A job of :meth:`Trainer.predict` or :meth:`Trainer.fit_predict`.

    Returns:
        Output name (``PREDICTIONS_<ALIAS>``, ``EMBEDDINGS_...``) -> its location (a file,
        ``s3://`` object, or ``<sql-url>#<table>``), once the job has completed.

    Raises:
        JobFailedError: If the job failed.
        ValueError: If the job wrote no predictions (it is not a prediction job).
    """
    outputs = job.result().outputs
    if PREDICTIONS_OUTPUT not in outputs:
        raise ValueError(
            f"job {job.id} wrote no predictions (its outputs: {sorted(outputs)}); "
            "give a job of Trainer.predict or fit_predict"
        )
    return dict(json.loads(outputs[PREDICTIONS_OUTPUT]))


def _latest_fit(manager: JobManager, experiment: str) -> JobRecord:
    """The latest completed fit job of ``experiment``."""
    fits = [
        r
        for r in manager.records(status=JobStatus.COMPLETED)
        if r.kind in (FIT_KIND, FIT_PREDICT_KIND) and r.tags.get(_EXPERIMENT_TAG) == experiment
    ]
    if not fits:
        raise ValueError(
            f"no completed fit of experiment '{experiment}' among the jobs of "
            f"{manager.store.root}: pass dataset=... to say what to predict on"
        )
    return fits[-1]


def _split_metric(metric: str) -> str:
    """A run metric name: ``roc_auc`` -> ``validation_roc_auc``; ``test_mae`` as it is."""
    name = metric.strip().replace("@", "_at_")
    if name.startswith(("train_", "validation_", "test_")):
        return name
    return f"validation_{name}"
