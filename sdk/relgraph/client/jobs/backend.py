"""What every job backend does: submit, look up, cancel, and read the log of jobs."""

import json
import os
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.store import JobStore

if TYPE_CHECKING:
    from relgraph.client.jobs.monitor import JobMonitor


class JobBackend(ABC):
    """Runs jobs somewhere and keeps their records in a :class:`JobStore`.

    Subclasses set :attr:`name` (saved in each record as ``backend``) and implement
    :meth:`submit`, :meth:`refresh`, :meth:`cancel` and :meth:`log_lines`.
    """

    name: ClassVar[str]
    store: JobStore

    @abstractmethod
    def submit(
        self,
        pipeline: str,
        arguments: Mapping[str, Any] | None = None,
        *,
        kind: str = "pipeline",
        tags: Mapping[str, str] | None = None,
    ) -> "JobMonitor":
        """Submits a pipeline run as a job and returns at once.

        Args:
            pipeline: A name in ``relgraph.pipelines.PIPELINES``, or ``"module:function"``.
            arguments: The pipeline's arguments, JSON values (default: ``None``, none).
            kind: What the job is for, e.g. ``"fit"`` (default: ``"pipeline"``).
            tags: Free-form labels kept with the job (default: ``None``).

        Returns:
            A monitor of the new job.
        """

    @abstractmethod
    def refresh(self, record: JobRecord) -> JobRecord:
        """The record brought up to date with where the job really is."""

    @abstractmethod
    def cancel(self, job_id: str) -> JobRecord:
        """Cancels a job that has not ended; returns its record (unchanged if it had ended)."""

    @abstractmethod
    def log_lines(self, job_id: str, *, follow: bool = True) -> Iterator[str]:
        """The job's log, line by line; with ``follow``, until the job has ended."""

    def get(self, job_id: str) -> JobRecord:
        """The up-to-date record of job ``job_id``.

        Raises:
            JobNotFoundError: If there is no such job.
        """
        return self.refresh(self.store.read(job_id))

    def owns(self, record: JobRecord) -> bool:
        """Whether ``record`` is a job of this backend."""
        return record.backend == self.name

    def list(self) -> list[JobRecord]:
        """This backend's jobs, up to date, in submission order."""
        return [self.refresh(record) for record in self.store.records() if self.owns(record)]


def check_arguments(arguments: Mapping[str, Any] | None) -> dict[str, Any]:
    """The pipeline arguments as a dict of JSON values (paths become strings).

    Raises:
        ValueError: If an argument name is not a string or a value is not JSON (naming it).
    """
    checked: dict[str, Any] = {}
    for name, value in (arguments or {}).items():
        if not isinstance(name, str):
            raise ValueError(f"pipeline argument names must be strings, found {name!r}")
        if isinstance(value, os.PathLike):
            value = os.fspath(value)
        try:
            json.dumps(value, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"pipeline argument {name!r} is not a JSON value ({exc}); pass paths and "
                "URIs as strings, configs as dicts"
            ) from None
        checked[name] = value
    return checked
