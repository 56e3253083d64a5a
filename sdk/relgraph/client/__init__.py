"""The SDK facade: jobs and their backends (local and Kubeflow), and the data and training
API (tables, datasets, predictive queries, the trainer).

The data and training names are imported on first use, so that ``relgraph.client.jobs`` (and
the ``relgraph jobs`` command) do not pay for pandas, DuckDB or torch.
"""

import importlib
from typing import Any

from relgraph.client.jobs import (
    JobCanceledError,
    JobFailedError,
    JobManager,
    JobMonitor,
    JobNotFoundError,
    JobResult,
    JobStatus,
    KubeflowBackend,
    LocalBackend,
)
from relgraph.client.local_pipeline import LocalPipelineRun, PipelineRunError, run_pipeline

_LAZY = {
    "ColumnDType": "relgraph.schema",
    "Dataset": "relgraph.client.dataset",
    "DatasetError": "relgraph.client.dataset",
    "EvaluationMetric": "relgraph.tasks",
    "ForeignKey": "relgraph.schema",
    "GNNTable": "relgraph.client.table",
    "LinkTask": "relgraph.tasks",
    "NodeTask": "relgraph.tasks",
    "OutputConfig": "relgraph.predict",
    "PredictiveQuery": "relgraph.client.pquery",
    "RandomSplit": "relgraph.tasks",
    "TaskType": "relgraph.tasks",
    "TemporalSplit": "relgraph.tasks",
    "Trainer": "relgraph.client.trainer",
    "TrainerConfig": "relgraph.train",
    "prediction_locations": "relgraph.client.trainer",
}
"""Name -> the module it is imported from on first use."""


__all__ = [
    "ColumnDType",
    "Dataset",
    "DatasetError",
    "EvaluationMetric",
    "ForeignKey",
    "GNNTable",
    "JobCanceledError",
    "JobFailedError",
    "JobManager",
    "JobMonitor",
    "JobNotFoundError",
    "JobResult",
    "JobStatus",
    "KubeflowBackend",
    "LinkTask",
    "LocalBackend",
    "LocalPipelineRun",
    "NodeTask",
    "OutputConfig",
    "PipelineRunError",
    "PredictiveQuery",
    "RandomSplit",
    "TaskType",
    "TemporalSplit",
    "Trainer",
    "TrainerConfig",
    "prediction_locations",
    "run_pipeline",
]


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'relgraph.client' has no attribute '{name}'")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
