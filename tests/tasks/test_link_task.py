"""Tests of relgraph.tasks.link_task."""

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.tasks import EvaluationMetric, LinkTask, TaskError, TaskType

JAN, FEB = dt.datetime(2021, 1, 1), dt.datetime(2021, 2, 1)


def link_task(train: pa.Table, **overrides: object) -> LinkTask:
    fields = {
        "name": "next-products",
        "source_entity_table": "customers",
        "source_entity_column": "customer_id",
        "target_entity_table": "products",
        "target_entity_column": "product_id",
        "task_type": "link_prediction",
        "task_data_source": {"train": train, "validation": train},
        "time_column": "at",
    }
    return LinkTask(**{**fields, **overrides})


def test_one_row_per_link_is_grouped_into_lists() -> None:
    flat = pa.table(
        {
            "customer_id": [2, 1, 1, 1, 2],
            "at": [FEB, JAN, JAN, FEB, FEB],
            "product_id": [10, 11, 11, 12, None],
        }
    )
    table = link_task(flat).table("train")
    rows = [(r["customer_id"], r["at"], sorted(r["product_id"])) for r in table.to_pylist()]
    assert rows == [(1, JAN, [11]), (1, FEB, [12]), (2, FEB, [10])]


def test_list_targets_are_kept() -> None:
    lists = pa.table({"customer_id": [1], "at": [JAN], "product_id": [[10, 12]]})
    assert link_task(lists).table("train").equals(link_task(lists).table("validation"))
    assert link_task(lists).table("train")["product_id"].to_pylist() == [[10, 12]]


def test_grouping_needs_only_keys_and_targets() -> None:
    flat = pa.table({"customer_id": [1], "at": [JAN], "product_id": [10], "qty": [3]})
    with pytest.raises(
        TaskError,
        match="a table with one row per link holds only \\['customer_id', 'at', 'product_id'\\]; found also \\['qty'\\]",
    ):
        link_task(flat).table("train")
    no_entity = pa.table({"at": [JAN], "product_id": [10]})
    with pytest.raises(TaskError, match="columns \\['customer_id'\\] are not in the table"):
        link_task(no_entity).table("train")


def test_defaults_and_types() -> None:
    lists = pa.table({"customer_id": [1], "at": [JAN], "product_id": [[10]]})
    task = link_task(lists)
    assert task.metrics == (EvaluationMetric("map", 10),)
    assert task.label_column == "product_id"
    assert (
        link_task(lists, task_type="repeated_link_prediction").task_type
        is TaskType.REPEATED_LINK_PREDICTION
    )
    with pytest.raises(
        ValueError,
        match="a LinkTask is link_prediction or repeated_link_prediction, found regression; use NodeTask",
    ):
        link_task(lists, task_type="regression")
    with pytest.raises(ValueError, match="target_entity_table must be a non-empty string"):
        link_task(lists, target_entity_table="")
    with pytest.raises(ValueError, match="metric 'roc_auc' does not fit a link_prediction task"):
        link_task(lists, evaluation_metric="roc_auc")


def test_save_and_load(tmp_path: Path) -> None:
    lists = pa.table({"customer_id": [1, 2], "at": [JAN, FEB], "product_id": [[10], [11, 12]]})
    task = link_task(lists, evaluation_metric=["map@5", "recall@20"])
    loaded = LinkTask.load(task.save(tmp_path / "t"))
    assert (loaded.target_entity_table, loaded.target_entity_column) == ("products", "product_id")
    assert loaded.metrics == (EvaluationMetric("map", 5), EvaluationMetric("recall", 20))
    assert loaded.table("train").equals(task.table("train"))
