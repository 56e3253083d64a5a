"""The ``resolve_model`` step: a model from MLflow, pinned and saved as a model folder."""

from typing import NamedTuple

from kfp import dsl
from kfp.dsl import Model, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def resolve_model(model_ref: str, tracking_uri: str, model: Output[Model]) -> NamedTuple(
    "ResolveOutputs", model_uri=str, run_id=str
):
    """Finds a model in MLflow and saves its model folder, so every later step uses the same
    model even if an alias moves meanwhile.

    Args:
        model_ref: ``name@alias``, ``name/version``, ``models:/...``, ``runs:/...``, a run
            id, or ``best:<experiment>:<metric>``.
        tracking_uri: The MLflow tracking URI; empty for ``MLFLOW_TRACKING_URI``, else the
            embedded default.
        model: The model folder.

    Returns:
        model_uri: The pinned MLflow URI (``models:/<name>/<version>`` or ``runs:/<id>/model``).
        run_id: The run that trained it.
    """
    from relgraph.registry import resolve_model as resolve

    found = resolve(model_ref, tracking_uri=tracking_uri or None)
    found.bundle.save(model.path, overwrite=True)
    return (found.model_uri, found.run_id)
