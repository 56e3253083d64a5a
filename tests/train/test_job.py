"""train_model: a graph and a task folder in; an MLflow run with one pyfunc model, and a model
folder, out."""

from pathlib import Path

import pyarrow as pa
import pytest
from mlflow import MlflowClient

from relgraph.tasks import NodeTask
from relgraph.train import ModelBundle, TrainerConfig, TrainOutput, train_model
from relgraph.train.job import node_task_tables, trainer_config
from relgraph.train.pyfunc import BUNDLE_TAG
from relgraph.train.tracking import DATA_SNAPSHOT_TAG
from tests.nn.tiny_shop import shop_tables, task_splits
from tests.registry.tiny import FAST, build_graph, build_task, sqlite_store


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, TrainOutput]:
    base = tmp_path_factory.mktemp("job")
    build_graph(base / "graph")
    build_task(base / "task")
    uri = sqlite_store(base / "mlflow")
    out = train_model(
        base / "graph",
        base / "task",
        output=base / "model",
        config=FAST.to_json(),
        tracking_uri=uri,
        experiment="job-tests",
        tags={"team": "a"},
    )
    return base, uri, out


def test_the_run_holds_params_metrics_tags_and_one_model(
    trained: tuple[Path, str, TrainOutput],
) -> None:
    _, uri, out = trained
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(out.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.params["channels"] == "8"
    assert run.data.metrics["test_roc_auc"] == pytest.approx(out.metrics["test"]["roc_auc"])
    tags = run.data.tags
    assert tags["team"] == "a" and tags["relgraph.task"] == "shop-binary"
    assert tags[BUNDLE_TAG] == "model"
    assert tags[DATA_SNAPSHOT_TAG] == out.bundle.data_hash
    assert tags["relgraph.schema_hash"] == out.bundle.schema_hash
    models = client.search_logged_models(
        experiment_ids=[run.info.experiment_id], filter_string=f"source_run_id = '{out.run_id}'"
    )
    assert [m.name for m in models] == ["model"]  # the pyfunc, and no bare module beside it
    assert out.tracking_url == uri


def test_the_model_folder_is_the_run_s_model(trained: tuple[Path, str, TrainOutput]) -> None:
    base, uri, out = trained
    assert out.model_path == base / "model"
    bundle = ModelBundle.load(out.model_path)
    assert bundle.run_id == out.run_id and bundle.tracking_uri == uri
    assert bundle.metrics == out.metrics and bundle.metric == "roc_auc"
    assert bundle.graph_path == str((base / "graph").resolve())
    assert bundle.trainer_config == FAST.to_dict()
    assert bundle.holdout.num_rows == 40
    assert {"user_id", "anchor_time", "label", "prediction", "probability"} <= set(
        bundle.holdout.column_names
    )


def test_the_pyfunc_has_a_signature_with_params_and_an_input_example(
    trained: tuple[Path, str, TrainOutput],
) -> None:
    import mlflow.models

    from relgraph.train.tracking import use_tracking_uri

    _, uri, out = trained
    with use_tracking_uri(uri):
        info = mlflow.models.get_model_info(f"runs:/{out.run_id}/model")
    assert info.signature.inputs.input_names() == ["user_id", "anchor_time"]
    assert [p.name for p in info.signature.params] == ["graph", "threshold", "k", "batch_size"]
    assert info.saved_input_example_info is not None
    assert "python_function" in info.flavors


def test_an_existing_model_folder_is_refused_before_training(
    trained: tuple[Path, str, TrainOutput],
) -> None:
    base, uri, _ = trained
    with pytest.raises(FileExistsError, match="already exists"):
        train_model(base / "graph", base / "task", output=base / "model", tracking_uri=uri)


def test_a_failed_training_leaves_a_failed_run_and_no_model_folder(
    trained: tuple[Path, str, TrainOutput], tmp_path: Path
) -> None:
    base, uri, _ = trained
    task = NodeTask(
        name="ghosts",
        source_entity_table="ghosts",
        source_entity_column="user_id",
        target_column="label",
        task_type="binary_classification",
        task_data_source=task_splits("binary", shop_tables()),
        time_column="anchor_time",
    ).save(tmp_path / "task")
    with pytest.raises(ValueError, match="ghosts"):
        train_model(
            base / "graph",
            task,
            output=tmp_path / "model",
            config=FAST,
            tracking_uri=uri,
            experiment="job-failures",
        )
    assert not (tmp_path / "model").exists()
    client = MlflowClient(tracking_uri=uri)
    runs = client.search_runs([client.get_experiment_by_name("job-failures").experiment_id])
    assert [r.info.status for r in runs] == ["FAILED"]


@pytest.mark.parametrize(
    "config,expected",
    [
        (None, TrainerConfig()),
        ({"channels": 8}, TrainerConfig(channels=8)),
        ('{"n_epochs": 3}', TrainerConfig(n_epochs=3)),
        ("", TrainerConfig()),
        (FAST, FAST),
    ],
)
def test_config_forms(config: object, expected: TrainerConfig) -> None:
    assert trainer_config(config) == expected


@pytest.mark.parametrize(
    "config,match",
    [({"chanels": 8}, r"no field\(s\) \['chanels'\]"), ("{not json", "not valid JSON"), (3, "int")],
)
def test_bad_configs_are_named(config: object, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        trainer_config(config)


def test_task_tables_are_renamed_and_static_tasks_refused() -> None:
    table = pa.table({"user_id": [1, 2], "at": pa.array([0, 1], pa.timestamp("s")), "y": [0, 1]})
    common = {
        "name": "t",
        "source_entity_table": "users",
        "source_entity_column": "user_id",
        "target_column": "y",
        "task_type": "binary_classification",
        "task_data_source": {"train": table, "validation": table},
    }
    tables = node_task_tables(NodeTask(**common, time_column="at"))
    assert tables["train"].column_names == ["user_id", "anchor_time", "label"]
    with pytest.raises(ValueError, match="task 't' has no time column"):
        node_task_tables(NodeTask(**common))


def test_a_link_task_trains_through_fit_link_task_and_predicts_top_k(tmp_path: Path) -> None:
    import mlflow.pyfunc
    import numpy as np

    from relgraph.graph import materialize
    from relgraph.registry import evaluate_candidate
    from relgraph.schema import infer_schema
    from relgraph.train.tracking import use_tracking_uri
    from tests.train.test_link_predictor import CONFIG, DAY, START, rebuy_task, shop

    tables = shop()
    graph = materialize(
        tables, infer_schema(tables), tmp_path / "graph", cutoff_time=START + 30 * DAY
    )
    task = rebuy_task(tables).save(tmp_path / "task")
    uri = sqlite_store(tmp_path / "mlflow")
    out = train_model(graph.path, task, output=tmp_path / "model", config=CONFIG, tracking_uri=uri)
    bundle = ModelBundle.load(out.model_path)
    assert bundle.metric == "map@3" and "map@3" in out.metrics["test"]
    assert bundle.holdout.num_rows == 12
    rows = bundle.holdout.select(["user_id", "anchor_time"])
    ids, scores = bundle.predictor.predict_topk(graph, rows, k=3)
    with use_tracking_uri(uri):
        model = mlflow.pyfunc.load_model(f"runs:/{out.run_id}/model")
    predicted = model.predict(rows.to_pandas(), params={"k": 3})
    np.testing.assert_array_equal(np.stack(predicted["prediction"].to_numpy()), ids)
    np.testing.assert_array_equal(np.stack(predicted["scores"].to_numpy()), scores)
    evaluation = evaluate_candidate(
        out.model_path, graph.path, task, output=tmp_path / "eval", registered_name=None
    )
    assert evaluation.blessed and evaluation.metric == "map@3"
    assert evaluation.candidate_score == pytest.approx(out.metrics["test"]["map@3"])
