"""The ``select_best_model`` step: the fan-in of a tuning sweep."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Input, Markdown, Model, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def select_best_model(
    models: Input[list[Model]],
    best: Output[Model],
    report: Output[Markdown],
) -> NamedTuple("SelectOutputs", run_id=str, score=float):
    """Picks the model with the best validation score on its task's metric and copies it.

    Args:
        models: The model folders of the sweep.
        best: A copy of the best one.
        report: Every trial's configuration and score, best first, for the UI.

    Returns:
        run_id: The best model's MLflow run.
        score: Its validation score.
    """
    from relgraph.train.selection import select_best_model as select

    choice = select([m.path for m in models], best.path, summary=report.path)
    return (choice.run_id, choice.score)
