"""What the pipeline steps show in the Kubeflow Pipelines UI: scalar metrics, and Markdown
reports of training, evaluation, registration and batch prediction, with MLflow links.

Component bodies call these after their one library call. Nothing here imports kfp: a
``dsl.Metrics`` output is anything with ``log_metric(name, value)``, a
``dsl.ClassificationMetrics`` output anything with ``log_roc_curve`` and
``log_confusion_matrix``, and Markdown outputs are written to their ``path``. The results
rendered are those of ``relgraph.train.train_model`` (``TrainOutput``),
``relgraph.registry.evaluate_candidate`` (``Evaluation``),
``relgraph.registry.register_and_promote`` (``RegisteredVersion``) and
``relgraph.predict.batch_predict`` (``PredictionResult``), read by attribute.
"""

import logging
import math
import os
from collections.abc import Mapping
from typing import Any, Protocol
from urllib.parse import quote, urlparse

from relgraph.io import atomic_write_text

_logger = logging.getLogger(__name__)


class MetricsOutput(Protocol):
    """A ``kfp.dsl.Metrics`` output artifact."""

    def log_metric(self, metric: str, value: float) -> None:
        """Records one scalar."""


class ClassificationOutput(Protocol):
    """A ``kfp.dsl.ClassificationMetrics`` output artifact."""

    def log_roc_curve(self, fpr: list[float], tpr: list[float], threshold: list[float]) -> None:
        """Records the ROC curve."""

    def log_confusion_matrix(self, categories: list[str], matrix: list[list[int]]) -> None:
        """Records the confusion matrix."""


# -- metrics -----------------------------------------------------------------------------------


def flat_metrics(metrics: Mapping[str, Mapping[str, float]], prefix: str = "") -> dict[str, float]:
    """``{split: {metric: value}}`` as ``{"<prefix><split>_<metric>": value}``, the names that
    ``EvaluationReport.flat_metrics`` uses (``@`` becomes ``_at_``); non-finite values are
    left out (the UI cannot show them).

    Args:
        metrics: Metrics by split.
        prefix: Put before every name (default: ``""``).
    """
    return {
        f"{prefix}{split}_{name.replace('@', '_at_')}": float(value)
        for split, values in metrics.items()
        for name, value in values.items()
        if math.isfinite(float(value))
    }


def log_metrics(output: MetricsOutput, metrics: Mapping[str, float]) -> None:
    """Logs scalar metrics, sorted by name, to a ``dsl.Metrics`` output."""
    for name in sorted(metrics):
        output.log_metric(name, float(metrics[name]))


# -- links -------------------------------------------------------------------------------------


def _is_server(tracking_uri: str) -> bool:
    return urlparse(tracking_uri).scheme in ("http", "https")


def mlflow_run_url(tracking_uri: str, run_id: str) -> str:
    """Where to look at an MLflow run: its page for a tracking server, else the tracking URI
    (open it with ``mlflow ui --backend-store-uri <uri>``).

    Args:
        tracking_uri: The (resolved) tracking URI.
        run_id: The run.
    """
    if not _is_server(tracking_uri):
        return tracking_uri
    from mlflow import MlflowClient

    experiment = MlflowClient(tracking_uri).get_run(run_id).info.experiment_id
    return f"{tracking_uri.rstrip('/')}/#/experiments/{experiment}/runs/{run_id}"


def mlflow_model_url(tracking_uri: str, name: str, version: str) -> str:
    """Where to look at a registered model version (as :func:`mlflow_run_url`)."""
    if not _is_server(tracking_uri):
        return tracking_uri
    return f"{tracking_uri.rstrip('/')}/#/models/{quote(name, safe='')}/versions/{version}"


def _link(text: str, url: str) -> str:
    """A Markdown link for a web address; plain code for a local store."""
    return f"[{text}]({url})" if _is_server(url) else f"{text} (`{url}`)"


