"""Tests of the ``relgraph`` app: help a newcomer can follow, version, the installed script."""

import logging
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import relgraph
from relgraph.cli.main import app

runner = CliRunner()


def test_help_lists_the_commands_and_where_to_start() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for words in ("relgraph demo", "schema", "--verbose", "s3://", "CSV/parquet"):
        assert words in result.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["schema", "--help"], ["infer", "show"]),
        (["schema", "infer", "--help"], ["SOURCE", "--output", "--overrides", "--tables", "--diagram", "--markdown", "--json", "relgraph schema infer ./data -o schema.json"]),
        (["schema", "show", "--help"], ["--markdown"]),
        (["demo", "--help"], ["--dir", ".relgraph/demo", "--seed", "--scale", "parquet|csv"]),
    ],
)  # fmt: skip
def test_every_command_has_help(args: list[str], expected: list[str]) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 0
    for words in expected:
        assert words in result.stdout


def test_no_arguments_shows_help_as_a_usage_error() -> None:
    result = runner.invoke(app, [])
    assert result.exit_code == 2
    assert "Usage: relgraph" in result.stdout


def test_unknown_command_is_a_usage_error() -> None:
    result = runner.invoke(app, ["trian"])
    assert result.exit_code == 2
    assert "No such command 'trian'" in result.stderr


def test_version() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.stdout.strip() == f"relgraph {relgraph.__version__}"


def test_installed_script_runs() -> None:
    script = shutil.which("relgraph", path=str(Path(sys.executable).parent))
    assert script is not None, f"no relgraph script next to {sys.executable}; pip install -e ."
    result = subprocess.run(
        [script, "--help"], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert "Usage: relgraph" in result.stdout
    assert "demo" in result.stdout and "schema" in result.stdout


def test_verbose_logs_progress_and_leaves_logging_as_it_was(tmp_path: Path) -> None:
    logger = logging.getLogger("relgraph")
    before = (logger.level, list(logger.handlers))
    result = runner.invoke(app, ["-v", "demo", "--dir", str(tmp_path), "--scale", "0.01"])
    assert result.exit_code == 0, result.stderr
    assert "wrote the demo shop (seed 0, scale 0.01)" in result.stderr  # an INFO record
    assert (logger.level, list(logger.handlers)) == before
    quiet = runner.invoke(app, ["demo", "--dir", str(tmp_path), "--scale", "0.01"])
    assert quiet.exit_code == 0, quiet.stderr
    assert "wrote the demo shop" not in quiet.stderr
