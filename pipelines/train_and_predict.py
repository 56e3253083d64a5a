"""The ``train_and_predict`` pipeline: the training pipeline, then batch prediction with the
champion on the same snapshot."""

from collections.abc import Callable

from kfp import dsl

from relgraph.pipelines import steps
from relgraph.pipelines.batch_prediction import DEFAULT_BATCH_SIZE, DEFAULT_OUTPUT_LOCATION
from relgraph.pipelines.settings import PlatformSettings

NAME = "train_and_predict"


def build(settings: PlatformSettings) -> Callable:
    """The train-and-predict pipeline for a platform.

    Args:
        settings: Where it runs.

    Returns:
        The pipeline function (a ``kfp`` graph component).
    """

    @dsl.pipeline(
        name="relgraph-train-and-predict",
        description="Train, evaluate and register a relgraph model, then predict with the "
        "champion (the new model when it was blessed) on the same data snapshot.",
    )
    def train_and_predict(
        source: str,
        task: str,
        model_name: str = "relgraph-model",
        output_location: str = DEFAULT_OUTPUT_LOCATION,
        output_alias: str = "batch",
        output_schema: str = "",
        entities: str = "",
        batch_size: int = DEFAULT_BATCH_SIZE,
        tables: str = "",
        queries: dict = {},  # noqa: B006 (a KFP parameter default, compiled into the YAML)
        schema_overrides: dict = {},  # noqa: B006
        split: dict = {},  # noqa: B006
        trainer_config: dict = {},  # noqa: B006
        text_embedder: str = "hashing",
        mlflow_tracking_uri: str = settings.tracking_uri,
        experiment: str = "relgraph",
        margin: float = 0.0,
        extract_embeddings: bool = False,
        overwrite: bool = False,
    ) -> None:
        """Snapshot, schema, task tables, graph, train, evaluate, register; then predict with
        the champion for every entity (or the given ones) at the latest time in the data.

        Args:
            source: Where the tables are: a folder, an s3:// prefix, or a SQLAlchemy URL.
            task: A predictive query (PREDICT ... FOR EACH table.key [WHERE ...]), or the JSON
                of existing task tables (see relgraph.tasks.build).
            model_name: The registered model name in MLflow; also the task's name.
            output_location: Where predictions go: a folder, an s3:// prefix, or a SQLAlchemy
                URL.
            output_alias: The alias in the output names (PREDICTIONS_<ALIAS>).
            output_schema: The database schema of a SQL output_location; empty for the
                database's default schema.
            entities: The entities to predict for: a table location (parquet, CSV, s3://,
                sqlite:///db#table) or task folder with the entity column and optionally
                anchor_time; empty for every entity of the task.
            batch_size: Entities per prediction batch.
            tables: The tables to read, comma-separated; empty for all of them.
            queries: SQL queries whose results are read as extra tables, {name: SQL}.
            schema_overrides: Settings that replace schema inference, {"tables": {...}}.
            split: The split plan of the query; {} derives one from the data.
            trainer_config: TrainerConfig fields, e.g. {"n_epochs": 8, "channels": 64}.
            text_embedder: How text columns are embedded: hashing, hashing:<dim> or minilm.
            mlflow_tracking_uri: The MLflow tracking server.
            experiment: The MLflow experiment of the training run.
            margin: How much the candidate must beat the champion by to become champion.
            extract_embeddings: Also write the entities' embeddings.
            overwrite: Replace the outputs of an existing alias.
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
        registered = steps.evaluate_and_register(
            settings,
            prepared,
            data.outputs["data"],
            trained.outputs["model"],
            model_name=model_name,
            margin=margin,
            tracking_uri=mlflow_tracking_uri,
        )
        steps.predict(
            settings,
            data.outputs["data"],
            model_ref=registered.outputs["champion"],
            tracking_uri=mlflow_tracking_uri,
            output_location=output_location,
            output_alias=output_alias,
            output_schema=output_schema,
            entities=entities,
            anchor_time="",
            batch_size=batch_size,
            extract_embeddings=extract_embeddings,
            overwrite=overwrite,
        )

    return train_and_predict
