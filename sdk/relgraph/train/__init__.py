"""Training: ``TrainerConfig`` and the training loop for node tasks."""

from relgraph.train.baseline import BaselineResult, tabular_baseline
from relgraph.train.bundle import ModelBundle
from relgraph.train.config import TrainerConfig
from relgraph.train.evaluation import (
    ConfusionMatrix,
    EvaluationReport,
    RocCurve,
    confusion_matrix,
    holdout_frame,
    roc_curve_points,
)
from relgraph.train.job import TrainOutput, train_model
from relgraph.train.link_data import LinkExamples
from relgraph.train.link_negatives import NegativeSampler
from relgraph.train.link_popularity import popularity_predictions, popularity_ranking
from relgraph.train.link_predictor import LinkPredictor, LinkTrainResult, fit_link_task
from relgraph.train.link_trainer import LinkFitResult, LinkTrainer
from relgraph.train.metrics import compute_metrics, default_metric, metric_direction
from relgraph.train.tracking import RunTracker, git_commit, use_tracking_uri
from relgraph.train.trainer import NodePredictor, TrainResult, fit_node_task

__all__ = [
    "BaselineResult",
    "ConfusionMatrix",
    "EvaluationReport",
    "LinkExamples",
    "LinkFitResult",
    "LinkPredictor",
    "LinkTrainResult",
    "LinkTrainer",
    "ModelBundle",
    "NegativeSampler",
    "NodePredictor",
    "RocCurve",
    "RunTracker",
    "TrainOutput",
    "TrainResult",
    "TrainerConfig",
    "compute_metrics",
    "confusion_matrix",
    "default_metric",
    "fit_link_task",
    "fit_node_task",
    "git_commit",
    "holdout_frame",
    "metric_direction",
    "popularity_predictions",
    "popularity_ranking",
    "roc_curve_points",
    "tabular_baseline",
    "train_model",
    "use_tracking_uri",
]
