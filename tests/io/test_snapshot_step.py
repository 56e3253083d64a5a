"""The pipeline's snapshot step: content hash of a source, and its snapshot into a folder."""

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.io import (
    Snapshot,
    SnapshotError,
    SourceError,
    TableNotFoundError,
    snapshot_into,
    snapshot_source,
    source_content_hash,
)
from relgraph.io.snapshot_step import parse_queries, parse_table_list
from tests.servers import load_into_sqlite, upload_to_s3


def _tables() -> dict[str, pa.Table]:
    return {
        "races": pa.table({"raceId": [1, 2, 3], "year": [2009, 2009, 2010]}),
        "results": pa.table({"resultId": [7, 8], "raceId": [1, 3], "points": [10.0, None]}),
    }


def _folder(tmp_path: Path, tables: dict[str, pa.Table] | None = None) -> Path:
    folder = tmp_path / "data"
    folder.mkdir(exist_ok=True)
    for name, table in (tables or _tables()).items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, None),
        ("", None),
        (" , ", None),
        ("races", ["races"]),
        (" races , results ", ["races", "results"]),
        (["results", "races"], ["results", "races"]),
    ],
)
def test_parse_table_list(given, expected) -> None:
    assert parse_table_list(given) == expected


@pytest.mark.parametrize(
    ("given", "match"),
    [("races,races", r"tables named twice: \['races'\]"), (["races", ""], "non-empty strings")],
)
def test_parse_table_list_rejects(given, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        parse_table_list(given)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        (None, {}),
        ("  ", {}),
        ('{"late": "SELECT 1"}', {"late": "SELECT 1"}),
        ({"late": "SELECT 1"}, {"late": "SELECT 1"}),
    ],
)
def test_parse_queries(given, expected) -> None:
    assert parse_queries(given) == expected


@pytest.mark.parametrize(
    ("given", "match"),
    [
        ("{not json", "queries must be a JSON object"),
        ('["SELECT 1"]', "must map result names to SQL query text"),
        ({"late": ""}, "must map result names to SQL query text"),
    ],
)
def test_parse_queries_rejects(given, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        parse_queries(given)


def test_content_hash_is_the_snapshot_hash(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    cached = snapshot_source(folder, cache_dir=tmp_path / "cache")

    assert source_content_hash(folder) == cached.content_hash
    assert source_content_hash(folder, tables="races") != cached.content_hash


def test_content_hash_follows_the_data_not_the_files(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    before = source_content_hash(folder)
    # Rewritten with the same rows (another row group size, a new mtime): same data, same hash.
    pq.write_table(_tables()["races"], folder / "races.parquet", row_group_size=1)
    assert source_content_hash(folder) == before
    changed = _tables()["races"].set_column(1, "year", pa.array([2009, 2009, 2011]))
    pq.write_table(changed, folder / "races.parquet")
    assert source_content_hash(folder) != before


def test_snapshot_into_writes_the_hashed_data(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    expected = source_content_hash(folder)

    snap = snapshot_into(folder, tmp_path / "out" / "snap", expected_hash=expected)

    assert snap.path == tmp_path / "out" / "snap"
    assert snap.content_hash == expected
    assert Snapshot.load(snap.path).tables() == _tables()
    assert snap.source == str(folder)
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["snap"]


def test_snapshot_into_refuses_data_that_changed_since_it_was_hashed(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    stale = source_content_hash(folder)
    pq.write_table(pa.table({"raceId": [1], "year": [1950]}), folder / "races.parquet")

    with pytest.raises(SnapshotError, match=f"changed while the pipeline read it.*{stale}"):
        snapshot_into(folder, tmp_path / "out" / "snap", expected_hash=stale)
    assert list((tmp_path / "out").iterdir()) == []


def test_snapshot_into_an_existing_folder(tmp_path: Path) -> None:
    folder = _folder(tmp_path)
    dest = tmp_path / "snap"
    dest.mkdir()
    with pytest.raises(FileExistsError, match="already exists"):
        snapshot_into(folder, dest)
    assert snapshot_into(folder, dest, overwrite=True).table_names == ["races", "results"]


def test_sql_tables_and_queries(tmp_path: Path) -> None:
    url = load_into_sqlite(_tables(), tmp_path / "f1.db")
    queries = '{"recent": "SELECT raceId FROM races WHERE year >= 2010"}'

    digest = source_content_hash(url, tables="results", queries=queries)
    snap = snapshot_into(url, tmp_path / "snap", tables=["results"], queries=queries)

    assert snap.content_hash == digest
    assert snap.table("recent").column("raceId").to_pylist() == [3]
    assert snap.manifest["tables"]["recent"]["query"].startswith("SELECT raceId")


def test_unknown_table(tmp_path: Path) -> None:
    with pytest.raises(TableNotFoundError, match="'laps' not found"):
        source_content_hash(_folder(tmp_path), tables="races,laps")


def test_object_store_source(s3_bucket: str, tmp_path: Path) -> None:
    upload_to_s3(_tables(), f"{s3_bucket}/f1")
    local = snapshot_source(_folder(tmp_path), cache_dir=tmp_path / "cache")

    digest = source_content_hash(f"{s3_bucket}/f1")
    snap = snapshot_into(f"{s3_bucket}/f1", tmp_path / "snap", expected_hash=digest)

    assert digest == local.content_hash
    assert snap.source == f"{s3_bucket}/f1"
