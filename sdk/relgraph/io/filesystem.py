"""One file system API for local paths and ``s3://`` object stores (MinIO, AWS S3).

``filesystem_for`` turns a location into a ``pyarrow.fs.FileSystem`` and a path on it; readers
and writers across relgraph go through it, so the same code serves a laptop folder and a bucket.

S3 settings come from the environment, as in boto3 and MLflow:

- endpoint: ``AWS_ENDPOINT_URL_S3``, else ``AWS_ENDPOINT_URL``, else ``MLFLOW_S3_ENDPOINT_URL``
  (unset: AWS itself); ``http://`` or ``https://`` in the endpoint picks the scheme;
- credentials: ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and optional
  ``AWS_SESSION_TOKEN`` (unset: pyarrow's default AWS credential chain);
- region: ``AWS_DEFAULT_REGION`` (default: ``us-east-1``).
"""

import os
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pyarrow.fs as pafs

from relgraph.io.uri import redact_uri, uri_scheme

ENDPOINT_VARIABLES: tuple[str, ...] = (
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL",
    "MLFLOW_S3_ENDPOINT_URL",
)
"""Environment variables read, in this order, for the S3 endpoint."""

DEFAULT_REGION = "us-east-1"


def s3_filesystem() -> pafs.S3FileSystem:
    """An S3 file system configured from the environment (see the module docstring).

    Returns:
        A ``pyarrow.fs.S3FileSystem`` with path-style addressing, as MinIO needs.

    Raises:
        ValueError: If the endpoint variable holds a URL that is neither ``http`` nor ``https``.
    """
    options: dict[str, str] = {
        "region": os.environ.get("AWS_DEFAULT_REGION") or DEFAULT_REGION,
    }
    endpoint = next((os.environ[name] for name in ENDPOINT_VARIABLES if os.environ.get(name)), "")
    if endpoint:
        parts = urlsplit(endpoint if "://" in endpoint else f"https://{endpoint}")
        if parts.scheme not in ("http", "https"):
            raise ValueError(
                f"S3 endpoint {endpoint!r} must start with http:// or https:// "
                f"(from {', '.join(ENDPOINT_VARIABLES)})"
            )
        options["endpoint_override"] = parts.netloc
        options["scheme"] = parts.scheme
    if os.environ.get("AWS_ACCESS_KEY_ID"):
        options["access_key"] = os.environ["AWS_ACCESS_KEY_ID"]
        options["secret_key"] = os.environ.get("AWS_SECRET_ACCESS_KEY", "")
        if os.environ.get("AWS_SESSION_TOKEN"):
            options["session_token"] = os.environ["AWS_SESSION_TOKEN"]
    return pafs.S3FileSystem(**options)


def filesystem_for(uri: str | os.PathLike[str]) -> tuple[pafs.FileSystem, str]:
    """The file system that holds ``uri`` and the path of ``uri`` on it.

    Args:
        uri: ``s3://bucket/key``, ``file:///abs/path``, or a local path (relative paths are
            resolved against the working directory).

    Returns:
        ``(filesystem, path)``: an ``S3FileSystem`` and ``"bucket/key"`` for ``s3://``, or a
        ``LocalFileSystem`` and an absolute POSIX path; trailing slashes are removed.

    Raises:
        ValueError: If the URI has a scheme other than ``s3`` or ``file``, or no bucket.
    """
    text = os.fspath(uri)
    scheme = uri_scheme(text)
    if scheme == "s3":
        path = text.split("://", 1)[1].strip("/")
        if not path:
            raise ValueError(f"S3 URI {text!r} names no bucket (expected s3://bucket/prefix)")
        return s3_filesystem(), path
    if scheme == "file":
        return pafs.LocalFileSystem(), str(Path(unquote(urlsplit(text).path)).resolve())
    if scheme:
        raise ValueError(
            f"unsupported location {redact_uri(text)!r}: expected a local path, file:// or s3://"
        )
    return pafs.LocalFileSystem(), Path(text).expanduser().resolve().as_posix()
