"""Real servers for tests, as a pytest plugin: an S3 endpoint (moto_server) and PostgreSQL.

Registered in tests/conftest.py (``pytest_plugins = ["tests.servers"]``), so every test can ask
for these fixtures:

- ``s3_server`` (session): the endpoint URL (``http://127.0.0.1:<port>``) of a ``moto_server``
  process, an S3-protocol server, started from the virtual environment's ``bin`` folder.
- ``s3_bucket``: a new empty bucket on it, with ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``,
  ``AWS_SECRET_ACCESS_KEY`` and ``AWS_DEFAULT_REGION`` set for the test (monkeypatch); returns
  ``"s3://<bucket>"``.
- ``postgres_url`` (session): the URL of the ``postgres`` database of a PostgreSQL server
  started with ``initdb`` + ``pg_ctl`` in a temporary folder, on a free loopback port (trust
  authentication, user ``postgres``). As root, the server runs as the ``postgres`` system
  user (created if missing). Without server binaries, ``apt-get install postgresql`` is tried;
  the fixture skips only when that fails.
- ``postgres_db``: a new empty database on that server, dropped after the test; returns its URL.
- ``mlflow_server`` (session): the URL of an ``mlflow server`` process (SQLite store and
  artifact folder in a temporary directory) on a free loopback port.
- ``mlflow_s3_server`` (session): ``(URL, "s3://<bucket>")`` of an ``mlflow server`` whose
  artifacts it stores in a bucket of ``s3_server``.
- ``kfp_api``: a recording Kubeflow Pipelines API server (tests/kfp_api_server.py), new for
  each test.

And helpers that put a dict of Arrow tables into each kind of source, so tests can check that
the same data reads (and infers) the same from every one: :func:`load_into_sqlite`,
:func:`load_into_postgres`, :func:`upload_to_s3`.
"""

import glob
import os
import pwd
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from relgraph.io import filesystem_for, sqlite_url
from tests.kfp_api_server import KfpApiServer

S3_ACCESS_KEY = "relgraph-test"
S3_SECRET_KEY = "relgraph-test-secret"
S3_REGION = "us-east-1"
POSTGRES_USER = "postgres"
SERVER_START_TIMEOUT_S = 60.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --------------------------------------------------------------------------- S3 (moto_server)


def s3_environment(endpoint: str) -> dict[str, str]:
    """The AWS_* variables that point boto3, pyarrow and MLflow at ``endpoint``."""
    return {
        "AWS_ENDPOINT_URL": endpoint,
        "MLFLOW_S3_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        "AWS_DEFAULT_REGION": S3_REGION,
    }


def set_s3_environment(monkeypatch: pytest.MonkeyPatch, endpoint: str) -> None:
    """Sets :func:`s3_environment` for one test and clears variables that would override it."""
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in s3_environment(endpoint).items():
        monkeypatch.setenv(name, value)


def create_bucket(endpoint: str, bucket: str) -> str:
    """Creates ``bucket`` on the S3 server at ``endpoint`` with boto3; returns ``s3://bucket``."""
    import boto3

    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=S3_ACCESS_KEY,
        aws_secret_access_key=S3_SECRET_KEY,
        region_name=S3_REGION,
    )
    client.create_bucket(Bucket=bucket)
    return f"s3://{bucket}"


def _wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    """Waits until ``url`` answers any HTTP response; fails with the log if the process dies."""
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"{process.args[0]} exited with {process.returncode}: {log.read_text()[-2000:]}"
            )
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {SERVER_START_TIMEOUT_S:.0f} s")


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The endpoint URL of a ``moto_server`` on a free loopback port, for the whole session."""
    binary = Path(sys.executable).parent / "moto_server"
    if not binary.is_file():
        pytest.skip(f"moto_server not found at {binary} (pip install 'moto[server]')")
    port = free_port()
    endpoint = f"http://127.0.0.1:{port}"
    log_dir = Path(tempfile.mkdtemp(prefix="relgraph-moto-"))
    log = log_dir / "moto_server.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [str(binary), "-H", "127.0.0.1", "-p", str(port)],
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_http(f"{endpoint}/moto-api/", process, log)
        yield endpoint
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(log_dir, ignore_errors=True)


@pytest.fixture
def s3_bucket(s3_server: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """A new empty bucket on ``s3_server``, with the AWS_* variables set; ``"s3://<bucket>"``."""
    set_s3_environment(monkeypatch, s3_server)
    return create_bucket(s3_server, f"relgraph-test-{uuid.uuid4().hex[:16]}")


# --------------------------------------------------------------------------- PostgreSQL


def _postgres_bin_dir() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, or Debian's newest version."""
    candidates: list[Path] = []
    on_path = shutil.which("pg_ctl")
    if on_path:
        candidates.append(Path(on_path).resolve().parent)
    debian = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"),
        key=lambda folder: (
            int(Path(folder).parent.name) if Path(folder).parent.name.isdigit() else 0
        ),
        reverse=True,
    )
    candidates.extend(Path(folder) for folder in debian)
    for folder in candidates:
        if (folder / "initdb").is_file() and (folder / "pg_ctl").is_file():
            return folder
    return None


