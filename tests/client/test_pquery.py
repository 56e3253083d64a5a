"""PredictiveQuery bound to a dataset: task type, split plan, and the training table."""

from pathlib import Path

import pytest

from relgraph.client import Dataset, LinkTask, NodeTask, PredictiveQuery, TaskType, TemporalSplit
from relgraph.tasks import PQueryError, PQuerySyntaxError, RandomSplit
from relgraph.tasks import PredictiveQuery as QueryText
from relgraph.tasks.build import default_split
from tests.client.conftest import CHURN, NEXT_REVIEWS, SPEND


@pytest.fixture(scope="module")
def dataset(shop_dir: Path) -> Dataset:
    return Dataset.infer(shop_dir, experiment_name="shop")


@pytest.mark.parametrize(
    ("text", "task_type"),
    [
        (CHURN, TaskType.BINARY_CLASSIFICATION),
        (SPEND, TaskType.REGRESSION),
        (NEXT_REVIEWS, TaskType.LINK_PREDICTION),
        (
            "PREDICT customers.country FOR EACH customers.customer_id",
            TaskType.MULTICLASS_CLASSIFICATION,
        ),
    ],
)
def test_task_type(dataset: Dataset, text: str, task_type: TaskType) -> None:
    assert PredictiveQuery(dataset, text).task_type == task_type


def test_explain_and_name(dataset: Dataset) -> None:
    query = PredictiveQuery(dataset, CHURN)
    assert "task type: binary_classification" in query.explain()
    assert query.name == "shop"
    assert PredictiveQuery(dataset, CHURN, name="churn").name == "churn"
    assert str(query) == query.text == str(QueryText(CHURN))


def test_suggested_split_plan_is_the_pipelines_default(dataset: Dataset) -> None:
    query = PredictiveQuery(dataset, CHURN)
    plan = query.suggest_split_plan()
    assert isinstance(plan, TemporalSplit)
    assert plan == default_split(QueryText(CHURN), dataset.schema, dataset.data)
    static = PredictiveQuery(dataset, "PREDICT customers.country FOR EACH customers.customer_id")
    assert isinstance(static.suggest_split_plan(), RandomSplit)


def test_generate_training_table(dataset: Dataset) -> None:
    task = PredictiveQuery(dataset, CHURN, name="churn").generate_training_table()
    assert isinstance(task, NodeTask)
    assert task.name == "churn"
    assert task.splits == ["train", "validation", "test"]
    train = task.table("train")
    assert train.column_names == ["customer_id", "anchor_time", "label"]
    assert set(train["label"].to_pylist()) <= {0, 1}
    assert train.num_rows > 50


def test_generate_training_table_with_a_split_plan(dataset: Dataset) -> None:
    query = PredictiveQuery(dataset, NEXT_REVIEWS)
    query.split_plan = {
        "kind": "temporal",
        "validation_time": "2024-06-01",
        "test_time": "2024-09-01",
    }
    task = query.generate_training_table()
    assert isinstance(task, LinkTask)
    anchors = task.table("test")["anchor_time"].to_pylist()
    assert min(anchors).isoformat().startswith("2024-09-01")
    later = query.generate_training_table(TemporalSplit("2024-03-01", "2024-06-01"))
    assert min(later.table("test")["anchor_time"].to_pylist()).isoformat().startswith("2024-06-01")


def test_a_query_on_a_missing_column_names_it(dataset: Dataset) -> None:
    query = PredictiveQuery(
        dataset, "PREDICT SUM(orders.discount, 0, 30, days) FOR EACH customers.customer_id"
    )
    with pytest.raises(PQueryError, match="discount"):
        _ = query.task_type
    with pytest.raises(PQueryError, match="discount"):
        query.validate()


def test_a_syntax_error_points_at_the_problem(dataset: Dataset) -> None:
    with pytest.raises(PQuerySyntaxError, match="expected EACH after FOR"):
        PredictiveQuery(dataset, "PREDICT COUNT(orders.*, 0, 30, days) FOR customers.customer_id")
