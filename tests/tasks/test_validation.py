"""Tests of relgraph.tasks.validation: every problem a task table can have."""

import datetime as dt
import warnings

import pyarrow as pa
import pytest

from relgraph.schema import Schema
from relgraph.tasks import LinkTask, NodeTask, TaskError, TaskWarning, validate_task

JAN, FEB, MAR = dt.datetime(2021, 1, 1), dt.datetime(2021, 2, 1), dt.datetime(2021, 3, 1)
Shop = tuple[Schema, dict[str, pa.Table]]


def split(
    ids: list, times: list, labels: object = None, label_type: pa.DataType | None = None
) -> pa.Table:
    columns = {"customer_id": ids, "anchor_time": pa.array(times, pa.timestamp("us"))}
    if labels is not None:
        columns["label"] = pa.array(labels, label_type)
    return pa.table(columns)


def node(
    task_type: str,
    train: pa.Table,
    validation: pa.Table | None = None,
    test: pa.Table | None = None,
    time_column: str | None = "anchor_time",
) -> NodeTask:
    sources = {
        "train": train,
        "validation": validation
        if validation is not None
        else split([1, 2], [FEB, FEB], _two(task_type)),
    }
    if test is not None:
        sources["test"] = test
    if time_column is None:
        sources = {k: v.drop_columns(["anchor_time"]) for k, v in sources.items()}
    return NodeTask(
        "t", "customers", "customer_id", "label", task_type, sources, time_column=time_column
    )


def _two(task_type: str) -> list:
    """Two labels of two classes, for a default validation split."""
    return {
        "regression": [1.5, 2.5],
        "multilabel_classification": [["a"], ["b"]],
        "multiclass_classification": ["a", "b"],
    }.get(task_type, [0, 1])


def problems(task: NodeTask | LinkTask, shop: Shop, **kwargs: object) -> str:
    schema, data = shop
    with pytest.raises(TaskError) as info:
        validate_task(task, kwargs.get("schema", schema), data)
    return str(info.value)


