import json
import os
from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import (
    Snapshot,
    SnapshotError,
    SourceError,
    TableNotFoundError,
    read_tables,
    snapshot_source,
)
from tests.io.test_files import F1_ROWS
from tests.servers import drop_database, load_into_postgres, load_into_sqlite, upload_to_s3


def _tables() -> dict[str, pa.Table]:
    return {
        "races": pa.table({"raceId": [1, 2, 3], "date": ["2009-03-29", None, "2009-04-19"]}),
        "lap times / é": pa.table({"raceId": [1, 1, 2], "ms": [98.5, None, 101.0]}),
    }


def test_round_trip(tmp_path: Path) -> None:
    tables = _tables()
    snap = Snapshot.create(tables, tmp_path / "snap", source="postgresql://u:pw@db/f1")

    loaded = Snapshot.load(tmp_path / "snap")

    assert loaded.table_names == ["lap times / é", "races"]
    assert loaded.tables() == {name: tables[name] for name in sorted(tables)}
    assert loaded.table("races").equals(tables["races"])
    assert loaded.content_hash == snap.content_hash
    assert loaded.num_rows("lap times / é") == 3
    assert loaded.source == "postgresql://u:***@db/f1"
    loaded.verify()


def test_manifest(tmp_path: Path) -> None:
    snap = Snapshot.create(
        _tables(), tmp_path / "snap", source="sqlite:///x.db", queries={"races": "SELECT 1"}
    )
    manifest = json.loads((tmp_path / "snap" / "manifest.json").read_text())

    assert manifest == snap.manifest
    assert manifest["format_version"] == 1
    assert manifest["source"] == "sqlite:///x.db"
    assert manifest["created_at"].endswith("Z")
    races = manifest["tables"]["races"]
    assert races["rows"] == 3
    assert races["columns"] == [
        {"name": "raceId", "type": "int64"},
        {"name": "date", "type": "string"},
    ]
    assert races["query"] == "SELECT 1"
    assert len(races["content_hash"]) == 32
    # Table names are free text; file names are safe and listed in the manifest.
    files = sorted(path.name for path in (tmp_path / "snap").iterdir())
    assert files == ["lap_times_.parquet", "manifest.json", "races.parquet"]
    assert manifest["tables"]["lap times / é"]["file"] == "lap_times_.parquet"


def test_clashing_file_names_are_told_apart(tmp_path: Path) -> None:
    table = pa.table({"a": [1]})
    snap = Snapshot.create({"a b": table, "a-b": table, "a_b": table, "A_B": table}, tmp_path / "s")
    files = [snap.manifest["tables"][name]["file"] for name in snap.table_names]
    assert len({name.lower() for name in files}) == 4
    assert all(Snapshot.load(tmp_path / "s").table(name).equals(table) for name in snap.table_names)


def test_content_hash_is_deterministic(tmp_path: Path) -> None:
    first = Snapshot.create(_tables(), tmp_path / "one")
    rechunked = {
        name: pa.concat_tables([table.slice(0, 1), table.slice(1)])
        for name, table in _tables().items()
    }
    second = Snapshot.create(dict(reversed(rechunked.items())), tmp_path / "two")
    changed = _tables()
    changed["races"] = changed["races"].slice(0, 2)
    third = Snapshot.create(changed, tmp_path / "three")

    assert first.content_hash == second.content_hash
    assert first.manifest["tables"] == second.manifest["tables"]
    assert third.content_hash != first.content_hash
    assert third.manifest["tables"]["lap times / é"] == first.manifest["tables"]["lap times / é"]


def test_verify_detects_changed_files(tmp_path: Path) -> None:
    snap = Snapshot.create(_tables(), tmp_path / "snap")
    other = Snapshot.create(
        {"races": pa.table({"raceId": [9], "date": ["2000-01-01"]})}, tmp_path / "other"
    )
    os.replace(other.path / "races.parquet", snap.path / "races.parquet")
    with pytest.raises(
        SnapshotError,
        match=r"table 'races' of snapshot .* has content hash \w+, but the manifest records",
    ):
        Snapshot.load(snap.path).verify()


