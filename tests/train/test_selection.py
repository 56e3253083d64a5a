"""Choosing the best model of a sweep by its validation score, in the metric's direction."""

import json
from pathlib import Path

import pytest

from relgraph.train import TrainerConfig
from relgraph.train.selection import select_best_model

DEFAULTS = TrainerConfig()


def _model(root: Path, name: str, metric: str, scores: dict, config: dict | None = None) -> Path:
    """A model folder as far as selection reads it: its manifest (and one more file)."""
    folder = root / name
    folder.mkdir(parents=True)
    manifest = {
        "kind": "relgraph.model",
        "format_version": 1,
        "made_from": {"run_id": f"run-{name}"},
        "task": {"metric": metric},
        "metrics": {split: {metric: value} for split, value in scores.items()},
        "trainer_config": {"channels": DEFAULTS.channels, "lr": DEFAULTS.lr, **(config or {})},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    (folder / "predictor.pt").write_bytes(name.encode())
    return folder


def test_highest_auroc_wins_and_is_copied(tmp_path: Path) -> None:
    a = _model(tmp_path, "a", "roc_auc", {"validation": 0.70, "test": 0.90})
    b = _model(tmp_path, "b", "roc_auc", {"validation": 0.75, "test": 0.60}, {"channels": 32})
    summary = tmp_path / "ui" / "sweep.md"

    choice = select_best_model([a, b], tmp_path / "best", summary=summary)

    assert choice.run_id == "run-b" and choice.score == 0.75
    assert [t.run_id for t in choice.trials] == ["run-b", "run-a"]
    assert (tmp_path / "best" / "predictor.pt").read_bytes() == b"b"
    text = summary.read_text()
    assert text.startswith("# Tuning: 2 trials")
    assert "Best roc_auc on the validation split: 0.7500" in text
    assert '`{"channels": 32}`' in text and "| 2 | `run-a` | 0.7000 | defaults |" in text


def test_lowest_error_wins(tmp_path: Path) -> None:
    models = [
        _model(tmp_path, "a", "mae", {"validation": 3.0}),
        _model(tmp_path, "b", "mae", {"validation": 2.5}),
        _model(tmp_path, "c", "mae", {"validation": 4.0}),
    ]
    assert select_best_model(models, tmp_path / "best").run_id == "run-b"


def test_ties_go_to_the_first(tmp_path: Path) -> None:
    models = [
        _model(tmp_path, "a", "roc_auc", {"validation": 0.7}),
        _model(tmp_path, "b", "roc_auc", {"validation": 0.7}),
    ]
    assert select_best_model(models, tmp_path / "best").run_id == "run-a"


def test_replaces_an_existing_destination(tmp_path: Path) -> None:
    a = _model(tmp_path, "a", "roc_auc", {"validation": 0.7})
    (tmp_path / "best").mkdir()
    (tmp_path / "best" / "stale.txt").write_text("old")
    select_best_model([a], tmp_path / "best")
    assert sorted(p.name for p in (tmp_path / "best").iterdir()) == [
        "manifest.json",
        "predictor.pt",
    ]


def test_other_split(tmp_path: Path) -> None:
    models = [
        _model(tmp_path, "a", "roc_auc", {"validation": 0.7, "test": 0.9}),
        _model(tmp_path, "b", "roc_auc", {"validation": 0.8, "test": 0.6}),
    ]
    assert select_best_model(models, tmp_path / "best", split="test").run_id == "run-a"


@pytest.mark.parametrize(
    ("specs", "match"),
    [
        ([], "no model folders given"),
        (
            [("a", "roc_auc", {"validation": 0.7}), ("b", "mae", {"validation": 2.0})],
            r"different metrics \['mae', 'roc_auc'\]",
        ),
        ([("a", "roc_auc", {"test": 0.7})], r"has no finite validation 'roc_auc'"),
        ([("a", "roc_auc", {"validation": float("nan")})], "has no finite validation"),
        ([("a", "", {"validation": 0.7})], "does not say which metric"),
    ],
)
def test_rejects(tmp_path: Path, specs: list, match: str) -> None:
    models = [_model(tmp_path, *spec) for spec in specs]
    with pytest.raises(ValueError, match=match):
        select_best_model(models, tmp_path / "best")
    assert not (tmp_path / "best").exists()


def test_not_a_model_folder(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="not a model folder"):
        select_best_model([tmp_path], tmp_path / "best")
