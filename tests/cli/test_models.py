"""``relgraph models list|promote|rollback`` against a real MLflow store."""

import json

import pytest
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.registry import register_model
from relgraph.train import train_model
from tests.registry.tiny import FAST, build_graph, build_task, sqlite_store

runner = CliRunner()


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """A store with model 'cli-shop', versions 1 and 2 of one trained run; (URI, run id)."""
    base = tmp_path_factory.mktemp("cli-models")
    uri = sqlite_store(base / "mlflow")
    out = train_model(
        build_graph(base / "graph").path,
        build_task(base / "task"),
        output=base / "model",
        config=FAST.replace(n_epochs=1),
        tracking_uri=uri,
    )
    register_model(out.run_id, "cli-shop", tracking_uri=uri)
    register_model(out.run_id, "cli-shop", tracking_uri=uri)
    return uri, out.run_id


@pytest.fixture
def store(trained: tuple[str, str]) -> str:
    return trained[0]


def models(store: str, *args: str):
    return runner.invoke(app, ["models", *args, "--tracking-uri", store])


def _one_red_line(stderr: str, *expected: str) -> None:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert lines[0].startswith("error: ")
    for words in expected:
        assert words in lines[0]


def test_promote_list_and_rollback(store: str) -> None:
    assert models(store, "promote", "cli-shop", "1").exit_code == 0
    result = models(store, "promote", "cli-shop", "2", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"name": "cli-shop", "champion": "2"}
    listed = json.loads(models(store, "list", "cli-shop", "--json").stdout)
    assert [(v["version"], v["aliases"]) for v in listed] == [
        ("1", []),
        ("2", ["candidate", "champion"]),
    ]
    assert listed[0]["tags"]["relgraph.task"] == "shop-binary"
    table = runner.invoke(
        app, ["models", "list", "cli-shop", "--tracking-uri", store], env={"COLUMNS": "160"}
    )
    assert table.exit_code == 0 and "@champion" in table.stdout and "roc_auc 0." in table.stdout
    names = json.loads(models(store, "list", "--json").stdout)
    assert {"latest_version": "2", "aliases": {"candidate": "2", "champion": "2"}}.items() <= (
        next(m for m in names if m["name"] == "cli-shop").items()
    )
    result = models(store, "rollback", "cli-shop")
    assert result.exit_code == 0 and "version 1 is the champion" in result.stderr
    assert json.loads(models(store, "list", "cli-shop", "--json").stdout)[0]["aliases"] == [
        "champion"
    ]


@pytest.mark.parametrize(
    "args,expected",
    [
        (["promote", "cli-shop", "9"], ["no version '9'", "versions: ['1', '2']"]),
        (["promote", "nope", "1"], ["no registered model named 'nope'", "'cli-shop'"]),
        (["list", "nope"], ["no registered model named 'nope'"]),
        (["rollback", "nope"], ["no registered model named 'nope'"]),
    ],
)
def test_unknown_models_are_one_red_line(store: str, args: list[str], expected: list[str]) -> None:
    result = models(store, *args)
    assert result.exit_code == 1
    _one_red_line(result.stderr, *expected)
    assert "Traceback" not in result.output


def test_rollback_without_an_earlier_champion_is_an_error(trained: tuple[str, str]) -> None:
    store, run_id = trained
    register_model(run_id, "cli-solo", tracking_uri=store)
    assert models(store, "promote", "cli-solo", "1").exit_code == 0
    result = models(store, "rollback", "cli-solo")
    assert result.exit_code == 1
    _one_red_line(result.stderr, "rolling back 'cli-solo'", "no earlier champion than version 1")
