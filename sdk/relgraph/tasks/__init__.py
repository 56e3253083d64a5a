"""Tasks: what to predict (NodeTask, LinkTask), task tables, temporal splits, predictive queries.

Torch-free: pyarrow, duckdb, numpy and pandas only.
"""

from relgraph.tasks.duration import Duration, TimeUnit
from relgraph.tasks.errors import TaskError, TaskWarning
from relgraph.tasks.link_task import LinkTask
from relgraph.tasks.metric import DEFAULT_EVAL_AT_K, EvaluationMetric, default_metrics
from relgraph.tasks.node_task import NodeTask
from relgraph.tasks.pquery import PQueryError, PQuerySyntaxError, PredictiveQuery
from relgraph.tasks.source import TaskDataSource, read_task_source
from relgraph.tasks.split import SPLITS, RandomSplit, SplitPlan, TemporalSplit, split_plan_from_dict
from relgraph.tasks.task_io import load_task
from relgraph.tasks.task_table import ANCHOR_TIME, LABEL, description, write_task_table
from relgraph.tasks.task_type import TaskType
from relgraph.tasks.validation import validate_task

__all__ = [
    "ANCHOR_TIME",
    "DEFAULT_EVAL_AT_K",
    "LABEL",
    "SPLITS",
    "Duration",
    "EvaluationMetric",
    "LinkTask",
    "NodeTask",
    "PQueryError",
    "PQuerySyntaxError",
    "PredictiveQuery",
    "RandomSplit",
    "SplitPlan",
    "TaskDataSource",
    "TaskError",
    "TaskType",
    "TaskWarning",
    "TemporalSplit",
    "TimeUnit",
    "default_metrics",
    "description",
    "load_task",
    "read_task_source",
    "split_plan_from_dict",
    "validate_task",
    "write_task_table",
]
