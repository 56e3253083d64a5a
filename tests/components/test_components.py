"""Every component, called through ``.python_func`` on the tiny demo shop: the same code a
pipeline step runs, in this process, with local artifact paths.

One chain runs once per module: snapshot -> schema -> task -> graph -> train -> evaluate ->
register -> resolve -> prediction graph -> predict; then a second candidate, trained on
other data, is evaluated against the first (now champion), and the sweep fan-in picks the
better of the two.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from kfp import dsl

from relgraph.components.batch_predict import batch_predict
from relgraph.components.build_task_table import build_task_table
from relgraph.components.evaluate import evaluate
from relgraph.components.images import CUDA_IMAGE, IMAGE
from relgraph.components.infer_schema import infer_schema
from relgraph.components.materialize_graph import materialize_graph
from relgraph.components.materialize_prediction_graph import materialize_prediction_graph
from relgraph.components.register import register
from relgraph.components.resolve_model import resolve_model
from relgraph.components.select_best_model import select_best_model
from relgraph.components.snapshot import snapshot
from relgraph.components.source_hash import source_hash
from relgraph.components.train import train
from relgraph.graph import GraphArtifact
from relgraph.io import Snapshot, SnapshotError, read_tables
from relgraph.schema.artifact import SchemaArtifact
from relgraph.tasks import load_task
from tests.pipeline_data import CHURN_QUERY, TINY_TRAINER_CONFIG, shop_folder

COMPONENTS = [
    source_hash,
    snapshot,
    infer_schema,
    build_task_table,
    materialize_graph,
    materialize_prediction_graph,
    train,
    evaluate,
    register,
    resolve_model,
    batch_predict,
    select_best_model,
]

# Parameters arrive as protobuf Struct values: every number a float.
STRUCT_CONFIG = {
    k: [float(x) for x in v] if isinstance(v, list) else float(v) if type(v) is int else v
    for k, v in TINY_TRAINER_CONFIG.items()
}


def _artifact(kind: type, root: Path, name: str) -> dsl.Artifact:
    return kind(name=name, uri=str(root / name))


def _prepare(root: Path, source: Path) -> SimpleNamespace:
    """snapshot -> schema -> task -> graph, as the pipeline's first steps do."""
    root.mkdir(parents=True)
    digest = source_hash.python_func(source=str(source), tables="", queries={})
    data = _artifact(dsl.Dataset, root, "data")
    assert (
        snapshot.python_func(source=str(source), tables="", queries={}, data_hash=digest, data=data)
        == digest
    )
    schema = _artifact(dsl.Artifact, root, "schema")
    infer_schema.python_func(
        data=data,
        overrides={},
        schema=schema,
        summary=_artifact(dsl.Markdown, root, "schema.md"),
        diagram=_artifact(dsl.HTML, root, "schema.html"),
    )
    task = _artifact(dsl.Dataset, root, "task")
    task_type = build_task_table.python_func(
        data=data,
        schema=schema,
        spec=CHURN_QUERY,
        name="churn",
        split={},
        task=task,
        summary=_artifact(dsl.Markdown, root, "task.md"),
    )
    graph = _artifact(dsl.Artifact, root, "graph")
    materialize_graph.python_func(
        data=data,
        schema=schema,
        task=task,
        text_embedder="hashing",
        graph=graph,
        summary=_artifact(dsl.Markdown, root, "graph.md"),
    )
    return SimpleNamespace(
        root=root,
        digest=digest,
        data=data,
        schema=schema,
        task=task,
        graph=graph,
        task_type=task_type,
    )


def _train(prepared: SimpleNamespace, tracking: str) -> SimpleNamespace:
    root = prepared.root
    model = _artifact(dsl.Model, root, "model")
    metrics = _artifact(dsl.Metrics, root, "train-metrics")
    (run_id,) = train.python_func(
        graph=prepared.graph,
        task=prepared.task,
        trainer_config=STRUCT_CONFIG,
        tracking_uri=tracking,
        experiment="components",
        model=model,
        metrics=metrics,
        report=_artifact(dsl.Markdown, root, "train.md"),
    )
    return SimpleNamespace(model=model, metrics=metrics, run_id=run_id)


