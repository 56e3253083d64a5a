"""Job states, records, the job store, output summaries and process helpers, on tiny inputs."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.client.jobs import (
    JobNotFoundError,
    JobRecord,
    JobResult,
    JobStatus,
    JobStore,
    job_status_for,
)
from relgraph.client.jobs.backend import check_arguments
from relgraph.client.jobs.pipeline_ref import check_pipeline_ref, load_pipeline
from relgraph.client.jobs.processes import (
    describe_exit,
    end_group,
    group_members,
    is_running,
    start_time,
)
from relgraph.client.jobs.result import absolute_tracking_uri, summarize_outputs


def _record(**changes: object) -> JobRecord:
    base = JobRecord(id=JobStore.new_id(), pipeline="m.p:pipe", arguments={"a": 1}, backend="local")
    return base.evolve(**changes)


@pytest.mark.parametrize(
    ("text", "expected"),
    [("queued", JobStatus.QUEUED), (" Running ", JobStatus.RUNNING), ("CANCELED", JobStatus.CANCELED)],
)  # fmt: skip
def test_status_parses_any_case(text: str, expected: JobStatus) -> None:
    assert JobStatus.parse(text) == expected


def test_unknown_status_lists_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="unknown job status 'done'; expected one of QUEUED, RUN"):
        JobStatus.parse("done")


@pytest.mark.parametrize(
    ("status", "finished"),
    [(JobStatus.QUEUED, False), (JobStatus.RUNNING, False), (JobStatus.COMPLETED, True),
     (JobStatus.FAILED, True), (JobStatus.CANCELED, True)],
)  # fmt: skip
def test_end_states(status: JobStatus, finished: bool) -> None:
    assert status.is_finished is finished


def test_record_round_trips_through_json() -> None:
    result = JobResult(
        outputs={"train/model": "/x/model"},
        model_run_id="r1",
        tracking_uri="sqlite:////x/mlflow.db",
        tracking_url="sqlite:////x/mlflow.db",
        metrics={"val": {"auroc": 0.75}},
        holdout_path="/x/holdout.parquet",
        seconds=1.5,
    )
    record = _record(status=JobStatus.RUNNING, started="2025-01-01T00:00:00+00:00", pid=42)
    record = record.finish(JobStatus.COMPLETED, result=result)
    data = json.loads(json.dumps(record.to_dict()))
    assert data["format_version"] == 1 and data["status"] == "COMPLETED" and data["pgid"] == 42
    assert JobRecord.from_dict(data) == record


def test_record_end_states_are_final() -> None:
    with pytest.raises(ValueError, match="RUNNING is not an end state"):
        _record().finish(JobStatus.RUNNING)
    ended = _record().finish(JobStatus.CANCELED, error="canceled by the user")
    assert ended.finished is not None
    with pytest.raises(ValueError, match=r"has ended already \(CANCELED\)"):
        ended.finish(JobStatus.FAILED, error="late")


@pytest.mark.parametrize(
    ("data", "message"),
    [({"format_version": 2, "id": "x"}, "format_version 2 is not supported"),
     ({"format_version": 1, "id": "x"}, "lacks pipeline, backend, status")],
)  # fmt: skip
def test_bad_records_are_refused(data: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        JobRecord.from_dict(data)


def test_store_saves_reads_lists_and_updates(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "state")
    first = store.create(_record(created="2025-01-01T00:00:01+00:00"))
    second = store.create(_record(created="2025-01-01T00:00:00+00:00"))
    assert store.read(first.id) == first
    assert [r.id for r in store.records()] == [second.id, first.id]  # by submission time
    updated = store.update(first.id, lambda r: r.evolve(status=JobStatus.RUNNING, pid=7))
    assert store.read(first.id) == updated and updated.pid == 7
    assert store.update(first.id, lambda r: r) == updated  # no change, nothing written
    assert sorted(p.name for p in (store.jobs_dir / first.id).iterdir()) == [".lock", "job.json"]
    with pytest.raises(FileExistsError):
        store.create(first)


def test_unknown_and_malformed_job_ids(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    known = store.create(_record())
    with pytest.raises(
        JobNotFoundError, match=f"no job job-20250101-000000-abcdef in .*latest jobs: {known.id}"
    ):
        store.read("job-20250101-000000-abcdef")
    with pytest.raises(ValueError, match=r"'\.\./etc' is not a job id"):
        store.read("../etc")
    (store.jobs_dir / known.id / "job.json").write_text("{not json")
    with pytest.raises(ValueError, match="unreadable job record"):
        store.read(known.id)
    assert store.records() == []  # logged and skipped


def test_arguments_must_be_json(tmp_path: Path) -> None:
    assert check_arguments({"data": tmp_path, "n": 2}) == {"data": str(tmp_path), "n": 2}
    assert check_arguments(None) == {}
    with pytest.raises(ValueError, match="pipeline argument 'config' is not a JSON value"):
        check_arguments({"config": object()})
    with pytest.raises(ValueError, match="pipeline argument 'lr' is not a JSON value"):
        check_arguments({"lr": float("nan")})


@pytest.mark.parametrize(
    ("ref", "message"),
    [("", "pipeline must be a pipeline name or 'module:attribute'"),
     ("a b:c", "is not of the form 'package.module:function'"),
     ("a:b:c", "is not of the form 'package.module:function'")],
)  # fmt: skip
def test_malformed_pipeline_refs(ref: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        check_pipeline_ref(ref)


def test_pipeline_refs_import_their_function() -> None:
    from tests.client.job_pipelines import sleep_pipeline

    assert load_pipeline("tests.client.job_pipelines:sleep_pipeline") is sleep_pipeline
    with pytest.raises(
        ValueError, match=r"module 'tests\.client\.job_pipelines' has no pipeline 'nope'"
    ):
        load_pipeline("tests.client.job_pipelines:nope")


@pytest.mark.parametrize(
    ("state", "expected"),
    [("PENDING", JobStatus.QUEUED), ("RUNTIME_STATE_UNSPECIFIED", JobStatus.QUEUED),
     ("RUNNING", JobStatus.RUNNING), ("PAUSED", JobStatus.RUNNING),
     ("CANCELING", JobStatus.RUNNING), ("SUCCEEDED", JobStatus.COMPLETED),
     ("SKIPPED", JobStatus.COMPLETED), ("FAILED", JobStatus.FAILED),
     ("CANCELED", JobStatus.CANCELED), ("Error", JobStatus.FAILED),
     ("Succeeded", JobStatus.COMPLETED)],
)  # fmt: skip
def test_kubeflow_run_states_map_to_job_states(state: str, expected: JobStatus) -> None:
    assert job_status_for(state) == expected


def test_unknown_kubeflow_state_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown Kubeflow Pipelines run state 'EXPLODED'"):
        job_status_for("EXPLODED")


def _folder(path: Path, manifest: dict[str, object] | None, holdout: bool) -> str:
    path.mkdir(parents=True)
    if manifest is not None:
        (path / "manifest.json").write_text(json.dumps(manifest))
    if holdout:
        pq.write_table(pa.table({"id": [1], "score": [0.5]}), path / "holdout.parquet")
    return str(path)


def test_summary_finds_model_metrics_and_the_evaluations_holdout(tmp_path: Path) -> None:
    model = {
        "kind": "relgraph.model",
        "made_from": {"run_id": "abc", "tracking_uri": "sqlite:///.relgraph/mlflow.db"},
        "metrics": {"test": {"mae": 4.0}},
    }
    outputs = {
        "train/model": _folder(tmp_path / "model", model, holdout=True),
        "evaluate/evaluation": _folder(tmp_path / "evaluation", {"kind": "x"}, holdout=True),
        "snapshot/rows": "12",
    }
    result = summarize_outputs(outputs, seconds=3.0, cwd=tmp_path)
    assert result.model_run_id == "abc"
    assert result.metrics == {"test": {"mae": 4.0}}
    assert result.tracking_uri == f"sqlite:///{tmp_path}/.relgraph/mlflow.db"
    assert result.tracking_url == result.tracking_uri
    assert result.holdout_path == str(tmp_path / "evaluation" / "holdout.parquet")
    assert result.outputs == outputs and result.seconds == 3.0


def test_summary_of_outputs_without_a_model(tmp_path: Path) -> None:
    result = summarize_outputs({"predict/out": _folder(tmp_path / "p", None, holdout=False)})
    assert result.model_run_id is None and result.metrics == {} and result.holdout_path is None


@pytest.mark.parametrize(
    ("uri", "expected"),
    [("sqlite:///mlflow.db", "sqlite:////base/mlflow.db"),
     ("sqlite:////abs/mlflow.db", "sqlite:////abs/mlflow.db"),
     ("http://mlflow:5000", "http://mlflow:5000"),
     ("mlruns", "/base/mlruns")],
)  # fmt: skip
def test_absolute_tracking_uri(uri: str, expected: str) -> None:
    assert absolute_tracking_uri(uri, "/base") == expected


def test_processes_are_named_by_pid_and_start_time() -> None:
    me = os.getpid()
    assert is_running(me, start_time(me))
    assert not is_running(me, start_time(me) - 100.0)  # a reused pid is another process
    assert not is_running(None, None)


def test_end_group_stops_a_whole_process_group() -> None:
    # A shell that ignores SIGTERM, with a child: SIGKILL after the grace period ends both.
    leader = subprocess.Popen(["sh", "-c", "trap '' TERM; sleep 30 & wait"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5.0
        while len(group_members(leader.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(group_members(leader.pid)) == 2
        assert end_group(leader.pid, grace_s=0.3)
        assert group_members(leader.pid) == []
        assert leader.wait(timeout=5) == -signal.SIGKILL
    finally:
        if leader.poll() is None:
            os.killpg(leader.pid, signal.SIGKILL)
            leader.wait()


@pytest.mark.parametrize(
    ("code", "text"),
    [(0, "exited with code 0"), (3, "exited with code 3"), (-9, "was killed by SIGKILL")],
)
def test_describe_exit(code: int, text: str) -> None:
    assert describe_exit(code) == text


def test_the_worker_module_runs_as_a_program() -> None:
    shown = subprocess.run(
        [sys.executable, "-m", "relgraph.client.jobs.worker", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "relgraph's state folder" in shown.stdout
