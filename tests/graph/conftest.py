"""Fixtures for graph tests: the F1 tables, their schema, and their materialized graph."""

from pathlib import Path

import pyarrow as pa
import pytest

from relgraph.datasets import REL_F1_SPLIT
from relgraph.graph import GraphArtifact, materialize
from relgraph.io import read_tables
from relgraph.schema import Schema, infer_schema

F1_CUTOFF = REL_F1_SPLIT.test_time
"""The RelBench rel-f1 test timestamp: encoders may only fit on rows up to it."""


@pytest.fixture(scope="session")
def f1_cutoff():
    """The cutoff the F1 graph's encoders are fitted at."""
    return F1_CUTOFF


@pytest.fixture(scope="session")
def f1_tables(f1_dir: Path) -> dict[str, pa.Table]:
    """The F1 tables, read with relgraph.io."""
    return read_tables(f1_dir)


@pytest.fixture(scope="session")
def f1_schema(f1_tables: dict[str, pa.Table]) -> Schema:
    """The inferred F1 schema (keys, races time = date + time, event tables inherit race time)."""
    return infer_schema(f1_tables)


@pytest.fixture(scope="session")
def f1_artifact(
    f1_tables: dict[str, pa.Table], f1_schema: Schema, tmp_path_factory: pytest.TempPathFactory
) -> GraphArtifact:
    """The F1 graph, materialized with encoders fitted up to :data:`F1_CUTOFF`."""
    dest = tmp_path_factory.mktemp("f1_graph") / "graph"
    return materialize(f1_tables, f1_schema, dest, cutoff_time=F1_CUTOFF)
