"""Tests of relgraph.tasks.node_task (and what it shares with LinkTask in base.py)."""

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.tasks import EvaluationMetric, LinkTask, NodeTask, TaskError, TaskType, load_task


def split_tables() -> dict[str, pa.Table]:
    return {
        "train": pa.table({"customer_id": [1, 2], "at": ["2021-01-01", "2021-01-02"], "y": [0, 1]}),
        "validation": pa.table(
            {"customer_id": [1, 3], "at": ["2021-02-01", "2021-02-01"], "y": [1, 0]}
        ),
        "test": pa.table({"customer_id": [2, 4], "at": ["2021-03-01", "2021-03-01"]}),
    }


def task(**overrides: object) -> NodeTask:
    fields = {
        "name": "churn",
        "source_entity_table": "customers",
        "source_entity_column": "customer_id",
        "target_column": "y",
        "task_type": "binary_classification",
        "task_data_source": split_tables(),
        "time_column": "at",
    }
    return NodeTask(**{**fields, **overrides})


def test_fields_are_read_and_defaults_filled() -> None:
    t = task()
    assert t.task_type is TaskType.BINARY_CLASSIFICATION
    assert t.metrics == (EvaluationMetric("roc_auc"),)
    assert t.splits == ["train", "validation", "test"]
    assert t.label_column == "y"
    assert task(evaluation_metric=["ap", "accuracy"]).metrics == (
        EvaluationMetric("average_precision"),
        EvaluationMetric("accuracy"),
    )


def test_tables_are_read_once_with_times_as_timestamps() -> None:
    t = task()
    train = t.table("train")
    assert train.schema.field("at").type == pa.timestamp("us")
    assert train["at"].to_pylist() == [dt.datetime(2021, 1, 1), dt.datetime(2021, 1, 2)]
    assert t.table("train") is train
    assert t.has_labels("train") and not t.has_labels("test")
    with pytest.raises(KeyError, match="task 'churn' has no split 'holdout'"):
        t.table("holdout")


def test_test_split_is_optional() -> None:
    tables = split_tables()
    del tables["test"]
    assert task(task_data_source=tables).splits == ["train", "validation"]


def test_time_column_must_be_in_the_table_and_hold_times() -> None:
    with pytest.raises(
        TaskError, match="task 'churn', split 'train': time column 'when' is not in the table"
    ):
        task(time_column="when").table("train")
    tables = split_tables()
    tables["train"] = tables["train"].set_column(1, "at", pa.array([1.5, 2.5]))
    with pytest.raises(TaskError, match="time column 'at' does not hold times"):
        task(task_data_source=tables).table("train")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"task_type": "link_prediction"},
            "link_prediction ranks ids of another table; use LinkTask",
        ),
        ({"task_type": "clustering"}, "unknown task type 'clustering'"),
        ({"name": " "}, "node task: name must be a non-empty string"),
        ({"target_column": ""}, "target_column must be a non-empty string"),
        ({"source_entity_column": None}, "source_entity_column must be a non-empty string"),
        (
            {"task_data_source": {"train": 1, "validation": 2, "dev": 3}},
            "unknown splits \\['dev'\\]",
        ),
        ({"task_data_source": {"train": 1}}, "task_data_source has no \\['validation'\\] split"),
        ({"task_data_source": [1, 2]}, "task_data_source maps split names"),
        ({"time_column": ""}, "time_column must be a column name or None"),
        ({"current_time": "yes"}, "current_time must be True or False"),
        ({"evaluation_metric": "mae"}, "metric 'mae' does not fit a binary_classification task"),
    ],
)
def test_bad_fields(overrides: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        task(**overrides)


def test_save_and_load(tmp_path: Path) -> None:
    original = task(evaluation_metric="average_precision", current_time=True)
    folder = original.save(tmp_path / "churn")
    manifest = json.loads((folder / "task.json").read_text())
    assert manifest["rows"] == {"train": 2, "validation": 2, "test": 2}
    assert manifest["kind"] == "node" and manifest["target_column"] == "y"
    loaded = NodeTask.load(folder)
    assert loaded == NodeTask.load(folder)
    for field in (
        "name",
        "source_entity_table",
        "source_entity_column",
        "target_column",
        "task_type",
        "time_column",
        "current_time",
        "evaluation_metric",
    ):
        assert getattr(loaded, field) == getattr(original, field)
    assert loaded.table("validation").equals(original.table("validation"))
    assert not loaded.has_labels("test")
    assert load_task(folder).name == "churn"
    with pytest.raises(FileExistsError):
        original.save(folder)
    original.save(folder, overwrite=True)
    with pytest.raises(TaskError, match="holds a node task, not a link task"):
        LinkTask.load(folder)


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no task found at"):
        NodeTask.load(tmp_path)
    (tmp_path / "task.json").write_text(json.dumps({"format_version": 99, "kind": "node"}))
    with pytest.raises(TaskError, match="task format_version 99 is not supported"):
        NodeTask.load(tmp_path)
    (tmp_path / "task.json").write_text(json.dumps({"format_version": 1, "kind": "graph"}))
    with pytest.raises(TaskError, match="unknown task kind 'graph'"):
        load_task(tmp_path)
    (tmp_path / "task.json").write_text("{")
    with pytest.raises(TaskError, match="not a task file"):
        load_task(tmp_path)


def test_to_dict_names_sources_and_hides_passwords(tmp_path: Path) -> None:
    for name, table in split_tables().items():
        pq.write_table(table, tmp_path / f"{name}.parquet")
    sources = {
        "train": tmp_path / "train.parquet",
        "validation": str(tmp_path / "validation.parquet"),
        "test": "postgresql://me:secret@db.example/tasks#test",
    }
    data = task(task_data_source=sources).to_dict()
    assert data["task_data_source"]["test"] == "postgresql://me:***@db.example/tasks#test"
    assert data["task_data_source"]["train"] == str(tmp_path / "train.parquet")
    with pytest.raises(TaskError, match="split 'train' is an in-memory table; save the task"):
        task().to_dict()
