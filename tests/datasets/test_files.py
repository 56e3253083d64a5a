"""Tests of writing a database as a folder of files."""

import json

import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq
import pytest

from relgraph.datasets import write_tables


def _tables() -> dict[str, pa.Table]:
    return {
        "items": pa.table(
            {
                "item_id": [1, 2, 3],
                "tags": pa.array([["a", 'quote"d'], [], None], pa.list_(pa.string())),
                "vector": pa.array([[0.5, -1.25], [1e-7, 3.0], [0.0, 0.0]], pa.list_(pa.float32())),
            }
        ),
        "owners": pa.table({"owner_id": [7], "name": ["Ann, the first"]}),
    }


def test_parquet_round_trip(tmp_path) -> None:
    paths = write_tables(_tables(), tmp_path / "db")
    assert {name: p.name for name, p in paths.items()} == {
        "items": "items.parquet",
        "owners": "owners.parquet",
    }
    for name, table in _tables().items():
        assert pq.read_table(paths[name]).equals(table)


def test_csv_writes_lists_as_json(tmp_path) -> None:
    paths = write_tables(_tables(), tmp_path / "db", file_format="csv")
    items = pcsv.read_csv(paths["items"])
    tags = items["tags"].to_pylist()
    # a null list is written as an empty field
    assert [json.loads(t) if t else None for t in tags] == [
        ["a", 'quote"d'],
        [],
        None,
    ]
    assert [json.loads(v) for v in items["vector"].to_pylist()] == [
        [0.5, -1.25],
        [1e-7, 3.0],
        [0.0, 0.0],
    ]
    assert pcsv.read_csv(paths["owners"])["name"].to_pylist() == ["Ann, the first"]


def test_failed_write_leaves_nothing(tmp_path) -> None:
    tables = _tables()
    tables["broken"] = pa.table({"s": pa.array([{"x": 1}])})  # CSV cannot hold a struct
    with pytest.raises(pa.ArrowInvalid, match="Unsupported Type"):
        write_tables(tables, tmp_path / "db", file_format="csv")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder(tmp_path) -> None:
    (tmp_path / "empty").mkdir()
    write_tables(_tables(), tmp_path / "empty")  # an empty folder is filled
    with pytest.raises(FileExistsError, match="already exists and is not empty"):
        write_tables(_tables(), tmp_path / "empty")
    (tmp_path / "empty" / "stale.parquet").write_bytes(b"old")
    write_tables(_tables(), tmp_path / "empty", overwrite=True)
    assert not (tmp_path / "empty" / "stale.parquet").exists()


@pytest.mark.parametrize(
    ("tables", "file_format", "match"),
    [
        ({"t": pa.table({"a": [1]})}, "json", "file_format must be one of"),
        ({"../t": pa.table({"a": [1]})}, "csv", "cannot be used as a file name"),
        ({".hidden": pa.table({"a": [1]})}, "csv", "cannot be used as a file name"),
    ],
)
def test_invalid_arguments(tmp_path, tables, file_format: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        write_tables(tables, tmp_path / "db", file_format=file_format)  # type: ignore[arg-type]
