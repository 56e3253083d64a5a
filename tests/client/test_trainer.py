"""Trainer: real jobs of relgraph's pipelines on the local backend, on the demo shop.

One fit (module fixture) trains, evaluates and registers a tiny model. Predictions name that
model every way (run id, registered name and version, alias, best run, the trainer's own
fit); each way is checked by resolving the reference the job was given in the MLflow store.
One prediction job runs to the end from a new process through ``Trainer.load``, and one
``fit_predict`` job trains and predicts in one go.
"""

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from relgraph.client import (
    Dataset,
    DatasetError,
    JobMonitor,
    JobStatus,
    LocalBackend,
    OutputConfig,
    Trainer,
    TrainerConfig,
    prediction_locations,
)
from relgraph.io import read_tables
from tests.client.conftest import CHURN
from tests.client.job_fixtures import WORKER_EXIT_WAIT_S, job_processes, kill_job_processes

pytestmark = pytest.mark.slow

TINY = TrainerConfig(channels=8, n_epochs=1, fanouts=[4, 2], num_threads=1, device="cpu")

LOAD_AND_PREDICT = """
import json, sys
import pandas as pd
from relgraph.client import Dataset, OutputConfig, Trainer, prediction_locations
trainer = Trainer.load(sys.argv[1])
dataset = Dataset.infer(sys.argv[2], task=sys.argv[3], experiment_name="churn")
entities = pd.DataFrame({"customer_id": json.loads(sys.argv[4])})
job = trainer.predict(dataset, output_config=OutputConfig.sql(sys.argv[5]),
                      output_alias="churn_loaded", test_table=entities, test_batch_size=2)
arguments = job.record().arguments
print(json.dumps({"model": arguments["model"], "n_epochs": trainer.config.n_epochs,
                  "entities": arguments["entities"], "batch_size": arguments["batch_size"],
                  "outputs": prediction_locations(job)}))
"""


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """The current directory of the module's tests: jobs, MLflow and predictions go under it.
    Afterwards the worker gets a few seconds to exit, then leftovers are killed."""
    path = tmp_path_factory.mktemp("trainer")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(path)
        yield path
    root = path / ".relgraph"
    deadline = time.monotonic() + WORKER_EXIT_WAIT_S
    while job_processes(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    kill_job_processes(root)


@pytest.fixture(scope="module")
def backend(workdir: Path) -> LocalBackend:
    return LocalBackend(workdir / ".relgraph", cancel_grace_s=2.0)


@pytest.fixture(scope="module")
def dataset(shop_dir: Path) -> Dataset:
    return Dataset.infer(shop_dir, task=CHURN, experiment_name="churn")


@pytest.fixture(scope="module")
def fitted(backend: LocalBackend, dataset: Dataset) -> tuple[Trainer, JobMonitor]:
    trainer = Trainer(TINY, backend)
    job = trainer.fit(dataset, custom_tags={"purpose": "test"})
    return trainer, job


def test_fit_trains_evaluates_and_registers(
    fitted: tuple[Trainer, JobMonitor], dataset: Dataset, shop_dir: Path
) -> None:
    trainer, job = fitted
    assert job.get_status() == JobStatus.COMPLETED
    record = job.record()
    assert (record.pipeline, record.kind) == ("training", "fit")
    assert record.tags["experiment"] == "churn"
    assert record.tags["purpose"] == "test"
    assert record.tags["dataset"] == dataset.content_hash()
    assert record.arguments["source"] == str(shop_dir)
    assert record.arguments["trainer_config"]["channels"] == 8
    assert 0.0 <= job.metrics()["validation"]["roc_auc"] <= 1.0
    assert len(job.model_run_id) == 32
    assert trainer.model_run_id == job.model_run_id
    (version,) = job.registered_models
    assert (version.name, version.version) == ("churn", "1")
    assert "champion" in version.aliases  # the first model beats no champion
    assert len(job.holdout_df()) > 0
    with pytest.raises(ValueError, match="wrote no predictions"):
        prediction_locations(job)


@pytest.mark.parametrize(
    "way",
    [
        {"model_run_id": "<run id>"},
        {"registered_model_name": "churn", "version": 1},
        {"alias": "champion"},
        {"registered_model_name": "churn", "alias": "candidate"},
        {"model_selection_strategy": "best", "evaluation_metric": "roc_auc"},
        {"model_selection_strategy": "best", "evaluation_metric": "test_average_precision"},
        {},
    ],
    ids=["run id", "name+version", "alias", "name+alias", "best", "best on test", "own fit"],
)
def test_predict_names_the_fitted_model(
    fitted: tuple[Trainer, JobMonitor], dataset: Dataset, way: dict
) -> None:
    from relgraph.registry import resolve_model

    trainer, fit = fitted
    way = {k: fit.model_run_id if v == "<run id>" else v for k, v in way.items()}
    job = trainer.predict(dataset, output_alias="named", non_blocking=True, **way)
    model = job.record().arguments["model"]
    job.cancel()
    assert job.record().kind == "predict"
    resolved = resolve_model(model, tracking_uri=fit.result().tracking_uri)
    assert resolved.run_id == fit.model_run_id


def test_a_new_process_loads_the_trainer_and_predicts_for_given_entities(
    fitted: tuple[Trainer, JobMonitor], workdir: Path, shop_dir: Path
) -> None:
    _, fit = fitted
    customers = read_tables(shop_dir, tables=["customers"])["customers"]
    wanted = customers.column("customer_id").slice(0, 5).to_pylist()
    database = f"sqlite:///{workdir / 'predictions.db'}"
    arguments = [fit.id, str(shop_dir), CHURN, json.dumps(wanted), database]
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, *arguments],
        capture_output=True,
        text=True,
        timeout=900,
        cwd=workdir,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["model"] == f"runs:/{fit.model_run_id}/model"
    assert summary["n_epochs"] == 1
    assert summary["batch_size"] == 2
    staged = Path(summary["entities"])  # the in-memory table, staged under the backend
    assert staged.is_relative_to(workdir / ".relgraph" / "datasets" / "tables")
    assert pq.read_table(staged).column("customer_id").to_pylist() == wanted
    (location,) = summary["outputs"].values()
    assert location == f"{database}#PREDICTIONS_churn_loaded"
    predictions = read_tables(database, tables=["PREDICTIONS_churn_loaded"])
    ids = predictions["PREDICTIONS_churn_loaded"].column("customer_id").to_pylist()
    assert sorted(ids) == sorted(wanted)


