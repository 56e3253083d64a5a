"""The ``train`` step: a GNN trained on a graph for a task, tracked as an MLflow run."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Metrics, Model, Output

from relgraph.components.images import CUDA_IMAGE


@dsl.component(base_image=CUDA_IMAGE, install_kfp_package=False)
def train(
    graph: Input[Artifact],
    task: Input[Dataset],
    trainer_config: dict,
    tracking_uri: str,
    experiment: str,
    model: Output[Model],
    metrics: Output[Metrics],
    report: Output[Markdown],
) -> NamedTuple("TrainOutputs", run_id=str):
    """Trains a model (on the GPU when there is one) and logs it to MLflow as a pyfunc.

    Args:
        graph: The graph artifact.
        task: The task folder.
        trainer_config: ``TrainerConfig`` fields; ``{}`` for the defaults.
        tracking_uri: The MLflow tracking URI; empty for ``MLFLOW_TRACKING_URI``, else the
            embedded default.
        experiment: The MLflow experiment.
        model: The model folder (predictor, task spec, schema, encoder state, holdout).
        metrics: Metrics per split (``<split>_<metric>``), for the UI.
        report: The run, with its MLflow link and metrics, for the UI.

    Returns:
        run_id: The MLflow run.
    """
    from relgraph.components.reports import report_training
    from relgraph.components.structs import restore_ints
    from relgraph.train import train_model

    result = train_model(
        graph.path,
        task.path,
        output=model.path,
        config=restore_ints(trainer_config),
        tracking_uri=tracking_uri or None,
        experiment=experiment,
        overwrite=True,
    )
    report_training(result, metrics=metrics, markdown=report.path)
    return (result.run_id,)