def test_table_with_other_columns_than_recorded(tmp_path: Path) -> None:
    snap = Snapshot.create(_tables(), tmp_path / "snap")
    other = Snapshot.create({"races": pa.table({"raceId": [9]})}, tmp_path / "other")
    os.replace(other.path / "races.parquet", snap.path / "races.parquet")
    with pytest.raises(SnapshotError, match=r"table 'races' of snapshot .*: races.parquet holds"):
        snap.table("races")


def test_failure_half_way_leaves_no_folder(tmp_path: Path) -> None:
    # Parquet cannot store month_day_nano intervals: writing "z" fails after "a" was written.
    tables = {
        "a": pa.table({"x": [1, 2]}),
        "z": pa.table(
            {"gap": pa.array([pa.MonthDayNano([1, 2, 3])], pa.month_day_nano_interval())}
        ),
    }
    with pytest.raises(SnapshotError, match=r"cannot write table 'z' of snapshot .* as parquet"):
        Snapshot.create(tables, tmp_path / "snap")
    assert list(tmp_path.iterdir()) == []


def test_existing_folder_is_kept_unless_overwrite(tmp_path: Path) -> None:
    first = Snapshot.create(_tables(), tmp_path / "snap")
    with pytest.raises(FileExistsError):
        Snapshot.create({"races": pa.table({"raceId": [1]})}, tmp_path / "snap")
    assert Snapshot.load(tmp_path / "snap").content_hash == first.content_hash
    replaced = Snapshot.create(
        {"races": pa.table({"raceId": [1]})}, tmp_path / "snap", overwrite=True
    )
    assert Snapshot.load(tmp_path / "snap").table_names == ["races"]
    assert replaced.content_hash != first.content_hash
    assert sorted(path.name for path in tmp_path.iterdir()) == ["snap"]


