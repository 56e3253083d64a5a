"""Kubeflow jobs against the recording Kubeflow Pipelines API server (tests/kfp_api_server.py):
submit, follow the run's state, re-open the job from its record, cancel, and list while the
cluster is unreachable."""

import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kfp import compiler

from relgraph.client.jobs import (
    JobFailedError,
    JobManager,
    JobStatus,
    KubeflowBackend,
)
from tests.client.job_pipelines import sleep_pipeline
from tests.kfp_api_server import KfpApiServer


@pytest.fixture
def kfp_server() -> Iterator[KfpApiServer]:
    with KfpApiServer() as server:
        yield server


@pytest.fixture
def package(tmp_path: Path) -> Path:
    path = tmp_path / "sleep.yaml"
    compiler.Compiler().compile(sleep_pipeline, str(path))
    return path


def _backend(server: KfpApiServer, tmp_path: Path) -> KubeflowBackend:
    return KubeflowBackend(server.url, "team-a", root=tmp_path / ".relgraph", poll_s=0.02)


def test_submit_starts_a_run_and_follows_its_state(
    kfp_server: KfpApiServer, package: Path, tmp_path: Path
) -> None:
    backend = _backend(kfp_server, tmp_path)
    job = backend.submit(package, {"seconds": 2.0, "marker": "/tmp/m"}, kind="fit")
    (created,) = kfp_server.requests_to("POST", "/runs")
    assert created.body["display_name"] == job.id
    assert created.body["runtime_config"]["parameters"] == {"seconds": 2.0, "marker": "/tmp/m"}
    record = job.record()
    run_id = record.remote["run_id"]
    assert record.backend == "kubeflow" and record.kind == "fit"
    assert record.status == JobStatus.QUEUED and record.started is None
    assert record.remote["url"].endswith(f"/#/runs/details/{run_id}")
    assert record.pipeline == str(package)

    kfp_server.set_run_state(run_id, "RUNNING")
    assert job.get_status() == JobStatus.RUNNING
    assert job.record().started is not None
    # A new manager (as in a new process) finds the job's cluster from its record.
    reopened = JobManager(root=tmp_path / ".relgraph").fetch_job(job.id)
    assert reopened.get_status() == JobStatus.RUNNING

    kfp_server.set_run_state(run_id, "SUCCEEDED")
    result = reopened.result(timeout=5)
    assert result.tracking_url == record.remote["url"]
    assert job.get_status() == JobStatus.COMPLETED
    assert job.model_run_id is None  # the run's model is in the cluster's MLflow


def test_log_follows_state_changes_until_the_run_ends(
    kfp_server: KfpApiServer, package: Path, tmp_path: Path
) -> None:
    job = _backend(kfp_server, tmp_path).submit(package, {"seconds": 1.0, "marker": "m"})
    run_id = job.record().remote["run_id"]

    def progress() -> None:
        for state in ("RUNNING", "FAILED"):
            time.sleep(0.2)
            kfp_server.set_run_state(run_id, state)

    mover = threading.Thread(target=progress)
    mover.start()
    lines = list(job.stream_logs(follow=True))
    mover.join()
    assert run_id in lines[0] and "Pipelines UI" in lines[0]
    states = [line.split()[1] for line in lines[1:-1]]
    assert states == ["PENDING", "RUNNING", "FAILED"]
    assert f"Kubeflow run {run_id} failed (FAILED)" in lines[-1]
    with pytest.raises(JobFailedError, match=f"Kubeflow run {run_id} failed"):
        job.result()


def test_cancel_terminates_the_run(kfp_server: KfpApiServer, package: Path, tmp_path: Path) -> None:
    backend = _backend(kfp_server, tmp_path)
    job = backend.submit(package, {"seconds": 1.0, "marker": "m"})
    run_id = job.record().remote["run_id"]
    kfp_server.set_run_state(run_id, "RUNNING")
    assert JobManager(backend).cancel_job(job.id) == JobStatus.CANCELED
    assert len(kfp_server.requests_to("POST", f"/runs/{run_id}:terminate")) == 1
    assert kfp_server.state.runs[run_id]["state"] == "CANCELING"
    assert job.cancel() == JobStatus.CANCELED  # ended jobs are left alone
    assert len(kfp_server.requests_to("POST", f"/runs/{run_id}:terminate")) == 1


def test_list_shows_the_last_known_state_when_the_cluster_is_gone(
    kfp_server: KfpApiServer,
    package: Path,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    backend = _backend(kfp_server, tmp_path)
    job = backend.submit(package, {"seconds": 1.0, "marker": "m"})
    kfp_server.set_run_state(job.record().remote["run_id"], "RUNNING")
    assert [r.status for r in backend.list()] == [JobStatus.RUNNING]
    url = kfp_server.url
    kfp_server.stop()
    # A new process: its client finds nothing listening.
    unreachable = KubeflowBackend(url, "team-a", root=tmp_path / ".relgraph")
    with caplog.at_level(logging.WARNING, logger="relgraph"):
        assert [r.status for r in unreachable.list()] == [JobStatus.RUNNING]
        assert "showing the last known state of Kubeflow jobs" in caplog.text
        caplog.clear()
        everything = JobManager(root=tmp_path / ".relgraph").records()
        assert [(r.id, r.status) for r in everything] == [(job.id, JobStatus.RUNNING)]
        assert f"job {job.id}: showing its last known state" in caplog.text


def test_unknown_pipeline_parameters_are_refused_before_a_run(
    kfp_server: KfpApiServer, package: Path, tmp_path: Path
) -> None:
    backend = _backend(kfp_server, tmp_path)
    with pytest.raises(ValueError, match="has no parameter 'epochs'"):
        backend.submit(package, {"seconds": 1.0, "marker": "m", "epochs": 3})
    assert kfp_server.requests_to("POST", "/runs") == []
    assert backend.list() == []
