"""batch_predict on the tiny shop: a model folder or MLflow reference, a graph, entities in;
predictions, embeddings, drift and an MLflow record out; refusals that leave nothing."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import torch
from mlflow import MlflowClient

from relgraph.graph import GraphArtifact
from relgraph.io import sqlite_url
from relgraph.nn import NodeEnsemble
from relgraph.predict import (
    OutputConfig,
    OutputExistsError,
    OutputMetadata,
    batch_predict,
)
from relgraph.predict.record import KIND, KIND_TAG, RUN_ARTIFACT
from relgraph.predict.sql_writer import SqlOutputWriter
from relgraph.registry import ModelNotFoundError
from relgraph.tasks import ANCHOR_TIME
from relgraph.train import ModelBundle
from tests.nn.tiny_shop import NUM_USERS, shop_tables
from tests.predict.conftest import Trained, train
from tests.registry.tiny import FAST, build_graph


def latest_order_time() -> str:
    stamp = pc.max(shop_tables()["orders"]["ordered_at"]).as_py()
    return stamp.isoformat()


def test_predicts_every_entity_at_the_latest_time(binary: Trained, tmp_path: Path) -> None:
    result = batch_predict(
        binary.out.model_path,
        binary.graph,
        output=OutputConfig.local(tmp_path / "out"),
        output_alias="nightly",
        tracking_uri=binary.uri,
        job_id="job-7",
    )
    assert result.num_rows == NUM_USERS and result.num_entities == NUM_USERS
    assert result.anchor_time == latest_order_time()
    assert result.job_id == "job-7"
    assert result.outputs == {
        "PREDICTIONS_nightly": f"{(tmp_path / 'out').as_posix()}/PREDICTIONS_nightly.parquet"
    }
    table = pq.read_table(tmp_path / "out" / "PREDICTIONS_nightly.parquet")
    assert table.column_names == ["user_id", ANCHOR_TIME, "probability", "prediction"]
    assert sorted(table["user_id"].to_pylist()) == list(range(1, NUM_USERS + 1))
    # The same numbers as the model's own predict (and so its pyfunc) on the same rows.
    bundle = ModelBundle.load(binary.out.model_path)
    expected = bundle.predict(
        GraphArtifact.load(binary.graph), table.select(["user_id", ANCHOR_TIME])
    )
    np.testing.assert_array_equal(table["probability"], expected["probability"])
    np.testing.assert_array_equal(table["prediction"], expected["prediction"])
    metadata = OutputMetadata.of_table(table.schema, where="test")
    assert (metadata.model_run_id, metadata.job_id, metadata.num_rows) == (
        binary.out.run_id,
        "job-7",
        NUM_USERS,
    )
    assert metadata.anchor_time == result.anchor_time
    assert metadata.details["threshold"] == 0.5
    assert set(result.drift) >= {"psi", "ks_statistic", "ks_pvalue"}
    assert result.drift["reference_rows"] == bundle.holdout.num_rows
    # The batch prediction is an MLflow run under the model's run, with the drift metrics.
    client = MlflowClient(tracking_uri=binary.uri)
    run = client.get_run(result.tracking_run_id)
    assert run.data.tags["mlflow.parentRunId"] == binary.out.run_id
    assert run.data.tags[KIND_TAG] == KIND
    assert run.data.metrics["drift_psi"] == pytest.approx(result.drift["psi"])
    assert run.data.metrics["num_rows"] == NUM_USERS
    assert run.data.params["output_alias"] == "nightly"
    model_run = client.get_run(binary.out.run_id)
    assert run.info.experiment_id == model_run.info.experiment_id
    logged = client.download_artifacts(run.info.run_id, RUN_ARTIFACT, str(tmp_path))
    assert "PREDICTIONS_nightly" in Path(logged).read_text()


def test_a_run_reference_embeddings_and_a_sql_output(binary: Trained, tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "outputs.db")
    result = batch_predict(
        binary.out.run_id,
        binary.graph,
        output=OutputConfig.sql(url),
        output_alias="emb",
        extract_embeddings=True,
        tracking_uri=binary.uri,
        batch_size=7,  # several batches
    )
    assert result.model == {
        "run_id": binary.out.run_id,
        "name": None,
        "version": None,
        "uri": f"runs:/{binary.out.run_id}/model",
    }
    assert set(result.outputs) == {"PREDICTIONS_emb", "EMBEDDINGS_SRC_user_id_emb"}
    writer = SqlOutputWriter(url)
    predictions = writer.read("PREDICTIONS_emb")
    embeddings = writer.read("EMBEDDINGS_SRC_user_id_emb")
    channels = FAST.channels
    assert embeddings.column_names == ["user_id", ANCHOR_TIME] + [
        f"embedding_{i}" for i in range(channels)
    ]
    assert writer.read_metadata("EMBEDDINGS_SRC_user_id_emb").details["dimensions"] == channels
    # The embeddings are what the head reads: the head on them (in the batches of 7 of the
    # prediction pass) gives the probabilities.
    bundle = ModelBundle.load(binary.out.model_path)
    matrix = np.stack([embeddings[f"embedding_{i}"].to_numpy() for i in range(channels)], 1)
    head = bundle.predictor.model.eval().head
    with torch.no_grad():
        logits = torch.cat([head(part) for part in torch.from_numpy(matrix).float().split(7)])
    np.testing.assert_allclose(
        torch.sigmoid(logits).view(-1).numpy(), predictions["probability"].to_numpy(), rtol=1e-5
    )


def test_entities_from_a_task_folder_or_a_table(binary: Trained, tmp_path: Path) -> None:
    result = batch_predict(
        binary.out.model_path,
        binary.graph,
        output=OutputConfig.local(tmp_path),
        output_alias="test_split",
        entities=binary.task,
    )
    test_rows = pq.read_table(binary.task / "test.parquet")
    assert result.num_rows == test_rows.num_rows
    rows = pa.table({"user_id": pa.array([3, 1, 2], pa.int64())})
    result = batch_predict(
        binary.out.model_path,
        binary.graph,
        output=OutputConfig.local(tmp_path),
        output_alias="three",
        entities=rows,
        anchor_time="2024-03-01",
    )
    table = pq.read_table(tmp_path / "PREDICTIONS_three.parquet")
    assert table["user_id"].to_pylist() == [3, 1, 2]
    assert {t.isoformat() for t in table[ANCHOR_TIME].to_pylist()} == {"2024-03-01T00:00:00"}
    with pytest.raises(ValueError, match="has an 'anchor_time' column and anchor_time="):
        batch_predict(
            binary.out.model_path,
            binary.graph,
            output=OutputConfig.local(tmp_path),
            output_alias="both",
            entities=table.select(["user_id", ANCHOR_TIME]),
            anchor_time="2024-03-01",
        )
    with pytest.raises(ValueError, match="user_id value"):
        batch_predict(
            binary.out.model_path,
            binary.graph,
            output=OutputConfig.local(tmp_path),
            output_alias="unknown",
            entities=pa.table({"user_id": pa.array([999], pa.int64())}),
        )
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "PREDICTIONS_test_split.parquet",
        "PREDICTIONS_three.parquet",
    ]


def test_a_graph_of_another_schema_is_refused_and_nothing_written(
    binary: Trained, tmp_path: Path
) -> None:
    tables = shop_tables()
    tables["users"] = tables["users"].drop_columns(["age"])
    other = build_graph(tmp_path / "other_graph", tables)
    with pytest.raises(ValueError, match=r"schema hash is .* the model's .* is"):
        batch_predict(
            binary.out.model_path,
            other.path,
            output=OutputConfig.local(tmp_path / "out"),
            output_alias="x",
        )
    assert not (tmp_path / "out").exists()


def test_an_existing_alias_is_refused_before_any_work_unless_overwritten(
    binary: Trained, tmp_path: Path
) -> None:
    output = OutputConfig.local(tmp_path)
    first = batch_predict(binary.out.model_path, binary.graph, output=output, output_alias="a")
    # Refused before the model is even looked at: a model that does not exist is not reached.
    with pytest.raises(OutputExistsError, match="output_alias 'a' already exists"):
        batch_predict(tmp_path / "no-model", binary.graph, output=output, output_alias="a")
    second = batch_predict(
        binary.out.model_path, binary.graph, output=output, output_alias="a", overwrite=True
    )
    assert second.job_id != first.job_id
    written = OutputMetadata.of_table(pq.read_schema(tmp_path / "PREDICTIONS_a.parquet"), where="x")
    assert written.job_id == second.job_id


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"output_alias": "../x"}, r"output_alias '\.\./x'"),
        ({"output_alias": "x; DROP TABLE t"}, "output_alias 'x; DROP TABLE t'"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
        ({"k": -1}, "k must be a positive integer"),
        ({"threshold": 1.5}, r"threshold must lie in \[0, 1\]"),
        ({"output": "s3://bucket"}, "output must be an OutputConfig"),
    ],
)
def test_bad_arguments_are_named_before_any_work(tmp_path: Path, changes: dict, match: str) -> None:
    arguments = {"output": OutputConfig.local(tmp_path), "output_alias": "ok", **changes}
    with pytest.raises(ValueError, match=match):
        batch_predict(tmp_path / "no-model", tmp_path / "no-graph", **arguments)


def test_an_unknown_model_is_a_clear_error(binary: Trained, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="nope"):
        batch_predict(
            "models:/nope@champion",
            binary.graph,
            output=OutputConfig.local(tmp_path / "out"),
            output_alias="x",
            tracking_uri=binary.uri,
        )
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("kind", ["multiclass", "regression"])
def test_other_node_task_types(kind: str, tmp_path: Path) -> None:
    trained = train(tmp_path / "model", kind)
    result = batch_predict(
        trained.out.model_path,
        trained.graph,
        output=OutputConfig.local(tmp_path / "out"),
        output_alias=kind,
        tracking_uri=trained.uri,
        extract_embeddings=kind == "regression",
    )
    table = pq.read_table(tmp_path / "out" / f"PREDICTIONS_{kind}.parquet")
    bundle = trained.out.bundle
    expected = bundle.predict(
        GraphArtifact.load(trained.graph), table.select(["user_id", ANCHOR_TIME])
    )
    if kind == "multiclass":
        classes = bundle.classes
        assert table.column_names == ["user_id", ANCHOR_TIME, "prediction", "probability"] + [
            f"probability_{value}" for value in classes
        ]
        assert table["prediction"].to_pylist() == expected["prediction"].to_pylist()
        np.testing.assert_array_equal(table["probability"], expected["probability"])
        assert result.drift["score"] == "probability"
    else:
        assert table.column_names == ["user_id", ANCHOR_TIME, "prediction"]
        np.testing.assert_array_equal(table["prediction"], expected["prediction"])
        assert result.drift["score"] == "prediction"
        # A regression model is an ensemble of three by default: its embedding is the three
        # members' side by side, and the ensemble's head on it gives the predictions.
        model = bundle.predictor.model.eval()
        assert isinstance(model, NodeEnsemble) and len(model.members) == 3
        embeddings = pq.read_table(tmp_path / "out" / "EMBEDDINGS_SRC_user_id_regression.parquet")
        assert embeddings.schema.field("embedding").type.list_size == 3 * FAST.channels
        matrix = np.array(embeddings["embedding"].to_pylist())
        with torch.no_grad():
            values = model.head(torch.from_numpy(matrix).float()).view(-1).numpy()
        low, high = bundle.predictor.clamp
        np.testing.assert_allclose(
            np.clip(values, low, high), table["prediction"].to_numpy(), rtol=1e-5, atol=1e-5
        )
    assert result.tracking_run_id is not None
