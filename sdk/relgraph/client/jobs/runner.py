"""The job process: runs one local job's pipeline and records how it ended.

The worker forks it (:func:`relgraph.client.jobs.worker.run_queued_job`) as the leader of a new
session and process group (so canceling the job ends the pipeline's step processes too), with
its standard output and error going to the job's ``log.txt``, and it calls :func:`run`: the
pipeline runs with ``relgraph.client.local_pipeline.run_pipeline`` (``kfp.local``), then the
job is recorded ``COMPLETED`` with a summary of the outputs, or ``FAILED`` with the error.

If the worker that started it dies, the job is stopped and marked ``FAILED``: a job nobody
supervises would break the one-job-at-a-time rule once a new worker starts the next one.
"""

import logging
import os
import signal
import sys
import threading
import time

from relgraph.client.jobs.pipeline_ref import load_pipeline
from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.result import JobResult, summarize_outputs
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import JobStore
from relgraph.client.local_pipeline import PipelineRunError, run_pipeline

_logger = logging.getLogger(__name__)

ORPHAN_POLL_S = 0.5
"""How often the job process checks that its worker is still alive."""


def run_job(store: JobStore, record: JobRecord) -> JobResult:
    """Runs a job's pipeline locally and summarizes what it produced.

    The pipeline's embedded defaults (MLflow store, predictions) live in the store's root.

    Args:
        store: The job store (for the job's pipeline root and the state folder).
        record: The job.

    Returns:
        The summary of the pipeline's outputs.

    Raises:
        PipelineRunError: If a step of the pipeline failed.
        Exception: Whatever else the pipeline raised.
    """
    pipeline = load_pipeline(record.pipeline)
    run = run_pipeline(
        pipeline,
        record.arguments,
        pipeline_root=store.pipeline_root(record.id),
        state_dir=store.root,
    )
    return summarize_outputs(run.outputs, seconds=run.seconds, cwd=record.cwd)


def run(store: JobStore, job_id: str) -> int:
    """Runs job ``job_id`` in this process, which the worker started for it.

    Args:
        store: The job store.
        job_id: The job; its record must say ``RUNNING`` with this process's pid, else
            nothing is run (it was canceled before it began).

    Returns:
        The exit code: 0 when the job completed (or had been canceled before it began), 1 when
        it failed.
    """
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        force=True,
    )
    with store.lock(job_id):  # the worker holds it until the record says RUNNING
        record = store.read(job_id)
    if record.status != JobStatus.RUNNING or record.pid != os.getpid():
        _logger.warning("job %s is %s; not running it", record.id, record.status)
        return 0
    _stop_when_orphaned(store, record.id)
    _logger.info("job %s: running pipeline %r in %s", record.id, record.pipeline, record.cwd)
    try:
        if record.cwd is not None:
            os.chdir(record.cwd)
            sys.path.insert(0, record.cwd)  # as `python -m` would: the job's own modules
        result = run_job(store, record)
    except Exception as exc:
        if isinstance(exc, PipelineRunError):  # the failed step's traceback is in the log
            _logger.error("job %s failed: %s", record.id, exc)
        else:
            _logger.exception("job %s failed", record.id)
        error = f"{type(exc).__name__}: {exc}"
        store.update(record.id, lambda r: _finish(r, JobStatus.FAILED, error=error))
        return 1
    _logger.info("job %s completed in %.1f s", record.id, result.seconds or 0.0)
    store.update(record.id, lambda r: _finish(r, JobStatus.COMPLETED, result=result))
    return 0


def _finish(
    record: JobRecord,
    status: JobStatus,
    *,
    error: str | None = None,
    result: JobResult | None = None,
) -> JobRecord:
    # A job canceled (or given up on) while its pipeline ran keeps that end state.
    if record.status != JobStatus.RUNNING or record.pid != os.getpid():
        return record
    return record.finish(status, error=error, result=result)


def _stop_when_orphaned(store: JobStore, job_id: str) -> None:
    """Starts a thread that fails the job and ends its process group if the worker dies."""
    worker = os.getppid()

    def watch() -> None:
        while os.getppid() == worker:
            time.sleep(ORPHAN_POLL_S)
        error = f"the worker process (pid {worker}) died while the job was running"
        _logger.error("job %s: %s; stopping the job", job_id, error)
        store.update(job_id, lambda r: _finish(r, JobStatus.FAILED, error=error))
        os.killpg(os.getpgrp(), signal.SIGKILL)

    threading.Thread(target=watch, name="relgraph-job-orphan-watch", daemon=True).start()
