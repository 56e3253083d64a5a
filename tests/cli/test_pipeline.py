"""``relgraph pipeline``: compile, run locally, and submit/schedule against the recording KFP
API server (tests/kfp_api_server.py); JSON output and exit codes."""

import json
import re
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.client.pipeline_package import PipelinePackage
from relgraph.components.images import IMAGE
from relgraph.pipelines import PIPELINES
from tests.kfp_api_server import KfpApiServer
from tests.servers import free_port

runner = CliRunner()
QUERY = (
    "PREDICT COUNT(results.* WHERE results.statusId != 1, 0, 30, days) > 0 "
    "FOR EACH drivers.driverId WHERE COUNT(results.*, 0, 30, days) > 0"
)


def invoke(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, ["pipeline", *args], env=env)


def plain(text: str) -> str:
    """Terminal text without rich's boxes and line wrapping."""
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", text).split())


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--help"], ["compile", "run", "submit", "schedule"]),
        (["compile", "--help"], ["--output-dir", ".relgraph/compiled", "--json"]),
        (["run", "--help"], ["--source", "--query", "--param", "--pipeline-root", "relgraph pipeline run training"]),
        (["submit", "--help"], ["--host", "KF_PIPELINES_ENDPOINT", "--experiment", "--namespace", "--service-account", "--json"]),
        (["schedule", "--help"], ["--cron", "0 3 * * *", "--max-concurrency", "--enable", "--disable", "--delete"]),
    ],
)  # fmt: skip
def test_every_command_has_help(args: list[str], expected: list[str]) -> None:
    result = invoke(*args)
    assert result.exit_code == 0
    for words in expected:
        assert words in result.stdout


def test_compile_writes_every_pipeline(tmp_path: Path) -> None:
    result = invoke("compile", "-o", str(tmp_path), "--json")
    assert result.exit_code == 0, result.stderr
    written = json.loads(result.stdout)["written"]
    assert sorted(Path(p).name for p in written) == sorted(f"{n}.yaml" for n in PIPELINES)
    training = PipelinePackage.load(tmp_path / "training.yaml")
    assert training.name == "relgraph-training"
    assert {"source", "task"} <= {n for n, p in training.parameters.items() if p.required}


def test_compile_one_and_refuse_an_unknown_name(tmp_path: Path) -> None:
    result = invoke("compile", "training", "-o", str(tmp_path))
    assert result.exit_code == 0, result.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["training.yaml"]
    assert f"wrote {tmp_path / 'training.yaml'}" in result.stderr
    result = invoke("compile", "trainig", "-o", str(tmp_path))
    assert result.exit_code == 2
    assert "unknown pipeline 'trainig'" in result.stderr


def test_submit_sends_the_typed_parameters_and_prints_json(kfp_api: KfpApiServer) -> None:
    result = invoke(
        "submit", "training", "--host", kfp_api.url, "--source", "s3://data/f1",
        "--query", QUERY, "-p", "model_name=f1-dnf", "-p", 'trainer_config={"n_epochs": 2}',
        "-p", "margin=0.01", "--experiment", "f1", "--run-name", "nightly-1", "--json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    submitted = json.loads(result.stdout)
    (created,) = kfp_api.requests_to("POST", "/runs")
    assert submitted["run_id"] in kfp_api.state.runs
    assert created.body["display_name"] == "nightly-1"
    assert created.body["runtime_config"]["parameters"] == {
        "source": "s3://data/f1",
        "task": QUERY,
        "model_name": "f1-dnf",
        "trainer_config": {"n_epochs": 2},
        "margin": 0.01,
    }
    assert submitted["experiment"] == "f1" and submitted["pipeline"]["uploaded"] is True
    (upload,) = kfp_api.requests_to("POST", "/pipelines/upload_version")
    spec = next(yaml.safe_load_all(upload.files["uploadfile"]))
    assert spec["pipelineInfo"]["name"] == "relgraph-training"
    images = {e["container"]["image"] for e in spec["deploymentSpec"]["executors"].values()}
    assert IMAGE in images  # the image `make images` builds


def test_submit_prints_the_run_and_its_link(kfp_api: KfpApiServer) -> None:
    env = {"KF_PIPELINES_ENDPOINT": kfp_api.url}
    result = invoke("submit", "training", "--source", "a", "--query", QUERY, env=env)
    assert result.exit_code == 0, result.stderr
    (run_id,) = kfp_api.state.runs
    assert f"submitted run {run_id}" in result.stdout
    assert "uploaded" in result.stdout
    assert "#/runs/details/" in result.stdout
    again = invoke("submit", "training", "--source", "b", "--query", QUERY, env=env)
    assert again.exit_code == 0, again.stderr
    assert "reused" in again.stdout


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["-p", "epochs=3"], 1, "has no parameter 'epochs'"),
        (["-p", "margin=high"], 1, "parameter 'margin' takes a number, found 'high'"),
        (["-p", "nonsense"], 2, "expected NAME=VALUE, found 'nonsense'"),
        (["-p", "source=x"], 2, "--source and --param source=... both set 'source'"),
    ],
)
def test_submit_refuses_bad_parameters_before_any_run(
    kfp_api: KfpApiServer, args: list[str], code: int, message: str
) -> None:
    result = invoke(
        "submit", "training", "--host", kfp_api.url, "--source", "a", "--query", QUERY, *args
    )
    assert result.exit_code == code
    assert message in plain(result.stderr)
    assert kfp_api.requests_to("POST", "/runs") == []