def _evaluate(prepared: SimpleNamespace, model: dsl.Model, tracking: str) -> SimpleNamespace:
    root = prepared.root
    out = SimpleNamespace(
        evaluation=_artifact(dsl.Artifact, root, "evaluation"),
        metrics=_artifact(dsl.Metrics, root, "eval-metrics"),
        classification=_artifact(dsl.ClassificationMetrics, root, "classification"),
        report=_artifact(dsl.Markdown, root, "evaluation.md"),
    )
    (out.blessed,) = evaluate.python_func(
        model=model,
        graph=prepared.graph,
        task=prepared.task,
        data=prepared.data,
        registered_name="churn",
        margin=0.0,
        tracking_uri=tracking,
        evaluation=out.evaluation,
        metrics=out.metrics,
        classification=out.classification,
        report=out.report,
    )
    return out


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("components")
    tracking = f"sqlite:///{root / 'mlflow.db'}"
    first = _prepare(root / "first", shop_folder(root / "shop", seed=0))
    trained = _train(first, tracking)
    judged = _evaluate(first, trained.model, tracking)
    registered = register.python_func(
        model=trained.model,
        evaluation=judged.evaluation,
        name="churn",
        tracking_uri=tracking,
        report=_artifact(dsl.Markdown, first.root, "register.md"),
    )
    resolved_model = _artifact(dsl.Model, first.root, "resolved")
    resolved = resolve_model.python_func(
        model_ref=registered[2], tracking_uri=tracking, model=resolved_model
    )
    prediction_graph = _artifact(dsl.Artifact, first.root, "prediction-graph")
    materialize_prediction_graph.python_func(
        data=first.data,
        model=resolved_model,
        graph=prediction_graph,
        summary=_artifact(dsl.Markdown, first.root, "prediction-graph.md"),
    )
    predicted_metrics = _artifact(dsl.Metrics, first.root, "predict-metrics")
    predicted = batch_predict.python_func(
        model=resolved_model,
        graph=prediction_graph,
        output_location=str(root / "predictions"),
        output_alias="nightly",
        anchor_time="",
        extract_embeddings=True,
        overwrite=False,
        tracking_uri=tracking,
        metrics=predicted_metrics,
        report=_artifact(dsl.Markdown, first.root, "predict.md"),
    )
    second = _prepare(root / "second", shop_folder(root / "shop-2", seed=1))
    challenger = _train(second, tracking)
    rejudged = _evaluate(second, challenger.model, tracking)
    best = _artifact(dsl.Model, root, "best")
    selected = select_best_model.python_func(
        models=[trained.model, challenger.model],
        best=best,
        report=_artifact(dsl.Markdown, root, "sweep.md"),
    )
    return SimpleNamespace(
        root=root,
        tracking=tracking,
        first=first,
        trained=trained,
        judged=judged,
        registered=registered,
        resolved=resolved,
        resolved_model=resolved_model,
        prediction_graph=prediction_graph,
        predicted=predicted,
        predicted_metrics=predicted_metrics,
        second=second,
        challenger=challenger,
        rejudged=rejudged,
        best=best,
        selected=selected,
    )


@pytest.mark.parametrize("component", COMPONENTS, ids=lambda c: c.name)
def test_components_run_the_relgraph_image_without_installing(component) -> None:
    container = component.component_spec.implementation.container
    assert container.image == (CUDA_IMAGE if component is train else IMAGE)
    assert not any("pip install" in part for part in container.command)
    assert component.python_func.__doc__ and "Args:" in component.python_func.__doc__


def test_snapshot_and_schema(chain) -> None:
    first = chain.first
    snap = Snapshot.load(first.data.path)
    assert snap.content_hash == first.digest
    assert first.data.metadata["content_hash"] == first.digest
    assert "customers" in first.data.metadata["tables"]
    schema = SchemaArtifact.load(first.schema.path)
    assert schema.manifest["made_from"]["snapshot"] == first.digest
    assert Path(first.root / "schema.md").read_text() == schema.summary_markdown()
    assert Path(first.root / "schema.html").read_text().startswith("<!DOCTYPE html>")


def test_snapshot_refuses_a_stale_hash(chain, tmp_path: Path) -> None:
    with pytest.raises(SnapshotError, match="changed while the pipeline read it"):
        snapshot.python_func(
            source=str(chain.root / "shop"),
            tables="",
            queries={},
            data_hash="0" * 32,
            data=_artifact(dsl.Dataset, tmp_path, "data"),
        )


def test_task_and_graph(chain) -> None:
    first = chain.first
    assert first.task_type == "binary_classification"
    task = load_task(Path(first.task.path))
    assert task.name == "churn" and task.splits == ["train", "validation", "test"]
    graph = GraphArtifact.load(first.graph.path)
    assert graph.manifest["made_from"]["data_hash"] == first.digest
    assert graph.encoder_state.cutoff_time is not None
    assert (first.root / "graph.md").read_text().startswith("# Graph summary")


def test_train_logs_metrics_and_the_run(chain) -> None:
    trained = chain.trained
    manifest = json.loads((Path(trained.model.path) / "manifest.json").read_text())
    assert manifest["kind"] == "relgraph.model"
    assert manifest["made_from"]["run_id"] == trained.run_id
    assert manifest["trainer_config"]["channels"] == 8  # Struct floats made ints again
    assert set(trained.metrics.metadata) >= {"validation_roc_auc", "test_roc_auc"}
    report = (chain.first.root / "train.md").read_text()
    assert trained.run_id in report and "| validation |" in report


def test_first_candidate_is_blessed_and_registered_champion(chain) -> None:
    judged = chain.judged
    assert judged.blessed is True
    decision = json.loads((Path(judged.evaluation.path) / "decision.json").read_text())
    assert decision["champion_score"] is None
    assert judged.metrics.metadata["blessed"] == 1.0
    assert "test_roc_auc" in judged.metrics.metadata
    assert "confidenceMetrics" in judged.classification.metadata
    assert "confusionMatrix" in judged.classification.metadata
    assert "# Evaluation: blessed" in (chain.first.root / "evaluation.md").read_text()
    version, model_uri, champion = chain.registered
    assert (version, model_uri, champion) == ("1", "models:/churn/1", "models:/churn@champion")
    report = (chain.first.root / "register.md").read_text()
    assert "`@champion`" in report and "blessed, now champion" in report


