"""Jobs on this machine: a detached worker runs them one at a time through ``kfp.local``.

Submitting writes the job ``QUEUED`` under ``<root>/jobs/<id>/`` and makes sure a worker
(:mod:`relgraph.client.jobs.worker`) is running; the worker runs each job in a child process
that leads its own process group (:mod:`relgraph.client.jobs.runner`). Any Python process, or
``relgraph jobs``, can then list, follow, and cancel jobs by id: everything is in the job
folders. The pipelines' embedded defaults live in ``<root>`` too (the MLflow store
``<root>/mlflow.db``, predictions in ``<root>/predictions``), unless a job's arguments say
otherwise. POSIX only (``fork``, ``flock``, process groups).

Nothing stays ``RUNNING`` forever: every read checks that the job's process and its worker
are alive, and records a job whose process or worker died as ``FAILED``, saying which died.
A queued job whose worker is gone gets a new worker when it is read.
"""

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from relgraph.client.jobs.backend import JobBackend, check_arguments
from relgraph.client.jobs.monitor import JobMonitor
from relgraph.client.jobs.pipeline_ref import check_pipeline_ref
from relgraph.client.jobs.processes import end_group, is_running
from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import DEFAULT_ROOT, JobStore

_logger = logging.getLogger(__name__)

WORKER_MODULE = "relgraph.client.jobs.worker"
"""The module the worker process runs."""

_POLL_S = 0.2
_SETTLE_S = 2.0


