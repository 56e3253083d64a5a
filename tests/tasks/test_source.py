"""Tests of relgraph.tasks.source: user task tables from files, folders, SQL databases and S3."""

import datetime as dt
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from relgraph.schema import Schema
from relgraph.tasks import NodeTask, TaskError, read_task_source, validate_task
from tests.servers import load_into_postgres, load_into_sqlite, upload_to_s3

JAN, FEB, MAR = dt.datetime(2021, 1, 1), dt.datetime(2021, 2, 1), dt.datetime(2021, 3, 1)
Shop = tuple[Schema, dict[str, pa.Table]]


def splits() -> dict[str, pa.Table]:
    """Task tables of a binary task on the shop's customers (test without labels)."""

    def table(ids: list[int], when: dt.datetime, labels: list[int] | None) -> pa.Table:
        columns = {
            "customer_id": pa.array(ids, pa.int64()),
            "anchor_time": pa.array([when] * len(ids), pa.timestamp("us")),
        }
        if labels is not None:
            columns["label"] = pa.array(labels, pa.int64())
        return pa.table(columns)

    return {
        "train": table([1, 2, 3, 4], JAN, [0, 1, 1, 0]),
        "validation": table([1, 2], FEB, [1, 0]),
        "test": table([3, 4], MAR, None),
    }


def check(sources: dict, shop: Shop) -> NodeTask:
    """A task over ``sources`` loads the same tables as the in-memory ones, and validates."""
    schema, data = shop
    task = NodeTask(
        "buys",
        "customers",
        "customer_id",
        "label",
        "binary_classification",
        sources,
        time_column="anchor_time",
    )
    validate_task(task, schema, data)
    for split, expected in splits().items():
        got = task.table(split)
        assert got.column_names == expected.column_names
        assert got["customer_id"].to_pylist() == expected["customer_id"].to_pylist()
        assert got["anchor_time"].to_pylist() == expected["anchor_time"].to_pylist()
    assert task.has_labels("train") and not task.has_labels("test")
    return task


def test_in_memory_tables_and_data_frames(shop: Shop) -> None:
    sources = {
        name: table.to_pandas() if name == "train" else table for name, table in splits().items()
    }
    assert isinstance(sources["train"], pd.DataFrame)
    check(sources, shop)


def test_parquet_and_csv_files(tmp_path: Path, shop: Shop) -> None:
    tables = splits()
    pq.write_table(tables["train"], tmp_path / "train.parquet")
    pacsv.write_csv(tables["validation"], tmp_path / "validation.csv")
    pq.write_table(tables["test"], tmp_path / "test.parquet")
    check(
        {
            "train": tmp_path / "train.parquet",
            "validation": str(tmp_path / "validation.csv"),
            "test": f"file://{tmp_path}/test.parquet",
        },
        shop,
    )


def test_a_folder_of_parquet_parts_is_one_table(tmp_path: Path, shop: Shop) -> None:
    tables = splits()
    (tmp_path / "train").mkdir()
    pq.write_table(tables["train"].slice(0, 2), tmp_path / "train" / "part-0.parquet")
    pq.write_table(tables["train"].slice(2), tmp_path / "train" / "part-1.parquet")
    for name in ("validation", "test"):
        pq.write_table(tables[name], tmp_path / f"{name}.parquet")
    check(
        {
            "train": tmp_path / "train",
            "validation": f"{tmp_path}#validation",
            "test": f"{tmp_path}#test",
        },
        shop,
    )


def test_sqlite_tables(tmp_path: Path, shop: Shop) -> None:
    url = load_into_sqlite({f"buys_{k}": v for k, v in splits().items()}, tmp_path / "tasks.db")
    check({split: f"{url}#buys_{split}" for split in splits()}, shop)


def test_postgresql_tables(postgres_db: str, shop: Shop) -> None:
    load_into_postgres({f"buys {k}": v for k, v in splits().items()}, postgres_db)
    check({split: f"{postgres_db}#buys {split}" for split in splits()}, shop)


def test_s3_objects_and_prefixes(s3_bucket: str, shop: Shop) -> None:
    tables = splits()
    upload_to_s3({"train": tables["train"]}, f"{s3_bucket}/tasks/buys")
    upload_to_s3({"validation": tables["validation"]}, f"{s3_bucket}/tasks/buys", file_format="csv")
    upload_to_s3(
        {"part-0": tables["test"].slice(0, 1), "part-1": tables["test"].slice(1)},
        f"{s3_bucket}/tasks/buys/test",
    )
    check(
        {
            "train": f"{s3_bucket}/tasks/buys/train.parquet",
            "validation": f"{s3_bucket}/tasks/buys/#validation",
            "test": f"{s3_bucket}/tasks/buys/test",
        },
        shop,
    )


def test_errors_name_the_source(tmp_path: Path) -> None:
    where = "task 'x', split 'train'"
    with pytest.raises(TaskError, match=f"{where}: '.*nowhere.parquet' does not exist"):
        read_task_source(tmp_path / "nowhere.parquet", where=where)
    with pytest.raises(
        TaskError,
        match=r"is a database; name the table after '#', e\.g\. sqlite:///tasks\.db#train",
    ):
        read_task_source("sqlite:///tasks.db", where=where)
    with pytest.raises(TaskError, match=r"'sqlite:///tasks\.db#' names no table after '#'"):
        read_task_source("sqlite:///tasks.db#", where=where)
    url = load_into_sqlite({"train": splits()["train"]}, tmp_path / "t.db")
    with pytest.raises(
        TaskError, match=r"cannot read task table from .*#trian.*table 'trian' not found"
    ):
        read_task_source(f"{url}#trian", where=where)
    with pytest.raises(
        TaskError, match="a task data source is a table, a path or a URI, found int"
    ):
        read_task_source(3, where=where)  # type: ignore[arg-type]


def test_passwords_never_reach_messages() -> None:
    with pytest.raises(TaskError) as info:
        read_task_source("postgresql://me:hunter2@127.0.0.1:1/db#train", where="t")
    assert "hunter2" not in str(info.value) and "me:***@" in str(info.value)
