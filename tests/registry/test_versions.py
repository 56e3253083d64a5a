"""Registering versions, resolving every kind of reference, promote and rollback, and errors
that name what was asked for and what exists."""

import json
import logging

import pytest

from relgraph.registry import (
    ModelNotFoundError,
    ModelRef,
    list_models,
    list_versions,
    promote,
    register_model,
    resolve_model,
    rollback,
)
from tests.registry.conftest import EXPERIMENT, Trained


def test_register_tags_the_version_and_moves_candidate(
    trained: Trained, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="relgraph.registry"):
        first = register_model(trained.good.run_id, "reg-tags", tracking_uri=trained.uri)
    assert "registered 'reg-tags' version 1" in caplog.text
    assert (first.name, first.version, first.run_id) == ("reg-tags", "1", trained.good.run_id)
    assert first.aliases == ["candidate"]
    bundle = trained.good.bundle
    tags = first.tags
    assert tags["relgraph.task"] == "shop-binary"
    assert tags["relgraph.schema_hash"] == bundle.schema_hash
    assert tags["relgraph.data_snapshot_hash"] == bundle.data_hash
    assert len(tags["relgraph.git_commit"]) == 40
    assert float(tags["metric.test_roc_auc"]) == pytest.approx(bundle.metrics["test"]["roc_auc"])
    assert json.loads(tags["relgraph.metrics"])["validation_accuracy"] == pytest.approx(
        bundle.metrics["validation"]["accuracy"]
    )
    second = register_model(trained.worse.run_id, "reg-tags", tracking_uri=trained.uri)
    assert second.version == "2" and second.aliases == ["candidate"]
    versions = list_versions("reg-tags", tracking_uri=trained.uri)
    assert [(v.version, v.aliases) for v in versions] == [("1", []), ("2", ["candidate"])]
    listed = {m["name"]: m for m in list_models(tracking_uri=trained.uri)}
    assert listed["reg-tags"]["aliases"] == {"candidate": "2"}


def test_resolve_by_every_kind_of_reference(trained: Trained) -> None:
    name, good, worse = "reg-resolve", trained.good, trained.worse
    register_model(good.run_id, name, tracking_uri=trained.uri)
    register_model(worse.run_id, name, tracking_uri=trained.uri)
    promote(name, "1", tracking_uri=trained.uri)
    cases = {
        good.run_id: (good.run_id, f"runs:/{good.run_id}/model", None, None),
        f"runs:/{worse.run_id}/model": (worse.run_id, f"runs:/{worse.run_id}/model", None, None),
        f"models:/{name}/2": (worse.run_id, f"models:/{name}/2", name, "2"),
        f"{name}/1": (good.run_id, f"models:/{name}/1", name, "1"),
        f"models:/{name}@champion": (good.run_id, f"models:/{name}/1", name, "1"),
        f"{name}@candidate": (worse.run_id, f"models:/{name}/2", name, "2"),
    }
    for text, (run_id, uri, found_name, version) in cases.items():
        resolved = resolve_model(text, tracking_uri=trained.uri)
        assert (resolved.run_id, resolved.model_uri, resolved.name, resolved.version) == (
            run_id,
            uri,
            found_name,
            version,
        ), text
        assert resolved.bundle.run_id == run_id
    good_score = good.metrics["validation"]["roc_auc"]
    worse_score = worse.metrics["validation"]["roc_auc"]
    best = resolve_model(ModelRef.best(EXPERIMENT, "validation_roc_auc"), tracking_uri=trained.uri)
    assert best.run_id == (good.run_id if good_score > worse_score else worse.run_id)
    # Lower is better for a loss: the other end of the ranking (the run with the lower loss).
    losses = {r: trained_loss(trained, r) for r in (good.run_id, worse.run_id)}
    lowest = resolve_model(f"best:{EXPERIMENT}:train_loss", tracking_uri=trained.uri)
    assert lowest.run_id == min(losses, key=losses.get)


def trained_loss(trained: Trained, run_id: str) -> float:
    from mlflow import MlflowClient

    return MlflowClient(tracking_uri=trained.uri).get_run(run_id).data.metrics["train_loss"]


def test_promote_and_rollback(trained: Trained) -> None:
    name, uri = "reg-promote", trained.uri
    register_model(trained.good.run_id, name, tracking_uri=uri)
    register_model(trained.worse.run_id, name, tracking_uri=uri)
    register_model(trained.good.run_id, name, tracking_uri=uri)
    with pytest.raises(ValueError, match="'reg-promote' has no champion to roll back"):
        rollback(name, tracking_uri=uri)
    promote(name, "1", tracking_uri=uri)
    promote(name, "1", tracking_uri=uri)  # already champion: nothing changes
    promote(name, "2", tracking_uri=uri)
    promote(name, "3", tracking_uri=uri)
    assert resolve_model(f"{name}@champion", tracking_uri=uri).version == "3"
    assert rollback(name, tracking_uri=uri) == "2"
    assert rollback(name, tracking_uri=uri) == "1"
    assert resolve_model(f"{name}@champion", tracking_uri=uri).version == "1"
    with pytest.raises(ValueError, match="no earlier champion than version 1"):
        rollback(name, tracking_uri=uri)
    tags = {v.version: v.tags for v in list_versions(name, tracking_uri=uri)}
    assert "relgraph.rolled_back_at" in tags["3"] and "relgraph.promoted_at" in tags["2"]


@pytest.fixture(scope="module")
def known(trained: Trained) -> str:
    """A registered model with one version and the ``candidate`` alias."""
    return register_model(trained.good.run_id, "reg-known", tracking_uri=trained.uri).name


@pytest.mark.parametrize(
    "ref,match",
    [
        (
            "reg-missing/1",
            r"no registered model named 'reg-missing' \(registered models: \[.*'reg-known'",
        ),
        ("reg-known/7", r"'reg-known' has no version '7' \(versions: \['1'\]\)"),
        (
            "reg-known@champion",
            r"'reg-known' has no alias 'champion' \(aliases: \{'candidate': '1'\}\)",
        ),
        ("ffffffffffffffffffffffffffffffff", "no MLflow run with id ffff"),
        ("best:no-such-experiment:test_roc_auc", "no experiment named 'no-such-experiment'"),
        (
            f"best:{EXPERIMENT}:test_mae",
            r"no finished run .* has a relgraph model and metric 'test_mae'",
        ),
    ],
)
def test_unknown_models_name_what_exists(
    known: str, trained: Trained, ref: str, match: str
) -> None:
    with pytest.raises(ModelNotFoundError, match=match):
        resolve_model(ref, tracking_uri=trained.uri)


def test_unknown_version_on_promote_and_runs_without_a_model(trained: Trained) -> None:
    from mlflow import MlflowClient

    register_model(trained.good.run_id, "reg-errors", tracking_uri=trained.uri)
    with pytest.raises(ModelNotFoundError, match=r"no version '5' \(versions: \['1'\]\)"):
        promote("reg-errors", "5", tracking_uri=trained.uri)
    client = MlflowClient(tracking_uri=trained.uri)
    bare = client.create_run(client.get_experiment_by_name(EXPERIMENT).experiment_id)
    client.set_terminated(bare.info.run_id)
    with pytest.raises(ModelNotFoundError, match="has no relgraph model"):
        register_model(bare.info.run_id, "reg-errors", tracking_uri=trained.uri)
    with pytest.raises(ValueError, match="non-empty string"):
        register_model(trained.good.run_id, " ", tracking_uri=trained.uri)
