from pathlib import Path

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from relgraph.io import filesystem_for, s3_filesystem


def test_local_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    filesystem, path = filesystem_for("data/tables/")
    assert isinstance(filesystem, pafs.LocalFileSystem)
    assert path == (tmp_path / "data" / "tables").as_posix()


def test_file_uri_is_unquoted(tmp_path: Path) -> None:
    folder = tmp_path / "my folder é"
    filesystem, path = filesystem_for(folder.as_uri())
    assert isinstance(filesystem, pafs.LocalFileSystem)
    assert path == folder.as_posix()


@pytest.mark.parametrize(
    ("uri", "match"),
    [
        ("gs://bucket/x", r"unsupported location 'gs://bucket/x'"),
        ("https://u:pw@host/x", r"unsupported location 'https://u:\*\*\*@host/x'"),
        ("s3://", r"names no bucket"),
    ],
)
def test_rejects_unsupported_locations(uri: str, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        filesystem_for(uri)


def _settings(filesystem: pafs.S3FileSystem) -> dict:
    """The options an S3FileSystem was built with (what it pickles)."""
    return filesystem.__reduce__()[1][0]


def test_s3_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MLFLOW_S3_ENDPOINT_URL", "http://minio.kubeflow:9000")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "minio")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "minio123")
    monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)

    filesystem, path = filesystem_for("s3://mlpipeline/relgraph/snapshots/")

    assert path == "mlpipeline/relgraph/snapshots"
    settings = _settings(filesystem)
    assert settings["endpoint_override"] == "minio.kubeflow:9000"
    assert settings["scheme"] == "http"
    assert (settings["access_key"], settings["secret_key"]) == ("minio", "minio123")
    assert settings["region"] == "us-east-1"
    assert not settings["force_virtual_addressing"]
    # AWS_ENDPOINT_URL wins over MLflow's variable; https from the URL.
    monkeypatch.setenv("AWS_ENDPOINT_URL", "https://s3.example.com")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    settings = _settings(s3_filesystem())
    assert (settings["endpoint_override"], settings["scheme"]) == ("s3.example.com", "https")
    assert settings["region"] == "eu-west-1"


def test_s3_endpoint_must_be_http(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3", raising=False)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "ftp://files.example.com")
    with pytest.raises(
        ValueError, match=r"S3 endpoint 'ftp://files.example.com' must start with http"
    ):
        s3_filesystem()


def test_write_and_read_through_s3(s3_bucket: str) -> None:
    table = pa.table({"a": [1, 2, 3]})
    filesystem, path = filesystem_for(f"{s3_bucket}/out/part 1.parquet")
    with filesystem.open_output_stream(path) as stream:
        pq.write_table(table, stream)
    filesystem, folder = filesystem_for(f"{s3_bucket}/out")
    listed = filesystem.get_file_info(pafs.FileSelector(folder))
    assert [info.base_name for info in listed] == ["part 1.parquet"]
    assert pq.read_table(path, filesystem=filesystem).equals(table)
