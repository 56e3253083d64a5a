"""The persisted state of one job: what it runs, where it is, and how it ended.

A record is immutable; a change is a new record (:meth:`JobRecord.evolve`) that the store
writes atomically. It is saved as ``.relgraph/jobs/<id>/job.json``.
"""

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from relgraph.client.jobs.result import JobResult
from relgraph.client.jobs.status import JobStatus

FORMAT_VERSION = 1
"""The version of the ``job.json`` layout."""


def utc_now() -> str:
    """The current time as ISO 8601 in UTC, to the microsecond."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class JobRecord:
    """One job, as saved in ``job.json``.

    Args:
        id: The job id (``job-<UTC time>-<random>``, so ids sort by submission).
        pipeline: The pipeline it runs: a name in ``relgraph.pipelines.PIPELINES``, or
            ``"module:attribute"`` naming a pipeline function.
        arguments: The pipeline's arguments (JSON values).
        backend: Where it runs: ``"local"`` or ``"kubeflow"``.
        kind: What the job is for, e.g. ``"fit"``, ``"predict"`` (default: ``"pipeline"``).
        status: Its state (default: ``QUEUED``).
        created: When it was submitted (default: now).
        started: When it started running (default: ``None``).
        finished: When it ended (default: ``None``).
        cwd: The folder it runs in, for relative paths in its arguments (default: ``None``).
        pid: The job process (local backend; it leads its own process group, so the group id
            is the same) (default: ``None``).
        pid_started: The job process's start time, to tell it from a later process that got
            the same pid (default: ``None``).
        worker_pid: The worker process that started the job (default: ``None``).
        worker_started: The worker process's start time (default: ``None``).
        error: Why it failed or was canceled (default: ``None``).
        result: What it produced, once ``COMPLETED`` (default: ``None``).
        tags: Free-form labels given at submission (default: empty).
        remote: Where a Kubeflow job runs: ``host``, ``namespace``, ``run_id``, ``url``,
            ``experiment`` (default: empty).
    """

    id: str
    pipeline: str
    arguments: dict[str, Any]
    backend: str
    kind: str = "pipeline"
    status: JobStatus = JobStatus.QUEUED
    created: str = field(default_factory=utc_now)
    started: str | None = None
    finished: str | None = None
    cwd: str | None = None
    pid: int | None = None
    pid_started: float | None = None
    worker_pid: int | None = None
    worker_started: float | None = None
    error: str | None = None
    result: JobResult | None = None
    tags: dict[str, str] = field(default_factory=dict)
    remote: dict[str, str] = field(default_factory=dict)

    @property
    def pgid(self) -> int | None:
        """The job's process group (its process leads it), or ``None`` before it started."""
        return self.pid

    @property
    def seconds(self) -> float | None:
        """How long it ran (until now while it runs), or ``None`` before it started."""
        if self.started is None:
            return None
        end = datetime.fromisoformat(self.finished) if self.finished else datetime.now(UTC)
        return (end - datetime.fromisoformat(self.started)).total_seconds()

    def evolve(self, **changes: Any) -> "JobRecord":
        """A copy with ``changes`` applied (see :func:`dataclasses.replace`)."""
        return dataclasses.replace(self, **changes)

    def finish(
        self, status: JobStatus, *, error: str | None = None, result: JobResult | None = None
    ) -> "JobRecord":
        """The record ended with ``status``, now.

        Args:
            status: The end state.
            error: Why it failed or was canceled (default: ``None``).
            result: What it produced (default: ``None``).

        Returns:
            The ended record.

        Raises:
            ValueError: If ``status`` is not an end state, or the job has ended already.
        """
        if not status.is_finished:
            raise ValueError(f"job {self.id}: {status} is not an end state")
        if self.status.is_finished:
            raise ValueError(f"job {self.id} has ended already ({self.status})")
        return self.evolve(status=status, finished=utc_now(), error=error, result=result)

    def to_dict(self) -> dict[str, Any]:
        """The record as JSON-ready data (the content of ``job.json``)."""
        data = {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}
        data["status"] = self.status.value
        data["pgid"] = self.pgid
        data["result"] = self.result.to_dict() if self.result is not None else None
        return {"format_version": FORMAT_VERSION, **data}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "JobRecord":
        """The record saved by :meth:`to_dict`.

        Args:
            data: The content of ``job.json``.

        Returns:
            The record.

        Raises:
            ValueError: If a required field is missing or the layout is newer than this code.
        """
        version = data.get("format_version")
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise ValueError(
                f"job record format_version {version!r} is not supported (this relgraph reads "
                f"up to {FORMAT_VERSION}); upgrade relgraph"
            )
        missing = [name for name in ("id", "pipeline", "backend", "status") if name not in data]
        if missing:
            raise ValueError(f"job record lacks {', '.join(missing)}")
        names = {f.name for f in dataclasses.fields(cls)}
        values = {k: v for k, v in data.items() if k in names}
        values["status"] = JobStatus.parse(data["status"])
        values["arguments"] = dict(data.get("arguments") or {})
        result = data.get("result")
        values["result"] = JobResult.from_dict(result) if result is not None else None
        return cls(**values)
