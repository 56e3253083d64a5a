"""The ``evaluate`` step: a candidate scored beside the champion, and the blessing decision."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import (
    Artifact,
    ClassificationMetrics,
    Dataset,
    Input,
    Markdown,
    Metrics,
    Model,
    Output,
)

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def evaluate(
    model: Input[Model],
    graph: Input[Artifact],
    task: Input[Dataset],
    data: Input[Dataset],
    registered_name: str,
    margin: float,
    tracking_uri: str,
    evaluation: Output[Artifact],
    metrics: Output[Metrics],
    classification: Output[ClassificationMetrics],
    report: Output[Markdown],
) -> NamedTuple("EvaluateOutputs", blessed=bool):
    """Scores the candidate and the registered model's ``@champion`` on the same holdout
    (the champion with its own encoders, on a graph of the same snapshot) and decides.

    Args:
        model: The candidate's model folder.
        graph: The graph it was trained on.
        task: The task folder.
        data: The snapshot the graph was built from.
        registered_name: The registered model whose champion is the bar.
        margin: How much the candidate must beat the champion by.
        tracking_uri: The MLflow tracking URI; empty for ``MLFLOW_TRACKING_URI``, else the
            embedded default.
        evaluation: ``report.json``, ``holdout.parquet`` and ``decision.json``.
        metrics: Holdout metrics, both scores and the decision, for the UI.
        classification: ROC curve and confusion matrix, for the UI.
        report: The decision with the MLflow run link, for the UI.

    Returns:
        blessed: Whether the candidate should become champion.
    """
    from relgraph.components.champion import evaluate_against_champion
    from relgraph.components.reports import report_evaluation

    result = evaluate_against_champion(
        model.path,
        graph.path,
        task.path,
        data.path,
        output=evaluation.path,
        registered_name=registered_name,
        margin=margin,
        tracking_uri=tracking_uri or None,
    )
    report_evaluation(
        result,
        metrics=metrics,
        classification=classification,
        markdown=report.path,
        tracking_uri=tracking_uri or None,
    )
    return (result.blessed,)
