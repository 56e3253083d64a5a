"""Champion/challenger: the first model becomes champion; a worse one is registered but not
promoted, with both scores on the same holdout recorded; the margin is respected."""

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from relgraph.graph import materialize
from relgraph.registry import (
    Evaluation,
    evaluate_candidate,
    list_versions,
    promote,
    register_and_promote,
    register_model,
    resolve_model,
)
from relgraph.schema import infer_schema
from relgraph.train import EvaluationReport
from tests.nn.tiny_shop import shop_tables
from tests.registry.conftest import Trained


def evaluate(trained: Trained, model: Path, out: Path, name: str | None, margin: float = 0.0):
    return evaluate_candidate(
        model,
        trained.graph,
        trained.task,
        output=out,
        registered_name=name,
        margin=margin,
        tracking_uri=trained.uri,
    )


def test_first_becomes_champion_and_a_worse_one_does_not(trained: Trained, tmp_path: Path) -> None:
    name, uri = "cc-dnf", trained.uri
    first = evaluate(trained, trained.good.model_path, tmp_path / "eval-good", name)
    assert first.blessed and first.champion_score is None and first.split == "test"
    assert first.metric == "roc_auc" and "no champion yet" in first.reason
    assert first.candidate_score == pytest.approx(trained.good.metrics["test"]["roc_auc"])
    version = register_and_promote(
        trained.good.model_path, tmp_path / "eval-good", name, tracking_uri=uri
    )
    assert version.version == "1" and version.aliases == ["candidate", "champion"]
    assert version.tags["relgraph.decision"] == "blessed"
    assert version.tags["relgraph.champion_score"] == "none"

    second = evaluate(trained, trained.worse.model_path, tmp_path / "eval-worse", name)
    # The champion is scored on the same holdout: exactly its own score as a candidate.
    assert second.champion_score == first.candidate_score
    assert second.champion_version == "1"
    assert second.candidate_score < second.champion_score  # the barely trained model is worse
    assert not second.blessed and "does not beat" in second.reason
    version = register_and_promote(
        trained.worse.model_path, tmp_path / "eval-worse", name, tracking_uri=uri
    )
    assert version.version == "2" and version.aliases == ["candidate"]
    tags = version.tags
    assert tags["relgraph.decision"] == "rejected"
    assert float(tags["relgraph.candidate_score"]) == second.candidate_score
    assert float(tags["relgraph.champion_score"]) == second.champion_score
    assert tags["relgraph.compared_with"] == "1" and tags["relgraph.eval_metric"] == "roc_auc"
    assert resolve_model(f"{name}@champion", tracking_uri=uri).version == "1"


def test_the_margin_is_respected(trained: Trained, tmp_path: Path) -> None:
    name, uri = "cc-margin", trained.uri
    register_model(trained.worse.run_id, name, tracking_uri=uri)
    promote(name, "1", tracking_uri=uri)
    base = evaluate(trained, trained.good.model_path, tmp_path / "m0", name)
    gain = base.candidate_score - base.champion_score
    assert base.blessed and gain > 0
    too_much = evaluate(trained, trained.good.model_path, tmp_path / "m1", name, margin=gain + 0.01)
    assert not too_much.blessed and f"margin {gain + 0.01:g}" in too_much.reason
    enough = evaluate(trained, trained.good.model_path, tmp_path / "m2", name, margin=gain / 2)
    assert enough.blessed
    with pytest.raises(ValueError, match="margin must be >= 0"):
        evaluate(trained, trained.good.model_path, tmp_path / "m3", name, margin=-0.1)


def test_evaluation_folder_and_tags_on_an_already_registered_version(
    trained: Trained, tmp_path: Path
) -> None:
    name, uri = "cc-folder", trained.uri
    registered = register_model(trained.good.run_id, name, tracking_uri=uri)
    evaluation = evaluate(trained, trained.good.model_path, tmp_path / "eval", name)
    assert sorted(p.name for p in (tmp_path / "eval").iterdir()) == [
        "decision.json",
        "holdout.parquet",
        "report.json",
    ]
    report = EvaluationReport.load(tmp_path / "eval")
    assert report.metrics["test"]["roc_auc"] == evaluation.candidate_score
    assert report.roc_curve is not None and len(report.holdout) == 40
    assert pq.read_table(tmp_path / "eval" / "holdout.parquet").num_rows == 40
    assert Evaluation.load(tmp_path / "eval").decision() == evaluation.decision()
    tags = list_versions(name, tracking_uri=uri)[0].tags
    assert registered.version == "1" and tags["relgraph.decision"] == "blessed"
    with pytest.raises(FileExistsError, match="already exists"):
        evaluate(trained, trained.good.model_path, tmp_path / "eval", name)


def test_a_champion_that_moved_since_the_evaluation_is_not_replaced(
    trained: Trained, tmp_path: Path
) -> None:
    name, uri = "cc-moved", trained.uri
    evaluation = evaluate(trained, trained.good.model_path, tmp_path / "eval", name)
    assert evaluation.blessed  # against no champion
    register_model(trained.worse.run_id, name, tracking_uri=uri)
    promote(name, "1", tracking_uri=uri)  # meanwhile, someone made a champion
    version = register_and_promote(
        trained.good.model_path, tmp_path / "eval", name, tracking_uri=uri
    )
    assert version.aliases == ["candidate"]
    assert "the champion is version 1 now" in version.tags["relgraph.decision_reason"]


def test_a_graph_of_another_schema_is_refused(trained: Trained, tmp_path: Path) -> None:
    tables = shop_tables()
    tables = {**tables, "users": tables["users"].drop_columns(["segment"])}
    other = materialize(tables, infer_schema(tables), tmp_path / "other")
    with pytest.raises(ValueError, match="schema hash is"):
        evaluate_candidate(
            trained.good.model_path,
            other.path,
            trained.task,
            output=tmp_path / "eval",
            registered_name=None,
            tracking_uri=trained.uri,
        )
    assert not (tmp_path / "eval").exists()
