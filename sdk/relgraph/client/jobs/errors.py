"""Errors of the job system, each naming the job and saying what to do next."""


class JobError(RuntimeError):
    """Base class of the job errors below."""


class JobNotFoundError(LookupError, ValueError):
    """No job has the id that was asked for.

    A ``LookupError``, and a ``ValueError`` too: an unknown id is bad input, which the
    ``relgraph`` command reports as one line and exit code 1.
    """


class JobFailedError(JobError):
    """The job ended ``FAILED``; the message holds its error and where its log is."""


class JobCanceledError(JobError):
    """The job was canceled before it produced a result."""


class JobNotFinishedError(JobError):
    """A result of the job was asked for before the job completed."""
