import gzip
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.io import (
    CSV_NULL_VALUES,
    FileSource,
    SourceError,
    TableNotFoundError,
    open_source,
    read_tables,
)
from relgraph.io.files import split_table_file
from tests.servers import upload_to_s3

F1_ROWS = {
    "circuits": 77,
    "constructors": 212,
    "drivers": 861,
    "seasons": 75,
    "status": 139,
    "races": 1125,
    "results": 26759,
    "sprint_results": 360,
    "qualifying": 10494,
    "driver_standings": 34863,
    "constructor_results": 12625,
    "constructor_standings": 13391,
    "pit_stops": 11371,
}


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder of two CSV tables and one parquet table, with awkward names."""
    (tmp_path / "races.csv").write_text(
        "raceId,year,date,name\n1,2009,2009-03-29,Australian GP\n2,2009,\\N,Malaysian GP\n"
    )
    (tmp_path / "lap times é.csv").write_text(
        "raceId,lap,ms,note,ts\n"
        "1,1,98.5,fast,2009-03-29 06:01:00\n"
        "1,2,NaN,NULL,\n"
        "2,1,,N/A,2009-04-05T09:00:00\n"
        "2,2,101.25,None,NA\n"
        "2,3,99.0,null,2009-04-05 09:03:00\n"
    )
    pq.write_table(
        pa.table({"driverId": [1, 2], "code": ["HAM", None]}), tmp_path / "drivers.parquet"
    )
    (tmp_path / "README.md").write_text("not a table")
    (tmp_path / "_SUCCESS").write_text("")
    (tmp_path / "nested").mkdir()
    return tmp_path


def test_lists_tables_by_file_stem(folder: Path) -> None:
    source = open_source(folder)
    assert isinstance(source, FileSource)
    assert source.list_tables() == ["drivers", "lap times é", "races"]
    assert source.uri == folder.as_posix()


def test_reads_csv_with_null_markers_and_inferred_types(folder: Path) -> None:
    laps = open_source(folder).read_table("lap times é")
    assert laps.schema.types == [
        pa.int64(),
        pa.int64(),
        pa.float64(),
        pa.string(),
        pa.timestamp("s"),
    ]
    assert laps.column("ms").to_pylist() == [98.5, None, None, 101.25, 99.0]
    assert laps.column("note").to_pylist() == ["fast", None, None, None, None]
    assert laps.column("ts").null_count == 2

    races = open_source(folder).read_table("races")
    assert races.column("date").type == pa.date32()
    assert races.column("date").null_count == 1  # \N


def test_every_null_marker_reads_as_null(tmp_path: Path) -> None:
    lines = (
        ["word"] + ["x"] + [f'"{marker}"' if marker == "" else marker for marker in CSV_NULL_VALUES]
    )
    (tmp_path / "markers.csv").write_text("\n".join(lines) + "\n")
    column = open_source(tmp_path).read_table("markers").column("word")
    assert column.to_pylist() == ["x"] + [None] * len(CSV_NULL_VALUES)


def test_reads_parquet_and_gzipped_csv(folder: Path) -> None:
    with gzip.open(folder / "status.csv.gz", "wt") as handle:
        handle.write("statusId,status\n1,Finished\n2,Disqualified\n")
    tables = read_tables(folder, ["drivers", "status"])
    assert tables["drivers"].to_pydict() == {"driverId": [1, 2], "code": ["HAM", None]}
    assert tables["status"].column("status").to_pylist() == ["Finished", "Disqualified"]


def test_a_single_file_is_a_source_of_one_table(folder: Path) -> None:
    source = open_source(folder / "races.csv")
    assert source.list_tables() == ["races"]
    assert source.read_table("races").num_rows == 2


@pytest.mark.parametrize(
    ("file_name", "expected"),
    [
        ("races.csv", ("races", "csv")),
        ("RACES.CSV", ("RACES", "csv")),
        ("a.b.parquet", ("a.b", "parquet")),
        ("x.csv.gz", ("x", "csv")),
        ("x.pq", ("x", "parquet")),
        (".hidden.csv", None),
        ("_tmp.parquet", None),
        ("notes.txt", None),
        (".csv", None),
    ],
)
def test_split_table_file(file_name: str, expected: tuple[str, str] | None) -> None:
    assert split_table_file(file_name) == expected


def test_unknown_table_lists_the_tables(folder: Path) -> None:
    with pytest.raises(
        TableNotFoundError,
        match=r"'laps' not found in .*; tables there: drivers, lap times é, races",
    ):
        open_source(folder).read_table("laps")


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"source folder .*nowhere does not exist"):
        open_source(tmp_path / "nowhere")


def test_folder_without_tables_lists_what_it_found(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sub").mkdir()
    with pytest.raises(
        SourceError,
        match=r"no tables in .*: expected files ending in .csv, .csv.gz, .parquet, .pq; found: notes.txt, sub/",
    ):
        open_source(tmp_path)
    with pytest.raises(SourceError, match=r"found: \(nothing\)"):
        open_source(tmp_path / "sub")


def test_two_files_for_one_table(tmp_path: Path) -> None:
    (tmp_path / "races.csv").write_text("a\n1\n")
    pq.write_table(pa.table({"a": [1]}), tmp_path / "races.parquet")
    with pytest.raises(
        SourceError, match=r"two files .* give table 'races': races.csv and races.parquet"
    ):
        open_source(tmp_path)


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (
            "a,b\n1,2\n3\n",
            r"cannot read CSV file .*bad.csv: CSV parse error: Expected 2 columns, got 1",
        ),
        ("a,b\n1,2\n3,4,5\n", r"cannot read CSV file .*bad.csv: .*Expected 2 columns, got 3"),
        ("a,b\n", r"table 'bad' in .* is empty: it has no rows \(columns: a, b\)"),
        ("", r"table 'bad' in .* is empty: bad.csv has 0 bytes"),
        ("a,a\n1,2\n", r"table 'bad' in .* repeats column names: \['a'\]"),
    ],
)
def test_bad_csv_files(tmp_path: Path, content: str, match: str) -> None:
    (tmp_path / "bad.csv").write_text(content)
    with pytest.raises(SourceError, match=match):
        open_source(tmp_path).read_table("bad")


def test_corrupt_parquet_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 this is not parquet")
    with pytest.raises(SourceError, match=r"cannot read parquet file .*broken.parquet"):
        open_source(tmp_path).read_table("broken")


def test_fingerprint_follows_file_changes(folder: Path) -> None:
    before = open_source(folder).fingerprint(["races"])
    assert set(before) == {"races"}
    path = folder / "races.csv"
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    assert open_source(folder).fingerprint(["races"]) != before
    with pytest.raises(TableNotFoundError, match="'laps' not found"):
        open_source(folder).fingerprint(["laps"])


def test_f1_folder(f1_dir: Path) -> None:
    tables = read_tables(f1_dir)
    assert {name: table.num_rows for name, table in tables.items()} == F1_ROWS
    results = tables["results"]
    assert results.column("resultId").type == pa.int64()
    assert results.column("position").type == pa.int64()  # "\N" read as null, not text
    assert results.column("position").null_count > 0
    assert tables["races"].column("date").type == pa.date32()
    assert tables["drivers"].column("dob").type == pa.date32()
    assert tables["drivers"].column("number").null_count > 0


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_s3_prefix(s3_bucket: str, file_format: str) -> None:
    tables = {
        "races": pa.table({"raceId": [1, 2], "name": ["Monza", None]}),
        "pit stops é": pa.table({"raceId": [1, 1, 2], "ms": [22.1, 23.5, None]}),
    }
    upload_to_s3(tables, f"{s3_bucket}/f1/", file_format=file_format)

    source = open_source(f"{s3_bucket}/f1")

    assert source.list_tables() == ["pit stops é", "races"]
    assert source.read_table("races").equals(tables["races"])
    assert source.read_table("pit stops é").equals(tables["pit stops é"])
    assert set(source.fingerprint()) == {"pit stops é", "races"}


def test_s3_missing_prefix_and_bucket(s3_bucket: str) -> None:
    with pytest.raises(SourceError, match=r"source folder s3://.*/nothing-here does not exist"):
        open_source(f"{s3_bucket}/nothing-here")
    with pytest.raises(
        SourceError, match=r"source folder s3://no-such-bucket-relgraph/x does not exist"
    ):
        open_source("s3://no-such-bucket-relgraph/x")