def test_a_valid_task_passes_quietly(shop: Shop) -> None:
    schema, data = shop
    task = node(
        "binary_classification",
        split([1, 2, 3], [JAN, JAN, JAN], [0, 1, 1]),
        split([1, 4], [FEB, FEB], [True, False]),
        split([2], [MAR]),  # prediction-only test split
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        task.validate(schema, data)


@pytest.mark.parametrize(
    ("task_type", "labels", "label_type", "message"),
    [
        (
            "binary_classification",
            [0, 1, 2],
            None,
            "a binary label has two values, found 3 \\(\\[0, 1, 2\\]\\)",
        ),
        (
            "binary_classification",
            [1, 2, 2],
            None,
            "binary labels must be 0/1 or true/false, found \\[1, 2\\]",
        ),
        (
            "binary_classification",
            ["no", "yes", "no"],
            None,
            "binary labels must be 0/1 or true/false, found \\['no', 'yes'\\]",
        ),
        (
            "regression",
            ["1.5", "2", "x"],
            None,
            "a regression label is a number, found string values",
        ),
        ("regression", [1.0, float("nan"), 2.0], None, "regression labels must be finite"),
        (
            "regression",
            [[1.0], [2.0], [3.0]],
            None,
            "holds lists \\(list<item: double>\\); list targets belong to a LinkTask or a multilabel task",
        ),
        (
            "multiclass_classification",
            [0.5, 1.0, 2.0],
            None,
            "multiclass labels are classes, found fractional values \\[0.5\\]",
        ),
        (
            "multiclass_classification",
            [dt.date(2020, 1, 1)] * 3,
            None,
            "multiclass labels are integers or strings, found date32",
        ),
        (
            "multilabel_classification",
            ["a", "b", "c"],
            None,
            "a multilabel target is a list of labels, found string",
        ),
        ("binary_classification", [0, None, 1], None, "target column 'label' has 1 null values"),
    ],
)
def test_labels_must_fit_the_task_type(
    shop: Shop, task_type: str, labels: list, label_type: object, message: str
) -> None:
    task = node(task_type, split([1, 2, 3], [JAN] * 3, labels, label_type))
    assert "task 't', split 'train': target column 'label'" in problems(task, shop)
    with pytest.raises(TaskError, match=message):
        validate_task(task, *shop)


@pytest.mark.parametrize(
    ("task_type", "labels"),
    [
        ("multiclass_classification", [1.0, 2.0, 3.0]),
        ("multiclass_classification", ["a", "b", "a"]),
        ("multilabel_classification", [["a"], [], ["a", "b"]]),
        ("regression", [1, 2, 3]),
        ("binary_classification", [True, False, True]),
    ],
)
def test_labels_that_fit(shop: Shop, task_type: str, labels: list) -> None:
    validate_task(node(task_type, split([1, 2, 3], [JAN] * 3, labels)), *shop)


def test_one_class_is_a_warning(shop: Shop) -> None:
    with pytest.warns(TaskWarning, match="has only one class \\(0\\)"):
        validate_task(node("binary_classification", split([1, 2], [JAN] * 2, [0, 0])), *shop)


def test_unknown_entity_ids(shop: Shop) -> None:
    text = problems(node("regression", split([1, 99, 98, 99], [JAN] * 4, [1.0] * 4)), shop)
    assert (
        "task 't', split 'train': 3 entity ids are not in 'customers.customer_id' (e.g. [99, 98])"
        in text
    )


def test_entity_ids_of_another_type(shop: Shop) -> None:
    text = problems(node("regression", split(["1", "2"], [JAN] * 2, [1.0] * 2)), shop)
    assert (
        "entity ids of type string cannot name rows of 'customers', whose key 'customer_id' is int64"
        in text
    )


def test_dictionary_encoded_entity_ids_name_integer_keys(shop: Shop) -> None:
    schema, data = shop
    ids = pa.array([1, 2]).dictionary_encode()
    validate_task(node("regression", split(ids, [JAN] * 2, [1.0] * 2)), schema, data)


def test_missing_and_null_columns(shop: Shop) -> None:
    no_label = split([1], [JAN])
    assert "split 'train': target column 'label' is not in the table" in problems(
        node("regression", no_label), shop
    )
    nulls = split([1, None], [JAN, None], [1.0, 2.0])
    text = problems(node("regression", nulls), shop)
    assert (
        "column 'customer_id' has 1 null values" in text
        and "column 'anchor_time' has 1 null values" in text
    )
    renamed = split([1], [JAN], [1.0]).rename_columns(["id", "anchor_time", "label"])
    assert (
        "column 'customer_id' is not in the table (columns: ['id', 'anchor_time', 'label'])"
        in problems(node("regression", renamed), shop)
    )


def test_all_problems_are_reported_together(shop: Shop) -> None:
    task = node("binary_classification", split([1, 99], [FEB, FEB], [0, 3]), split([1], [JAN], [5]))
    with pytest.raises(TaskError) as info:
        validate_task(task, *shop)
    assert len(info.value.problems) == 4


def test_split_time_ranges_must_not_overlap(shop: Shop) -> None:
    task = node(
        "regression",
        split([1, 2], [JAN, FEB], [1.0, 2.0]),
        split([1], [FEB], [1.0]),
        split([1], [MAR], [1.0]),
    )
    assert (
        "split time ranges overlap: train runs to 2021-02-01 00:00:00, validation starts at 2021-02-01 00:00:00"
        in problems(task, shop)
    )
    late = node(
        "regression", split([1], [JAN], [1.0]), split([1], [MAR], [1.0]), split([1], [FEB], [1.0])
    )
    assert (
        "split time ranges overlap: validation runs to 2021-03-01 00:00:00, test starts at 2021-02-01"
        in problems(late, shop)
    )


def test_test_must_start_after_training_ends(shop: Shop) -> None:
    task = node(
        "regression",
        split([1, 2], [JAN, MAR], [1.0, 2.0]),
        split([1], [dt.datetime(2021, 4, 1)], [1.0]),
        split([1], [FEB]),
    )
    assert (
        "the test split starts at 2021-02-01 00:00:00, before training ends at 2021-03-01 00:00:00"
        in problems(task, shop)
    )


def test_no_time_column_on_a_temporal_schema_warns(shop: Shop) -> None:
    task = node("regression", split([1], [JAN], [1.0]), time_column=None)
    with pytest.warns(
        TaskWarning,
        match="task 't' has no time column, but tables \\['orders', 'accounts', 'logins'\\] have times",
    ):
        validate_task(task, *shop)


def test_a_time_column_on_a_static_entity_table_is_allowed(shop: Shop) -> None:
    schema, data = shop
    assert schema.time_source("customers") is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        validate_task(node("regression", split([1], [JAN], [1.0])), schema, data)


def test_schema_keys(shop: Shop) -> None:
    schema, data = shop
    renamed = NodeTask(
        "t",
        "clients",
        "id",
        "label",
        "regression",
        {"train": split([1], [JAN], [1.0]), "validation": split([1], [FEB], [1.0])},
        time_column="anchor_time",
    )
    with pytest.raises(TaskError, match="source_entity_table 'clients' is not in the schema"):
        validate_task(renamed, schema, data)
    wrong_key = NodeTask(
        "t",
        "customers",
        "name",
        "label",
        "regression",
        {"train": split([1], [JAN], [1.0]), "validation": split([1], [FEB], [1.0])},
        time_column="anchor_time",
    )
    with pytest.raises(
        TaskError,
        match="source_entity_column 'name' is not the primary key of 'customers' \\(it is 'customer_id'\\)",
    ):
        validate_task(wrong_key, schema, data)


def link(targets: list, target_table: str = "products") -> LinkTask:
    table = pa.table(
        {
            "customer_id": [1] * len(targets),
            "anchor_time": pa.array([JAN] * len(targets), pa.timestamp("us")),
            "product_id": pa.array(targets, pa.list_(pa.int64())),
        }
    )
    other = pa.table(
        {
            "customer_id": [2],
            "anchor_time": pa.array([FEB], pa.timestamp("us")),
            "product_id": pa.array([[10]], pa.list_(pa.int64())),
        }
    )
    return LinkTask(
        "l",
        "customers",
        "customer_id",
        target_table,
        "product_id",
        "link_prediction",
        {"train": table, "validation": other},
        time_column="anchor_time",
    )


def test_link_targets(shop: Shop) -> None:
    validate_task(link([[10, 11]]), *shop)
    assert "1 target ids are not in 'products.product_id' (e.g. [77])" in problems(
        link([[10, 77]]), shop
    )
    assert "target column 'product_id': 1 rows have no target id" in problems(
        link([[10], []]), shop
    )
    assert "target_entity_table 'shelves' is not in the schema" in problems(
        link([[10]], "shelves"), shop
    )


def test_link_targets_must_be_lists(shop: Shop) -> None:
    task = link([[10]])
    task._tables["train"] = task.table("train").set_column(2, "product_id", pa.array([10]))
    assert "link targets are lists of ids, found int64" in problems(task, shop)