def test_submit_needs_a_host() -> None:
    result = invoke("submit", "training", "--source", "a", env={"KF_PIPELINES_ENDPOINT": ""})
    assert result.exit_code == 2
    assert "--host" in result.stderr


def test_submit_to_nothing_is_one_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = invoke("submit", "training", "--host", url, "--source", "a", "--query", QUERY)
    assert result.exit_code == 1
    assert f"error: connecting to {url}: cannot reach Kubeflow Pipelines at {url}" in plain(
        result.stderr
    )


def test_schedule_create_disable_enable_delete(kfp_api: KfpApiServer) -> None:
    base = ["schedule", "--host", kfp_api.url, "--json"]
    created = invoke(
        *base, "batch_prediction", "--cron", "0 3 * * *", "--name", "daily-scores",
        "--max-concurrency", "3", "-p", "model=models:/f1-dnf@champion", "--source", "s3://d",
    )  # fmt: skip
    assert created.exit_code == 0, created.stderr
    schedule = json.loads(created.stdout)
    (request,) = kfp_api.requests_to("POST", "/recurringruns")
    assert request.body["trigger"]["cron_schedule"]["cron"] == "0 0 3 * * *"
    assert request.body["max_concurrency"] == 3
    assert request.body["display_name"] == "daily-scores"
    assert schedule["cron"] == "0 0 3 * * *" and schedule["enabled"] is True
    sid = schedule["schedule_id"]

    disabled = invoke(*base, "--disable", sid)
    assert disabled.exit_code == 0, disabled.stderr
    assert json.loads(disabled.stdout)["enabled"] is False
    enabled = invoke(*base, "--enable", sid)
    assert json.loads(enabled.stdout)["enabled"] is True
    deleted = invoke(*base, "--delete", sid)
    assert json.loads(deleted.stdout) == {"schedule_id": sid, "deleted": True}
    assert kfp_api.state.recurring_runs == {}
    gone = invoke(*base, "--enable", sid)
    assert gone.exit_code == 1
    assert f"enabling schedule {sid}" in gone.stderr and "HTTP 404" in gone.stderr


def test_schedule_prints_what_it_created(kfp_api: KfpApiServer) -> None:
    result = invoke(
        "schedule", "training", "--host", kfp_api.url, "--cron", "30 2 * * 1",
        "--source", "s3://d", "--query", QUERY, "--disabled",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    (recurring,) = kfp_api.state.recurring_runs.values()
    assert recurring["display_name"] == "relgraph-training 30 2 * * 1"
    assert recurring["mode"] == "DISABLE"
    assert "0 30 2 * * 1" in result.stdout and "enabled" in result.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["training"], "a new schedule needs PIPELINE and --cron"),
        (["--cron", "0 3 * * *"], "a new schedule needs PIPELINE and --cron"),
        (["training", "--delete", "x"], "give either PIPELINE with --cron, or one of"),
        (["--enable", "x", "--disable", "y"], "give either PIPELINE with --cron, or one of"),
        (
            ["training", "--cron", "0 3 * * *", "--max-concurrency", "11"],
            "Invalid value for '--max-concurrency': Input should be less than or equal to 10",
        ),
    ],
)
def test_schedule_usage_errors(kfp_api: KfpApiServer, args: list[str], message: str) -> None:
    result = invoke("schedule", "--host", kfp_api.url, *args)
    assert result.exit_code == 2
    assert message in plain(result.stderr)
    assert kfp_api.requests_to("POST", "/recurringruns") == []


def test_schedule_refuses_a_cron_that_is_not_one(kfp_api: KfpApiServer) -> None:
    result = invoke(
        "schedule", "training", "--host", kfp_api.url, "--cron", "every night",
        "--source", "a", "--query", QUERY,
    )  # fmt: skip
    assert result.exit_code == 1
    assert "expected a cron schedule of 5 fields" in plain(result.stderr)


@pytest.mark.parametrize("pipeline", ["trainig", "pipelines/training.yaml"])
def test_run_takes_only_relgraph_pipelines(pipeline: str) -> None:
    result = invoke("run", pipeline, "--source", "a")
    assert result.exit_code == 2
    assert f"unknown pipeline '{pipeline}'" in plain(result.stderr)


def test_run_refuses_unknown_parameters_before_running(tmp_path: Path) -> None:
    result = invoke(
        "run", "training", "--source", "a", "--query", QUERY, "-p", "epochs=2",
        "--pipeline-root", str(tmp_path),
    )  # fmt: skip
    assert result.exit_code == 1
    assert "has no parameter 'epochs'" in plain(result.stderr)
    assert list(tmp_path.iterdir()) == []


def test_run_reports_a_failed_step_and_exits_1(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the embedded defaults live in ./.relgraph
    result = invoke(
        "run", "training", "--source", str(tmp_path / "missing"), "--query", QUERY, "--json",
        "--pipeline-root", str(tmp_path / "runs"),
    )  # fmt: skip
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["pipeline"] == "training" and summary["state"] == "FAILED"
    assert summary["arguments"]["source"] == str(tmp_path / "missing")
    assert summary["arguments"]["mlflow_tracking_uri"].endswith(".relgraph/mlflow.db")
    assert "source-hash" in summary["error"]  # the first step, which reads the source
    assert "error: pipeline 'training' failed" in plain(result.stderr)
