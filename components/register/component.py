"""The ``register`` step: a new model version, ``@candidate``, and ``@champion`` if blessed."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Artifact, Input, Markdown, Model, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def register(
    model: Input[Model],
    evaluation: Input[Artifact],
    name: str,
    tracking_uri: str,
    report: Output[Markdown],
) -> NamedTuple("RegisterOutputs", version=str, model_uri=str, champion=str):
    """Registers the candidate's MLflow run as a version of ``name`` with alias ``candidate``,
    records the evaluation on it, and moves ``champion`` to it when it was blessed.

    Args:
        model: The candidate's model folder.
        evaluation: The evaluate step's folder.
        name: The registered model name.
        tracking_uri: The MLflow tracking URI; empty for ``MLFLOW_TRACKING_URI``, else the
            embedded default.
        report: The version, its aliases and the decision, for the UI.

    Returns:
        version: The new version.
        model_uri: ``models:/<name>/<version>``.
        champion: ``models:/<name>@champion``: the new version when blessed, else the one
            before (for the steps that predict with the champion).
    """
    from relgraph.components.reports import report_registration
    from relgraph.registry import register_and_promote

    version = register_and_promote(
        model.path, evaluation.path, name, tracking_uri=tracking_uri or None
    )
    report_registration(version, markdown=report.path, tracking_uri=tracking_uri or None)
    uri = f"models:/{version.name}"
    return (version.version, f"{uri}/{version.version}", f"{uri}@champion")
