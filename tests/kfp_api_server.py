"""A recording Kubeflow Pipelines API server: the v2beta1 REST endpoints relgraph's client uses.

No Kubeflow cluster can run in the test environment, so tests of submit and schedule talk to
this server instead: a real HTTP server (``http.server``, one thread per request) on a free
loopback port, which ``kfp.Client`` 2.17 speaks to exactly as it would to the ``ml-pipeline``
service. It keeps pipelines, versions, experiments, runs and recurring runs in memory, answers
with the JSON the KFP v2beta1 API defines (snake_case fields, RFC 3339 times, grpc-gateway error
bodies), enforces the server-side rules clients rely on (unique names, known ids, a recurring
run's ``max_concurrency`` from 1 to 10), and records every request so tests can assert what the
client sent: the uploaded package, the run's parameters, the cron schedule, the experiment.

Endpoints (all under ``/apis/v2beta1``): ``GET healthz``; ``POST pipelines``, ``GET pipelines``
(with ``filter``), ``GET pipelines/{id}``; ``POST pipelines/upload_version`` (multipart),
``GET pipelines/{id}/versions`` (with ``filter``), ``GET pipelines/{id}/versions/{vid}``;
``POST``/``GET experiments``, ``GET experiments/{id}``; ``POST runs``, ``GET runs/{id}``,
``POST runs/{id}:terminate``; ``POST``/``GET recurringruns``, ``GET``/``DELETE
recurringruns/{id}``, ``POST recurringruns/{id}:enable`` and ``:disable``.

The filter grammar is the part of KFP's ``Filter`` message clients use: ``EQUALS`` predicates
(by name or number) on ``display_name`` or ``name`` with a ``stringValue``.
"""

import email.parser
import email.policy
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml

API = "/apis/v2beta1"
_EQUALS = ("EQUALS", 1)
# grpc status codes of the errors this server answers with.
_GRPC_CODES = {
    HTTPStatus.BAD_REQUEST: 3,
    HTTPStatus.NOT_FOUND: 5,
    HTTPStatus.CONFLICT: 6,
}


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received.

    Args:
        method: ``GET``, ``POST``, ``DELETE``.
        path: The URL path, e.g. ``/apis/v2beta1/runs``.
        query: Query parameters (the last value of each).
        body: The JSON body, decoded, or ``None``.
        files: Multipart file fields: field name -> bytes.
        headers: The request headers, lower-case names.
    """

    method: str
    path: str
    query: dict[str, str]
    body: Any
    files: dict[str, bytes]
    headers: dict[str, str]


class ApiError(Exception):
    """An error answer: HTTP status and message, sent as a grpc-gateway error body."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class _State:
    pipelines: dict[str, dict[str, Any]] = field(default_factory=dict)
    versions: dict[str, dict[str, Any]] = field(default_factory=dict)
    packages: dict[str, bytes] = field(default_factory=dict)
    experiments: dict[str, dict[str, Any]] = field(default_factory=dict)
    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    recurring_runs: dict[str, dict[str, Any]] = field(default_factory=dict)


