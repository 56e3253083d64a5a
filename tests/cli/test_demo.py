"""End-to-end tests of ``relgraph demo``: generate, infer, show, and write every output; then
train, register and predict through the kfp.local pipelines."""

import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from relgraph.cli.main import app
from relgraph.client.local_pipeline import collect_outputs
from relgraph.io import filesystem_for
from relgraph.schema import Schema
from relgraph.tasks import load_task
from tests.markers import requires_dot

runner = CliRunner()
SHOP_TABLES = ["categories", "customers", "order_items", "orders", "products", "reviews"]


def _demo(directory: Path, *args: str, env: dict[str, str] | None = None):
    """The demo up to the schema (the pipelines run in one test of their own)."""
    return CliRunner(env=env).invoke(
        app, ["demo", "--dir", str(directory), "--scale", "0.02", "--schema-only", *args]
    )


def test_demo_generates_infers_and_writes_everything(tmp_path: Path) -> None:
    result = _demo(tmp_path / "demo", "--seed", "3")
    assert result.exit_code == 0, result.stderr
    demo = tmp_path / "demo"
    assert sorted(p.name for p in (demo / "data").iterdir()) == [
        f"{name}.parquet" for name in SHOP_TABLES
    ]
    schema = Schema.load(demo / "schema.json")
    assert sorted(schema.table_names) == SHOP_TABLES
    assert schema.table("order_items").inherit_time_from == "order_id"
    assert schema.table("customers").time_column == "signup_at"
    markdown = (demo / "schema.md").read_text()
    rows = pq.read_metadata(demo / "data" / "orders.parquet").num_rows
    assert f"| `orders` | {rows:,} |" in markdown
    assert (demo / "schema.dot").is_file()
    for name in SHOP_TABLES:
        assert name in result.stdout
    for path in ("schema.json", "schema.md", "schema.dot"):
        assert f"wrote {demo / path}" in result.stderr
    assert f"the demo data is in {demo / 'data'}" in result.stderr
    assert "relgraph schema show" in result.stderr


@requires_dot
def test_demo_draws_the_diagram(tmp_path: Path) -> None:
    result = _demo(tmp_path)
    assert result.exit_code == 0, result.stderr
    assert "<svg" in (tmp_path / "schema.svg").read_text()
    assert (tmp_path / "schema.png").read_bytes()[:4] == b"\x89PNG"


def test_demo_without_graphviz_writes_the_dot_file_and_says_so(tmp_path: Path) -> None:
    empty = tmp_path / "no-graphviz"
    empty.mkdir()
    result = _demo(tmp_path / "demo", env={"PATH": str(empty)})
    assert result.exit_code == 0, result.stderr
    written = sorted(p.name for p in (tmp_path / "demo").iterdir())
    assert written == ["data", "schema.dot", "schema.json", "schema.md"]
    assert "Graphviz 'dot' is not installed" in result.stderr
    assert "install Graphviz" in result.stderr


def test_demo_again_replaces_the_data(tmp_path: Path) -> None:
    assert _demo(tmp_path, "--seed", "1").exit_code == 0
    first = pq.read_table(tmp_path / "data" / "orders.parquet")
    result = _demo(tmp_path, "--seed", "2")
    assert result.exit_code == 0, result.stderr
    assert not pq.read_table(tmp_path / "data" / "orders.parquet").equals(first)


def test_demo_csv(tmp_path: Path) -> None:
    result = _demo(tmp_path, "--format", "csv")
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "data").iterdir()) == [
        f"{name}.csv" for name in SHOP_TABLES
    ]
    assert Schema.load(tmp_path / "schema.json").table("orders").time_column == "ordered_at"


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--format", "xlsx"], "'xlsx' is not one of"),
        (["--seed", "-1"], "--seed': Input should be greater than or equal to 0"),
        (["--scale", "0"], "--scale': Input should be greater than or equal to 0.001"),
    ],
)
def test_demo_usage_errors(tmp_path: Path, args: list[str], expected: str) -> None:
    result = _demo(tmp_path, *args)
    assert result.exit_code == 2
    assert expected in " ".join(result.stderr.split())
    assert list(tmp_path.iterdir()) == []


def test_demo_into_a_file_is_one_red_line(tmp_path: Path) -> None:
    blocker = tmp_path / "taken"
    blocker.write_text("not a folder")
    result = _demo(blocker)
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: generating the demo database in")
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_demo_trains_registers_and_predicts(
    tmp_path: Path, s3_bucket: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The one end-to-end run of the training and batch-prediction pipelines under kfp.local:
    the generated shop, a churn query, a tiny model, predictions into the S3 server."""
    monkeypatch.chdir(tmp_path)
    demo = tmp_path / "demo"
    predictions = f"{s3_bucket}/predictions"

    result = CliRunner().invoke(
        app,
        ["demo", "--dir", str(demo), "--scale", "0.02", "--epochs", "1", "--output", predictions],
    )

    assert result.exit_code == 0, result.stderr + result.stdout
    out = " ".join(result.stdout.split())
    assert "Model shop-churn: metrics per split" in out
    assert "registered shop-churn version 1" in out and "blessed, now @champion" in out
    location = f"{predictions}/PREDICTIONS_demo.parquet"
    assert f"PREDICTIONS_demo -> {location}" in out
    assert "Most likely to churn" in out
    assert "training pipeline done" in result.stderr
    assert "relgraph-training" in (demo / "pipelines.log").read_text()

    # The model version in MLflow, trained by the pipeline's train step.
    from mlflow import MlflowClient

    client = MlflowClient(f"sqlite:///{demo / 'mlflow.db'}")
    aliases = {a: str(v) for a, v in client.get_registered_model("shop-churn").aliases.items()}
    assert aliases == {"candidate": "1", "champion": "1"}

    # Every step's outputs, where the run folders say they are.
    (training_dir,) = (demo / "pipelines").glob("relgraph-training-*")
    (prediction_dir,) = (demo / "pipelines").glob("relgraph-batch-prediction-*")
    trained, metadata, artifacts = collect_outputs(training_dir)
    assert load_task(Path(trained["build-task-table/task"])).name == "shop-churn"
    assert "validation_roc_auc" in metadata["train/metrics"]
    assert trained["register/version"] == "1" and "train/model" in artifacts
    run_id = trained["train/run_id"]
    assert client.get_model_version("shop-churn", "1").run_id == run_id
    predicted, _, _ = collect_outputs(prediction_dir)
    assert predicted["resolve-model/model_uri"] == "models:/shop-churn/1"
    assert json.loads(predicted["batch-predict/outputs"]) == {"PREDICTIONS_demo": location}

    # The predictions, in the object store: one row per customer.
    filesystem, path = filesystem_for(location)
    with filesystem.open_input_file(path) as handle:
        table = pq.read_table(handle)
    customers = pq.read_metadata(demo / "data" / "customers.parquet").num_rows
    assert table.num_rows == int(predicted["batch-predict/num_rows"]) == customers
    assert {"customer_id", "probability", "prediction"} <= set(table.column_names)
    assert not (tmp_path / ".relgraph").exists()  # everything under --dir
