"""batch_predict for a link task: top-k targets in long form, source and target embeddings,
and drift of the ranked targets."""

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.graph import GraphArtifact, materialize
from relgraph.predict import OutputConfig, OutputMetadata, batch_predict
from relgraph.schema import infer_schema
from relgraph.tasks import ANCHOR_TIME
from relgraph.train import ModelBundle, fit_link_task
from relgraph.train.bundle import schema_hash
from tests.train.test_link_predictor import (
    CONFIG,
    DAY,
    NUM_USERS,
    START,
    TEST_DAY,
    K,
    rebuy_task,
    rows_at,
    shop,
)


@pytest.fixture(scope="module")
def link_model(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A two-tower model folder (no MLflow run) and its graph."""
    base = tmp_path_factory.mktemp("link")
    tables = shop()
    artifact = materialize(
        tables, infer_schema(tables), base / "graph", cutoff_time=START + 30 * DAY
    )
    task = rebuy_task(tables)
    result = fit_link_task(artifact, task=task, config=CONFIG.replace(n_epochs=2))
    bundle = ModelBundle(
        predictor=result.predictor,
        task=task,
        schema=artifact.schema,
        encoder_state=artifact.encoder_state,
        graph_hash=artifact.content_hash,
        schema_hash=schema_hash(artifact.schema),
        holdout=result.predictions["test"],
    )
    return bundle.save(base / "model"), base / "graph"


def test_top_k_targets_and_both_embeddings(link_model: tuple[Path, Path], tmp_path: Path) -> None:
    model, graph = link_model
    anchor = (START + TEST_DAY * DAY).astype("datetime64[s]").item().isoformat()
    result = batch_predict(
        model,
        graph,
        output=OutputConfig.local(tmp_path),
        output_alias="rebuy",
        anchor_time=anchor,
        k=K,
        extract_embeddings=True,
    )
    assert set(result.outputs) == {
        "PREDICTIONS_rebuy",
        "EMBEDDINGS_SRC_user_id_rebuy",
        "EMBEDDINGS_TGT_product_id_rebuy",
    }
    assert (result.num_entities, result.num_rows) == (NUM_USERS, NUM_USERS * K)
    assert result.tracking_run_id is None  # a model folder without a run: nothing to record
    table = pq.read_table(tmp_path / "PREDICTIONS_rebuy.parquet")
    assert table.column_names == ["user_id", ANCHOR_TIME, "rank", "product_id", "score"]
    assert table["rank"].to_pylist()[:K] == list(range(1, K + 1))
    # The targets are the predictor's own top k for every user at that time.
    bundle = ModelBundle.load(model)
    artifact = GraphArtifact.load(graph)
    ids, scores = bundle.predictor.predict_topk(artifact, rows_at(TEST_DAY), k=K)
    assert table["product_id"].to_pylist() == ids.reshape(-1).tolist()
    np.testing.assert_allclose(table["score"].to_numpy(), scores.reshape(-1), rtol=1e-6)
    source = pq.read_table(tmp_path / "EMBEDDINGS_SRC_user_id_rebuy.parquet")
    target = pq.read_table(tmp_path / "EMBEDDINGS_TGT_product_id_rebuy.parquet")
    assert source.num_rows == NUM_USERS
    channels = CONFIG.channels
    assert source.schema.field("embedding").type == pa.list_(pa.float32(), channels)
    # Targets that exist at the anchor: all but the product listed later.
    assert sorted(target["product_id"].to_pylist()) == list(range(1, 21))
    metadata = OutputMetadata.of_table(target.schema, where="x")
    assert metadata.details["side"] == "TGT" and metadata.details["entity_table"] == "products"
    # Two-tower scores are dot products of the two embeddings.
    src = np.stack(source["embedding"].to_numpy(zero_copy_only=False))
    tgt = dict(
        zip(
            target["product_id"].to_pylist(),
            np.stack(target["embedding"].to_numpy(zero_copy_only=False)),
            strict=True,
        )
    )
    first = table.slice(0, K)
    dots = [float(src[0] @ tgt[pid]) for pid in first["product_id"].to_pylist()]
    np.testing.assert_allclose(dots, first["score"].to_numpy(), rtol=1e-4, atol=1e-4)
    assert result.drift["score"] == "target" and result.drift["psi"] >= 0.0
