"""Acceptance: the same F1 tables give the same inferred schema from every kind of source.

The tables are loaded into SQLite, a real PostgreSQL server and a real S3-protocol server
(moto_server), read back through ``relgraph.io`` and inferred with no hints.
"""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import read_tables
from relgraph.schema import Schema, infer_schema
from tests.servers import load_into_postgres, load_into_sqlite, upload_to_s3


@pytest.fixture(scope="module")
def f1_tables(f1_dir: Path) -> dict[str, pa.Table]:
    return read_tables(f1_dir)


@pytest.fixture(scope="module")
def f1_schema(f1_tables: dict[str, pa.Table]) -> Schema:
    return infer_schema(f1_tables)


def _meaning(schema: Schema) -> dict:
    """Tables, columns, dtypes, keys and times; not how a source spelled its datetimes."""
    data = schema.to_dict(with_decisions=False)
    for table in data["tables"]:
        for column in table["columns"]:
            column.pop("datetime_format", None)
    return data


def _assert_same(uri: str, f1_schema: Schema) -> None:
    tables = read_tables(uri)
    schema = infer_schema(tables)
    assert _meaning(schema) == _meaning(f1_schema)
    schema.validate(tables)


def test_sqlite_gives_the_same_schema(tmp_path: Path, f1_tables, f1_schema: Schema) -> None:
    _assert_same(load_into_sqlite(f1_tables, tmp_path / "f1.db"), f1_schema)


def test_postgres_gives_the_same_schema(postgres_db: str, f1_tables, f1_schema: Schema) -> None:
    load_into_postgres(f1_tables, postgres_db)
    _assert_same(postgres_db, f1_schema)


@pytest.mark.parametrize("file_format", ["parquet", "csv"])
def test_s3_gives_the_same_schema(
    s3_bucket: str, file_format: str, f1_tables, f1_schema: Schema
) -> None:
    prefix = f"{s3_bucket}/f1-{file_format}"
    upload_to_s3(f1_tables, prefix, file_format=file_format)
    _assert_same(prefix, f1_schema)
