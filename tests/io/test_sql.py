import contextlib
import datetime as dt
import sqlite3
from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import (
    SourceError,
    SqlSource,
    TableNotFoundError,
    open_source,
    read_tables,
    sqlite_url,
)
from tests.servers import free_port, load_into_postgres, load_into_sqlite

ODD_NAME = 'Lap "Times" é'


def _tables() -> dict[str, pa.Table]:
    races = pa.table(
        {
            "raceId": pa.array([1, 2, 3], pa.int64()),
            "name": ["Monza", "Spa", None],
            "date": pa.array([dt.date(2009, 3, 29), None, dt.date(2009, 4, 19)], pa.date32()),
            "start": pa.array(
                [dt.datetime(2009, 3, 29, 6), dt.datetime(2009, 4, 5, 8, 30), None],
                pa.timestamp("us"),
            ),
            "laps": pa.array([58, 56, None], pa.int32()),
            "wet": [False, True, None],
            "length_km": [5.793, 7.004, None],
        }
    )
    laps = pa.table({"raceId": [1, 1, 2], "lap number": [1, 2, 1], "ms": [98_500, 97_250, 101_000]})
    return {"races": races, ODD_NAME: laps}


@pytest.fixture
def sqlite_db(tmp_path: Path) -> str:
    return load_into_sqlite(_tables(), tmp_path / "f1 é.db")


@pytest.fixture
def postgres_f1(postgres_db: str) -> str:
    load_into_postgres(_tables(), postgres_db)
    return postgres_db


# ----------------------------------------------------------------------------------- SQLite


def test_sqlite_lists_and_reads_tables(sqlite_db: str) -> None:
    source = open_source(sqlite_db)
    assert isinstance(source, SqlSource)
    assert source.list_tables() == [ODD_NAME, "races"]
    assert source.read_table(ODD_NAME).equals(_tables()[ODD_NAME])


def test_sqlite_types(sqlite_db: str) -> None:
    races = open_source(sqlite_db).read_table("races")
    assert dict(zip(races.column_names, races.schema.types, strict=True)) == {
        "raceId": pa.int64(),
        "name": pa.string(),
        "date": pa.string(),  # SQLite keeps dates as text
        "start": pa.string(),
        "laps": pa.int64(),
        "wet": pa.int64(),  # and booleans as 0/1
        "length_km": pa.float64(),
    }
    assert races.column("date").to_pylist() == ["2009-03-29", None, "2009-04-19"]
    # the format SQLAlchemy writes for DATETIME (microseconds, as the column is timestamp[us])
    assert races.column("start").to_pylist() == [
        "2009-03-29 06:00:00.000000",
        "2009-04-05 08:30:00.000000",
        None,
    ]
    assert races.column("wet").to_pylist() == [0, 1, None]


