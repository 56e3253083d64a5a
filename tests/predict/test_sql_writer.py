"""SqlOutputWriter on SQLite and on a real PostgreSQL server: tables and the relgraph_outputs
metadata table, refusal and overwrite, one transaction rolled back on failure."""

from collections.abc import Iterator
from pathlib import Path

import adbc_driver_postgresql.dbapi
import pyarrow as pa
import pytest

from relgraph.io import sqlite_url
from relgraph.predict import (
    OutputExistsError,
    OutputMetadata,
    OutputTable,
    OutputWriteError,
    predictions_name,
)
from relgraph.predict.sql_writer import METADATA_TABLE, SqlOutputWriter
from tests.predict.conftest import output_tables


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a database on the PostgreSQL server."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "outputs.db")
    else:
        yield request.getfixturevalue("postgres_db")


def test_writes_tables_and_metadata_rows_and_refuses_an_existing_alias(url: str) -> None:
    writer = SqlOutputWriter(url)
    assert writer.existing("nightly") == []
    written = writer.write(output_tables("nightly"), alias="nightly")
    assert written["PREDICTIONS_nightly"].endswith("#PREDICTIONS_nightly")
    assert writer.existing("nightly") == ["EMBEDDINGS_SRC_user_id_nightly", "PREDICTIONS_nightly"]
    table = writer.read("PREDICTIONS_nightly")
    assert table.num_rows == 3
    assert table.column_names == ["user_id", "anchor_time", "probability", "prediction"]
    assert table["probability"].to_pylist() == [0.0, 0.5, 1.0]
    metadata = writer.read_metadata("PREDICTIONS_nightly")
    assert (metadata.alias, metadata.kind, metadata.num_rows, metadata.job_id) == (
        "nightly",
        "predictions",
        3,
        "job-1",
    )
    assert OutputMetadata.of_table(table.schema, where=url) == metadata
    embeddings = writer.read("EMBEDDINGS_SRC_user_id_nightly")
    if url.startswith("sqlite"):  # no arrays in SQLite: one REAL column per dimension
        assert embeddings.column_names[2:] == [f"embedding_{i}" for i in range(4)]
        assert embeddings["embedding_1"].to_pylist() == [1.0, 5.0, 9.0]
    else:
        assert embeddings["embedding"].to_pylist()[1] == [4.0, 5.0, 6.0, 7.0]
    rows = writer._query(f"SELECT name, alias, num_rows FROM {METADATA_TABLE} ORDER BY name")
    assert rows.to_pydict() == {
        "name": ["EMBEDDINGS_SRC_user_id_nightly", "PREDICTIONS_nightly"],
        "alias": ["nightly", "nightly"],
        "num_rows": [3, 3],
    }
    with pytest.raises(OutputExistsError, match="output_alias 'nightly' already exists"):
        writer.write(output_tables("nightly"), alias="nightly")


def test_overwrite_replaces_tables_and_metadata(url: str) -> None:
    writer = SqlOutputWriter(url)
    writer.write(output_tables("a"), alias="a")
    writer.write(output_tables("b"), alias="b")
    writer.write(output_tables("a", rows=5, embeddings=False), alias="a", overwrite=True)
    assert writer.existing("a") == ["PREDICTIONS_a"]
    assert writer.read("PREDICTIONS_a").num_rows == 5
    assert writer.read_metadata("PREDICTIONS_a").num_rows == 5
    assert writer.existing("b") == ["EMBEDDINGS_SRC_user_id_b", "PREDICTIONS_b"]
    names = writer._query(f"SELECT name FROM {METADATA_TABLE} ORDER BY name")
    assert names.column("name").to_pylist() == [
        "EMBEDDINGS_SRC_user_id_b",
        "PREDICTIONS_a",
        "PREDICTIONS_b",
    ]


def test_a_failing_write_is_rolled_back(url: str) -> None:
    writer = SqlOutputWriter(url)
    writer.write(output_tables("kept"), alias="kept")
    # The embeddings are ingested first; then the predictions fail (a struct column the
    # ADBC drivers cannot ingest), and the transaction is rolled back.
    bad = pa.table({"nested": pa.array([{"a": 1}] * 3)})
    outputs = [
        OutputTable(
            bad,
            OutputMetadata(
                predictions_name("a"),
                alias="a",
                kind="predictions",
                num_rows=3,
                anchor_time="2024-01-01T00:00:00",
            ),
        ),
        output_tables("a")[1],
    ]
    with pytest.raises(OutputWriteError, match="rolled back, nothing was written"):
        writer.write(outputs, alias="a")
    assert writer.existing("a") == []
    tables = writer._table_names()
    assert not [name for name in tables if name.startswith("relgraph_tmp_")]
    assert writer.existing("kept") == ["EMBEDDINGS_SRC_user_id_kept", "PREDICTIONS_kept"]
    rows = writer._query(f"SELECT name FROM {METADATA_TABLE}").num_rows
    assert rows == 2


def test_looking_creates_no_sqlite_file(tmp_path: Path) -> None:
    writer = SqlOutputWriter(sqlite_url(tmp_path / "new" / "outputs.db"))
    assert writer.existing("a") == [] and not writer.exists("PREDICTIONS_a")
    assert not (tmp_path / "new").exists()
    writer.write(output_tables("a"), alias="a")
    assert (tmp_path / "new" / "outputs.db").is_file()


def test_postgres_schema(postgres_db: str) -> None:
    with (
        adbc_driver_postgresql.dbapi.connect(postgres_db, autocommit=True) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute("CREATE SCHEMA ml")
    writer = SqlOutputWriter(postgres_db, schema="ml")
    written = writer.write(output_tables("a"), alias="a")
    assert written["PREDICTIONS_a"].endswith("#ml.PREDICTIONS_a")
    assert writer.read("PREDICTIONS_a").num_rows == 3
    assert SqlOutputWriter(postgres_db).existing("a") == []  # not in the default schema
    with pytest.raises(OutputWriteError, match="schema 'missing' does not exist"):
        SqlOutputWriter(postgres_db, schema="missing").write(output_tables("a"), alias="a")


def test_unreachable_database_is_a_clear_error() -> None:
    writer = SqlOutputWriter("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(
        OutputWriteError, match=r"cannot connect to postgresql://nobody@127\.0\.0\.1"
    ):
        writer.write(output_tables("a"), alias="a")