class KfpApiServer:
    """The recording server. Start it with :meth:`start` (or as a context manager).

    Args:
        multi_user: What ``healthz`` reports (default: ``False``: a single-user install).
    """

    def __init__(self, *, multi_user: bool = False) -> None:
        self.multi_user = multi_user
        self.requests: list[RecordedRequest] = []
        self.state = _State()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"/healthz"), self._healthz),
            ("POST", re.compile(r"/pipelines"), self._create_pipeline),
            ("GET", re.compile(r"/pipelines"), self._list_pipelines),
            ("POST", re.compile(r"/pipelines/upload_version"), self._upload_version),
            ("GET", re.compile(r"/pipelines/(?P<pid>[^/:]+)"), self._get_pipeline),
            ("GET", re.compile(r"/pipelines/(?P<pid>[^/:]+)/versions"), self._list_versions),
            (
                "GET",
                re.compile(r"/pipelines/(?P<pid>[^/:]+)/versions/(?P<vid>[^/:]+)"),
                self._get_version,
            ),
            ("POST", re.compile(r"/experiments"), self._create_experiment),
            ("GET", re.compile(r"/experiments"), self._list_experiments),
            ("GET", re.compile(r"/experiments/(?P<eid>[^/:]+)"), self._get_experiment),
            ("POST", re.compile(r"/runs"), self._create_run),
            ("GET", re.compile(r"/runs/(?P<rid>[^/:]+)"), self._get_run),
            ("POST", re.compile(r"/runs/(?P<rid>[^/:]+):terminate"), self._terminate_run),
            ("POST", re.compile(r"/recurringruns"), self._create_recurring_run),
            ("GET", re.compile(r"/recurringruns"), self._list_recurring_runs),
            ("GET", re.compile(r"/recurringruns/(?P<rid>[^/:]+)"), self._get_recurring_run),
            ("DELETE", re.compile(r"/recurringruns/(?P<rid>[^/:]+)"), self._delete_recurring_run),
            (
                "POST",
                re.compile(r"/recurringruns/(?P<rid>[^/:]+):(?P<mode>enable|disable)"),
                self._set_recurring_run_mode,
            ),
        ]

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>``, once started."""
        if self._server is None:
            raise RuntimeError("the KFP API server is not started")
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> "KfpApiServer":
        """Listens on a free loopback port and serves in a background thread."""
        handler = type("Handler", (_Handler,), {"api": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="kfp-api-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stops serving and closes the socket."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = None
        self._thread = None

    def __enter__(self) -> "KfpApiServer":
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ test helpers

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method and path (``path`` relative to the API
        root, e.g. ``"/runs"``)."""
        return [r for r in self.requests if r.method == method and r.path == API + path]

    def set_run_state(self, run_id: str, state: str) -> None:
        """Moves a run to another state, as the cluster would while it runs."""
        with self._lock:
            self.state.runs[run_id]["state"] = state

    # ------------------------------------------------------------------ dispatch

    def handle(
        self, method: str, path: str, query: dict[str, str], body: Any, files: dict[str, bytes]
    ) -> tuple[HTTPStatus, Any]:
        """Routes one request; returns the status and the JSON answer."""
        if not path.startswith(API):
            return _error(HTTPStatus.NOT_FOUND, f"no route for {path}")
        route = path[len(API) :]
        for route_method, pattern, action in self._routes:
            match = pattern.fullmatch(route)
            if match and route_method == method:
                try:
                    with self._lock:
                        return HTTPStatus.OK, action(
                            query=query, body=body, files=files, **match.groupdict()
                        )
                except ApiError as exc:
                    return _error(exc.status, exc.message)
        return _error(HTTPStatus.NOT_FOUND, f"no route for {method} {path}")

    # ------------------------------------------------------------------ endpoints

    def _healthz(self, **_: Any) -> dict[str, Any]:
        return {"multi_user": self.multi_user, "pipeline_store": "database"}

    def _create_pipeline(self, body: Any, **_: Any) -> dict[str, Any]:
        name = _required(body, "display_name", "pipeline")
        namespace = body.get("namespace") or ""
        if any(
            p["display_name"] == name and p["namespace"] == namespace
            for p in self.state.pipelines.values()
        ):
            raise ApiError(HTTPStatus.CONFLICT, f"pipeline with name '{name}' already exists")
        pipeline = {
            "pipeline_id": _new_id(),
            "display_name": name,
            "name": name,
            "description": body.get("description") or "",
            "namespace": namespace,
            "created_at": _now(),
        }
        self.state.pipelines[pipeline["pipeline_id"]] = pipeline
        return pipeline

    def _list_pipelines(self, query: dict[str, str], **_: Any) -> dict[str, Any]:
        found = _filtered(self.state.pipelines.values(), query)
        return {"pipelines": found, "total_size": len(found)} if found else {}

    def _get_pipeline(self, pid: str, **_: Any) -> dict[str, Any]:
        return _known(self.state.pipelines, pid, "pipeline")

    def _upload_version(
        self, query: dict[str, str], files: dict[str, bytes], **_: Any
    ) -> dict[str, Any]:
        pipeline = _known(self.state.pipelines, query.get("pipelineid", ""), "pipeline")
        name = query.get("name") or query.get("display_name")
        if not name:
            raise ApiError(HTTPStatus.BAD_REQUEST, "pipeline version name is empty")
        if "uploadfile" not in files:
            raise ApiError(HTTPStatus.BAD_REQUEST, "missing the uploadfile field")
        if any(
            v["pipeline_id"] == pipeline["pipeline_id"] and v["display_name"] == name
            for v in self.state.versions.values()
        ):
            raise ApiError(
                HTTPStatus.CONFLICT, f"pipeline version with name '{name}' already exists"
            )
        try:
            spec = next(yaml.safe_load_all(files["uploadfile"]))
        except (yaml.YAMLError, StopIteration) as exc:
            raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid pipeline spec: {exc}") from None
        if not isinstance(spec, dict) or "pipelineInfo" not in spec or "root" not in spec:
            raise ApiError(HTTPStatus.BAD_REQUEST, "invalid pipeline spec: not a PipelineSpec")
        version = {
            "pipeline_id": pipeline["pipeline_id"],
            "pipeline_version_id": _new_id(),
            "display_name": name,
            "name": name,
            "description": query.get("description", ""),
            "created_at": _now(),
            "pipeline_spec": spec,
        }
        self.state.versions[version["pipeline_version_id"]] = version
        self.state.packages[version["pipeline_version_id"]] = files["uploadfile"]
        return version

    def _list_versions(self, pid: str, query: dict[str, str], **_: Any) -> dict[str, Any]:
        _known(self.state.pipelines, pid, "pipeline")
        mine = [v for v in self.state.versions.values() if v["pipeline_id"] == pid]
        found = _filtered(mine, query)
        return {"pipeline_versions": found, "total_size": len(found)} if found else {}

    def _get_version(self, pid: str, vid: str, **_: Any) -> dict[str, Any]:
        version = _known(self.state.versions, vid, "pipeline version")
        if version["pipeline_id"] != pid:
            raise ApiError(HTTPStatus.NOT_FOUND, f"pipeline version {vid} is not in {pid}")
        return version

    def _create_experiment(self, body: Any, **_: Any) -> dict[str, Any]:
        name = _required(body, "display_name", "experiment")
        namespace = body.get("namespace") or ""
        if any(
            e["display_name"] == name and e["namespace"] == namespace
            for e in self.state.experiments.values()
        ):
            raise ApiError(HTTPStatus.CONFLICT, f"experiment with name '{name}' already exists")
        experiment = {
            "experiment_id": _new_id(),
            "display_name": name,
            "description": body.get("description") or "",
            "namespace": namespace,
            "created_at": _now(),
            "storage_state": "AVAILABLE",
        }
        self.state.experiments[experiment["experiment_id"]] = experiment
        return experiment

    def _list_experiments(self, query: dict[str, str], **_: Any) -> dict[str, Any]:
        namespace = query.get("namespace")
        candidates = [
            e
            for e in self.state.experiments.values()
            if not namespace or e["namespace"] == namespace
        ]
        found = _filtered(candidates, query)
        return {"experiments": found, "total_size": len(found)} if found else {}

    def _get_experiment(self, eid: str, **_: Any) -> dict[str, Any]:
        return _known(self.state.experiments, eid, "experiment")

    def _create_run(self, body: Any, **_: Any) -> dict[str, Any]:
        self._check_runnable(body, "run")
        run = {
            **body,
            "run_id": _new_id(),
            "state": "PENDING",
            "storage_state": "AVAILABLE",
            "created_at": _now(),
        }
        self.state.runs[run["run_id"]] = run
        return run

    def _get_run(self, rid: str, **_: Any) -> dict[str, Any]:
        return _known(self.state.runs, rid, "run")

    def _terminate_run(self, rid: str, **_: Any) -> dict[str, Any]:
        run = _known(self.state.runs, rid, "run")
        if run["state"] in ("SUCCEEDED", "FAILED", "SKIPPED", "CANCELED"):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"run {rid} has finished ({run['state']})")
        run["state"] = "CANCELING"
        return {}

    def _create_recurring_run(self, body: Any, **_: Any) -> dict[str, Any]:
        self._check_runnable(body, "recurring run")
        cron = ((body.get("trigger") or {}).get("cron_schedule") or {}).get("cron")
        periodic = (body.get("trigger") or {}).get("periodic_schedule")
        if not cron and not periodic:
            raise ApiError(HTTPStatus.BAD_REQUEST, "a recurring run needs a trigger")
        concurrency = int(body.get("max_concurrency") or 0)
        if not 1 <= concurrency <= 10:
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"max concurrency of a recurring run must be from 1 to 10, got {concurrency}",
            )
        mode = body.get("mode", "ENABLE")
        recurring = {
            **body,
            "recurring_run_id": _new_id(),
            "max_concurrency": str(concurrency),
            "status": "ENABLED" if mode == "ENABLE" else "DISABLED",
            "created_at": _now(),
            "updated_at": _now(),
        }
        self.state.recurring_runs[recurring["recurring_run_id"]] = recurring
        return recurring

    def _list_recurring_runs(self, query: dict[str, str], **_: Any) -> dict[str, Any]:
        experiment = query.get("experiment_id")
        candidates = [
            r
            for r in self.state.recurring_runs.values()
            if not experiment or r.get("experiment_id") == experiment
        ]
        found = _filtered(candidates, query)
        return {"recurringRuns": found, "total_size": len(found)} if found else {}

    def _get_recurring_run(self, rid: str, **_: Any) -> dict[str, Any]:
        return _known(self.state.recurring_runs, rid, "recurring run")

    def _delete_recurring_run(self, rid: str, **_: Any) -> dict[str, Any]:
        _known(self.state.recurring_runs, rid, "recurring run")
        del self.state.recurring_runs[rid]
        return {}

    def _set_recurring_run_mode(self, rid: str, mode: str, **_: Any) -> dict[str, Any]:
        recurring = _known(self.state.recurring_runs, rid, "recurring run")
        recurring["mode"] = "ENABLE" if mode == "enable" else "DISABLE"
        recurring["status"] = "ENABLED" if mode == "enable" else "DISABLED"
        recurring["updated_at"] = _now()
        return {}

    def _check_runnable(self, body: Any, what: str) -> None:
        if not isinstance(body, dict):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"the {what} is not a JSON object")
        _known(self.state.experiments, body.get("experiment_id") or "", "experiment")
        reference = body.get("pipeline_version_reference")
        if reference:
            _known(self.state.pipelines, reference.get("pipeline_id") or "", "pipeline")
            self._get_version(reference["pipeline_id"], reference.get("pipeline_version_id", ""))
        elif not body.get("pipeline_spec"):
            raise ApiError(
                HTTPStatus.BAD_REQUEST,
                f"the {what} has neither a pipeline_version_reference nor a pipeline_spec",
            )


