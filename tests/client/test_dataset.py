"""Dataset: tables and a task; inference from a source, validation with advice, the diagram,
and the saved folder the pipelines read."""

import json
from pathlib import Path

import graphviz
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.client import (
    ColumnDType,
    Dataset,
    DatasetError,
    ForeignKey,
    GNNTable,
    NodeTask,
    PredictiveQuery,
)
from relgraph.io import open_source
from relgraph.tasks import PQueryError, TaskError
from relgraph.tasks import PredictiveQuery as QueryText
from tests.client.conftest import CHURN
from tests.markers import requires_dot


@pytest.fixture
def dataset(shop_dir: Path) -> Dataset:
    return Dataset.infer(shop_dir, task=CHURN, experiment_name="churn")


def test_infer_reads_every_table_with_keys_and_times(dataset: Dataset, shop_dir: Path) -> None:
    assert dataset.table_names == [
        "categories",
        "customers",
        "order_items",
        "orders",
        "products",
        "reviews",
    ]
    orders = dataset.table("orders")
    assert ForeignKey("customer_id", "customers.customer_id") in orders.foreign_keys
    assert dataset.table("order_items").inherit_time_from == "order_id"
    assert dataset.location == str(shop_dir)
    assert dataset.experiment_name == "churn"
    assert dataset.row_counts["customers"] == 100
    with pytest.raises(KeyError, match=r"no table 'clients' \(tables: \['categories'"):
        dataset.table("clients")


def test_infer_takes_a_table_list_and_overrides(shop_dir: Path) -> None:
    dataset = Dataset.infer(
        shop_dir,
        tables=["customers", "orders"],
        overrides={"tables": {"customers": {"dtypes": {"country": "text"}}}},
    )
    assert dataset.table_names == ["customers", "orders"]
    assert dataset.table("customers").schema.column("country").dtype == ColumnDType.TEXT
    assert dataset.task_description is None


def test_edits_of_a_table_show_in_the_schema_and_data(dataset: Dataset) -> None:
    dataset.table("customers").remove_column("loaded_at")
    assert "loaded_at" not in dataset.schema.table("customers").column_names
    assert "loaded_at" not in dataset.data["customers"].column_names
    assert dataset.location is None  # a pipeline cannot read the edited table from the source


@pytest.mark.parametrize("form", ["text", "parsed", "bound elsewhere"])
def test_a_query_task_is_bound_to_the_dataset(dataset: Dataset, form: str) -> None:
    other = Dataset(dataset.tables[:2])
    given = {
        "text": CHURN,
        "parsed": QueryText(CHURN),
        "bound elsewhere": PredictiveQuery(other, CHURN, name="churn-task"),
    }[form]
    dataset.task_description = given
    task = dataset.task_description
    assert isinstance(task, PredictiveQuery)
    assert task.dataset is dataset
    assert task.text == str(QueryText(CHURN))


def test_a_node_task_is_kept_as_it_is(dataset: Dataset) -> None:
    task = dataset.task_description.generate_training_table()
    dataset.task_description = task
    assert dataset.task_description is task
    with pytest.raises(ValueError, match="found int"):
        dataset.task_description = 3


