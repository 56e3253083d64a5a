"""The states a job goes through: QUEUED -> RUNNING -> COMPLETED | FAILED | CANCELED."""

from enum import StrEnum


class JobStatus(StrEnum):
    """The state of a job, the same on every backend.

    A job is ``QUEUED`` until a worker (or the cluster) starts it, ``RUNNING`` while its
    pipeline runs, and ends ``COMPLETED``, ``FAILED`` (its pipeline raised, or its process or
    worker died) or ``CANCELED``. The three end states are final.
    """

    QUEUED = "QUEUED"
    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def is_finished(self) -> bool:
        """Whether the job has ended (``COMPLETED``, ``FAILED`` or ``CANCELED``)."""
        return self in _FINISHED

    @classmethod
    def parse(cls, text: str) -> "JobStatus":
        """The status named by ``text``, in any letter case.

        Args:
            text: A status name, e.g. ``"running"``.

        Returns:
            The status.

        Raises:
            ValueError: If ``text`` names no status; the message lists the valid names.
        """
        try:
            return cls(text.strip().upper())
        except ValueError:
            names = ", ".join(status.value for status in cls)
            raise ValueError(f"unknown job status {text!r}; expected one of {names}") from None


_FINISHED = frozenset({JobStatus.COMPLETED, JobStatus.FAILED, JobStatus.CANCELED})
