"""The ``batch_predict`` step: predictions (and embeddings) for the entities of a task, or
given ones, written under an output alias."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Artifact, Input, Markdown, Metrics, Model, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def batch_predict(
    model: Input[Model],
    graph: Input[Artifact],
    output_location: str,
    output_alias: str,
    anchor_time: str,
    extract_embeddings: bool,
    overwrite: bool,
    tracking_uri: str,
    metrics: Output[Metrics],
    report: Output[Markdown],
    entities: str = "",
    batch_size: int = 1024,
    output_schema: str = "",
) -> NamedTuple("PredictOutputs", outputs=dict, num_rows=int):
    """Predicts for the entities (every entity of the model's task, or those of a table) at
    the anchor time and writes ``PREDICTIONS_<ALIAS>`` (and embeddings), all at once or not at
    all.

    Args:
        model: The model folder.
        graph: A graph built with the model's schema and encoder state.
        output_location: A folder, ``s3://bucket/prefix`` or a SQLAlchemy URL.
        output_alias: The alias in the output names (letters, digits, underscores).
        anchor_time: ISO 8601 time to predict at, for rows without their own; empty for the
            latest time in the data.
        extract_embeddings: Also write entity embeddings.
        overwrite: Replace the outputs of an existing alias.
        tracking_uri: The MLflow tracking URI the prediction is recorded in; empty for
            ``MLFLOW_TRACKING_URI``, else the embedded default.
        metrics: Rows and drift statistics, for the UI.
        report: Where every output went, for the UI.
        entities: The rows to predict for: a table location (parquet, CSV, ``s3://``,
            ``sqlite:///db#table``) or a task folder (its test split), with the entity column
            and optionally ``anchor_time`` (default: ``""``, every entity of the model's task).
        batch_size: Entities per prediction batch (default: ``1024``).
        output_schema: The database schema of a SQL output (default: ``""``, the database's
            default schema).

    Returns:
        outputs: Output name -> where it was written.
        num_rows: Rows predicted.
    """
    from relgraph.components.reports import report_prediction
    from relgraph.predict import OutputConfig
    from relgraph.predict import batch_predict as predict

    result = predict(
        model.path,
        graph.path,
        output=OutputConfig.parse(output_location, schema=output_schema or None),
        output_alias=output_alias,
        entities=entities or None,
        anchor_time=anchor_time or None,
        extract_embeddings=extract_embeddings,
        overwrite=overwrite,
        batch_size=batch_size,
        tracking_uri=tracking_uri or None,
    )
    report_prediction(result, metrics=metrics, markdown=report.path)
    return (result.outputs, result.num_rows)