@pytest.mark.parametrize(
    ("tables", "match"),
    [([], "at least one table"), (["not a table"], "must be GNNTable")],
)
def test_bad_table_lists(tables: list, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Dataset(tables)


def test_table_names_must_be_unique(dataset: Dataset) -> None:
    customers = dataset.table("customers")
    with pytest.raises(ValueError, match=r"tables \['customers'\] are given more than once"):
        Dataset([customers, customers])


def test_validate_passes_on_the_inferred_dataset(dataset: Dataset) -> None:
    dataset.validate()


def test_validate_names_a_bad_foreign_key_and_says_what_to_do(dataset: Dataset) -> None:
    dataset.table("orders").add_foreign_key("customer_id", "clients.customer_id")
    with pytest.raises(DatasetError, match="unknown table 'clients'") as error:
        dataset.validate()
    assert "add_foreign_key" in str(error.value)  # the advice
    assert error.value.problems == [
        "foreign key orders.customer_id -> clients.customer_id: unknown table 'clients' "
        "(tables: ['categories', 'customers', 'order_items', 'orders', 'products', 'reviews'])"
    ]


def test_validate_names_a_bad_dtype(dataset: Dataset) -> None:
    dataset.table("orders").schema.column("channel").dtype = ColumnDType.FLOAT
    with pytest.raises(DatasetError, match=r"orders\.channel: dtype float.*set dtype category"):
        dataset.validate()


def test_validate_names_a_task_on_a_missing_column(dataset: Dataset) -> None:
    dataset.task_description = (
        "PREDICT SUM(orders.discount, 0, 30, days) FOR EACH customers.customer_id"
    )
    with pytest.raises(PQueryError, match="discount"):
        dataset.validate()


@pytest.mark.filterwarnings("ignore::relgraph.tasks.TaskWarning")
def test_validate_checks_a_node_task_against_the_schema(dataset: Dataset) -> None:
    train = pa.table({"customer_id": [1, 2], "churned": [0, 1]})
    dataset.task_description = NodeTask(
        name="churn",
        source_entity_table="clients",
        source_entity_column="customer_id",
        target_column="churned",
        task_type="binary_classification",
        task_data_source={"train": train, "validation": train},
    )
    with pytest.raises(TaskError, match="clients"):
        dataset.validate()


def test_visualize_dataset_draws_tables_and_foreign_keys(dataset: Dataset, tmp_path: Path) -> None:
    diagram = dataset.visualize_dataset()
    assert isinstance(diagram, graphviz.Source)
    for name in dataset.table_names:
        assert f"<B>{name}</B>" in diagram.source
    assert "customer_id" in diagram.source
    dataset.visualize_dataset(tmp_path / "shop", formats=())
    assert (tmp_path / "shop.dot").read_text() == diagram.source


@requires_dot
def test_visualize_dataset_writes_an_svg(dataset: Dataset, tmp_path: Path) -> None:
    dataset.visualize_dataset(tmp_path / "shop")
    assert "<svg" in (tmp_path / "shop.svg").read_text()


def test_schema_overrides_give_back_the_edited_schema(dataset: Dataset) -> None:
    from relgraph.schema import infer_schema

    dataset.table("orders").set_dtype("channel", "text")
    dataset.table("order_items").set_inherit_time_from(None)
    dataset.table("reviews").remove_foreign_key("product_id")
    found = infer_schema(dataset.data, overrides=dataset.schema_overrides())
    assert found.content_hash() == dataset.schema.content_hash()


def test_save_writes_a_source_of_the_schema_columns(dataset: Dataset, tmp_path: Path) -> None:
    dataset.table("customers").remove_column("loaded_at")
    folder = dataset.save(tmp_path / "saved")
    source = open_source(folder)
    assert source.list_tables() == sorted(dataset.table_names)
    assert "loaded_at" not in pq.read_table(folder / "customers.parquet").column_names
    manifest = json.loads((folder / "dataset.json").read_text())
    assert manifest["kind"] == "relgraph.dataset"
    assert manifest["content_hash"] == dataset.content_hash()
    assert manifest["task"]["query"] == dataset.task_description.text
    with pytest.raises(FileExistsError):
        dataset.save(folder)


@pytest.mark.parametrize("task", ["query", "node task"])
def test_save_and_load_round_trip(dataset: Dataset, tmp_path: Path, task: str) -> None:
    dataset.table("orders").set_dtype("channel", "text")
    if task == "node task":
        dataset.task_description = dataset.task_description.generate_training_table()
    else:
        dataset.task_description.split_plan = dataset.task_description.suggest_split_plan()
    loaded = Dataset.load(dataset.save(tmp_path / "saved"))
    assert loaded.schema.to_dict() == dataset.schema.to_dict()
    assert loaded.experiment_name == "churn"
    assert loaded.content_hash() == dataset.content_hash()
    assert type(loaded.task_description) is type(dataset.task_description)
    if task == "query":
        assert loaded.task_description.split_plan == dataset.task_description.split_plan


def test_content_hash_follows_data_schema_and_task(dataset: Dataset, shop_dir: Path) -> None:
    again = Dataset.infer(shop_dir, task=CHURN, experiment_name="churn")
    assert again.content_hash() == dataset.content_hash()
    again.table("orders").set_dtype("channel", "text")
    assert again.content_hash() != dataset.content_hash()
    dataset.task_description = (
        "PREDICT COUNT(orders.*, 0, 60, days) = 0 FOR EACH customers.customer_id"
    )
    assert Dataset.infer(shop_dir, task=CHURN).content_hash() != dataset.content_hash()


def test_load_refuses_other_folders(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"dataset\.json not found"):
        Dataset.load(tmp_path)
    (tmp_path / "dataset.json").write_text(json.dumps({"kind": "relgraph.snapshot"}))
    with pytest.raises(ValueError, match="not a relgraph dataset"):
        Dataset.load(tmp_path)


def test_save_refuses_table_names_a_source_would_hide(
    shop_tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    hidden = Dataset([GNNTable(shop_tables["categories"], "_categories")])
    with pytest.raises(ValueError, match="'_categories' cannot be saved as a file name"):
        hidden.save(tmp_path / "x")
