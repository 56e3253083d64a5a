"""The README's quickstart runs as written, in a fresh process and an empty folder."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.client.job_fixtures import kill_job_processes
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def quickstart_code() -> str:
    """The first Python block after the README's ``## Quickstart`` heading."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, flags=re.DOTALL)
    assert match is not None, "README.md: no python block under ## Quickstart"
    return match.group(1)


def test_the_quickstart_trains_registers_and_predicts(tmp_path: Path) -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", quickstart_code()],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=900,
        )
    finally:
        kill_job_processes(tmp_path / ".relgraph")
    assert done.returncode == 0, done.stderr[-4000:]
    assert "('shop-churn', '1', ['candidate', 'champion'])" in done.stdout
    assert "PREDICTIONS_churn" in done.stdout
    predictions = list(tmp_path.glob("predictions/PREDICTIONS_churn.parquet"))
    assert len(predictions) == 1
