"""All jobs of a state folder: list them, show them as a table, fetch one, cancel one."""

import logging
import os

from rich.console import Console

from relgraph.client.jobs.backend import JobBackend
from relgraph.client.jobs.errors import JobNotFoundError
from relgraph.client.jobs.kubeflow_backend import KubeflowBackend
from relgraph.client.jobs.local_backend import LocalBackend
from relgraph.client.jobs.monitor import JobMonitor
from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.render import jobs_table
from relgraph.client.jobs.status import JobStatus
from relgraph.client.jobs.store import DEFAULT_ROOT, JobStore

_logger = logging.getLogger(__name__)


class JobManager:
    """The jobs of one backend, or of every backend whose jobs are kept under ``root``.

    Args:
        backend: Only this backend's jobs (default: ``None``: all jobs under ``root``, local
            and Kubeflow, each looked up through its own backend).
        root: relgraph's state folder when no backend is given (default: ``.relgraph``).
    """

    def __init__(
        self, backend: JobBackend | None = None, *, root: str | os.PathLike[str] = DEFAULT_ROOT
    ) -> None:
        self.backend = backend
        self.store = backend.store if backend is not None else JobStore(root)
        self._backends: dict[tuple[str, ...], JobBackend] = {}

    def __repr__(self) -> str:
        scope = repr(self.backend) if self.backend is not None else repr(str(self.store.root))
        return f"JobManager({scope})"

    def records(
        self, *, status: JobStatus | str | None = None, limit: int | None = None
    ) -> list[JobRecord]:
        """The jobs' up-to-date records, oldest first.

        Args:
            status: Only jobs in this state (default: ``None``, all).
            limit: Only the latest ``limit`` jobs (default: ``None``, all).

        Returns:
            The records.

        Raises:
            ValueError: If ``status`` names no state or ``limit`` is below 1.
        """
        wanted = JobStatus.parse(status) if isinstance(status, str) else status
        if limit is not None and limit < 1:
            raise ValueError(f"limit must be at least 1, found {limit}")
        records = [
            self._refreshed(record)
            for record in self.store.records()
            if self.backend is None or self.backend.owns(record)
        ]
        if wanted is not None:
            records = [record for record in records if record.status == wanted]
        return records[-limit:] if limit is not None else records

    def list_jobs(
        self, *, status: JobStatus | str | None = None, limit: int | None = None
    ) -> list[JobMonitor]:
        """Monitors of the jobs, oldest first (see :meth:`records` for the arguments)."""
        return [
            JobMonitor(record.id, self._backend_for(record))
            for record in self.records(status=status, limit=limit)
        ]

    def show_jobs(
        self,
        *,
        status: JobStatus | str | None = None,
        limit: int | None = None,
        console: Console | None = None,
    ) -> None:
        """Prints the jobs as a table (see :meth:`records` for the filters).

        Args:
            status: Only jobs in this state (default: ``None``, all).
            limit: Only the latest ``limit`` jobs (default: ``None``, all).
            console: Where to print (default: ``None``, standard output).
        """
        (console or Console()).print(jobs_table(self.records(status=status, limit=limit)))

    def fetch_job(self, job_id: str) -> JobMonitor:
        """A monitor of job ``job_id``, e.g. one submitted by another process.

        Raises:
            JobNotFoundError: If there is no such job (among this manager's backend's jobs).
        """
        return JobMonitor(job_id, self._backend_for(self.store.read(job_id)))

    def cancel_job(self, job_id: str) -> JobStatus:
        """Cancels job ``job_id`` if it has not ended.

        Returns:
            Its state afterwards: ``CANCELED``, or the end state it had reached.

        Raises:
            JobNotFoundError: If there is no such job.
        """
        return self.fetch_job(job_id).cancel()

    def _backend_for(self, record: JobRecord) -> JobBackend:
        if self.backend is not None:
            if not self.backend.owns(record):
                raise JobNotFoundError(
                    f"job {record.id} runs on {record.backend}, not on {self.backend!r}; "
                    "use JobManager() to see the jobs of every backend"
                )
            return self.backend
        if record.backend == LocalBackend.name:
            key: tuple[str, ...] = (LocalBackend.name,)
            if key not in self._backends:
                self._backends[key] = LocalBackend(self.store.root)
        elif record.backend == KubeflowBackend.name:
            key = (KubeflowBackend.name, *(record.remote.get(k, "") for k in ("host", "namespace")))
            if key not in self._backends:
                self._backends[key] = KubeflowBackend.for_record(record, root=self.store.root)
        else:
            raise ValueError(f"job {record.id} has an unknown backend {record.backend!r}")
        return self._backends[key]

    def _refreshed(self, record: JobRecord) -> JobRecord:
        try:
            return self._backend_for(record).refresh(record)
        except OSError as exc:  # an unreachable cluster: show what is known rather than nothing
            _logger.warning("job %s: showing its last known state (%s)", record.id, exc)
            return record
