"""What a pipeline is given for a dataset: its source (read in place, or staged by content
hash), its pinned schema without nulls, its task, the trainer configuration."""

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.client import Dataset, GNNTable, TrainerConfig
from relgraph.client.pipeline_arguments import (
    check_pipeline_arguments,
    config_arguments,
    is_remote_location,
    prediction_arguments,
    schema_arguments,
    source_arguments,
    stage_table,
    task_arguments,
    without_nulls,
)
from relgraph.io import open_source
from relgraph.predict import OutputConfig
from relgraph.schema import infer_schema
from relgraph.tasks.build import task_from_spec
from tests.client.conftest import CHURN


@pytest.fixture
def dataset(shop_dir: Path) -> Dataset:
    return Dataset.infer(shop_dir, task=CHURN, experiment_name="churn")


@pytest.mark.parametrize(
    ("location", "remote"),
    [
        ("s3://bucket/shop", True),
        ("postgresql://u:p@db:5432/shop", True),
        ("sqlite:///shop.db", False),
        ("/data/shop", False),
        ("shop", False),
    ],
)
def test_is_remote_location(location: str, remote: bool) -> None:
    assert is_remote_location(location) is remote


def test_an_unedited_source_is_read_in_place(
    dataset: Dataset, shop_dir: Path, tmp_path: Path
) -> None:
    arguments = source_arguments(dataset, staging=tmp_path, remote=False)
    assert arguments == {"source": str(shop_dir), "tables": ",".join(dataset.table_names)}
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(ValueError, match="a cluster cannot read this dataset's tables"):
        source_arguments(dataset, staging=tmp_path, remote=True)


def test_an_edited_dataset_is_staged_once_by_content_hash(dataset: Dataset, tmp_path: Path) -> None:
    dataset.table("customers").remove_column("loaded_at")
    arguments = source_arguments(dataset, staging=tmp_path, remote=False)
    folder = Path(arguments["source"])
    assert folder == tmp_path / dataset.content_hash()
    assert "loaded_at" not in open_source(folder).read_table("customers").column_names
    written = (folder / "dataset.json").stat().st_mtime_ns
    assert source_arguments(dataset, staging=tmp_path, remote=False) == arguments
    assert (folder / "dataset.json").stat().st_mtime_ns == written


def test_a_query_task_is_its_text_and_split_without_nulls(dataset: Dataset, tmp_path: Path) -> None:
    query = dataset.task_description
    assert task_arguments(dataset, staging=tmp_path, remote=False) == {
        "task": query.text,
        "split": {},
    }
    query.split_plan = query.suggest_split_plan()
    split = task_arguments(dataset, staging=tmp_path, remote=False)["split"]
    assert split["kind"] == "temporal"
    assert None not in split.values()


def test_task_tables_in_memory_are_staged_as_a_spec(dataset: Dataset, tmp_path: Path) -> None:
    task = dataset.task_description.generate_training_table()
    dataset.task_description = task
    spec = json.loads(task_arguments(dataset, staging=tmp_path, remote=False)["task"])
    rebuilt = task_from_spec(spec)
    assert rebuilt.name == task.name
    for split in task.splits:
        assert Path(spec["task_data_source"][split]).is_absolute()
        assert rebuilt.table(split).equals(task.table(split))
    with pytest.raises(ValueError, match="tables in memory, which a cluster cannot read"):
        task_arguments(dataset, staging=tmp_path, remote=True)


def test_a_dataset_without_a_task(dataset: Dataset, tmp_path: Path) -> None:
    dataset.task_description = None
    with pytest.raises(ValueError, match=r"the dataset has no task: set dataset\.task_description"):
        task_arguments(dataset, staging=tmp_path, remote=False)


def test_schema_overrides_hold_no_nulls_and_give_back_the_schema(dataset: Dataset) -> None:
    dataset.table("orders").set_dtype("channel", "text")
    sent = schema_arguments(dataset)["schema_overrides"]
    assert "null" not in json.dumps(sent)
    found = infer_schema(dataset.data, overrides=sent)
    assert found.content_hash() == dataset.schema.content_hash()


def test_a_none_that_inference_would_not_find_is_refused(dataset: Dataset) -> None:
    dataset.table("customers").set_time_column(None)  # inference finds signup_at
    with pytest.raises(ValueError, match=r"tables \['customers'\] have no primary key or no time"):
        schema_arguments(dataset)


def test_trainer_config_sends_what_differs_from_the_defaults() -> None:
    assert config_arguments(TrainerConfig()) == {"trainer_config": {}, "text_embedder": "hashing"}
    config = TrainerConfig(channels=8, fanouts=[4, 2], num_threads=1)
    assert config_arguments(config)["trainer_config"] == {
        "channels": 8,
        "fanouts": [4, 2],
        "num_threads": 1,
    }
    with pytest.raises(ValueError, match=r"fields \['patience'\] are None"):
        config_arguments(TrainerConfig(patience=None))


def test_without_nulls() -> None:
    assert without_nulls({"a": None, "b": [{"c": None, "d": 1}], "e": {"f": None}}) == {
        "b": [{"d": 1}],
        "e": {},
    }


