"""Jobs as a rich table, for ``JobManager.show_jobs`` and ``relgraph jobs list``."""

from collections.abc import Sequence
from datetime import datetime

from rich.table import Table

from relgraph.client.jobs.record import JobRecord
from relgraph.client.jobs.status import JobStatus

STATUS_STYLES = {
    JobStatus.QUEUED: "yellow",
    JobStatus.RUNNING: "cyan",
    JobStatus.COMPLETED: "green",
    JobStatus.FAILED: "bold red",
    JobStatus.CANCELED: "magenta",
}
"""The colour of each job state."""


def jobs_table(records: Sequence[JobRecord], *, title: str | None = "relgraph jobs") -> Table:
    """A table of jobs: id, state, pipeline, backend, submission time, duration, model run,
    and the error of a failed one.

    Args:
        records: The jobs, in the order to show them.
        title: The table's title (default: ``"relgraph jobs"``).

    Returns:
        The rich table.
    """
    table = Table(title=title, title_justify="left")
    table.add_column("job", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("pipeline")
    table.add_column("kind")
    table.add_column("backend")
    table.add_column("submitted", no_wrap=True)
    table.add_column("duration", justify="right", no_wrap=True)
    table.add_column("model run / error", overflow="fold")
    for record in records:
        style = STATUS_STYLES[record.status]
        detail = record.error or ""
        if record.result is not None and record.result.model_run_id:
            detail = record.result.model_run_id
        table.add_row(
            record.id,
            f"[{style}]{record.status.value}[/]",
            record.pipeline,
            record.kind,
            record.backend,
            _local_time(record.created),
            _duration(record.seconds),
            detail,
        )
    return table


def _local_time(iso: str) -> str:
    return datetime.fromisoformat(iso).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
