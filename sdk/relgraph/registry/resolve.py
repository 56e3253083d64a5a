"""Resolving a :class:`ModelRef` to an MLflow run, a model URI and the model folder in it."""

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from relgraph.registry.errors import ModelNotFoundError
from relgraph.registry.ref import ModelRef
from relgraph.registry.store import client_for, model_version, version_by_alias
from relgraph.train.bundle import ModelBundle
from relgraph.train.metrics import metric_direction
from relgraph.train.pyfunc import BUNDLE_ARTIFACT, BUNDLE_TAG, MODEL_NAME
from relgraph.train.tracking import use_tracking_uri

if TYPE_CHECKING:
    from mlflow import MlflowClient
    from mlflow.entities import Run

_logger = logging.getLogger(__name__)


@dataclass
class ResolvedModel:
    """A model found in MLflow.

    Args:
        run_id: The run that trained it.
        model_uri: Its MLflow URI (``models:/<name>/<version>`` for a registered version,
            ``runs:/<run id>/model`` otherwise), for ``mlflow.pyfunc.load_model``.
        name: The registered name, when resolved through the registry.
        version: The registered version, when resolved through the registry.
        bundle: The model folder's content.
    """

    run_id: str
    model_uri: str
    name: str | None
    version: str | None
    bundle: ModelBundle


def model_run(client: "MlflowClient", run_id: str) -> "Run":
    """The run ``run_id``, which must hold a relgraph model.

    Raises:
        ModelNotFoundError: If there is no such run, or it has no relgraph model.
    """
    from mlflow.exceptions import MlflowException

    try:
        run = client.get_run(run_id)
    except MlflowException as exc:
        if getattr(exc, "error_code", "") != "RESOURCE_DOES_NOT_EXIST":
            raise
        raise ModelNotFoundError(f"no MLflow run with id {run_id}") from None
    if BUNDLE_TAG not in run.data.tags:
        raise ModelNotFoundError(
            f"run {run_id} ({run.info.run_name}) has no relgraph model: it was not trained by "
            "relgraph.train.train_model, or it failed before the model was logged "
            f"(status {run.info.status})"
        )
    return run


def best_run(client: "MlflowClient", experiment: str, metric: str) -> "Run":
    """The finished run of ``experiment`` with a relgraph model and the best ``metric``.

    Args:
        client: The MLflow client.
        experiment: The experiment name.
        metric: A run metric, e.g. ``"test_roc_auc"`` (larger or smaller is better as
            :func:`relgraph.train.metric_direction` says; ``@`` is read as ``_at_``).

    Raises:
        ModelNotFoundError: If the experiment does not exist, or no run of it has the
            metric and a model.
        ValueError: If the metric is no known metric.
    """
    direction = metric_direction(metric)
    key = metric.replace("@", "_at_")
    found = client.get_experiment_by_name(experiment)
    if found is None:
        names = sorted(e.name for e in client.search_experiments())
        raise ModelNotFoundError(f"no experiment named '{experiment}' (experiments: {names})")
    order = "DESC" if direction == "max" else "ASC"
    runs = client.search_runs(
        [found.experiment_id],
        filter_string=f"attributes.status = 'FINISHED' and tags.`{BUNDLE_TAG}` = '{MODEL_NAME}'",
        order_by=[f"metrics.`{key}` {order}"],
        max_results=1000,
    )
    scored = [r for r in runs if key in r.data.metrics]
    if not scored:
        logged = sorted({m for r in runs for m in r.data.metrics})
        raise ModelNotFoundError(
            f"no finished run of experiment '{experiment}' has a relgraph model and metric "
            f"'{key}' ({len(runs)} run(s) with a model; their metrics: {logged})"
        )
    return scored[0]


def _download_bundle(model_uri: str, tracking_uri: str) -> ModelBundle:
    """Downloads the pyfunc model at ``model_uri`` and reads the model folder in it."""
    import mlflow.artifacts
    from mlflow.models import Model

    with tempfile.TemporaryDirectory(prefix="relgraph-model-") as folder:
        with use_tracking_uri(tracking_uri):
            local = Path(
                mlflow.artifacts.download_artifacts(artifact_uri=model_uri, dst_path=folder)
            )
        flavor = Model.load(local).flavors.get("python_function", {})
        entry = flavor.get("artifacts", {}).get(BUNDLE_ARTIFACT)
        if entry is None:
            raise ModelNotFoundError(f"{model_uri} is not a relgraph model (no model folder)")
        return ModelBundle.load(local / entry["path"])


def resolve_model(ref: ModelRef | str, *, tracking_uri: str | None = None) -> ResolvedModel:
    """Finds a model in MLflow and reads its model folder.

    Args:
        ref: A :class:`ModelRef` or its text form (``"models:/f1-dnf@champion"``,
            ``"f1-dnf/3"``, a run id, ``"best:<experiment>:<metric>"``).
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``,
            else ``sqlite:///.relgraph/mlflow.db``).

    Returns:
        The run id, model URI, registered name and version (when resolved through the
        registry) and the model.

    Raises:
        ValueError: If the text is no model reference.
        ModelNotFoundError: If the run, name, version, alias or experiment does not exist,
            naming what was asked for and what exists.
    """
    ref = ModelRef.parse(ref) if isinstance(ref, str) else ref
    client, uri = client_for(tracking_uri)
    name = version = None
    if ref.kind in ("version", "alias"):
        name = ref.name
        found = (
            model_version(client, ref.name, ref.version)
            if ref.kind == "version"
            else version_by_alias(client, ref.name, ref.alias)
        )
        version = str(found.version)
        if not found.run_id:
            raise ModelNotFoundError(f"model '{name}' version {version} has no source run")
        run_id = model_run(client, found.run_id).info.run_id
        model_uri = f"models:/{name}/{version}"
    elif ref.kind == "run":
        run_id = model_run(client, ref.run_id).info.run_id
        model_uri = f"runs:/{run_id}/{MODEL_NAME}"
    else:
        run_id = best_run(client, ref.experiment, ref.metric).info.run_id
        model_uri = f"runs:/{run_id}/{MODEL_NAME}"
    bundle = _download_bundle(model_uri, uri)
    _logger.info("resolved %s to %s (run %s)", ref, model_uri, run_id)
    return ResolvedModel(
        run_id=run_id, model_uri=model_uri, name=name, version=version, bundle=bundle
    )