def _sqlite_file(path: Path, create: str, rows: list[tuple]) -> str:
    """A SQLite file with table ``t`` of two columns, written by the standard library's sqlite3
    (which, like SQLite itself, stores any value in any column)."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        connection.execute(create)
        connection.executemany("INSERT INTO t VALUES (?, ?)", rows)
        connection.commit()
    return sqlite_url(path)


def test_sqlite_dynamic_typing_is_read_without_error(tmp_path: Path) -> None:
    # 2000 integers, then one text value far past ADBC's default 1024-row inference batch.
    rows = [(i, None) for i in range(2000)] + [("n/a", None)]
    url = _sqlite_file(tmp_path / "d.db", "CREATE TABLE t (a INTEGER, b VARCHAR(20))", rows)
    table = open_source(url).read_table("t")
    assert table.column("a").type == pa.string()
    assert table.column("a").to_pylist()[-2:] == ["1999", "n/a"]


@pytest.mark.parametrize(
    ("declared", "arrow_type"),
    [
        ("TEXT", pa.string()),
        ("VARCHAR(20)", pa.string()),
        ("DATE", pa.string()),
        ("DATETIME", pa.string()),
        ("", pa.string()),
        ("INTEGER", pa.int64()),
        ("BIGINT", pa.int64()),
        ("BOOLEAN", pa.int64()),
        ("REAL", pa.float64()),
        ("NUMERIC(10, 2)", pa.float64()),
        ("BLOB", pa.binary()),
    ],
)
def test_sqlite_all_null_column_takes_its_declared_type(
    tmp_path: Path, declared: str, arrow_type: pa.DataType
) -> None:
    url = _sqlite_file(
        tmp_path / "n.db", f"CREATE TABLE t (id INTEGER, b {declared})", [(1, None), (2, None)]
    )
    table = open_source(url).read_table("t")
    assert table.column("b").type == arrow_type
    assert table.column("b").null_count == 2
    assert table.column("id").type == pa.int64()


def test_sqlite_queries(sqlite_db: str) -> None:
    source = open_source(sqlite_db)
    result = source.read_query(
        'SELECT r.name, COUNT(*) AS laps FROM races r JOIN "Lap ""Times"" é" l '
        "ON l.raceId = r.raceId GROUP BY r.name ORDER BY r.name"
    )
    assert result.to_pydict() == {"name": ["Monza", "Spa"], "laps": [2, 1]}


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        (
            "SELECT * FROM nowhere",
            r"reading 'q' from sqlite:///.* failed: .*no such table: nowhere",
        ),
        ("DELETE FROM races", r"reading 'q' from .* failed: .*readonly database"),
        ("SELECT * FROM races WHERE raceId > 10", r"table 'q' in .* is empty: it has no rows"),
    ],
)
def test_sqlite_bad_queries(sqlite_db: str, sql: str, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        open_source(sqlite_db).read_query(sql, name="q")
    assert open_source(sqlite_db).read_table("races").num_rows == 3  # nothing deleted


def test_sqlite_unknown_table_lists_the_tables(sqlite_db: str) -> None:
    with pytest.raises(
        TableNotFoundError,
        match=r"'races; DROP TABLE races' not found in .*; tables there: Lap \"Times\" é, races",
    ):
        open_source(sqlite_db).read_table("races; DROP TABLE races")


def test_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match=r"SQLite database file .*missing.db does not exist"):
        open_source(f"sqlite:///{tmp_path}/missing.db").list_tables()
    with pytest.raises(SourceError, match=r"SQLite database file .*missing.db does not exist"):
        open_source(f"sqlite:///{tmp_path}/missing.db").read_query("SELECT 1")
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize(
    ("url", "match"),
    [
        ("sqlite://", r"must name a database file"),
        ("sqlite:///:memory:", r"must name a database file"),
        ("postgres+:/x", r"cannot parse SQL URL"),
    ],
)
def test_bad_sql_urls(url: str, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        SqlSource(url)


def test_unsupported_database() -> None:
    with pytest.raises(
        SourceError, match=r"unsupported SQL database 'mysql' in 'mysql://u:\*\*\*@h/db'"
    ):
        SqlSource("mysql://u:pw@h/db")


# ------------------------------------------------------------------------------- PostgreSQL


def test_postgres_lists_and_reads_tables(postgres_f1: str) -> None:
    source = open_source(postgres_f1)
    assert source.list_tables() == [ODD_NAME, "races"]
    assert source.read_table("races").equals(_tables()["races"])  # types kept: dates stay dates
    assert source.read_table(ODD_NAME).equals(_tables()[ODD_NAME])


def test_postgres_with_explicit_driver(postgres_f1: str) -> None:
    url = postgres_f1.replace("postgresql://", "postgresql+psycopg2://")
    tables = read_tables(url, ["races"], {"late": 'SELECT "raceId" FROM races WHERE "raceId" > 1'})
    assert tables["races"].num_rows == 3
    assert tables["late"].column("raceId").to_pylist() == [2, 3]


def test_postgres_queries_normalize_types(postgres_f1: str) -> None:
    result = open_source(postgres_f1).read_query(
        "SELECT 1.25::numeric AS price, "
        "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid AS id, "
        "'{\"k\": 1}'::jsonb AS doc, 7::smallint AS small"
    )
    assert result.schema == pa.schema(
        [("price", pa.float64()), ("id", pa.string()), ("doc", pa.string()), ("small", pa.int16())]
    )
    assert result.to_pylist() == [
        {"price": 1.25, "id": "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "doc": '{"k": 1}', "small": 7}
    ]


@pytest.mark.parametrize(
    ("sql", "match"),
    [
        ("SELECT * FROM nowhere", r'failed: .*relation "nowhere" does not exist'),
        ("DELETE FROM races", r"failed: .*read-only transaction"),
    ],
)
def test_postgres_bad_queries(postgres_f1: str, sql: str, match: str) -> None:
    with pytest.raises(SourceError, match=match):
        open_source(postgres_f1).read_query(sql)
    assert open_source(postgres_f1).read_table("races").num_rows == 3


def test_postgres_unknown_table(postgres_f1: str) -> None:
    with pytest.raises(TableNotFoundError, match=r"'Races' not found in .*; tables there: "):
        open_source(postgres_f1).read_table("Races")


def test_postgres_unreachable() -> None:
    url = f"postgresql://postgres:secret@127.0.0.1:{free_port()}/nothing"
    with pytest.raises(SourceError, match=r"cannot inspect postgresql://postgres:\*\*\*@127.0.0.1"):
        open_source(url).list_tables()
    with pytest.raises(
        SourceError, match=r"reading 'query' from postgresql://postgres:\*\*\*@.* failed"
    ):
        open_source(url).read_query("SELECT 1")
