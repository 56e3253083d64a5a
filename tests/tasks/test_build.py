"""The pipeline's build_task_table step: a task folder from a predictive query or task tables."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.io import Snapshot
from relgraph.schema.artifact import load_schema
from relgraph.tasks import (
    LinkTask,
    NodeTask,
    PQuerySyntaxError,
    PredictiveQuery,
    RandomSplit,
    TaskError,
    TaskWarning,
    TemporalSplit,
    load_task,
)
from relgraph.tasks.build import (
    build_task,
    default_split,
    parse_split_plan,
    task_cutoff_time,
    task_from_spec,
)
from tests.pipeline_data import CHURN_QUERY, shop_schema_artifact, shop_snapshot


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> tuple[Snapshot, Path]:
    """The tiny demo shop snapshot and its schema artifact folder."""
    root = tmp_path_factory.mktemp("shop")
    snap = shop_snapshot(root / "snap")
    return snap, shop_schema_artifact(snap, root / "schema")


def test_query_task_with_default_split(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    summary = tmp_path / "ui" / "task.md"

    task = build_task(
        snap.path, schema_dir, tmp_path / "task", spec=CHURN_QUERY, name="churn", summary=summary
    )

    assert isinstance(task, NodeTask)
    assert task.name == "churn" and task.task_type.value == "binary_classification"
    assert task.task_data_source["train"] == str(tmp_path / "task" / "train.parquet")
    loaded = load_task(tmp_path / "task")
    assert loaded.tables() == task.tables()
    manifest = json.loads((tmp_path / "task" / "manifest.json").read_text())
    assert manifest["kind"] == "relgraph.task"
    assert manifest["made_from"]["snapshot"] == snap.content_hash
    assert manifest["made_from"]["schema"] == load_schema(schema_dir).content_hash()
    assert manifest["made_from"]["query"] == str(PredictiveQuery(CHURN_QUERY))
    assert manifest["made_from"]["split"]["kind"] == "temporal"
    assert manifest["rows"] == {s: task.table(s).num_rows for s in ("train", "validation", "test")}
    assert all(n > 0 for n in manifest["rows"].values())
    test_time = manifest["made_from"]["split"]["test_time"]
    assert manifest["cutoff_time"] == test_time
    text = summary.read_text()
    assert text == (tmp_path / "task" / "task.md").read_text()
    assert "# Task `churn`" in text and "binary_classification" in text and CHURN_QUERY[:20] in text


def test_default_split_covers_the_tables_the_query_reads(shop) -> None:
    snap, schema_dir = shop
    schema, data = load_schema(schema_dir), snap.tables()

    plan = default_split(PredictiveQuery(CHURN_QUERY), schema, data)

    # Orders run through 2024; products were listed from 2019 but the query does not read them.
    assert isinstance(plan, TemporalSplit)
    latest = data["orders"]["ordered_at"].to_numpy().max().astype("datetime64[D]")
    assert plan.test_time == np.datetime64(latest - np.timedelta64(180, "D"), "us")
    assert plan.validation_time == plan.test_time - np.timedelta64(90, "D")


def test_default_split_of_a_static_target(shop) -> None:
    snap, schema_dir = shop
    query = PredictiveQuery("PREDICT customers.country FOR EACH customers.customer_id")
    assert default_split(query, load_schema(schema_dir), snap.tables()) == RandomSplit()


def test_default_split_needs_enough_time(shop) -> None:
    snap, schema_dir = shop
    query = PredictiveQuery(
        "PREDICT COUNT(orders.*, 0, 300, days) > 0 FOR EACH customers.customer_id"
    )
    with pytest.raises(
        TaskError, match="too little for a default temporal split in steps of '300 days'"
    ):
        default_split(query, load_schema(schema_dir), snap.tables())


def test_explicit_split_plan(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    plan = {"kind": "temporal", "validation_time": "2024-03-01", "test_time": "2024-06-01"}

    task = build_task(snap, schema_dir, tmp_path / "task", spec=CHURN_QUERY, split=json.dumps(plan))

    assert task.table("test")["anchor_time"].to_numpy().min() == np.datetime64("2024-06-01")
    assert task_cutoff_time(task) == np.datetime64("2024-06-01", "us")


@pytest.mark.parametrize(
    ("split", "match"),
    [
        ("{bad", "split plan is not valid JSON"),
        ("[1]", "split plan must be a JSON object"),
        ({"kind": "weekly"}, "kind must be 'temporal' or 'random'"),
        ({"kind": "temporal", "validation_time": "2024-03-01"}, "test_time"),
    ],
)
def test_bad_split_plans(split, match: str) -> None:
    with pytest.raises(TaskError, match=match):
        parse_split_plan(split)


@pytest.mark.parametrize("blank", [None, "", " \n"])
def test_no_split_plan(blank) -> None:
    assert parse_split_plan(blank) is None


def test_query_errors_point_at_the_problem(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    with pytest.raises(PQuerySyntaxError, match="line 1"):
        build_task(snap, schema_dir, tmp_path / "task", spec="PREDICT FOR customers")
    assert not (tmp_path / "task").exists()


def _task_tables(tmp_path: Path) -> dict[str, str]:
    """Task tables of the shop customers as parquet files; split -> path."""
    times = pa.array(np.array(["2024-03-01", "2024-06-01"], dtype="datetime64[us]"))
    paths = {}
    for split, ids, time in (("train", [1, 2, 3], times[0]), ("validation", [2, 4], times[1])):
        table = pa.table(
            {
                "customer_id": pa.array(ids, pa.int64()),
                "at": pa.array([time.as_py()] * len(ids), pa.timestamp("us")),
                "spend": pa.array([1.5 * i for i in ids]),
            }
        )
        paths[split] = str(tmp_path / f"{split}.parquet")
        pq.write_table(table, paths[split])
    return paths


def _spec(paths: dict[str, str]) -> dict:
    return {
        "source_entity_table": "customers",
        "source_entity_column": "customer_id",
        "target_column": "spend",
        "task_type": "regression",
        "time_column": "at",
        "task_data_source": paths,
        "evaluation_metric": ["mae", {"name": "rmse"}],
    }


def test_task_from_existing_tables(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    spec = _spec(_task_tables(tmp_path))

    task = build_task(snap, schema_dir, tmp_path / "task", spec=json.dumps(spec), name="spend")

    assert isinstance(task, NodeTask) and task.name == "spend"
    assert [str(m) for m in task.metrics] == ["mae", "rmse"]
    assert task.table("train")["spend"].to_pylist() == [1.5, 3.0, 4.5]
    # No test split: the encoders may see up to the last validation anchor.
    assert task_cutoff_time(task) == np.datetime64("2024-06-01", "us")
    manifest = json.loads((tmp_path / "task" / "manifest.json").read_text())
    assert manifest["made_from"]["task_data_source"] == spec["task_data_source"]
    assert "query" not in manifest["made_from"]


def test_task_tables_take_no_split_plan(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    with pytest.raises(TaskError, match="a split plan applies to a predictive query"):
        build_task(
            snap,
            schema_dir,
            tmp_path / "task",
            spec=_spec(_task_tables(tmp_path)),
            split={"kind": "random"},
        )


def test_task_tables_must_fit_the_data(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    spec = {**_spec(_task_tables(tmp_path)), "source_entity_table": "shoppers"}
    with pytest.raises(TaskError, match="shoppers"):
        build_task(snap, schema_dir, tmp_path / "task", spec=spec)
    assert not (tmp_path / "task").exists()


@pytest.mark.parametrize(
    ("spec", "match"),
    [
        ({"kind": "edge"}, "kind must be 'node' or 'link'"),
        ({"entity": "x"}, r"unknown keys \['entity'\]"),
        ({"task_data_source": ["a.parquet"]}, "must map split names to table locations"),
        (
            {"task_data_source": {"train": "a", "validation": "b"}, "task_type": "regression"},
            "task spec for a node task",
        ),
        (
            {
                "source_entity_table": "customers",
                "source_entity_column": "customer_id",
                "target_column": "spend",
                "task_type": "bogus",
                "task_data_source": {"train": "a", "validation": "b"},
            },
            "bogus",
        ),
    ],
)
def test_bad_specs(spec: dict, match: str) -> None:
    with pytest.raises(TaskError, match=match):
        task_from_spec(spec)


def test_link_spec() -> None:
    spec = {
        "kind": "link",
        "source_entity_table": "customers",
        "source_entity_column": "customer_id",
        "target_entity_table": "products",
        "target_entity_column": "product_id",
        "task_type": "link_prediction",
        "time_column": "anchor_time",
        "task_data_source": {"train": "t.parquet", "validation": "v.parquet"},
    }
    task = task_from_spec(spec, name="next-products")
    assert isinstance(task, LinkTask) and task.name == "next-products"


def test_invalid_json_spec(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    with pytest.raises(TaskError, match="task spec is not valid JSON"):
        build_task(snap, schema_dir, tmp_path / "task", spec="{'single': 'quotes'}")


def test_static_task_has_no_cutoff(shop, tmp_path: Path) -> None:
    snap, schema_dir = shop
    with pytest.warns(TaskWarning, match="has no time column"):
        task = build_task(
            snap,
            schema_dir,
            tmp_path / "task",
            spec="PREDICT customers.country FOR EACH customers.customer_id",
        )
    assert task_cutoff_time(task) is None
    assert json.loads((tmp_path / "task" / "manifest.json").read_text())["cutoff_time"] is None


def test_the_step_modules_import_no_torch() -> None:
    code = (
        "import sys; import relgraph.tasks.build, relgraph.schema.artifact, "
        "relgraph.io.snapshot_step; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'torch_frame')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