def _install_postgres() -> str:
    """Tries ``apt-get install -y postgresql``; returns what went wrong, or ``""``."""
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        return "not root, or no apt-get, so PostgreSQL could not be installed"
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", "postgresql"]
    attempts = [install, ["apt-get", "update", "-q"], install]
    result = None
    for command in attempts:
        result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=900)
        if result.returncode == 0 and command is install and _postgres_bin_dir() is not None:
            return ""
    return f"apt-get install postgresql failed: {(result.stderr or result.stdout)[-1000:]}"


def _server_user() -> str | None:
    """The user to run the server as: ``postgres`` when running as root, else ``None`` (self)."""
    if os.geteuid() != 0:
        return None
    try:
        pwd.getpwnam(POSTGRES_USER)
    except KeyError:
        subprocess.run(
            ["useradd", "--system", "--user-group", "--no-create-home", POSTGRES_USER],
            check=True,
            capture_output=True,
        )
    return POSTGRES_USER


def _as_user(user: str | None, command: list[str]) -> list[str]:
    """``command`` run as ``user`` through runuser (or su), or unchanged for ``None``."""
    if user is None:
        return command
    if shutil.which("runuser"):
        return ["runuser", "-u", user, "--", *command]
    return ["su", user, "-s", "/bin/sh", "-c", shlex.join(command)]


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A PostgreSQL server for the session: the URL of its ``postgres`` database."""
    bin_dir = _postgres_bin_dir()
    if bin_dir is None:
        problem = _install_postgres()
        bin_dir = _postgres_bin_dir()
        if bin_dir is None:
            pytest.skip(f"PostgreSQL server binaries (initdb, pg_ctl) not found; {problem}")
    user = _server_user()
    # As root, under /tmp: the server user must be able to reach the folder (TMPDIR may not be).
    base = Path(tempfile.mkdtemp(prefix="relgraph-pg-", dir="/tmp" if user else None))
    if user is not None:
        record = pwd.getpwnam(user)
        os.chown(base, record.pw_uid, record.pw_gid)
    data = base / "data"
    log = base / "server.log"
    pg_ctl = str(bin_dir / "pg_ctl")
    try:
        initdb = [
            str(bin_dir / "initdb"),
            *("-D", str(data), "-U", POSTGRES_USER, "--auth=trust"),
            *("-E", "UTF8", "--no-locale", "--no-sync"),
        ]
        result = subprocess.run(_as_user(user, initdb), capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"initdb failed: {(result.stderr or result.stdout)[-2000:]}")
        started = None
        for _ in range(3):  # another process may take the free port before the server does
            port = free_port()
            options = (
                f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off "
                "-c full_page_writes=off -c synchronous_commit=off"
            )
            command = [pg_ctl, "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o", options]
            result = subprocess.run(
                _as_user(user, [*command, "start"]), capture_output=True, text=True
            )
            if result.returncode == 0:
                started = port
                break
        if started is None:
            detail = log.read_text()[-2000:] if log.is_file() else result.stderr
            raise RuntimeError(f"PostgreSQL did not start: {detail}")
        yield f"postgresql://{POSTGRES_USER}@127.0.0.1:{started}/postgres"
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run(
                _as_user(user, [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
            )
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_url: str) -> str:
    """Creates a new empty database on the server of ``server_url``; returns its URL."""
    import adbc_driver_postgresql.dbapi

    name = f"test_{uuid.uuid4().hex[:16]}"
    with (
        adbc_driver_postgresql.dbapi.connect(server_url, autocommit=True) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + f"/{name}"


def drop_database(server_url: str, database_url: str) -> None:
    """Drops the database of ``database_url`` (if it exists), closing its connections."""
    import adbc_driver_postgresql.dbapi

    name = database_url.rsplit("/", 1)[1].split("?", 1)[0]
    with (
        adbc_driver_postgresql.dbapi.connect(server_url, autocommit=True) as connection,
        connection.cursor() as cursor,
    ):
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def postgres_db(postgres_url: str) -> Iterator[str]:
    """A new empty database on the session's server, dropped afterwards; its URL."""
    url = create_database(postgres_url)
    yield url
    drop_database(postgres_url, url)


