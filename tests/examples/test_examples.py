"""The scripts in examples/ run as a user would run them (``--quick``: tiny data and model),
all three at once, each in a folder of its own, and write their predictions."""

import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from tests.client.job_fixtures import WORKER_EXIT_WAIT_S, job_processes, kill_job_processes
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow

EXAMPLES = {
    "node_classification": ["PREDICTIONS_churn.parquet"],
    "regression": ["PREDICTIONS_spend.parquet"],
    "link_prediction": [
        "PREDICTIONS_next_reviews.parquet",
        "EMBEDDINGS_SRC_customer_id_next_reviews.parquet",
        "EMBEDDINGS_TGT_product_id_next_reviews.parquet",
    ],
}
TIMEOUT_S = 1200


def test_every_example_has_a_test() -> None:
    assert sorted(p.stem for p in (REPO_ROOT / "examples").glob("*.py")) == sorted(EXAMPLES)


def test_examples_run_and_write_predictions(tmp_path: Path) -> None:
    try:
        failed = _run_examples(tmp_path)
    finally:
        deadline = time.monotonic() + WORKER_EXIT_WAIT_S
        roots = [tmp_path / name / ".relgraph" for name in EXAMPLES]
        while any(job_processes(root) for root in roots) and time.monotonic() < deadline:
            time.sleep(0.1)
        for root in roots:
            kill_job_processes(root)
    assert not failed, "\n\n".join(failed)
    for name, files in EXAMPLES.items():
        for file in files:
            assert pq.read_table(tmp_path / name / "predictions" / file).num_rows > 0, (name, file)


def _run_examples(tmp_path: Path) -> list[str]:
    """Runs every example with ``--quick`` in ``tmp_path/<name>``; returns what failed."""
    # Each example waits mostly on its pipeline's step processes starting up, so the three
    # run side by side; each has its own folder, so its own job worker and MLflow store.
    running = {}
    for name in EXAMPLES:
        folder = tmp_path / name
        folder.mkdir()
        log = (folder / "output.txt").open("w")
        running[name] = (
            subprocess.Popen(
                [sys.executable, str(REPO_ROOT / "examples" / f"{name}.py"), "--quick"],
                cwd=folder,
                stdout=log,
                stderr=subprocess.STDOUT,
            ),
            log,
        )
    failed = []
    for name, (process, log) in running.items():
        try:
            code = process.wait(timeout=TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            code = "timeout"
        log.close()
        if code != 0:
            output = (tmp_path / name / "output.txt").read_text()[-3000:]
            failed.append(f"{name} exited {code}:\n{output}")
    return failed
