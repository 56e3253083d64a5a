"""relgraph: graph neural networks on relational databases, as Kubeflow Pipelines.

The SDK's names (``relgraph.Dataset``, ``relgraph.Trainer``, ...) are those of
:mod:`relgraph.client`, imported on first use: ``import relgraph`` stays instant, and
``relgraph.schema`` and ``relgraph.tasks`` never import torch.
"""

import importlib
from typing import Any

__version__ = "0.1.0"

_SDK = (
    "ColumnDType",
    "Dataset",
    "DatasetError",
    "EvaluationMetric",
    "ForeignKey",
    "GNNTable",
    "JobManager",
    "JobMonitor",
    "JobStatus",
    "KubeflowBackend",
    "LinkTask",
    "LocalBackend",
    "NodeTask",
    "OutputConfig",
    "PredictiveQuery",
    "RandomSplit",
    "TaskType",
    "TemporalSplit",
    "Trainer",
    "TrainerConfig",
    "prediction_locations",
)
"""The names re-exported from :mod:`relgraph.client`."""

__all__ = [*_SDK, "__version__"]


def __getattr__(name: str) -> Any:
    if name not in _SDK:
        raise AttributeError(f"module 'relgraph' has no attribute '{name}'")
    value = getattr(importlib.import_module("relgraph.client"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*__all__, *globals()])