def test_resolve_and_predict_with_the_champion(chain) -> None:
    assert chain.resolved == ("models:/churn/1", chain.trained.run_id)
    prediction_graph = GraphArtifact.load(chain.prediction_graph.path)
    trained_graph = GraphArtifact.load(chain.first.graph.path)
    assert prediction_graph.encoder_state.to_dict() == trained_graph.encoder_state.to_dict()
    outputs, num_rows = chain.predicted
    assert sorted(outputs) == ["EMBEDDINGS_SRC_customer_id_nightly", "PREDICTIONS_nightly"]
    predictions = pq.read_table(outputs["PREDICTIONS_nightly"])
    assert predictions.num_rows == num_rows > 0
    assert chain.predicted_metrics.metadata["num_rows"] == num_rows
    report = (chain.first.root / "predict.md").read_text()
    assert "PREDICTIONS_nightly" in report and f"rows: {num_rows:,}" in report


def _predict_for(chain, root: Path, **settings) -> tuple[dict, int]:
    """``batch_predict`` with the champion on the chain's prediction graph."""
    return batch_predict.python_func(
        model=chain.resolved_model,
        graph=chain.prediction_graph,
        anchor_time="",
        extract_embeddings=False,
        overwrite=False,
        tracking_uri=chain.tracking,
        metrics=_artifact(dsl.Metrics, root, "metrics"),
        report=_artifact(dsl.Markdown, root, "report.md"),
        **settings,
    )


def test_predict_for_given_entities_in_small_batches_into_sqlite(chain, tmp_path: Path) -> None:
    (everyone,) = [
        pq.read_table(where) for name, where in chain.predicted[0].items() if "PREDICTIONS" in name
    ]
    wanted = everyone.column("customer_id").slice(0, 5)
    entities = tmp_path / "entities.parquet"
    pq.write_table(pa.table({"customer_id": wanted}), entities)
    outputs, num_rows = _predict_for(
        chain,
        tmp_path,
        output_location=f"sqlite:///{tmp_path / 'out.db'}",
        output_alias="picked",
        output_schema="",
        entities=str(entities),
        batch_size=2,
    )
    assert num_rows == 5
    assert outputs["PREDICTIONS_picked"] == f"sqlite:///{tmp_path / 'out.db'}#PREDICTIONS_picked"
    written = read_tables(f"sqlite:///{tmp_path / 'out.db'}", tables=["PREDICTIONS_picked"])
    picked = written["PREDICTIONS_picked"].sort_by("customer_id")
    assert picked.column("customer_id").to_pylist() == sorted(wanted.to_pylist())
    # Batches of 2 predict what one batch of every entity predicted.
    same = everyone.filter(pc.is_in(everyone.column("customer_id"), wanted)).sort_by("customer_id")
    np.testing.assert_allclose(
        picked.column("probability").to_numpy(), same.column("probability").to_numpy(), rtol=1e-5
    )


@pytest.mark.parametrize(
    ("settings", "match"),
    [
        ({"batch_size": 0}, "batch_size"),
        ({"output_schema": "analytics"}, "given for SQLite database"),
        ({"entities": "missing.parquet"}, "missing.parquet"),
    ],
)
def test_predict_settings_reach_the_library(chain, tmp_path: Path, settings, match: str) -> None:
    arguments = {
        "output_location": f"sqlite:///{tmp_path / 'out.db'}",
        "output_alias": "refused",
        **settings,
    }
    with pytest.raises(ValueError, match=match):
        _predict_for(chain, tmp_path, **arguments)
    assert not (tmp_path / "out.db").exists() or not read_tables(f"sqlite:///{tmp_path / 'out.db'}")


def test_challenger_on_other_data_is_compared_with_the_champion(chain) -> None:
    decision = json.loads((Path(chain.rejudged.evaluation.path) / "decision.json").read_text())
    # The champion encodes with its own encoders, on a graph of the challenger's snapshot.
    assert decision["champion_version"] == "1"
    assert isinstance(decision["champion_score"], float)
    assert decision["blessed"] is chain.rejudged.blessed
    assert "champion_score" in chain.rejudged.metrics.metadata


def test_select_best_model(chain) -> None:
    run_id, score = chain.selected
    scores = {}
    for model in (chain.trained.model, chain.challenger.model):
        manifest = json.loads((Path(model.path) / "manifest.json").read_text())
        scores[manifest["made_from"]["run_id"]] = manifest["metrics"]["validation"]["roc_auc"]
    assert score == max(scores.values()) and scores[run_id] == score
    best = json.loads((Path(chain.best.path) / "manifest.json").read_text())
    assert best["made_from"]["run_id"] == run_id
    assert "# Tuning: 2 trials" in (chain.root / "sweep.md").read_text()
