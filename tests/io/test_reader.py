from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import (
    FileSource,
    SourceError,
    SqlSource,
    TableNotFoundError,
    open_source,
    read_tables,
)
from tests.servers import load_into_sqlite


@pytest.fixture
def csv_folder(tmp_path: Path) -> Path:
    (tmp_path / "a.csv").write_text("x\n1\n2\n")
    (tmp_path / "b.csv").write_text("y\nu\n")
    return tmp_path


def test_open_source_dispatches_on_the_uri(csv_folder: Path, tmp_path: Path) -> None:
    url = load_into_sqlite({"t": pa.table({"x": [1]})}, tmp_path / "db.sqlite")
    assert isinstance(open_source(csv_folder), FileSource)
    assert isinstance(open_source(str(csv_folder)), FileSource)
    assert isinstance(open_source(csv_folder.as_uri()), FileSource)
    assert isinstance(open_source(url), SqlSource)


def test_open_source_rejects_other_schemes() -> None:
    with pytest.raises(SourceError, match=r"unsupported location 'gs://bucket/x'"):
        open_source("gs://bucket/x")


def test_read_tables_all_or_some(csv_folder: Path) -> None:
    assert list(read_tables(csv_folder)) == ["a", "b"]
    only = read_tables(csv_folder, ["b"])
    assert list(only) == ["b"]
    assert only["b"].column("y").to_pylist() == ["u"]


def test_read_tables_with_queries(tmp_path: Path) -> None:
    url = load_into_sqlite({"t": pa.table({"x": [1, 2, 3]})}, tmp_path / "db.sqlite")
    tables = read_tables(url, [], {"big": "SELECT x FROM t WHERE x >= 2"})
    assert list(tables) == ["big"]
    assert tables["big"].column("x").to_pylist() == [2, 3]


@pytest.mark.parametrize(
    ("tables", "queries", "error", "match"),
    [
        (["a", "a"], None, SourceError, r"names asked for twice \(as tables or queries\): \['a'\]"),
        (["a"], {"a": "SELECT 1"}, SourceError, r"asked for twice .*\['a'\]"),
        ([], None, SourceError, r"nothing to read from .*: no tables and no queries"),
        (["a", "zzz"], None, TableNotFoundError, r"'zzz' not found in .*; tables there: a, b"),
        (
            ["a"],
            {"q": "SELECT 1"},
            SourceError,
            r"cannot run query 'q' on .*: queries need a SQL database",
        ),
    ],
)
def test_read_tables_errors(
    csv_folder: Path,
    tables: list[str],
    queries: dict[str, str] | None,
    error: type[Exception],
    match: str,
) -> None:
    with pytest.raises(error, match=match):
        read_tables(csv_folder, tables, queries)


def test_read_tables_takes_an_open_source(csv_folder: Path) -> None:
    source = open_source(csv_folder)
    assert read_tables(source, ["a"])["a"].num_rows == 2
