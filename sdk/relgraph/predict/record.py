"""A batch prediction as an MLflow run: drift statistics beside the model that predicted.

Each batch prediction with a known model run becomes a small run named
``batch_predict <alias>`` in the model run's experiment, nested under it (MLflow's
``mlflow.parentRunId`` tag): its metrics are the drift statistics (``drift_psi``,
``drift_ks_statistic``, ``drift_ks_pvalue``), the row count and the throughput; its params the
alias, anchor time and job id; its artifact ``batch_prediction.json`` the whole result.
"""

import logging
from collections.abc import Mapping
from typing import Any

_logger = logging.getLogger(__name__)

RUN_ARTIFACT = "batch_prediction.json"
KIND_TAG = "relgraph.kind"
KIND = "batch_predict"


def record_batch_prediction(
    *,
    tracking_uri: str | None,
    model_run_id: str,
    alias: str,
    params: Mapping[str, Any],
    metrics: Mapping[str, float],
    summary: Mapping[str, Any],
) -> str | None:
    """Logs a batch prediction as a run nested under the model's run.

    The outputs are written before this is called; a tracking store that cannot be reached
    then costs the record, not the outputs: the failure is logged as a warning and ``None``
    returned.

    Args:
        tracking_uri: The MLflow tracking URI (``None``: ``MLFLOW_TRACKING_URI``, else the
            embedded default).
        model_run_id: The run that trained the model.
        alias: The output alias.
        params: Run parameters (alias, anchor time, job id, model name and version, ...).
        metrics: Run metrics (drift statistics, rows, rows per second).
        summary: The result as JSON, logged as :data:`RUN_ARTIFACT`.

    Returns:
        The new run's id, or ``None`` if nothing could be logged.
    """
    from mlflow import MlflowClient

    from relgraph.train.tracking import RunTracker, resolve_tracking_uri  # imports torch

    uri = resolve_tracking_uri(tracking_uri)
    # Broad on purpose: any failure of the tracking store (unreachable server, unknown run,
    # permissions) must not turn outputs that are already written into a failed job.
    try:
        client = MlflowClient(tracking_uri=uri)
        experiment_id = client.get_run(model_run_id).info.experiment_id
        experiment = client.get_experiment(experiment_id).name
        tags = {
            "mlflow.parentRunId": model_run_id,
            KIND_TAG: KIND,
            "relgraph.model_run_id": model_run_id,
            "relgraph.output_alias": alias,
        }
        with RunTracker(uri, experiment=experiment, run_name=f"{KIND} {alias}", tags=tags) as run:
            run.log_params(params)
            run.log_metrics(metrics)
            run.log_dict(dict(summary), RUN_ARTIFACT)
            return run.run_id
    except Exception as exc:
        _logger.warning(
            "batch prediction %r was written but could not be recorded in MLflow at %s: %s",
            alias,
            uri,
            exc,
        )
        return None