# --------------------------------------------------------------------------- loaders

# SQLite has no date or time types: dates and times are stored as text in SQLite's own
# formats (what SQLAlchemy and Django write), under declared types that say what they are.
_SQLITE_TEXT_FORMATS = {"date": "%Y-%m-%d", "time": "%H:%M:%S", "timestamp": "%Y-%m-%d %H:%M:%S"}


def _sqlite_declared_type(arrow_type: pa.DataType) -> str:
    """The declared SQLite column type for ``arrow_type``."""
    checks = [
        (pa.types.is_boolean, "BOOLEAN"),
        (pa.types.is_integer, "INTEGER"),
        (pa.types.is_floating, "REAL"),
        (pa.types.is_decimal, "NUMERIC"),
        (pa.types.is_date, "DATE"),
        (pa.types.is_time, "TIME"),
        (pa.types.is_timestamp, "TIMESTAMP"),
        (pa.types.is_binary, "BLOB"),
    ]
    return next((declared for check, declared in checks if check(arrow_type)), "TEXT")


def _sqlite_column(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A column as SQLite stores it: temporal values as text, booleans as 0/1."""
    kind = column.type
    if pa.types.is_null(kind):
        return column.cast(pa.string())
    if pa.types.is_boolean(kind):
        return column.cast(pa.int64())
    for check, key in ((pa.types.is_date, "date"), (pa.types.is_time, "time")):
        if check(kind):
            return pc.strftime(column, _SQLITE_TEXT_FORMATS[key])
    if pa.types.is_timestamp(kind):
        return pc.strftime(column, _SQLITE_TEXT_FORMATS["timestamp"])
    return column


def load_into_sqlite(tables: Mapping[str, pa.Table], path: str | os.PathLike[str]) -> str:
    """Writes ``tables`` into the SQLite file ``path`` (replacing tables of the same name).

    Columns get declared types (``INTEGER``, ``REAL``, ``TEXT``, ``DATE``, ``TIMESTAMP``, ...);
    dates and timestamps are stored as ISO text, as SQLite applications do.

    Returns:
        The SQLAlchemy URL of the file.
    """
    import adbc_driver_sqlite.dbapi

    with (
        adbc_driver_sqlite.dbapi.connect(str(path)) as connection,
        connection.cursor() as cursor,
    ):
        for name, table in tables.items():
            quoted = '"' + name.replace('"', '""') + '"'
            columns = ", ".join(
                '"' + field.name.replace('"', '""') + '" ' + _sqlite_declared_type(field.type)
                for field in table.schema
            )
            cursor.execute(f"DROP TABLE IF EXISTS {quoted}")
            cursor.execute(f"CREATE TABLE {quoted} ({columns})")
            stored = pa.table([_sqlite_column(c) for c in table.columns], names=table.column_names)
            cursor.adbc_ingest(name, stored, mode="append")
        connection.commit()
    return sqlite_url(path)


def load_into_postgres(tables: Mapping[str, pa.Table], url: str) -> None:
    """Writes ``tables`` into the PostgreSQL database at ``url`` (replacing same-named tables).

    ADBC's COPY-based ingest keeps types: ``date32`` -> ``DATE``, ``timestamp`` ->
    ``TIMESTAMP``, ``int64`` -> ``BIGINT``, strings -> ``TEXT``; all-null columns become
    ``TEXT``.
    """
    import adbc_driver_postgresql.dbapi

    libpq_url = url.replace("postgresql+psycopg2://", "postgresql://", 1)
    with (
        adbc_driver_postgresql.dbapi.connect(libpq_url) as connection,
        connection.cursor() as cursor,
    ):
        for name, table in tables.items():
            columns = [
                column.cast(pa.string()) if pa.types.is_null(column.type) else column
                for column in table.columns
            ]
            cursor.adbc_ingest(name, pa.table(columns, names=table.column_names), mode="replace")
        connection.commit()


def upload_to_s3(
    tables: Mapping[str, pa.Table], uri: str, *, file_format: str = "parquet"
) -> list[str]:
    """Writes each table as ``<uri>/<name>.parquet`` (or ``.csv``) through pyarrow's S3 client.

    The AWS_* variables must point at the server (the ``s3_bucket`` fixture sets them).

    Args:
        tables: Table name -> table.
        uri: ``s3://bucket/prefix``.
        file_format: ``"parquet"`` or ``"csv"`` (default: ``"parquet"``).

    Returns:
        The URIs written.
    """
    if file_format not in ("parquet", "csv"):
        raise ValueError(f"file_format must be 'parquet' or 'csv', not {file_format!r}")
    written = []
    for name, table in tables.items():
        target = f"{uri.rstrip('/')}/{name}.{file_format}"
        filesystem, path = filesystem_for(target)
        with filesystem.open_output_stream(path) as stream:
            if file_format == "parquet":
                pq.write_table(table, stream)
            else:
                pacsv.write_csv(table, stream)
        written.append(target)
    return written


# --------------------------------------------------------------------------- MLflow server


@pytest.fixture(scope="session")
def mlflow_server() -> Iterator[str]:
    """The URL (``http://127.0.0.1:<port>``) of an ``mlflow server`` for the whole session.

    Runs runs and models in a SQLite file and artifacts in a folder, both in a temporary
    directory; the server's background job runner is switched off
    (``MLFLOW_SERVER_ENABLE_JOB_EXECUTION=false``: it starts a dozen worker processes that
    these tests do not need). The server and its uvicorn worker run in their own process
    group, stopped together at the end.
    """
    binary = Path(sys.executable).parent / "mlflow"
    if not binary.is_file():
        pytest.skip(f"mlflow not found at {binary} (pip install mlflow)")
    base = Path(tempfile.mkdtemp(prefix="relgraph-mlflow-"))
    log = base / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(binary),
        "server",
        *("--backend-store-uri", f"sqlite:///{base / 'mlflow.db'}"),
        *("--default-artifact-root", str(base / "artifacts")),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
    ]
    env = {**os.environ, "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_for_http(f"{url}/health", process, log)
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def mlflow_s3_server(s3_server: str) -> Iterator[tuple[str, str]]:
    """An ``mlflow server`` whose artifacts live in a bucket of ``s3_server``, for the session.

    The server proxies artifacts (``--serve-artifacts``, ``--artifacts-destination
    s3://<bucket>/mlartifacts``): clients upload and download through it, and it stores them
    in the S3 server with the AWS_* / MLFLOW_S3_ENDPOINT_URL variables of
    :func:`s3_environment`. Runs and models are in a SQLite file in a temporary directory.

    Returns:
        ``(server URL, "s3://<bucket>")``.
    """
    binary = Path(sys.executable).parent / "mlflow"
    if not binary.is_file():
        pytest.skip(f"mlflow not found at {binary} (pip install mlflow)")
    bucket = create_bucket(s3_server, f"relgraph-mlflow-{uuid.uuid4().hex[:12]}")
    base = Path(tempfile.mkdtemp(prefix="relgraph-mlflow-s3-"))
    log = base / "server.log"
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [
        str(binary),
        "server",
        *("--backend-store-uri", f"sqlite:///{base / 'mlflow.db'}"),
        *("--artifacts-destination", f"{bucket}/mlartifacts", "--serve-artifacts"),
        *("--host", "127.0.0.1", "--port", str(port), "--workers", "1"),
    ]
    env = {**os.environ, **s3_environment(s3_server), "MLFLOW_SERVER_ENABLE_JOB_EXECUTION": "false"}
    env.pop("MLFLOW_TRACKING_URI", None)
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
    try:
        _wait_for_http(f"{url}/health", process, log)
        yield url, bucket
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(base, ignore_errors=True)


# --------------------------------------------------------------------------- Kubeflow Pipelines


@pytest.fixture
def kfp_api(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[KfpApiServer]:
    """A recording Kubeflow Pipelines v2beta1 API server (tests/kfp_api_server.py) on a free
    loopback port, new for each test. kfp's per-user context file (``~/.config/kfp/
    context.json``, which may name a namespace) is pointed at the test's folder, so the
    machine's settings cannot change what the client sends."""
    from kfp.client.client import Client

    monkeypatch.setattr(Client, "_LOCAL_KFP_CONTEXT", str(tmp_path / "kfp-context.json"))
    monkeypatch.delenv("KF_PIPELINES_ENDPOINT", raising=False)
    with KfpApiServer() as server:
        yield server
