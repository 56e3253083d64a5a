"""``relgraph train``: a real non-blocking submission that ``relgraph jobs`` lists and cancels,
and bad input refused before any job is queued. (Blocking training runs end to end in
tests/client/test_trainer.py; the demo test runs the pipelines too.)"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.client.jobs import JobManager, JobStatus
from relgraph.tasks import PredictiveQuery
from tests.client.conftest import CHURN, shop_dir  # noqa: F401
from tests.client.job_fixtures import job_root  # noqa: F401

runner = CliRunner()

TINY = {"n_epochs": 1, "channels": 8, "fanouts": [4, 2], "num_threads": 1}


def test_non_blocking_job_is_listed_and_canceled(
    shop_dir: Path,  # noqa: F811
    job_root: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps(TINY), encoding="utf-8")
    root = ["--root", str(job_root)]
    submitted = runner.invoke(
        app,
        [
            "train", "--source", str(shop_dir), "--query", CHURN, "--config", f"@{config}",
            "--model-name", "churn-cli", "--non-blocking", *root,
        ],
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.stdout.strip()
    assert job_id.startswith("job-")
    assert f"relgraph jobs logs {job_id} -f" in " ".join(submitted.stderr.split())

    listed = runner.invoke(app, ["jobs", "list", "--json", *root])
    assert listed.exit_code == 0, listed.output
    (record,) = json.loads(listed.stdout)
    assert record["id"] == job_id
    assert record["status"] in ("QUEUED", "RUNNING")
    assert (record["kind"], record["pipeline"]) == ("fit", "training")
    arguments = record["arguments"]
    assert arguments["task"] == str(PredictiveQuery(CHURN))
    assert arguments["source"] == str(shop_dir)
    assert arguments["model_name"] == arguments["experiment"] == "churn-cli"
    assert arguments["trainer_config"] == {**TINY, "fanouts": [4, 2]}

    canceled = runner.invoke(app, ["jobs", "cancel", job_id, *root])
    assert canceled.exit_code == 0, canceled.output
    assert JobManager(root=job_root).fetch_job(job_id).get_status() == JobStatus.CANCELED


def test_non_blocking_json(shop_dir: Path, job_root: Path) -> None:  # noqa: F811
    submitted = runner.invoke(
        app,
        [
            "train", "--source", str(shop_dir), "-q", CHURN, "--config", json.dumps(TINY),
            "--tracking-uri", "sqlite:///elsewhere.db", "--non-blocking", "--json",
            "--root", str(job_root),
        ],
    )  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    shown = json.loads(submitted.stdout)
    assert shown["follow"] == f"relgraph jobs logs {shown['id']} -f"
    assert shown["arguments"]["mlflow_tracking_uri"] == "sqlite:///elsewhere.db"
    assert shown["arguments"]["model_name"] == "relgraph"
    assert JobManager(root=job_root).cancel_job(shown["id"]) == JobStatus.CANCELED


@pytest.mark.parametrize(
    ("args", "code", "expected"),
    [
        (["-q", "PREDICT FOR EACH customers.customer_id"], 1, "expected an aggregation"),
        (
            ["-q", "PREDICT customers.segment FOR EACH customers.customer_id"],
            1,
            "table 'customers' has no column 'segment'",
        ),
        (["--config", "{n_epochs: 1}"], 2, "expected a JSON object"),
        (["--config", "@nowhere.json"], 2, "cannot read nowhere.json"),
        (["--config", '{"n_epoch": 1}'], 1, "TrainerConfig has no field(s) ['n_epoch']"),
        (["--split", '{"kind": "sideways"}'], 1, "sideways"),
        (["--source", "no/such/folder"], 1, "no/such/folder"),
    ],
)
def test_bad_input_queues_no_job(
    shop_dir: Path,  # noqa: F811
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    code: int,
    expected: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    given = {"--source": str(shop_dir), "-q": CHURN}
    for i in range(0, len(args), 2):
        given[args[i]] = args[i + 1]
    flat = [part for pair in given.items() for part in pair]
    result = runner.invoke(app, ["train", *flat, "--root", str(tmp_path / "state")])
    assert result.exit_code == code, result.output
    assert expected in " ".join(result.stderr.split())
    if code == 1:
        assert result.stderr.lstrip().startswith("error: ")
    assert not (tmp_path / "state" / "jobs").exists() or not any(
        (tmp_path / "state" / "jobs").iterdir()
    )


def test_help_names_the_ways_to_follow_a_job() -> None:
    result = runner.invoke(app, ["train", "--help"], terminal_width=200)
    assert result.exit_code == 0
    text = " ".join(result.stdout.split())
    for option in ("--source", "--query", "--config", "--non-blocking", "--model-name"):
        assert option in text
    assert "relgraph jobs logs" in text