@pytest.mark.parametrize(
    ("tables", "kwargs", "error", "match"),
    [
        ({}, {}, SnapshotError, r"no tables given"),
        ({"": pa.table({"a": [1]})}, {}, SnapshotError, r"bad table name ''"),
        ({"t": {"a": [1]}}, {}, TypeError, r"table 't' is a dict, not a pyarrow.Table"),
        (
            {"t": pa.table({"a": [1]})},
            {"queries": {"u": "SELECT 1"}},
            SnapshotError,
            r"queries \['u'\] name no table",
        ),
    ],
)
def test_create_rejects_bad_input(
    tmp_path: Path, tables: dict, kwargs: dict, error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        Snapshot.create(tables, tmp_path / "snap", **kwargs)
    assert not (tmp_path / "snap").exists()


def test_load_errors(tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match=r"is not a snapshot: it has no manifest.json"):
        Snapshot.load(tmp_path)
    snap = Snapshot.create(_tables(), tmp_path / "snap")
    with pytest.raises(
        TableNotFoundError, match=r"'laps' not in snapshot .*; tables there: lap times / é, races"
    ):
        snap.table("laps")
    (snap.path / "races.parquet").unlink()
    with pytest.raises(SnapshotError, match=r"lacks table files: \['races.parquet'\]"):
        Snapshot.load(snap.path)
    manifest = snap.manifest | {"format_version": 99}
    (snap.path / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(SnapshotError, match=r"has format_version 99; this relgraph reads 1"):
        Snapshot.load(snap.path)
    (snap.path / "manifest.json").write_text("{not json")
    with pytest.raises(SnapshotError, match=r"cannot parse .*manifest.json"):
        Snapshot.load(snap.path)


# ------------------------------------------------------------------------------- caching


def test_cached_sqlite_snapshot_does_not_read_the_database_again(tmp_path: Path) -> None:
    url = load_into_sqlite(_tables(), tmp_path / "f1.db")
    cache = tmp_path / "cache"
    queries = {"first race": "SELECT * FROM races WHERE raceId = 1"}

    first = snapshot_source(url, tables=["races"], queries=queries, cache_dir=cache)
    (tmp_path / "f1.db").unlink()  # the source is gone: only the cache can answer
    second = snapshot_source(url, tables=["races"], queries=queries, cache_dir=cache)

    assert second.path == first.path
    assert second.content_hash == first.content_hash
    assert second.table_names == ["first race", "races"]
    assert second.manifest["tables"]["first race"]["query"] == queries["first race"]


def test_cache_key_and_refresh_read_again(tmp_path: Path) -> None:
    url = load_into_sqlite(_tables(), tmp_path / "f1.db")
    cache = tmp_path / "cache"
    first = snapshot_source(url, tables=["races"], cache_dir=cache)
    load_into_sqlite(
        {"races": pa.table({"raceId": [7], "date": ["2024-01-01"]})}, tmp_path / "f1.db"
    )

    assert (
        snapshot_source(url, tables=["races"], cache_dir=cache).content_hash == first.content_hash
    )
    keyed = snapshot_source(url, tables=["races"], cache_dir=cache, cache_key="2024-01-02")
    assert keyed.path != first.path
    assert keyed.table("races").column("raceId").to_pylist() == [7]
    refreshed = snapshot_source(url, tables=["races"], cache_dir=cache, refresh=True)
    assert refreshed.path == first.path
    assert refreshed.content_hash == keyed.content_hash
    assert sorted(path.name for path in cache.iterdir()) == sorted(
        [first.path.name, keyed.path.name]
    )


def test_cached_postgres_snapshot_does_not_contact_the_server(
    postgres_url: str, postgres_db: str, tmp_path: Path
) -> None:
    load_into_postgres(_tables(), postgres_db)
    cache = tmp_path / "cache"
    password_url = postgres_db.replace("postgres@", "postgres:ignored-by-trust@")
    first = snapshot_source(password_url, cache_dir=cache)
    assert first.source.startswith("postgresql://postgres:***@127.0.0.1")
    assert "ignored-by-trust" not in (first.path / "manifest.json").read_text()
    assert first.table_names == ["lap times / é", "races"]

    drop_database(postgres_url, postgres_db)  # any contact with it would now fail
    second = snapshot_source(password_url, cache_dir=cache)

    assert second.path == first.path
    assert second.table("races").equals(_tables()["races"])
    with pytest.raises(SourceError, match=r"cannot inspect .*does not exist"):
        snapshot_source(password_url, cache_dir=cache, refresh=True)
    assert Snapshot.load(first.path).content_hash == first.content_hash  # refresh kept it


def test_file_snapshot_follows_file_changes(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "races.csv").write_text("raceId\n1\n2\n")
    cache = tmp_path / "cache"
    first = snapshot_source(folder, cache_dir=cache)
    assert snapshot_source(folder, cache_dir=cache).path == first.path
    (folder / "races.csv").write_text("raceId\n1\n2\n3\n")
    second = snapshot_source(folder, cache_dir=cache)
    assert second.path != first.path
    assert second.num_rows("races") == 3


def test_s3_snapshot(s3_bucket: str, tmp_path: Path) -> None:
    upload_to_s3(_tables(), f"{s3_bucket}/f1")
    first = snapshot_source(f"{s3_bucket}/f1", cache_dir=tmp_path)
    assert first.source == f"{s3_bucket}/f1"
    assert first.table("races").equals(_tables()["races"])
    assert snapshot_source(f"{s3_bucket}/f1/", cache_dir=tmp_path).path == first.path


def test_snapshot_errors_leave_no_folder(tmp_path: Path) -> None:
    url = load_into_sqlite(_tables(), tmp_path / "f1.db")
    with pytest.raises(SourceError, match=r"'laps' not found"):
        snapshot_source(url, tables=["races", "laps"], cache_dir=tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_f1_snapshot_round_trip(f1_dir: Path, tmp_path: Path) -> None:
    tables = read_tables(f1_dir)
    snap = Snapshot.load(Snapshot.create(tables, tmp_path / "f1", source=str(f1_dir)).path)
    assert snap.table_names == sorted(tables)
    assert {name: snap.num_rows(name) for name in snap.table_names} == F1_ROWS
    for name, table in tables.items():
        assert snap.table(name).equals(table), name
    snap.verify()
    again = Snapshot.create(read_tables(f1_dir), tmp_path / "f1 again")
    assert again.content_hash == snap.content_hash
