"""The ``training`` pipeline: snapshot -> schema -> task table -> graph -> train -> evaluate
-> register."""

from collections.abc import Callable

from kfp import dsl

from relgraph.pipelines import steps
from relgraph.pipelines.settings import PlatformSettings

NAME = "training"


def build(settings: PlatformSettings) -> Callable:
    """The training pipeline for a platform.

    Args:
        settings: Where it runs.

    Returns:
        The pipeline function (a ``kfp`` graph component).
    """

    @dsl.pipeline(
        name="relgraph-training",
        description="Train a GNN on a relational database for a predictive task, evaluate it "
        "against the registered champion, and register it in MLflow.",
    )
    def training(
        source: str,
        task: str,
        model_name: str = "relgraph-model",
        tables: str = "",
        queries: dict = {},  # noqa: B006 (a KFP parameter default, compiled into the YAML)
        schema_overrides: dict = {},  # noqa: B006
        split: dict = {},  # noqa: B006
        trainer_config: dict = {},  # noqa: B006
        text_embedder: str = "hashing",
        mlflow_tracking_uri: str = settings.tracking_uri,
        experiment: str = "relgraph",
        margin: float = 0.0,
    ) -> None:
        """Snapshot, infer the schema, build the task tables, materialize the graph, train,
        evaluate against the champion, register.

        Args:
            source: Where the tables are: a folder, an s3:// prefix, or a SQLAlchemy URL
                (sqlite:///..., postgresql://user@host/db); credentials come from the cluster.
            task: A predictive query (PREDICT ... FOR EACH table.key [WHERE ...]), or the JSON
                of existing task tables (see relgraph.tasks.build).
            model_name: The registered model name in MLflow; also the task's name.
            tables: The tables to read, comma-separated; empty for all of them.
            queries: SQL queries whose results are read as extra tables, {name: SQL}.
            schema_overrides: Settings that replace schema inference, {"tables": {...}}.
            split: The split plan of the query, {"kind": "temporal", "validation_time": ...,
                "test_time": ...}; {} derives one from the data.
            trainer_config: TrainerConfig fields, e.g. {"n_epochs": 8, "channels": 64}.
            text_embedder: How text columns are embedded: hashing, hashing:<dim> or minilm.
            mlflow_tracking_uri: The MLflow tracking server.
            experiment: The MLflow experiment of the training run.
            margin: How much the candidate must beat the champion by to become champion.
        """
        data = steps.read_source(settings, source=source, tables=tables, queries=queries)
        prepared = steps.prepare_training(
            settings,
            data.outputs["data"],
            schema_overrides=schema_overrides,
            task_spec=task,
            task_name=model_name,
            split=split,
            text_embedder=text_embedder,
        )
        trained = steps.train_model(
            settings,
            prepared,
            trainer_config=trainer_config,
            tracking_uri=mlflow_tracking_uri,
            experiment=experiment,
        )
        steps.evaluate_and_register(
            settings,
            prepared,
            data.outputs["data"],
            trained.outputs["model"],
            model_name=model_name,
            margin=margin,
            tracking_uri=mlflow_tracking_uri,
        )

    return training