def _metrics_table(metrics: Mapping[str, Mapping[str, float]]) -> list[str]:
    names = sorted({name for values in metrics.values() for name in values})
    lines = ["| split | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for split, values in metrics.items():
        cells = [f"{values[n]:.4f}" if n in values else "-" for n in names]
        lines.append(f"| {split} | " + " | ".join(cells) + " |")
    return lines


# -- reports -----------------------------------------------------------------------------------


def training_markdown(result: Any) -> str:
    """The report of a training run (``TrainOutput``): the task, the MLflow run and metrics."""
    bundle = result.bundle
    lines = [
        f"# Training: `{bundle.task.name}`",
        "",
        f"- task type: {bundle.task_type.value}",
        f"- selected on: {getattr(bundle, 'metric', None) or 'the task metric'}",
        f"- MLflow run: {_link(result.run_id, result.tracking_url)}",
        f"- data snapshot: `{bundle.data_hash}`",
        f"- model folder: `{result.model_path}`",
        "",
        *_metrics_table(result.metrics),
    ]
    return "\n".join(lines) + "\n"


def evaluation_markdown(evaluation: Any, *, run_url: str | None) -> str:
    """The report of an evaluation (``Evaluation``): the decision, both scores, the metrics."""
    verdict = "blessed" if evaluation.blessed else "not blessed"
    champion = (
        "none"
        if evaluation.champion_score is None
        else f"{evaluation.champion_score:.4f} (version {evaluation.champion_version})"
    )
    lines = [
        f"# Evaluation: {verdict}",
        "",
        evaluation.reason,
        "",
        f"- metric: `{evaluation.metric}` on the {evaluation.split} split, margin "
        f"{evaluation.margin:g}",
        f"- candidate: {evaluation.candidate_score:.4f}",
        f"- champion: {champion}",
    ]
    if run_url is not None:
        lines.append(f"- candidate's MLflow run: {_link(evaluation.candidate_run_id, run_url)}")
    lines += ["", *_metrics_table(evaluation.report.metrics)]
    return "\n".join(lines) + "\n"


def registration_markdown(version: Any, *, blessed: bool | None, tracking_uri: str) -> str:
    """The report of a registration (``RegisteredVersion``): name, version, aliases."""
    aliases = ", ".join(f"`@{a}`" for a in version.aliases) or "none"
    lines = [
        f"# Registered `{version.name}` version {version.version}",
        "",
        f"- aliases: {aliases}",
        f"- run: `{version.run_id}`",
        f"- model: {_link(f'models:/{version.name}/{version.version}', mlflow_model_url(tracking_uri, version.name, version.version))}",
    ]
    if blessed is not None:
        lines.append(f"- decision: {'blessed, now champion' if blessed else 'not blessed'}")
    reason = version.tags.get("relgraph.decision_reason")
    if reason:
        lines += ["", reason]
    return "\n".join(lines) + "\n"


def prediction_markdown(result: Any) -> str:
    """The report of a batch prediction (``PredictionResult``): the model, where every output
    went, how many rows, and drift against the training holdout."""
    model = result.model
    if model.get("name"):
        who = f"`{model['name']}` version {model.get('version')}"
    else:
        who = f"run `{model.get('run_id')}`"
    lines = [
        "# Batch prediction",
        "",
        f"- model: {who} (`{model.get('uri')}`)",
        f"- anchor time: {result.anchor_time}",
        f"- rows: {result.num_rows:,}",
        f"- job: `{result.job_id}`",
        "",
        "| output | written to |",
        "|---|---|",
        *(f"| `{name}` | `{where}` |" for name, where in sorted(result.outputs.items())),
    ]
    drift = _scalars(result.drift)
    if drift:
        lines += ["", "Drift against the training holdout:", "", "| statistic | value |"]
        lines += ["|---|---:|", *(f"| {n} | {v:.4g} |" for n, v in sorted(drift.items()))]
    return "\n".join(lines) + "\n"


def prediction_metrics(result: Any) -> dict[str, float]:
    """The scalars of a batch prediction for a ``dsl.Metrics`` output: ``num_rows`` and the
    drift statistics (``drift_<name>``)."""
    metrics = {"num_rows": float(result.num_rows)}
    metrics.update({f"drift_{name}": value for name, value in _scalars(result.drift).items()})
    return metrics


def _scalars(values: Mapping[str, Any] | None, prefix: str = "") -> dict[str, float]:
    """The finite numbers of a nested mapping, by dotted name."""
    out: dict[str, float] = {}
    for key, value in (values or {}).items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            out.update(_scalars(value, f"{name}."))
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and math.isfinite(float(value))
        ):
            out[name] = float(value)
    return out


def write_markdown(path: str | os.PathLike[str], text: str) -> None:
    """Writes a Markdown output's file, atomically."""
    atomic_write_text(path, text)
    _logger.info("wrote %s", path)


# -- what the components call ------------------------------------------------------------------


def report_training(
    result: Any, *, metrics: MetricsOutput, markdown: str | os.PathLike[str]
) -> None:
    """Logs a training run's metrics (``<split>_<metric>``) and writes its report."""
    log_metrics(metrics, flat_metrics(result.metrics))
    write_markdown(markdown, training_markdown(result))


def report_evaluation(
    evaluation: Any,
    *,
    metrics: MetricsOutput,
    classification: ClassificationOutput,
    markdown: str | os.PathLike[str],
    tracking_uri: str | None,
) -> None:
    """Logs an evaluation's metrics, ROC curve and confusion matrix, and writes its report
    with a link to the candidate's MLflow run."""
    from relgraph.train.tracking import resolve_tracking_uri

    evaluation.report.log_kfp(metrics, classification)
    metrics.log_metric("candidate_score", float(evaluation.candidate_score))
    if evaluation.champion_score is not None:
        metrics.log_metric("champion_score", float(evaluation.champion_score))
    metrics.log_metric("blessed", float(evaluation.blessed))
    run = evaluation.candidate_run_id
    url = None if run is None else mlflow_run_url(resolve_tracking_uri(tracking_uri), run)
    write_markdown(markdown, evaluation_markdown(evaluation, run_url=url))


def report_registration(
    version: Any, *, markdown: str | os.PathLike[str], tracking_uri: str | None
) -> None:
    """Writes the report of a registered version."""
    from relgraph.train.tracking import resolve_tracking_uri

    blessed = version.tags.get("relgraph.decision")
    text = registration_markdown(
        version,
        blessed=None if blessed is None else blessed == "blessed",
        tracking_uri=resolve_tracking_uri(tracking_uri),
    )
    write_markdown(markdown, text)


def report_prediction(
    result: Any, *, metrics: MetricsOutput, markdown: str | os.PathLike[str]
) -> None:
    """Logs a batch prediction's row count and drift statistics, and writes its report."""
    log_metrics(metrics, prediction_metrics(result))
    write_markdown(markdown, prediction_markdown(result))
