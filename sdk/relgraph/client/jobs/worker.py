"""The local worker: runs queued jobs one at a time, in submission order.

Started detached by :class:`~relgraph.client.jobs.LocalBackend` as
``python -m relgraph.client.jobs.worker <root>`` (its own session and process group, so it
outlives the Python process that submitted the job). It holds ``<root>/jobs/worker.lock`` for
as long as it runs, so a second worker gives up at once; it exits when no job is queued. The
process starting it takes the lock first and hands it over (an inherited descriptor), so
there is no moment in which a worker is starting but the lock looks free.

Each job runs in a child process (:mod:`relgraph.client.jobs.runner`) that leads its own
session and process group and writes to the job's log. The worker waits for it, and if it
ended without recording how (killed, crashed), marks the job ``FAILED`` with its exit status.

The child is forked, not started from scratch: the worker imports the pipeline runner
(``kfp``, and relgraph's pipelines when a job needs them) once, and each job starts at once
instead of paying seconds of imports. The worker runs no threads, so forking it is safe; it
exits when its queue is empty, so a later job runs in a new worker with the code as it is
then. (A job process therefore shows the worker's command line in ``ps``; its pid is in the
job record.) POSIX only: ``fork``, ``flock``.
"""

import argparse
import fcntl
import logging
import os
import sys
import traceback

from relgraph.client.jobs import runner
from relgraph.client.jobs.pipeline_ref import is_import_ref
from relgraph.client.jobs.processes import describe_exit, end_group, start_time
from relgraph.client.jobs.record import JobRecord, utc_now
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import JobStore

_logger = logging.getLogger(__name__)

_LEFTOVER_GRACE_S = 1.0


def serve(store: JobStore, lock: int) -> None:
    """Runs queued jobs until none is left.

    Args:
        store: The job store to serve.
        lock: An open descriptor of the store's worker lock file, locked (``flock``) by this
            process, or locked by the process that started it and inherited.
    """
    _logger.info("worker %d serving %s", os.getpid(), store.jobs_dir)
    while True:
        while (record := next_queued(store)) is not None:
            try:
                _preload(record.pipeline)
                run_queued_job(store, record.id)
            except Exception as exc:  # one broken job must not stop the queue
                _logger.exception("job %s could not be run", record.id)
                error = f"the worker could not run the job: {type(exc).__name__}: {exc}"
                store.update(record.id, lambda r, e=error: _give_up(r, e))
        fcntl.flock(lock, fcntl.LOCK_UN)
        # A job submitted while the lock was still held saw a running worker and started
        # none: look once more after letting go of the lock.
        if next_queued(store) is None:
            _logger.info("no job queued; worker %d exits", os.getpid())
            return
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            _logger.info("another worker took over; worker %d exits", os.getpid())
            return


def next_queued(store: JobStore) -> JobRecord | None:
    """The earliest submitted local job that is still ``QUEUED``, or ``None``."""
    for record in store.records():
        if record.backend == "local" and record.status == JobStatus.QUEUED:
            return record
    return None


def run_queued_job(store: JobStore, job_id: str) -> None:
    """Runs one queued job to its end (unless it was canceled meanwhile).

    Args:
        store: The job store.
        job_id: The job.
    """
    with store.lock(job_id):
        record = store.read(job_id)
        if record.status != JobStatus.QUEUED:
            return
        try:
            pid = _fork_job_process(store, job_id)
        except OSError as exc:
            error = f"could not start the job process: {exc}"
            _logger.error("job %s: %s", job_id, error)
            store.write(record.evolve(started=utc_now()).finish(JobStatus.FAILED, error=error))
            return
        store.write(
            record.evolve(
                status=JobStatus.RUNNING,
                started=utc_now(),
                pid=pid,
                pid_started=start_time(pid),
                worker_pid=os.getpid(),
                worker_started=start_time(os.getpid()),
            )
        )
    _logger.info("job %s running as process %d", job_id, pid)
    _, wait_status = os.waitpid(pid, 0)
    how = describe_exit(os.waitstatus_to_exitcode(wait_status))
    end_group(pid, grace_s=_LEFTOVER_GRACE_S)  # step processes it left behind
    _logger.info("job %s: process %d %s", job_id, pid, how)

    def settle(current: JobRecord) -> JobRecord:
        if current.status != JobStatus.RUNNING or current.pid != pid:
            return current
        error = f"the job process (pid {pid}) {how} before recording a result"
        return current.finish(JobStatus.FAILED, error=error)

    store.update(job_id, settle)


def _fork_job_process(store: JobStore, job_id: str) -> int:
    """Forks the job's process: a new session, output to the job's log, then
    :func:`runner.run`. Returns its pid (in the worker; the child never returns)."""
    log = os.open(store.log_path(job_id), os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(log, f"relgraph: job {job_id} started by worker {os.getpid()}\n".encode())
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:
            _become_job_process(store, job_id, log)
    finally:
        os.close(log)
    return pid


def _become_job_process(store: JobStore, job_id: str, log: int) -> None:
    """The forked child: runs the job and exits, never returning into the worker's loop."""
    code = 1
    try:
        os.setsid()
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.dup2(log, 1)
        os.dup2(log, 2)
        # Drop the worker's descriptors, its locks among them: a job must not keep the
        # worker lock held after the worker is gone.
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        code = runner.run(store, job_id)
    except BaseException:
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def _preload(pipeline: str) -> None:
    """Imports what a job of ``pipeline`` needs (kfp; relgraph's pipelines for a registered
    name) into the worker, once, so that the jobs forked from it start at once."""
    from kfp import local  # noqa: F401

    if not is_import_ref(pipeline):
        import relgraph.pipelines  # noqa: F401


def _give_up(record: JobRecord, error: str) -> JobRecord:
    return record if record.status.is_finished else record.finish(JobStatus.FAILED, error=error)


def main(argv: list[str] | None = None) -> int:
    """Serves the job store named on the command line.

    Args:
        argv: ``[root]`` or ``[root, "--lock-fd", N]`` (default: ``None``,
            ``sys.argv[1:]``).

    Returns:
        The exit code (0).
    """
    parser = argparse.ArgumentParser(prog="python -m relgraph.client.jobs.worker")
    parser.add_argument("root", help="relgraph's state folder (holds jobs/)")
    parser.add_argument(
        "--lock-fd",
        type=int,
        help="an inherited descriptor of the worker lock file, already locked by the parent",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stdout,
        format="%(asctime)s %(levelname)s worker %(process)d: %(message)s",
        force=True,
    )
    store = JobStore(args.root)
    lock = args.lock_fd if args.lock_fd is not None else store.acquire_worker_lock()
    if lock is None:
        _logger.info("another worker serves %s; exiting", store.jobs_dir)
        return 0
    serve(store, lock)
    return 0


if __name__ == "__main__":
    sys.exit(main())
