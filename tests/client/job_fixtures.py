"""Fixtures of the job tests: a job store in a temporary folder whose processes never outlive
the test.

Import the fixture into a test module (``from tests.client.job_fixtures import job_root``).
"""

import os
import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

from tests.conftest import REPO_ROOT

WORKER_EXIT_WAIT_S = 10.0


def job_processes(root: Path) -> list[psutil.Process]:
    """The live workers and job processes of the store at ``root`` (their command lines name
    it)."""
    needle = str(root.resolve())
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        try:
            if process.info["status"] == psutil.STATUS_ZOMBIE:
                continue
            if any(needle in part for part in process.info["cmdline"] or ()):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def kill_job_processes(root: Path) -> list[int]:
    """Kills (SIGKILL) the process groups of the store's leftover processes; returns their
    pids."""
    leftovers = job_processes(root)
    for process in leftovers:
        try:
            os.killpg(os.getpgid(process.pid), signal.SIGKILL)
        except ProcessLookupError:
            continue
    return [process.pid for process in leftovers]


def wait_for(
    condition: Callable[[], object], timeout: float = 30.0, what: str = "condition"
) -> None:
    """Polls ``condition()`` until it is true; fails the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def job_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A state folder ``<tmp>/.relgraph`` in the test's current directory. Job processes can
    import ``tests.client.job_pipelines``. Afterwards the worker gets a few seconds to exit on
    its own (its queue is empty), then anything of the store still running is killed."""
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH")) if p)
    monkeypatch.setenv("PYTHONPATH", path)
    monkeypatch.chdir(tmp_path)
    root = tmp_path / ".relgraph"
    yield root
    deadline = time.monotonic() + WORKER_EXIT_WAIT_S
    while job_processes(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    kill_job_processes(root)
