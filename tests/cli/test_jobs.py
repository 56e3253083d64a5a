"""``relgraph jobs list|logs|cancel`` on real local jobs (tests/client/job_pipelines.py)."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relgraph.cli.jobs import EXIT_JOB_CANCELED, EXIT_JOB_FAILED
from relgraph.cli.main import app
from relgraph.client.jobs import JobStatus, LocalBackend
from tests.client.job_fixtures import job_root, wait_for  # noqa: F401
from tests.client.job_pipelines import MODULE

runner = CliRunner()


def _one_red_line(stderr: str, *expected: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for words in expected:
        assert words in lines[0]


def test_list_logs_and_cancel_of_ended_jobs(job_root: Path, tmp_path: Path) -> None:  # noqa: F811
    backend = LocalBackend(job_root)
    done = backend.submit(
        f"{MODULE}:sleep_pipeline",
        {"seconds": 0.1, "marker": str(tmp_path / "m"), "message": "cli"},
    )
    failed = backend.submit(f"{MODULE}:failing_pipeline", {"message": "broken on purpose"})

    followed = runner.invoke(app, ["jobs", "logs", failed.id, "--follow"])  # default --root
    assert followed.exit_code == EXIT_JOB_FAILED
    assert "RuntimeError: broken on purpose" in followed.stdout
    assert f"job {failed.id} failed" in followed.stderr
    assert done.get_status() == JobStatus.COMPLETED  # it ran first

    listed = runner.invoke(app, ["jobs", "list", "--json", "--root", str(job_root)])
    assert listed.exit_code == 0
    records = json.loads(listed.stdout)
    assert [(r["id"], r["status"]) for r in records] == [
        (done.id, "COMPLETED"),
        (failed.id, "FAILED"),
    ]
    table = runner.invoke(app, ["jobs", "list", "--status", "failed"], terminal_width=250)
    assert failed.id in table.stdout and done.id not in table.stdout

    logs = runner.invoke(app, ["jobs", "logs", done.id])
    assert logs.exit_code == 0 and "step finished: cli" in logs.stdout
    assert runner.invoke(app, ["jobs", "logs", done.id, "-f"]).exit_code == 0

    canceled = runner.invoke(app, ["jobs", "cancel", done.id, "--json"])
    assert canceled.exit_code == 0
    assert json.loads(canceled.stdout)["status"] == "COMPLETED"
    assert f"job {done.id} had already ended: COMPLETED" in canceled.stderr


def test_cancel_a_running_job_then_follow_it(job_root: Path, tmp_path: Path) -> None:  # noqa: F811
    marker = tmp_path / "never"
    job = LocalBackend(job_root).submit(
        f"{MODULE}:sleep_pipeline", {"seconds": 60.0, "marker": str(marker), "message": "x"}
    )
    started = tmp_path / "never.started"
    wait_for(lambda: started.exists(), what="the step to start")

    result = runner.invoke(app, ["jobs", "cancel", job.id])
    assert result.exit_code == 0
    assert f"canceled job {job.id} (it was RUNNING)" in result.stderr
    assert job.get_status() == JobStatus.CANCELED
    followed = runner.invoke(app, ["jobs", "logs", job.id, "--follow"])
    assert followed.exit_code == EXIT_JOB_CANCELED
    assert "step started: x" in followed.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["jobs", "logs", "job-20250101-000000-abcdef"], ["no job job-20250101-000000-abcdef", "relgraph jobs list"]),
     (["jobs", "cancel", "nonsense"], ["'nonsense' is not a job id"]),
     (["jobs", "list", "--status", "finished"], ["unknown job status 'finished'", "QUEUED"])],
)  # fmt: skip
def test_bad_input_is_one_red_line_and_exit_code_1(
    args: list[str],
    expected: list[str],
    job_root: Path,  # noqa: F811
) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    _one_red_line(result.stderr, *expected)


def test_list_with_no_jobs(tmp_path: Path) -> None:
    result = runner.invoke(app, ["jobs", "list", "--root", str(tmp_path)])
    assert result.exit_code == 0
    assert "no jobs in" in result.stderr and result.stdout == ""
    as_json = runner.invoke(app, ["jobs", "list", "--json", "--root", str(tmp_path)])
    assert json.loads(as_json.stdout) == []


@pytest.mark.parametrize(
    ("args", "expected"),
    [(["jobs", "--help"], ["list", "logs", "cancel", "non_blocking=True"]),
     (["jobs", "list", "--help"], ["--status", "--limit", "--json", "--root", ".relgraph"]),
     (["jobs", "logs", "--help"], ["--follow", "exit 0 if it completed", "JOB_ID"]),
     (["jobs", "cancel", "--help"], ["--json", "already ended"])],
)  # fmt: skip
def test_every_jobs_command_has_help(args: list[str], expected: list[str]) -> None:
    result = runner.invoke(app, args, terminal_width=200)
    assert result.exit_code == 0
    for words in expected:
        assert words in result.stdout
