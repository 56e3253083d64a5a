"""Fixtures for model tests: the tiny shop graph."""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.graph import GraphArtifact, materialize
from relgraph.schema import infer_schema
from tests.nn.tiny_shop import shop_tables


@pytest.fixture(scope="session")
def tiny_tables() -> dict[str, pa.Table]:
    """The tiny shop tables."""
    return shop_tables()


@pytest.fixture(scope="session")
def tiny_artifact(
    tiny_tables: dict[str, pa.Table], tmp_path_factory: pytest.TempPathFactory
) -> GraphArtifact:
    """The tiny shop graph, encoders fitted on every row."""
    dest: Path = tmp_path_factory.mktemp("tiny_graph") / "graph"
    return materialize(tiny_tables, infer_schema(tiny_tables), dest)
