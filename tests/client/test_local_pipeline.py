"""Running pipelines locally with kfp.local: arguments, outputs, and how runs fail.

The end-to-end run of the training and batch-prediction pipelines is the demo's
(tests/cli/test_demo.py): one run of them is enough for the suite's time."""

import io
from pathlib import Path

import pytest
from kfp import dsl

from relgraph.client import LocalPipelineRun, PipelineRunError, run_pipeline
from relgraph.client.local_pipeline import embedded_defaults
from relgraph.components.source_hash import source_hash
from relgraph.io import source_content_hash
from relgraph.pipelines import PIPELINES
from tests.pipeline_data import CHURN_QUERY
from tests.servers import upload_to_s3


def test_a_pipeline_function_and_its_outputs(shop_dir: Path, tmp_path: Path) -> None:
    @dsl.pipeline(name="hash-only")
    def hash_only(source: str) -> None:
        source_hash(source=source, tables="orders", queries={})

    log = io.StringIO()
    run = run_pipeline(hash_only, {"source": str(shop_dir)}, pipeline_root=tmp_path, log=log)

    assert isinstance(run, LocalPipelineRun) and run.name == "hash-only"
    assert run.outputs == {"source-hash/Output": source_content_hash(shop_dir, tables="orders")}
    assert run.seconds > 0
    with pytest.raises(
        KeyError, match=r"task 'source-hash' has no output 'data' \(outputs: \['Output'\]\)"
    ):
        run.output("source-hash", "data")
    with pytest.raises(KeyError, match=r"no task 'train' \(tasks: \['source-hash'\]\)"):
        run.output("train", "model")


def test_a_failing_step(tmp_path: Path) -> None:
    arguments = {"source": str(tmp_path / "missing"), "task": CHURN_QUERY}
    log = io.StringIO()

    with pytest.raises(PipelineRunError, match="Inner task failed: 'source-hash'") as failed:
        run_pipeline("training", arguments, pipeline_root=tmp_path, state_dir=tmp_path, log=log)

    run = failed.value.run
    assert run.state == "FAILED" and not run.succeeded
    assert "\x1b[" not in run.error  # colors stripped
    assert run.outputs == {}
    assert "SourceError" in log.getvalue()


@pytest.mark.parametrize(
    ("arguments", "match"),
    [
        ({"source": "x", "task": "t", "epochs": 3}, r"has no parameters \['epochs'\]"),
        ({"source": "x"}, r"'training' needs the parameters \['task'\]"),
    ],
)
def test_arguments_are_checked_before_anything_runs(arguments, match: str, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=match):
        run_pipeline("training", arguments, pipeline_root=tmp_path / "runs")
    assert not (tmp_path / "runs").exists()


def test_unknown_pipeline(tmp_path: Path) -> None:
    with pytest.raises(KeyError, match="unknown pipeline 'nightly'"):
        run_pipeline("nightly", {}, pipeline_root=tmp_path)


def test_embedded_defaults(tmp_path: Path) -> None:
    assert embedded_defaults(PIPELINES["batch_prediction"], state_dir=tmp_path) == {
        "mlflow_tracking_uri": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "output_location": str(tmp_path / "predictions"),
    }
    assert set(embedded_defaults(PIPELINES["training"], state_dir=tmp_path)) == {
        "mlflow_tracking_uri"
    }


def test_relgraph_pipelines_are_built_for_local_runs(
    shop_tables: dict, s3_bucket: str, tmp_path: Path
) -> None:
    # The cluster build of a pipeline points its steps at the cluster's MinIO, which kfp.local
    # would apply; given as a function, it runs as the local build, in this environment
    # (here the S3 server of the tests): the source is read, and the run stops at the task,
    # whose query does not parse.
    upload_to_s3(shop_tables, f"{s3_bucket}/shop")
    log = io.StringIO()
    run = run_pipeline(
        PIPELINES["training"],
        {"source": f"{s3_bucket}/shop", "task": "PREDICT FOR customers"},
        pipeline_root=tmp_path,
        state_dir=tmp_path,
        raise_on_error=False,
        log=log,
    )
    assert run.name == "training" and run.state == "FAILED"
    assert "Inner task failed: 'build-task-table'" in run.error
    assert run.outputs["snapshot/Output"] == source_content_hash(f"{s3_bucket}/shop")
    assert "PQuerySyntaxError" in log.getvalue()
    assert run.arguments["mlflow_tracking_uri"] == f"sqlite:///{tmp_path / 'mlflow.db'}"
