"""``relgraph jobs``: list, follow and cancel jobs (pipeline runs in the background).

Exit codes: 0 done; 1 bad input (e.g. an unknown job id), 2 wrong usage; and for
``logs --follow``, which waits for the job: 3 when the job failed, 4 when it was canceled.
"""

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from relgraph.cli.console import note, reporting_errors, stdout
from relgraph.client.jobs import DEFAULT_ROOT, JobManager, JobStatus, jobs_table

EXIT_JOB_FAILED = 3
"""``logs --follow``: the job ended ``FAILED``."""
EXIT_JOB_CANCELED = 4
"""``logs --follow``: the job ended ``CANCELED``."""

app = typer.Typer(
    name="jobs",
    help=(
        "List, follow and cancel jobs: pipeline runs that go on in the background (started "
        "with `non_blocking=True` in the SDK), locally or on Kubeflow."
    ),
    no_args_is_help=True,
    rich_markup_mode="markdown",
)

RootOption = Annotated[
    Path,
    typer.Option(
        "--root", help="relgraph's state folder; jobs are kept in `ROOT/jobs`.", show_default=True
    ),
]
JobIdArgument = Annotated[
    str,
    typer.Argument(
        help="The job's id, as `relgraph jobs list` shows it.", metavar="JOB_ID", show_default=False
    ),
]


@app.command("list")
def list_jobs(
    ctx: typer.Context,
    status: Annotated[
        str | None,
        typer.Option(
            help="Only jobs in this state: QUEUED, RUNNING, COMPLETED, FAILED or CANCELED."
        ),
    ] = None,
    limit: Annotated[
        int | None, typer.Option(min=1, help="Only the latest LIMIT jobs.", show_default=False)
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the jobs' records as a JSON list (for scripts).")
    ] = False,
    root: RootOption = DEFAULT_ROOT,
) -> None:
    """List jobs, oldest first, with their state, duration, and model run or error.

    Examples:

    ```
    relgraph jobs list
    relgraph jobs list --status running --json
    ```
    """
    with reporting_errors(ctx, f"listing the jobs in {root}"):
        records = JobManager(root=root).records(status=status, limit=limit)
    if as_json:
        typer.echo(json.dumps([record.to_dict() for record in records], indent=2))
    elif records:
        stdout.print(jobs_table(records))
    else:
        note(f"no jobs in {escape(str(root / 'jobs'))}")


@app.command("logs")
def logs(
    ctx: typer.Context,
    job_id: JobIdArgument,
    follow: Annotated[
        bool,
        typer.Option(
            "--follow",
            "-f",
            help="Keep printing as the job writes, until it ends; then exit 0 if it "
            f"completed, {EXIT_JOB_FAILED} if it failed, {EXIT_JOB_CANCELED} if it was canceled.",
        ),
    ] = False,
    root: RootOption = DEFAULT_ROOT,
) -> None:
    """Print a job's log (everything its pipeline printed).

    Example: `relgraph jobs logs job-20250101-120000-a1b2c3 --follow`
    """
    with reporting_errors(ctx, f"reading the log of job {job_id}"):
        job = JobManager(root=root).fetch_job(job_id)
        for line in job.stream_logs(follow=follow):
            typer.echo(line, nl=False)
    if not follow:
        return
    record = job.record()
    if record.status == JobStatus.FAILED:
        note(f"[bold red]job {job_id} failed:[/] {escape(record.error or '')}")
        raise typer.Exit(code=EXIT_JOB_FAILED)
    if record.status == JobStatus.CANCELED:
        note(f"[magenta]job {job_id} was canceled[/]")
        raise typer.Exit(code=EXIT_JOB_CANCELED)


@app.command("cancel")
def cancel(
    ctx: typer.Context,
    job_id: JobIdArgument,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the job's record as JSON (for scripts)."),
    ] = False,
    root: RootOption = DEFAULT_ROOT,
) -> None:
    """Cancel a job: a queued one never starts; a running one has its processes stopped.

    A job that has already ended is left as it is (exit code 0; its state is printed).

    Example: `relgraph jobs cancel job-20250101-120000-a1b2c3`
    """
    with reporting_errors(ctx, f"canceling job {job_id}"):
        job = JobManager(root=root).fetch_job(job_id)
        before = job.get_status()
        job.cancel()
        record = job.record()
    if as_json:
        typer.echo(json.dumps(record.to_dict(), indent=2))
    if before.is_finished:
        note(f"job {job_id} had already ended: {record.status.value}")
    else:
        note(f"canceled job {job_id} (it was {before.value})")