class LocalBackend(JobBackend):
    """Runs jobs on this machine, one at a time, in a background worker process.

    Args:
        root: relgraph's state folder; jobs live in ``<root>/jobs`` (default: ``.relgraph``).
        cancel_grace_s: Seconds a canceled job's processes get to exit after SIGTERM before
            they are killed (default: ``10.0``).
        poll_s: How often waiting and log following look for news (default: ``0.2``).
    """

    name: ClassVar[str] = "local"

    def __init__(
        self,
        root: str | os.PathLike[str] = DEFAULT_ROOT,
        *,
        cancel_grace_s: float = 10.0,
        poll_s: float = _POLL_S,
    ) -> None:
        self.store = JobStore(root)
        self.cancel_grace_s = cancel_grace_s
        self.poll_s = poll_s

    def __repr__(self) -> str:
        return f"LocalBackend({str(self.store.root)!r})"

    def submit(
        self,
        pipeline: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        kind: str = "pipeline",
        tags: Mapping[str, str] | None = None,
        cwd: str | os.PathLike[str] | None = None,
    ) -> JobMonitor:
        """Queues a local run of a pipeline and returns at once; the worker runs it.

        Args:
            pipeline: A name in ``relgraph.pipelines.PIPELINES``, or ``"module:function"``
                naming a pipeline function the job's process can import.
            arguments: The pipeline's arguments, JSON values (default: ``None``, none).
            kind: What the job is for, e.g. ``"fit"`` (default: ``"pipeline"``).
            tags: Free-form labels kept with the job (default: ``None``).
            cwd: The folder the job runs in; relative paths in its arguments are relative to
                it (default: ``None``, the current directory).

        Returns:
            A monitor of the new job.

        Raises:
            ValueError: If the pipeline is unknown or an argument is not a JSON value.
        """
        check_pipeline_ref(pipeline)
        record = JobRecord(
            id=self.store.new_id(),
            pipeline=pipeline,
            arguments=check_arguments(arguments),
            backend=self.name,
            kind=kind,
            cwd=os.path.abspath(cwd if cwd is not None else os.getcwd()),
            tags={str(k): str(v) for k, v in (tags or {}).items()},
        )
        self.store.create(record)
        _logger.info("queued job %s (pipeline %s)", record.id, pipeline)
        self.ensure_worker()
        return JobMonitor(record.id, self)

    # ------------------------------------------------------------------ worker

    def worker_running(self) -> bool:
        """Whether a worker holds the store's worker lock right now."""
        lock = self.store.acquire_worker_lock()
        if lock is None:
            return True
        os.close(lock)
        return False

    def ensure_worker(self) -> bool:
        """Starts a detached worker unless one is running.

        The lock is taken here and handed to the worker, so concurrent callers start one
        worker between them.

        Returns:
            Whether a worker was started.
        """
        lock = self.store.acquire_worker_lock()
        if lock is None:
            return False
        try:
            with open(self.store.worker_log_path, "ab") as log:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        WORKER_MODULE,
                        str(self.store.root),
                        "--lock-fd",
                        f"{lock}",
                    ],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    pass_fds=(lock,),
                    env={**os.environ, "PYTHONUNBUFFERED": "1"},
                )
        finally:
            os.close(lock)  # the worker's inherited descriptor holds the lock now
        _logger.info("started job worker %d for %s", process.pid, self.store.jobs_dir)
        return True

    # ------------------------------------------------------------------- state

    def refresh(self, record: JobRecord) -> JobRecord:
        """The record, after checking that a running job's process and worker still live.

        A ``RUNNING`` job whose process ended is left to its worker to record for up to two
        seconds; a job whose worker died is stopped and marked ``FAILED``. A ``QUEUED`` job
        with no worker gets one.

        Args:
            record: A record of this backend.

        Returns:
            The up-to-date record.
        """
        if record.status == JobStatus.QUEUED:
            self.ensure_worker()
            return record
        if record.status != JobStatus.RUNNING:
            return record
        job_alive = is_running(record.pid, record.pid_started)
        worker_alive = is_running(record.worker_pid, record.worker_started)
        if job_alive and worker_alive:
            return record
        if worker_alive:  # the job process ended: its worker is about to record how
            deadline = time.monotonic() + _SETTLE_S
            while time.monotonic() < deadline:
                time.sleep(_POLL_S / 4)
                current = self.store.read(record.id)
                if current.status != JobStatus.RUNNING or current.pid != record.pid:
                    return current
        return self.store.update(record.id, self._record_lost)

    def _record_lost(self, record: JobRecord) -> JobRecord:
        if record.status != JobStatus.RUNNING:
            return record
        job_alive = is_running(record.pid, record.pid_started)
        worker_alive = is_running(record.worker_pid, record.worker_started)
        if job_alive and worker_alive:
            return record
        job = f"job process (pid {record.pid})"
        worker = f"worker process (pid {record.worker_pid})"
        if not worker_alive and job_alive:
            if record.pgid is not None:
                end_group(record.pgid, grace_s=0.0)
            error = f"the {worker} died while the job was running; the {job} was stopped"
        elif not worker_alive:
            error = f"the {job} and its {worker} ended without recording a result"
        else:
            error = f"the {job} ended without recording a result"
        _logger.warning("job %s: %s", record.id, error)
        return record.finish(JobStatus.FAILED, error=error)

    def cancel(self, job_id: str) -> JobRecord:
        """Cancels a job: a queued one is marked ``CANCELED``; a running one is marked
        ``CANCELED`` and its process group ends (SIGTERM, then SIGKILL after
        ``cancel_grace_s``).

        Args:
            job_id: The job.

        Returns:
            The job's record; unchanged if it had ended already.

        Raises:
            JobNotFoundError: If there is no such job.
        """
        before: JobRecord | None = None

        def mark(record: JobRecord) -> JobRecord:
            nonlocal before
            before = record
            if record.status.is_finished:
                return record
            return record.finish(JobStatus.CANCELED, error="canceled by the user")

        after = self.store.update(job_id, mark)
        if before is not None and before.status == JobStatus.RUNNING and before.pgid is not None:
            if end_group(before.pgid, grace_s=self.cancel_grace_s):
                _logger.info("job %s canceled; its processes ended", job_id)
            else:
                _logger.warning(
                    "job %s canceled, but process group %d remains", job_id, before.pgid
                )
        return after

    # -------------------------------------------------------------------- logs

    def log_lines(self, job_id: str, *, follow: bool = True) -> Iterator[str]:
        """The job's log, line by line (each ending in a newline but perhaps the last).

        Args:
            job_id: The job.
            follow: Keep reading as the job writes, until it has ended (default: ``True``);
                else stop at the end of what is written now.

        Yields:
            Lines of the log.

        Raises:
            JobNotFoundError: If there is no such job.
        """
        self.store.read(job_id)  # raises for an unknown job
        path = self.store.log_path(job_id)
        handle = None
        pending = ""
        try:
            while True:
                # Look at the state before reading: what the job wrote before it ended is
                # then read in this same round.
                ended = not follow or self.get(job_id).status.is_finished
                if handle is None and path.exists():
                    handle = open(path, encoding="utf-8", errors="replace", newline="")  # noqa: SIM115
                data = handle.read() if handle is not None else ""
                if data:
                    *lines, pending = (pending + data).split("\n")
                    for line in lines:
                        yield line + "\n"
                if ended:
                    if pending:
                        yield pending
                    return
                if not data:
                    time.sleep(self.poll_s)
        finally:
            if handle is not None:
                handle.close()
