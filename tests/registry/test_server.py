"""The registry on a real ``mlflow server`` whose artifacts live in an S3-protocol server
(``moto_server``): train, register, promote, resolve through the alias and load the pyfunc; the
model's files are objects in the bucket."""

from pathlib import Path

import boto3
import mlflow.pyfunc
import numpy as np
import pytest

from relgraph.graph import GraphArtifact
from relgraph.registry import promote, register_model, resolve_model
from relgraph.train import train_model
from relgraph.train.job import node_task_tables
from relgraph.train.tracking import use_tracking_uri
from tests.registry.tiny import FAST, build_graph, build_task
from tests.servers import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY


def bucket_keys(endpoint: str, bucket: str) -> list[str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )
    pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket.removeprefix("s3://"))
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


def test_models_on_an_mlflow_server_with_artifacts_in_s3(
    mlflow_s3_server: tuple[str, str], s3_server: str, tmp_path: Path
) -> None:
    url, bucket = mlflow_s3_server
    graph = build_graph(tmp_path / "graph")
    out = train_model(
        graph.path,
        build_task(tmp_path / "task"),
        output=tmp_path / "model",
        config=FAST.replace(n_epochs=1),
        tracking_uri=url,
        experiment="s3-artifacts",
    )
    assert out.tracking_url.startswith(f"{url}/#/experiments/")
    version = register_model(out.run_id, "s3-shop", tracking_uri=url)
    promote("s3-shop", version.version, tracking_uri=url)
    keys = bucket_keys(s3_server, bucket)
    assert any(k.endswith("/predictor.pt") and "/models/" in k for k in keys), keys
    assert any(k.endswith("/MLmodel") for k in keys)

    resolved = resolve_model("models:/s3-shop@champion", tracking_uri=url)
    assert (resolved.run_id, resolved.version) == (out.run_id, version.version)
    rows = node_task_tables(out.bundle.task)["test"].drop_columns(["label"])
    expected = out.bundle.predictor.predict(GraphArtifact.load(graph.path), rows)
    np.testing.assert_array_equal(resolved.bundle.predictor.predict(graph, rows), expected)
    with use_tracking_uri(url):
        model = mlflow.pyfunc.load_model("models:/s3-shop@champion")
    predictions = model.predict(rows.to_pandas())
    np.testing.assert_array_equal(predictions["probability"].to_numpy(), expected.astype(float))


def test_unknown_alias_on_the_server(mlflow_s3_server: tuple[str, str]) -> None:
    from relgraph.registry import ModelNotFoundError

    with pytest.raises(ModelNotFoundError, match="no registered model named 'nothing-here'"):
        resolve_model("nothing-here@champion", tracking_uri=mlflow_s3_server[0])
