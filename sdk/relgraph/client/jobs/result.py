"""What a completed job produced: pipeline outputs, and the model, metrics and holdout
predictions found among them.

The summary is made once, in the job's own process right after its pipeline finished
(:func:`summarize_outputs`), and stored in the job record, so reading it later needs neither
the artifacts' libraries (torch) nor the tracking server.
"""

import json
import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

_logger = logging.getLogger(__name__)

MODEL_KIND = "relgraph.model"
"""The manifest ``kind`` of a model folder (``relgraph.train.bundle.ARTIFACT_KIND``; spelled out
here because importing the bundle module imports torch)."""

HOLDOUT_SUFFIX = ".parquet"
_HOLDOUT_STEM = "holdout"


@dataclass(frozen=True)
class JobResult:
    """The summary of a completed job.

    Args:
        outputs: Pipeline outputs, ``"<task>/<output>"`` -> local path or value (default: empty).
        model_run_id: The MLflow run of the model the job trained, if it trained one
            (default: ``None``).
        tracking_uri: The MLflow tracking URI of that run, absolute (default: ``None``).
        tracking_url: Where to look at the run: its MLflow UI page for a tracking server, the
            tracking URI for a local store, or the pipeline run's page on Kubeflow
            (default: ``None``).
        metrics: ``{split: {metric: value}}`` of the trained model (default: empty).
        holdout_path: The parquet file of holdout predictions, if the job evaluated a model
            (default: ``None``).
        seconds: How long the pipeline ran (default: ``None``).
    """

    outputs: dict[str, str] = field(default_factory=dict)
    model_run_id: str | None = None
    tracking_uri: str | None = None
    tracking_url: str | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    holdout_path: str | None = None
    seconds: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """The summary as JSON-ready data."""
        return {
            "outputs": dict(self.outputs),
            "model_run_id": self.model_run_id,
            "tracking_uri": self.tracking_uri,
            "tracking_url": self.tracking_url,
            "metrics": {split: dict(values) for split, values in self.metrics.items()},
            "holdout_path": self.holdout_path,
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "JobResult":
        """The summary saved by :meth:`to_dict`.

        Args:
            data: The saved data.

        Returns:
            The summary.
        """
        return cls(
            outputs={str(k): str(v) for k, v in (data.get("outputs") or {}).items()},
            model_run_id=data.get("model_run_id"),
            tracking_uri=data.get("tracking_uri"),
            tracking_url=data.get("tracking_url"),
            metrics={
                str(split): {str(k): float(v) for k, v in values.items()}
                for split, values in (data.get("metrics") or {}).items()
            },
            holdout_path=data.get("holdout_path"),
            seconds=data.get("seconds"),
        )


def summarize_outputs(
    outputs: Mapping[str, str],
    *,
    seconds: float | None = None,
    cwd: str | os.PathLike[str] | None = None,
) -> JobResult:
    """Finds the model, its metrics and the holdout predictions among a pipeline's outputs.

    A model is an output folder whose ``manifest.json`` has kind ``relgraph.model``; its
    manifest names the MLflow run and holds the metrics. Holdout predictions are a
    ``holdout*.parquet`` file in an output folder, preferably one that is not a model folder
    (the evaluation's), else the model's own.

    Args:
        outputs: Pipeline outputs, name -> path or value.
        seconds: How long the pipeline ran (default: ``None``).
        cwd: The folder relative tracking URIs are relative to (default: ``None``, the current
            directory).

    Returns:
        The summary; fields that nothing in the outputs provides stay ``None`` or empty.
    """
    run_id: str | None = None
    tracking_uri: str | None = None
    metrics: dict[str, dict[str, float]] = {}
    model_holdout: str | None = None
    other_holdout: str | None = None
    for name in sorted(outputs):
        folder = Path(outputs[name])
        if not folder.is_dir():
            continue
        manifest = _read_manifest(folder)
        holdout = _holdout_file(folder)
        if manifest.get("kind") == MODEL_KIND:
            made_from = manifest.get("made_from") or {}
            run_id = made_from.get("run_id") or run_id
            tracking_uri = made_from.get("tracking_uri") or tracking_uri
            metrics = manifest.get("metrics") or metrics
            model_holdout = model_holdout or holdout
        else:
            other_holdout = other_holdout or holdout
    tracking_uri = absolute_tracking_uri(tracking_uri, cwd) if tracking_uri else None
    return JobResult(
        outputs={str(k): str(v) for k, v in outputs.items()},
        model_run_id=run_id,
        tracking_uri=tracking_uri,
        tracking_url=run_page_url(tracking_uri, run_id) if tracking_uri and run_id else None,
        metrics=metrics,
        holdout_path=other_holdout or model_holdout,
        seconds=seconds,
    )


def absolute_tracking_uri(uri: str, cwd: str | os.PathLike[str] | None = None) -> str:
    """``uri`` with a relative SQLite or file store made absolute against ``cwd``, so a process
    in another folder reaches the same store.

    Args:
        uri: An MLflow tracking URI, e.g. ``sqlite:///.relgraph/mlflow.db``.
        cwd: The folder it is relative to (default: ``None``, the current directory).

    Returns:
        The absolute URI; server URIs are returned as they are.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return f"sqlite:///{(base / uri.removeprefix('sqlite:///')).resolve()}"
    if "://" not in uri:
        return str((base / uri).resolve())
    return uri


def run_page_url(tracking_uri: str, run_id: str) -> str:
    """Where to look at an MLflow run.

    Args:
        tracking_uri: The run's tracking URI.
        run_id: The run.

    Returns:
        The run's page in the MLflow UI for an ``http(s)`` tracking server (its experiment is
        looked up on the server; without it the server's address), else the tracking URI, for
        ``mlflow ui --backend-store-uri <it>``.
    """
    if urlparse(tracking_uri).scheme not in ("http", "https"):
        return tracking_uri
    base = tracking_uri.rstrip("/")
    try:
        from mlflow import MlflowClient

        experiment_id = MlflowClient(tracking_uri).get_run(run_id).info.experiment_id
    except Exception as exc:  # the run page is a convenience; the summary stands without it
        _logger.warning("could not look up MLflow run %s at %s: %s", run_id, base, exc)
        return base
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}"


def _read_manifest(folder: Path) -> dict[str, Any]:
    path = folder / "manifest.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _holdout_file(folder: Path) -> str | None:
    found = sorted(folder.glob(f"{_HOLDOUT_STEM}*{HOLDOUT_SUFFIX}"))
    return str(found[0].resolve()) if found else None