def test_check_pipeline_arguments_names_what_the_pipeline_lacks() -> None:
    check_pipeline_arguments("batch_prediction", {"source": "x", "model": "m@champion"})
    with pytest.raises(ValueError, match=r"takes no \['trainer_config'\] \(its parameters: \["):
        check_pipeline_arguments("batch_prediction", {"source": "x", "trainer_config": {}})


@pytest.mark.parametrize("pipeline", ["batch_prediction", "train_and_predict"])
def test_prediction_arguments_stage_entities_and_pass_batch_size_and_schema(
    pipeline: str, shop_tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    entities = shop_tables["customers"].select(["customer_id"]).slice(0, 5)
    arguments = prediction_arguments(
        output_config=OutputConfig.sql("postgresql://u:p@db:5432/shop", schema="analytics"),
        entities=entities.to_pandas(),
        batch_size=256,
        staging=tmp_path,
        remote=False,
    )
    assert set(arguments) == {"output_location", "output_schema", "entities", "batch_size"}
    assert arguments["output_location"] == "postgresql://u:p@db:5432/shop"
    assert arguments["output_schema"] == "analytics"
    assert arguments["batch_size"] == 256
    assert Path(arguments["entities"]).parent.parent == tmp_path / "tables"
    assert pq.read_table(arguments["entities"]).equals(entities)
    check_pipeline_arguments(pipeline, arguments)  # the pipeline takes every one


def test_prediction_arguments_leave_out_what_is_not_given(tmp_path: Path) -> None:
    none = {"output_config": None, "entities": None, "batch_size": None}
    assert prediction_arguments(**none, staging=tmp_path, remote=False) == {}
    remote = prediction_arguments(
        output_config=OutputConfig.object_store("s3://b/predictions"),
        entities="s3://b/entities.parquet",
        batch_size=None,
        staging=tmp_path,
        remote=True,
    )
    assert remote == {
        "output_location": "s3://b/predictions",
        "entities": "s3://b/entities.parquet",
    }
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"batch_size": 0}, r"test_batch_size must be a positive integer, found 0"),
        ({"batch_size": True}, r"test_batch_size must be a positive integer, found True"),
        ({"output_config": "sqlite:///x.db"}, r"output_config must be an OutputConfig"),
        ({"remote": True, "output_config": "local"}, r"a cluster cannot write to the local"),
        ({"remote": True, "entities": "e.parquet"}, r"test_table '.*e\.parquet' is on this"),
    ],
)
def test_prediction_arguments_refuse(settings: dict, match: str, tmp_path: Path) -> None:
    arguments = {
        "output_config": None,
        "entities": None,
        "batch_size": None,
        "staging": tmp_path,
        "remote": False,
        **settings,
    }
    if arguments["output_config"] == "local":
        arguments["output_config"] = OutputConfig.local(tmp_path / "out")
    with pytest.raises(ValueError, match=match):
        prediction_arguments(**arguments)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["gnn_table", "arrow", "pandas"])
def test_stage_table_writes_in_memory_data_once(
    kind: str, shop_tables: dict[str, pa.Table], tmp_path: Path
) -> None:
    data = shop_tables["customers"].select(["customer_id"]).slice(0, 5)
    given = {
        "gnn_table": GNNTable(data, "customers"),
        "arrow": data,
        "pandas": data.to_pandas(),
    }[kind]
    location = stage_table(given, staging=tmp_path, remote=False, what="test_table")
    assert Path(location).parent.parent == tmp_path / "tables"
    assert pq.read_table(location).equals(data)
    assert stage_table(given, staging=tmp_path, remote=False, what="test_table") == location
    with pytest.raises(ValueError, match="test_table is in memory"):
        stage_table(given, staging=tmp_path, remote=True, what="test_table")


def test_stage_table_passes_locations(tmp_path: Path) -> None:
    assert (
        stage_table("s3://b/t.parquet", staging=tmp_path, remote=True, what="t")
        == "s3://b/t.parquet"
    )
    assert stage_table("t.parquet", staging=tmp_path, remote=False, what="t") == str(
        Path("t.parquet").resolve()
    )
    with pytest.raises(ValueError, match="is on this machine"):
        stage_table("t.parquet", staging=tmp_path, remote=True, what="t")


def test_an_object_store_stages_what_a_cluster_must_read(
    dataset: Dataset, s3_bucket: str, shop_tables: dict[str, pa.Table]
) -> None:
    staging = f"{s3_bucket}/staging"
    dataset.table("customers").remove_column("loaded_at")
    dataset.task_description = dataset.task_description.generate_training_table()
    source = source_arguments(dataset, staging=staging, remote=True)["source"]
    assert source == f"{staging}/{dataset.content_hash()}"
    staged = open_source(source)
    assert staged.list_tables() == sorted(dataset.table_names)
    assert "loaded_at" not in staged.read_table("customers").column_names
    assert source_arguments(dataset, staging=staging, remote=True)["source"] == source

    spec = json.loads(task_arguments(dataset, staging=staging, remote=True)["task"])
    assert all(v.startswith(f"{staging}/tasks/") for v in spec["task_data_source"].values())
    rebuilt = task_from_spec(spec)
    assert rebuilt.table("train").equals(dataset.task_description.table("train"))

    entities = shop_tables["customers"].select(["customer_id"])
    location = stage_table(entities, staging=staging, remote=True, what="test_table")
    assert location.startswith(f"{staging}/tables/")
    assert open_source(location).read_table("table").equals(entities)
