"""FileOutputWriter on a local folder and on a real S3 server (moto_server): outputs and their
metadata, refusal of an existing alias, overwrite, and writes that fail half-way (a table
parquet cannot hold, the store's process killed, the store unreachable) leaving nothing."""

import os
import subprocess
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import boto3
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from relgraph.predict import (
    OutputExistsError,
    OutputMetadata,
    OutputTable,
    OutputWriteError,
    embeddings_name,
    predictions_name,
)
from relgraph.predict.file_writer import FileOutputWriter
from tests.predict.conftest import PrivateS3, big_output, output_tables
from tests.servers import S3_ACCESS_KEY, S3_REGION, S3_SECRET_KEY, create_bucket, set_s3_environment


def s3_client(endpoint: str):
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )


def keys(endpoint: str, bucket_uri: str) -> list[str]:
    """Every object key in the bucket (temporary ones included), but folder markers: pyarrow
    leaves ``folder/`` behind when it deletes the last object in a folder."""
    listed = s3_client(endpoint).list_objects_v2(Bucket=bucket_uri.removeprefix("s3://"))
    return sorted(item["Key"] for item in listed.get("Contents", []) if item["Key"][-1] != "/")


@pytest.fixture(params=["local", "s3"])
def location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An output location: a local folder, or a prefix in a new bucket of the S3 server."""
    if request.param == "local":
        return str(tmp_path / "out")
    bucket = request.getfixturevalue("s3_bucket")
    return f"{bucket}/batch/out"


def test_writes_outputs_with_metadata_and_refuses_an_existing_alias(location: str) -> None:
    writer = FileOutputWriter(location)
    written = writer.write(output_tables("nightly"), alias="nightly")
    assert set(written) == {"PREDICTIONS_nightly", "EMBEDDINGS_SRC_user_id_nightly"}
    assert written["PREDICTIONS_nightly"].endswith("/PREDICTIONS_nightly.parquet")
    assert writer.existing("nightly") == sorted(written)
    table = writer.read("PREDICTIONS_nightly")
    assert table.num_rows == 3
    assert table.column_names == ["user_id", "anchor_time", "probability", "prediction"]
    metadata = writer.read_metadata("EMBEDDINGS_SRC_user_id_nightly")
    assert (metadata.kind, metadata.alias, metadata.job_id, metadata.num_rows) == (
        "embeddings",
        "nightly",
        "job-1",
        3,
    )
    assert writer.read("EMBEDDINGS_SRC_user_id_nightly")["embedding"].type == pa.list_(
        pa.float32(), 4
    )
    with pytest.raises(
        OutputExistsError, match=r"output_alias 'nightly' already exists.*overwrite"
    ):
        writer.write(output_tables("nightly"), alias="nightly")
    writer.write(output_tables("other"), alias="other")  # another alias is free
    assert writer.existing("other") == ["EMBEDDINGS_SRC_user_id_other", "PREDICTIONS_other"]


def test_overwrite_replaces_the_alias_and_drops_its_stale_outputs(location: str) -> None:
    writer = FileOutputWriter(location)
    writer.write(output_tables("a"), alias="a")
    writer.write(output_tables("a", rows=5, embeddings=False), alias="a", overwrite=True)
    assert writer.existing("a") == ["PREDICTIONS_a"]  # the old embeddings are gone
    assert writer.read("PREDICTIONS_a").num_rows == 5


def test_names_that_another_alias_owns_are_refused(tmp_path: Path) -> None:
    # EMBEDDINGS_SRC_user_id_x is column "user_id" of alias "x" and column "user" of "id_x".
    writer = FileOutputWriter(tmp_path)
    writer.write(output_tables("x"), alias="x")
    assert writer.existing("id_x") == []
    clash = OutputTable(
        output_tables("id_x")[1].table,
        OutputMetadata(
            embeddings_name("SRC", "user", "id_x"),
            alias="id_x",
            kind="embeddings",
            num_rows=3,
            anchor_time="2024-01-01T00:00:00",
        ),
    )
    with pytest.raises(OutputExistsError, match=r"belong.* to another output alias"):
        writer.write([output_tables("id_x", embeddings=False)[0], clash], alias="id_x")
    assert writer.existing("id_x") == []


def test_outputs_of_another_alias_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="do not belong to output_alias 'b'"):
        FileOutputWriter(tmp_path).write(output_tables("a"), alias="b")
    with pytest.raises(ValueError, match=r"output_alias '\.\./b'"):
        FileOutputWriter(tmp_path).write(output_tables("a"), alias="../b")


def _unwritable(alias: str) -> list[OutputTable]:
    """Embeddings, then predictions that parquet cannot hold (an interval column): the
    embeddings are staged when the predictions fail."""
    embeddings = output_tables(alias)[1]
    bad = pa.table({"lag": pa.array([(1, 2, 3)] * 3, pa.month_day_nano_interval())})
    meta = OutputMetadata(
        predictions_name(alias),
        alias=alias,
        kind="predictions",
        num_rows=3,
        anchor_time="2024-01-01T00:00:00",
    )
    return [OutputTable(bad, meta), embeddings]


def test_a_write_failing_half_way_leaves_nothing(location: str, tmp_path: Path) -> None:
    writer = FileOutputWriter(location)
    with pytest.raises(OutputWriteError, match=r"writing .* failed: .*nothing was written"):
        writer.write(_unwritable("a"), alias="a")
    assert writer.existing("a") == []
    if location.startswith("s3://"):
        endpoint = os.environ["AWS_ENDPOINT_URL"]
        assert [k for k in keys(endpoint, location.split("/batch")[0]) if "batch/" in k] == []
    else:
        assert list(Path(location).iterdir()) == []  # no temporary file either


def _kill_when_uploading(endpoint: str, bucket: str, kill: Callable[[], None]) -> threading.Event:
    """Starts a thread that calls ``kill`` as soon as a multipart upload is under way."""
    done = threading.Event()
    client = s3_client(endpoint)

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if client.list_multipart_uploads(Bucket=bucket).get("Uploads"):
                kill()
                done.set()
                return
            time.sleep(0.005)

    threading.Thread(target=watch, daemon=True).start()
    return done


def test_the_store_process_killed_mid_write_is_a_clear_error(private_s3: PrivateS3) -> None:
    location = f"{private_s3.bucket}/out"
    bucket = private_s3.bucket.removeprefix("s3://")
    killed = _kill_when_uploading(private_s3.endpoint, bucket, private_s3.process.kill)
    start = time.monotonic()
    with pytest.raises(OutputWriteError) as info:
        FileOutputWriter(location).write(big_output("a"), alias="a")
    assert killed.is_set()
    message = str(info.value)
    assert f"writing PREDICTIONS_a to {location} failed" in message
    assert "nothing was written" in message
    assert time.monotonic() - start < 60


def test_the_store_unreachable_mid_write_leaves_nothing_behind(
    s3_server: str, s3_proxy: tuple[str, subprocess.Popen], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The writer talks to the S3 server through a forwarder process; killing it takes the
    # store away from the writer while the server, and whatever was stored, lives on.
    proxy, process = s3_proxy
    bucket_uri = create_bucket(s3_server, f"proxied-{uuid.uuid4().hex[:12]}")
    bucket = bucket_uri.removeprefix("s3://")
    set_s3_environment(monkeypatch, proxy)
    killed = _kill_when_uploading(s3_server, bucket, process.kill)
    with pytest.raises(OutputWriteError, match=r"writing PREDICTIONS_a .* nothing was written"):
        FileOutputWriter(f"{bucket_uri}/out").write(big_output("a"), alias="a")
    assert killed.is_set()
    assert keys(s3_server, bucket_uri) == []  # no output, no completed temporary object
    # Once the store is back the alias is free, and a write of it goes through.
    set_s3_environment(monkeypatch, s3_server)
    writer = FileOutputWriter(f"{bucket_uri}/out")
    assert writer.existing("a") == []
    writer.write(output_tables("a"), alias="a")
    assert keys(s3_server, bucket_uri) == [
        "out/EMBEDDINGS_SRC_user_id_a.parquet",
        "out/PREDICTIONS_a.parquet",
    ]


def test_files_are_plain_parquet(tmp_path: Path) -> None:
    FileOutputWriter(tmp_path).write(output_tables("a"), alias="a")
    table = pq.read_table(tmp_path / "PREDICTIONS_a.parquet")
    np.testing.assert_allclose(table["probability"].to_numpy(), [0.0, 0.5, 1.0])
    assert OutputMetadata.of_table(table.schema, where="x").alias == "a"
