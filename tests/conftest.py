"""Shared fixtures: the real F1 data, and (in tests/servers.py) real S3 and PostgreSQL servers."""

import os
from pathlib import Path

import pytest

pytest_plugins = ["tests.servers"]

REPO_ROOT = Path(__file__).resolve().parents[1]
F1_DEFAULT = REPO_ROOT.parent / "shared" / "data" / "f1"


def f1_data_dir() -> Path:
    """The F1 data folder: ``RELGRAPH_F1_DATA``, default ``../shared/data/f1``."""
    return Path(os.environ.get("RELGRAPH_F1_DATA", F1_DEFAULT))


@pytest.fixture(scope="session")
def f1_dir() -> Path:
    """The F1 data folder; skips with the reason when it is absent."""
    path = f1_data_dir()
    if not (path / "races.csv").is_file():
        pytest.skip(f"F1 data not found at {path} (set RELGRAPH_F1_DATA to the folder of F1 CSVs)")
    return path
