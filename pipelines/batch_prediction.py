"""The ``batch_prediction`` pipeline: snapshot -> graph with the model's saved encoders ->
predict."""

from collections.abc import Callable

from kfp import dsl

from relgraph.pipelines import steps
from relgraph.pipelines.settings import PlatformSettings

NAME = "batch_prediction"

DEFAULT_OUTPUT_LOCATION = "s3://mlpipeline/relgraph/predictions"
"""A prefix in the bucket of a standard Kubeflow install's MinIO."""

DEFAULT_BATCH_SIZE = 1024
"""Entities per prediction batch (``relgraph.predict.batch_predict``'s default)."""


def build(settings: PlatformSettings) -> Callable:
    """The batch-prediction pipeline for a platform.

    Args:
        settings: Where it runs.

    Returns:
        The pipeline function (a ``kfp`` graph component).
    """

    @dsl.pipeline(
        name="relgraph-batch-prediction",
        description="Predict with a registered relgraph model for every entity of its task "
        "and write the predictions (and embeddings) to the object store or a database.",
    )
    def batch_prediction(
        source: str,
        model: str = "relgraph-model@champion",
        output_location: str = DEFAULT_OUTPUT_LOCATION,
        output_alias: str = "batch",
        output_schema: str = "",
        entities: str = "",
        batch_size: int = DEFAULT_BATCH_SIZE,
        tables: str = "",
        queries: dict = {},  # noqa: B006 (a KFP parameter default, compiled into the YAML)
        anchor_time: str = "",
        extract_embeddings: bool = False,
        overwrite: bool = False,
        mlflow_tracking_uri: str = settings.tracking_uri,
    ) -> None:
        """Snapshot the data, materialize it with the model's schema and encoders, predict.

        Args:
            source: Where the tables are: a folder, an s3:// prefix, or a SQLAlchemy URL.
            model: The model: name@alias, name/version, models:/..., runs:/..., a run id, or
                best:<experiment>:<metric>.
            output_location: Where predictions go: a folder, an s3:// prefix, or a SQLAlchemy
                URL.
            output_alias: The alias in the output names (PREDICTIONS_<ALIAS>); letters,
                digits, underscores.
            output_schema: The database schema of a SQL output_location; empty for the
                database's default schema.
            entities: The entities to predict for: a table location (parquet, CSV, s3://,
                sqlite:///db#table) or task folder with the entity column and optionally
                anchor_time; empty for every entity of the model's task.
            batch_size: Entities per prediction batch.
            tables: The tables to read, comma-separated; empty for all of them.
            queries: SQL queries whose results are read as extra tables, {name: SQL}.
            anchor_time: The time to predict at (ISO 8601), for entities without their own
                anchor_time; empty for the latest in the data.
            extract_embeddings: Also write the entities' embeddings.
            overwrite: Replace the outputs of an existing alias (needed to rerun an alias,
                e.g. on a schedule).
            mlflow_tracking_uri: The MLflow tracking server.
        """
        data = steps.read_source(settings, source=source, tables=tables, queries=queries)
        steps.predict(
            settings,
            data.outputs["data"],
            model_ref=model,
            tracking_uri=mlflow_tracking_uri,
            output_location=output_location,
            output_alias=output_alias,
            output_schema=output_schema,
            entities=entities,
            anchor_time=anchor_time,
            batch_size=batch_size,
            extract_embeddings=extract_embeddings,
            overwrite=overwrite,
        )

    return batch_prediction