class _Handler(BaseHTTPRequestHandler):
    api: KfpApiServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {key: values[-1] for key, values in parse_qs(parts.query).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        content_type = self.headers.get("Content-Type", "")
        body: Any = None
        files: dict[str, bytes] = {}
        if content_type.startswith("multipart/form-data"):
            files = _multipart_files(content_type, raw)
        elif raw:
            try:
                body = json.loads(raw)
            except ValueError:
                status, answer = _error(HTTPStatus.BAD_REQUEST, "the body is not JSON")
                self._answer(status, answer)
                return
        self.api.requests.append(
            RecordedRequest(
                method=method,
                path=parts.path,
                query=query,
                body=body,
                files=files,
                headers={key.lower(): value for key, value in self.headers.items()},
            )
        )
        status, answer = self.api.handle(method, parts.path, query, body, files)
        self._answer(status, answer)

    def _answer(self, status: HTTPStatus, answer: Any) -> None:
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the recorded requests are the log."""


def _multipart_files(content_type: str, raw: bytes) -> dict[str, bytes]:
    """The file fields of a ``multipart/form-data`` body (the ``email`` package parses it)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + raw
    )
    files = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if name and part.get_filename() is not None:
            files[name] = part.get_payload(decode=True)
    return files


def _filtered(items: Any, query: dict[str, str]) -> list[dict[str, Any]]:
    items = list(items)
    if not query.get("filter"):
        return items
    try:
        predicates = json.loads(query["filter"]).get("predicates", [])
    except (ValueError, AttributeError):
        raise ApiError(HTTPStatus.BAD_REQUEST, f"invalid filter {query['filter']!r}") from None
    for predicate in predicates:
        if predicate.get("operation") not in _EQUALS:
            raise ApiError(
                HTTPStatus.BAD_REQUEST, f"unsupported filter operation {predicate.get('operation')}"
            )
        key = predicate.get("key")
        if key not in ("display_name", "name"):
            raise ApiError(HTTPStatus.BAD_REQUEST, f"unsupported filter key {key!r}")
        value = predicate.get("stringValue", predicate.get("string_value"))
        items = [item for item in items if item.get(key, item.get("display_name")) == value]
    return items


def _required(body: Any, key: str, what: str) -> str:
    value = body.get(key) if isinstance(body, dict) else None
    if not value:
        raise ApiError(HTTPStatus.BAD_REQUEST, f"the {what}'s {key} is empty")
    return value


def _known(table: dict[str, dict[str, Any]], key: str, what: str) -> dict[str, Any]:
    if key not in table:
        raise ApiError(HTTPStatus.NOT_FOUND, f"{what} {key!r} not found")
    return table[key]


def _error(status: HTTPStatus, message: str) -> tuple[HTTPStatus, dict[str, Any]]:
    code = _GRPC_CODES.get(status, 2)
    return status, {"error": message, "code": code, "message": message, "details": []}


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
