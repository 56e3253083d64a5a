"""The local job system with real processes: a detached worker runs real ``kfp.local``
pipeline runs (tests/client/job_pipelines.py) one at a time; other Python processes re-attach,
cancel, and find dead processes."""

import json
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path

import psutil
import pytest
from rich.console import Console

from relgraph.client.jobs import (
    JobCanceledError,
    JobError,
    JobFailedError,
    JobManager,
    JobMonitor,
    JobNotFinishedError,
    JobStatus,
    LocalBackend,
)
from relgraph.client.jobs.processes import group_members, is_running
from tests.client.job_fixtures import job_root, wait_for  # noqa: F401
from tests.client.job_pipelines import MODULE

SLEEP = f"{MODULE}:sleep_pipeline"
FAIL = f"{MODULE}:failing_pipeline"

REATTACH = """
import json, sys
from relgraph.client.jobs import JobManager
job = JobManager(root=sys.argv[1]).fetch_job(sys.argv[2])
result = job.attach()
print(json.dumps({"status": job.get_status().value, "outputs": result.outputs}))
"""


def _sleep_job(backend: LocalBackend, marker: Path, seconds: float, message: str) -> JobMonitor:
    arguments = {"seconds": seconds, "marker": str(marker), "message": message}
    return backend.submit(SLEEP, arguments, kind="test")


def _step_started(marker: Path) -> int:
    """Waits until the sleep step runs; returns the step process's pid."""
    started = marker.with_name(marker.name + ".started")
    wait_for(lambda: started.exists() and started.read_text(), what=f"{started}")
    return int(started.read_text())


def _group_gone(pgid: int) -> bool:
    return not group_members(pgid)


