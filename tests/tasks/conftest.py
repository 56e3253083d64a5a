"""Fixtures of the task tests: the F1 data with its inferred schema, and a tiny shop."""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.io import read_tables
from relgraph.schema import Schema, infer_schema
from tests.tasks.shop import shop_data, shop_schema


@pytest.fixture(scope="session")
def f1(f1_dir: Path) -> tuple[Schema, dict[str, pa.Table]]:
    """The F1 tables, read with relgraph.io, and the schema relgraph infers for them (keys,
    races timed by date + time of day, event tables timed by their race)."""
    data = read_tables(f1_dir)
    schema = infer_schema(data)
    schema.validate(data)
    return schema, data


@pytest.fixture
def shop() -> tuple[Schema, dict[str, pa.Table]]:
    """The shop schema and tables, checked against each other."""
    schema, data = shop_schema(), shop_data()
    schema.validate(data)
    return schema, data