def test_fit_predict_trains_and_predicts_in_one_job(
    backend: LocalBackend, dataset: Dataset, workdir: Path
) -> None:
    trainer = Trainer(TINY, backend)
    job = trainer.fit_predict(
        dataset, output_alias="churn_fp", output_config=OutputConfig.local("predictions")
    )
    assert job.record().pipeline == "train_and_predict"
    assert trainer.job is job
    assert [version.name for version in job.registered_models] == ["churn"]
    (location,) = prediction_locations(job).values()
    assert Path(location).name.startswith("PREDICTIONS_")
    assert pq.read_table(location).num_rows > 0


def test_predict_on_the_data_of_an_experiments_latest_fit(
    fitted: tuple[Trainer, JobMonitor],
) -> None:
    trainer, fit = fitted
    job = trainer.predict(experiment_name="churn", output_alias="again", non_blocking=True)
    arguments = job.record().arguments
    job.cancel()
    assert (arguments["source"], arguments["tables"]) == (
        fit.record().arguments["source"],
        fit.record().arguments["tables"],
    )
    with pytest.raises(ValueError, match="no completed fit of experiment 'other'"):
        trainer.predict(experiment_name="other", output_alias="again")


def test_predicting_with_no_trained_model_says_what_to_do(
    backend: LocalBackend, dataset: Dataset
) -> None:
    before = len(backend.store.records())
    with pytest.raises(ValueError, match=r"no trained model to predict with: call trainer\.fit"):
        Trainer(TINY, backend).predict(dataset, output_alias="none")
    assert len(backend.store.records()) == before


@pytest.mark.parametrize(
    ("way", "match"),
    [
        ({"model_run_id": "a" * 32, "alias": "champion"}, "one way, not by model_run_id and"),
        ({"registered_model_name": "churn"}, "give version=... or alias=..."),
        ({"evaluation_metric": "roc_auc"}, "also pass model_selection_strategy='best'"),
        ({"model_selection_strategy": "worst"}, "must be 'best'"),
        ({"model_selection_strategy": "best"}, "needs evaluation_metric"),
        ({"model_run_id": "not-a-run"}, "run id must be 32 hex digits"),
    ],
)
def test_a_model_named_badly(
    fitted: tuple[Trainer, JobMonitor], dataset: Dataset, way: dict, match: str
) -> None:
    trainer, _ = fitted
    with pytest.raises(ValueError, match=match):
        trainer.predict(dataset, output_alias="bad", **way)


def test_fit_checks_the_dataset_before_submitting(backend: LocalBackend, shop_dir: Path) -> None:
    dataset = Dataset.infer(shop_dir, task=CHURN)
    dataset.table("orders").add_foreign_key("customer_id", "clients.customer_id")
    before = len(backend.store.records())
    with pytest.raises(DatasetError, match="unknown table 'clients'"):
        Trainer(TINY, backend).fit(dataset)
    with pytest.raises(ValueError, match="the dataset has no task"):
        Trainer(TINY, backend).fit(Dataset.infer(shop_dir))
    assert len(backend.store.records()) == before


def test_load_refuses_a_prediction_job(
    fitted: tuple[Trainer, JobMonitor], dataset: Dataset
) -> None:
    trainer, _ = fitted
    job = trainer.predict(dataset, output_alias="refused", non_blocking=True)
    job.cancel()
    with pytest.raises(ValueError, match="is a predict job"):
        Trainer.load(job.id, backend=trainer.backend)