def test_submit_returns_at_once_and_a_new_process_reattaches(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root)
    marker = tmp_path / "done.txt"
    start = time.monotonic()
    job = _sleep_job(backend, marker, 1.0, "reattached")
    assert time.monotonic() - start < 2.0  # non-blocking: the worker runs it
    assert job.get_status() in (JobStatus.QUEUED, JobStatus.RUNNING)
    with pytest.raises(JobNotFinishedError, match=f"job {job.id} is (QUEUED|RUNNING)"):
        job.metrics()

    attached = subprocess.run(
        [sys.executable, "-c", REATTACH, str(job_root), job.id],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert "step started: reattached" in attached.stdout
    assert "step finished: reattached" in attached.stdout
    assert json.loads(attached.stdout.strip().splitlines()[-1])["status"] == "COMPLETED"
    assert marker.read_text() == "reattached"

    record = job.record()
    assert record.status == JobStatus.COMPLETED
    assert record.started is not None and record.finished is not None
    assert record.kind == "test" and record.cwd == str(tmp_path)
    wait_for(lambda: not is_running(record.pid, record.pid_started), what="the job to exit")
    # The log persists, for this process and any other.
    log = (job_root / "jobs" / job.id / "log.txt").read_text()
    assert "step finished: reattached" in log
    assert "".join(job.stream_logs(follow=False)) == log
    saved = json.loads((job_root / "jobs" / job.id / "job.json").read_text())
    assert saved["status"] == "COMPLETED" and saved["pgid"] == record.pid
    # A pipeline that trains nothing has no model to show or register.
    assert job.model_run_id is None and job.metrics() == {} and job.registered_models == []
    with pytest.raises(JobError, match="produced no holdout predictions"):
        job.holdout_df()
    with pytest.raises(JobError, match=f"job {job.id} trained no model"):
        job.register_model("nothing")


def test_cancel_ends_the_running_jobs_process_group(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root, cancel_grace_s=5.0)
    marker = tmp_path / "never.txt"
    job = _sleep_job(backend, marker, 60.0, "canceled")
    step_pid = _step_started(marker)
    record = job.record()
    assert record.status == JobStatus.RUNNING
    assert os.getpgid(step_pid) == record.pgid  # the pipeline's step is in the job's group

    start = time.monotonic()
    assert JobManager(root=job_root).cancel_job(job.id) == JobStatus.CANCELED
    assert time.monotonic() - start < 6.0
    assert _group_gone(record.pgid)
    assert not psutil.pid_exists(step_pid) or psutil.Process(step_pid).status() == "zombie"
    assert not marker.exists()
    with pytest.raises(JobCanceledError, match=f"job {job.id} was canceled"):
        job.result(timeout=5)
    # The worker sees its job process end; the job stays CANCELED, and canceling is idempotent.
    wait_for(lambda: not backend.worker_running(), what="the worker to exit")
    assert job.get_status() == JobStatus.CANCELED
    assert job.record().error == "canceled by the user"
    assert job.cancel() == JobStatus.CANCELED


def test_queued_jobs_run_one_after_the_other(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root)
    first = _sleep_job(backend, tmp_path / "first.txt", 1.5, "first")
    second = _sleep_job(backend, tmp_path / "second.txt", 0.2, "second")
    third = _sleep_job(backend, tmp_path / "third.txt", 30.0, "third")
    assert second.get_status() == JobStatus.QUEUED
    assert third.cancel() == JobStatus.CANCELED  # a queued job is simply marked
    # However often a waiting client looks, the worker that runs is the first one started.
    assert not any(backend.ensure_worker() for _ in range(5))

    second.result(timeout=60)
    a, b = first.record(), second.record()
    assert a.status == b.status == JobStatus.COMPLETED
    assert a.finished is not None and b.started is not None and a.finished <= b.started
    assert (tmp_path / "first.txt").read_text() == "first"
    assert (tmp_path / "second.txt").read_text() == "second"
    c = third.record()
    assert c.status == JobStatus.CANCELED and c.started is None and c.pid is None
    assert not (tmp_path / "third.txt.started").exists()
    wait_for(lambda: not backend.worker_running(), what="the idle worker to exit")
    worker_log = (job_root / "jobs" / "worker.log").read_text()
    assert worker_log.count("serving") == 1, worker_log
    assert a.worker_pid == b.worker_pid

    manager = JobManager(root=job_root)
    assert [job.id for job in manager.list_jobs()] == [first.id, second.id, third.id]
    assert [job.id for job in manager.list_jobs(status="canceled")] == [third.id]
    assert [job.id for job in manager.list_jobs(limit=1)] == [third.id]
    out = StringIO()
    manager.show_jobs(console=Console(file=out, width=250))
    table = out.getvalue()
    rows = {
        job.id: line
        for line in table.splitlines()
        for job in (first, second, third)
        if job.id in line
    }
    assert "COMPLETED" in rows[first.id] and "COMPLETED" in rows[second.id]
    assert "CANCELED" in rows[third.id] and "canceled by the user" in rows[third.id]


def test_a_killed_worker_fails_its_job_with_the_reason(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root)
    job = _sleep_job(backend, tmp_path / "never.txt", 60.0, "orphaned")
    step_pid = _step_started(tmp_path / "never.txt")
    record = job.record()
    os.kill(record.worker_pid, signal.SIGKILL)

    ended = job.wait(timeout=15)
    assert ended.status == JobStatus.FAILED
    assert f"the worker process (pid {record.worker_pid}) died" in ended.error
    wait_for(lambda: _group_gone(record.pgid), timeout=5, what="the job's processes to end")
    assert not is_running(step_pid, None)
    with pytest.raises(JobFailedError, match=r"worker process \(pid \d+\) died"):
        job.result()


def test_a_killed_job_process_is_recorded_by_its_worker(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root)
    job = _sleep_job(backend, tmp_path / "never.txt", 60.0, "killed")
    _step_started(tmp_path / "never.txt")
    record = job.record()
    os.killpg(record.pgid, signal.SIGKILL)

    ended = job.wait(timeout=15)
    assert ended.status == JobStatus.FAILED
    assert ended.error == (
        f"the job process (pid {record.pid}) was killed by SIGKILL before recording a result"
    )


def test_a_job_whose_process_and_worker_died_is_failed_when_read(
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    backend = LocalBackend(job_root)
    job = _sleep_job(backend, tmp_path / "never.txt", 60.0, "lost")
    _step_started(tmp_path / "never.txt")
    record = job.record()
    # Freeze the job first, so neither it nor its worker can record anything, then kill both.
    os.killpg(record.pgid, signal.SIGSTOP)
    os.kill(record.worker_pid, signal.SIGKILL)
    os.killpg(record.pgid, signal.SIGKILL)
    wait_for(lambda: _group_gone(record.pgid), timeout=5, what="the job's processes to end")
    saved = json.loads((job_root / "jobs" / job.id / "job.json").read_text())
    assert saved["status"] == "RUNNING"  # nobody recorded it...

    # ...until a new process reads it.
    status = JobManager(root=job_root).fetch_job(job.id).get_status()
    assert status == JobStatus.FAILED
    assert job.record().error == (
        f"the job process (pid {record.pid}) and its worker process (pid {record.worker_pid}) "
        "ended without recording a result"
    )


def test_a_failing_pipeline_fails_the_job_with_its_log(
    job_root: Path,  # noqa: F811
) -> None:
    job = LocalBackend(job_root).submit(FAIL, {"message": "no data for driver 7"})
    with pytest.raises(JobFailedError, match=f"job {job.id} .*failed: ") as caught:
        job.result(timeout=60)
    assert f"relgraph jobs logs {job.id}" in str(caught.value)
    assert "RuntimeError: no data for driver 7" in "".join(job.stream_logs(follow=False))
