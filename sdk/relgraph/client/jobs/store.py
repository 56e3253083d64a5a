"""Where jobs live on disk: one folder per job under ``<root>/jobs/``.

Layout::

    <root>/jobs/<id>/job.json      the record (written atomically: temporary file + rename)
    <root>/jobs/<id>/log.txt       everything the job's process printed
    <root>/jobs/<id>/.lock         held while a process changes the record
    <root>/jobs/<id>/pipeline/     the pipeline root of a local run (its artifacts)
    <root>/jobs/worker.lock        held by the local worker for as long as it runs
    <root>/jobs/worker.log         the worker's own log

Every change of a record is read-modify-write under the job's lock (POSIX ``flock``), so the
worker, the job's process and a client canceling it never overwrite each other; readers need
no lock, because the file is replaced whole.
"""

import fcntl
import json
import logging
import os
import re
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from relgraph.client.jobs.errors import JobNotFoundError
from relgraph.client.jobs.record import JobRecord
from relgraph.io import atomic_write_text

_logger = logging.getLogger(__name__)

DEFAULT_ROOT = Path(".relgraph")
"""The folder of relgraph's local state, relative to the current directory."""

RECORD_FILE = "job.json"
LOG_FILE = "log.txt"
PIPELINE_DIR = "pipeline"
_LOCK_FILE = ".lock"
_ID_PATTERN = re.compile(r"job-\d{8}-\d{6}-[0-9a-f]{6}")


class JobStore:
    """The job folders under ``<root>/jobs``.

    Args:
        root: relgraph's state folder (default: ``.relgraph``). It is made absolute, so the
            store means the same folder to every process.
    """

    def __init__(self, root: str | os.PathLike[str] = DEFAULT_ROOT) -> None:
        self.root = Path(root).resolve()
        self.jobs_dir = self.root / "jobs"

    def __repr__(self) -> str:
        return f"JobStore({str(self.root)!r})"

    # ------------------------------------------------------------------ paths

    def job_dir(self, job_id: str) -> Path:
        """The folder of job ``job_id``.

        Raises:
            ValueError: If ``job_id`` is not a job id (``job-YYYYMMDD-HHMMSS-xxxxxx``).
        """
        if not _ID_PATTERN.fullmatch(job_id):
            raise ValueError(
                f"{job_id!r} is not a job id; ids look like job-20250101-120000-a1b2c3 "
                "(`relgraph jobs list` shows them)"
            )
        return self.jobs_dir / job_id

    def log_path(self, job_id: str) -> Path:
        """The log file of job ``job_id``."""
        return self.job_dir(job_id) / LOG_FILE

    def pipeline_root(self, job_id: str) -> Path:
        """The folder a local run of job ``job_id`` writes its pipeline's artifacts to."""
        return self.job_dir(job_id) / PIPELINE_DIR

    @property
    def worker_lock_path(self) -> Path:
        """The lock file the local worker holds while it runs."""
        return self.jobs_dir / "worker.lock"

    @property
    def worker_log_path(self) -> Path:
        """The local worker's own log file."""
        return self.jobs_dir / "worker.log"

    def acquire_worker_lock(self) -> int | None:
        """Takes the worker lock without waiting.

        Returns:
            An open descriptor holding the lock (close it to let go, or hand it to the worker
            process, which then holds it), or ``None`` if another process holds the lock.
        """
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(self.worker_lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(descriptor)
            return None
        return descriptor

    # ---------------------------------------------------------------- records

    @staticmethod
    def new_id() -> str:
        """A fresh job id; ids of later submissions sort after earlier ones (to the second)."""
        return f"job-{datetime.now(UTC):%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"

    def create(self, record: JobRecord) -> JobRecord:
        """Saves a new job's folder and record.

        Args:
            record: The new job.

        Returns:
            The record.

        Raises:
            FileExistsError: If a job with that id exists.
        """
        folder = self.job_dir(record.id)
        folder.mkdir(parents=True, exist_ok=False)
        self.write(record)
        return record

    def write(self, record: JobRecord) -> None:
        """Replaces a job's ``job.json`` atomically (callers changing a record hold its lock)."""
        text = json.dumps(record.to_dict(), indent=2, allow_nan=False) + "\n"
        atomic_write_text(self.job_dir(record.id) / RECORD_FILE, text)

    def read(self, job_id: str) -> JobRecord:
        """The saved record of job ``job_id``.

        Raises:
            JobNotFoundError: If there is no such job; the message names the store and the
                latest jobs in it.
            ValueError: If the id is malformed or the record unreadable.
        """
        path = self.job_dir(job_id) / RECORD_FILE
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            known = self.ids()
            latest = ", ".join(known[-5:]) if known else "none"
            raise JobNotFoundError(
                f"no job {job_id} in {self.jobs_dir} (latest jobs: {latest}); "
                "`relgraph jobs list` shows them all"
            ) from None
        try:
            return JobRecord.from_dict(json.loads(text))
        except (ValueError, TypeError) as exc:
            raise ValueError(f"{path}: unreadable job record ({exc})") from exc

    def ids(self) -> list[str]:
        """The ids of all saved jobs, sorted (by submission time to the second)."""
        if not self.jobs_dir.is_dir():
            return []
        return sorted(
            entry.name
            for entry in self.jobs_dir.iterdir()
            if _ID_PATTERN.fullmatch(entry.name) and (entry / RECORD_FILE).is_file()
        )

    def records(self) -> list[JobRecord]:
        """All saved records, in submission order (unreadable ones are logged and skipped)."""
        records = []
        for job_id in self.ids():
            try:
                records.append(self.read(job_id))
            except (ValueError, JobNotFoundError) as exc:
                _logger.warning("skipping job %s: %s", job_id, exc)
        return sorted(records, key=lambda record: (record.created, record.id))

    @contextmanager
    def lock(self, job_id: str) -> Iterator[None]:
        """Holds job ``job_id``'s lock for the block (blocks until it is free)."""
        folder = self.job_dir(job_id)
        if not (folder / RECORD_FILE).is_file():
            self.read(job_id)  # raises JobNotFoundError, naming the jobs there are
        with open(folder / _LOCK_FILE, "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def update(self, job_id: str, change: Callable[[JobRecord], JobRecord]) -> JobRecord:
        """Applies ``change`` to the current record under the job's lock and saves the result.

        Args:
            job_id: The job.
            change: Takes the current record, returns the new one (the same object for no
                change, which writes nothing).

        Returns:
            The record after the change.
        """
        with self.lock(job_id):
            current = self.read(job_id)
            changed = change(current)
            if changed is not current:
                self.write(changed)
            return changed
