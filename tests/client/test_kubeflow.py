"""KubeflowClient against the recording KFP v2beta1 API server (tests/kfp_api_server.py): what
``kfp.Client`` sends for submit (upload or reuse a version, experiment, run) and schedule
(cron, max concurrency, enable/disable/delete), and how failures read."""

import json
from pathlib import Path

import pytest
import yaml
from kfp import compiler, dsl

from relgraph.client.kubeflow import KubeflowClient, KubeflowError, to_kfp_cron
from relgraph.client.pipeline_package import PipelinePackage
from tests.kfp_api_server import KfpApiServer
from tests.servers import free_port


@dsl.component(base_image="python:3.11", install_kfp_package=False)
def _count(source: str, epochs: int, rate: float, weights: dict) -> str:
    return f"{source} {epochs} {rate} {weights}"


@dsl.pipeline(name="tiny-train", description="A tiny pipeline with typed parameters.")
def tiny_train(source: str, epochs: int = 2, rate: float = 0.1, weights: dict = {"a": 1}):  # noqa: B006
    _count(source=source, epochs=epochs, rate=rate, weights=weights)


def compile_tiny(path: Path, *, epochs: int = 2) -> Path:
    """Compiles the tiny pipeline; a different ``epochs`` default gives different content."""

    @dsl.pipeline(name="tiny-train", description="A tiny pipeline with typed parameters.")
    def variant(source: str, epochs: int = epochs, rate: float = 0.1, weights: dict = {"a": 1}):  # noqa: B006
        _count(source=source, epochs=epochs, rate=rate, weights=weights)

    compiler.Compiler().compile(variant, str(path))
    return path


@pytest.fixture
def package(tmp_path: Path) -> Path:
    return compile_tiny(tmp_path / "tiny.yaml")


@pytest.fixture
def client(kfp_api: KfpApiServer) -> KubeflowClient:
    return KubeflowClient(kfp_api.url)


def test_submit_uploads_the_package_and_starts_a_run(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path
) -> None:
    run = client.submit(
        package, {"source": "s3://data/f1", "epochs": 3}, experiment="f1", run_name="first"
    )
    digest = PipelinePackage.load(package).content_hash
    (created_pipeline,) = kfp_api.requests_to("POST", "/pipelines")
    assert created_pipeline.body["display_name"] == "tiny-train"
    (upload,) = kfp_api.requests_to("POST", "/pipelines/upload_version")
    assert upload.files["uploadfile"] == package.read_bytes()
    assert upload.query["name"] == f"tiny-train-{digest[:12]}"
    assert upload.query["pipelineid"] == run.pipeline.pipeline_id
    assert upload.query["description"] == f"sha256:{digest}"
    (experiment,) = kfp_api.requests_to("POST", "/experiments")
    assert experiment.body["display_name"] == "f1"
    (created_run,) = kfp_api.requests_to("POST", "/runs")
    assert created_run.body["display_name"] == "first"
    assert created_run.body["experiment_id"] == run.experiment_id
    assert created_run.body["pipeline_version_reference"] == {
        "pipeline_id": run.pipeline.pipeline_id,
        "pipeline_version_id": run.pipeline.version_id,
    }
    assert created_run.body["runtime_config"]["parameters"] == {
        "source": "s3://data/f1",
        "epochs": 3,
    }
    assert run.pipeline.uploaded and run.pipeline.version == f"tiny-train-{digest[:12]}"
    assert run.state == "PENDING"
    assert run.url == f"{kfp_api.url}/#/runs/details/{run.run_id}"
    stored = kfp_api.state.versions[run.pipeline.version_id]["pipeline_spec"]
    assert stored == next(yaml.safe_load_all(package.read_bytes()))


def test_the_same_package_reuses_its_version_and_a_changed_one_uploads_another(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path, tmp_path: Path
) -> None:
    first = client.submit(package, {"source": "a"}, experiment="f1")
    again = client.submit(package, {"source": "b"}, experiment="f1")
    assert not again.pipeline.uploaded
    assert again.pipeline.version_id == first.pipeline.version_id
    assert again.experiment_id == first.experiment_id
    assert len(kfp_api.requests_to("POST", "/pipelines/upload_version")) == 1
    assert len(kfp_api.requests_to("POST", "/experiments")) == 1

    changed = client.submit(compile_tiny(tmp_path / "v2.yaml", epochs=5), {"source": "c"})
    assert changed.pipeline.uploaded
    assert changed.pipeline.pipeline_id == first.pipeline.pipeline_id
    assert changed.pipeline.version != first.pipeline.version
    assert len(kfp_api.requests_to("POST", "/pipelines")) == 1
    assert len(kfp_api.state.versions) == 2
    assert changed.experiment == "relgraph"


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"source": "a", "epoch": 3}, r"has no parameter 'epoch' \(its parameters: epochs, rate, source, weights\)"),
        ({"epochs": 3}, "needs a value for 'source'"),
        ({"source": "a", "epochs": "3"}, "parameter 'epochs' takes an integer, found str '3'"),
        ({"source": "a", "epochs": True}, "parameter 'epochs' takes an integer, found bool"),
        ({"source": "a", "weights": [1]}, "parameter 'weights' takes a JSON object"),
    ],
)  # fmt: skip
def test_bad_arguments_are_refused_before_anything_is_sent(
    kfp_api: KfpApiServer,
    client: KubeflowClient,
    package: Path,
    arguments: dict[str, object],
    message: str,
) -> None:
    with pytest.raises(ValueError, match=message):
        client.submit(package, arguments)
    assert [r.path for r in kfp_api.requests] == ["/apis/v2beta1/healthz"]


def test_an_unknown_pipeline_name_is_refused(client: KubeflowClient) -> None:
    with pytest.raises(ValueError, match="unknown pipeline 'trainnig': expected one of"):
        client.submit("trainnig", {})


def test_schedule_creates_a_recurring_run_with_cron_and_concurrency(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path
) -> None:
    schedule = client.schedule(
        package,
        {"source": "s3://data/f1"},
        cron="0 3 * * *",
        name="nightly",
        experiment="retrain",
        max_concurrency=2,
    )
    (created,) = kfp_api.requests_to("POST", "/recurringruns")
    body = created.body
    assert body["display_name"] == "nightly"
    assert body["trigger"] == {"cron_schedule": {"cron": "0 0 3 * * *"}}
    assert body["max_concurrency"] == 2
    assert body["mode"] == "ENABLE"
    assert body["no_catchup"] is True
    assert body["runtime_config"]["parameters"] == {"source": "s3://data/f1"}
    experiment_id = kfp_api.requests_to("POST", "/experiments")[0]
    assert experiment_id.body["display_name"] == "retrain"
    assert body["experiment_id"] == schedule.experiment_id
    assert body["pipeline_version_reference"]["pipeline_version_id"] == schedule.version_id
    assert schedule.cron == "0 0 3 * * *" and schedule.max_concurrency == 2
    assert schedule.enabled and schedule.name == "nightly"
    assert schedule.arguments == {"source": "s3://data/f1"}
    assert schedule.url == f"{kfp_api.url}/#/recurringrun/details/{schedule.schedule_id}"


def test_schedule_can_be_disabled_enabled_and_deleted(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path
) -> None:
    schedule = client.schedule(
        package, {"source": "a"}, cron="@daily", name="daily", enabled=False, catchup=True
    )
    (created,) = kfp_api.requests_to("POST", "/recurringruns")
    assert created.body["mode"] == "DISABLE" and created.body["no_catchup"] is False
    assert not schedule.enabled
    sid = schedule.schedule_id
    client.enable_schedule(sid)
    assert kfp_api.requests_to("POST", f"/recurringruns/{sid}:enable")
    assert client.get_schedule(sid).enabled
    client.disable_schedule(sid)
    assert kfp_api.requests_to("POST", f"/recurringruns/{sid}:disable")
    assert not client.get_schedule(sid).enabled
    client.delete_schedule(sid)
    assert kfp_api.requests_to("DELETE", f"/recurringruns/{sid}")
    assert kfp_api.state.recurring_runs == {}
    with pytest.raises(KubeflowError, match=rf"reading schedule {sid}: HTTP 404 .* not found"):
        client.get_schedule(sid)


def test_a_second_schedule_of_the_same_name_is_refused(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path
) -> None:
    first = client.schedule(package, {"source": "a"}, cron="0 3 * * *", name="nightly")
    with pytest.raises(
        ValueError, match=f"already has a schedule named 'nightly' .id {first.schedule_id}"
    ):
        client.schedule(package, {"source": "a"}, cron="0 4 * * *", name="nightly")
    assert len(kfp_api.state.recurring_runs) == 1


@pytest.mark.parametrize("max_concurrency", [0, 11])
def test_max_concurrency_outside_kubeflows_range_is_refused(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path, max_concurrency: int
) -> None:
    with pytest.raises(
        ValueError, match=f"from 1 to 10 .Kubeflow's limit., found {max_concurrency}"
    ):
        client.schedule(
            package, {"source": "a"}, cron="0 3 * * *", name="x", max_concurrency=max_concurrency
        )
    assert kfp_api.requests_to("POST", "/recurringruns") == []


@pytest.mark.parametrize(
    ("cron", "expected"),
    [
        ("0 3 * * *", "0 0 3 * * *"),
        ("  */15   *  * * 1-5 ", "0 */15 * * * 1-5"),
        ("30 0 3 * * ?", "30 0 3 * * ?"),
        ("@daily", "@daily"),
        ("@every 6h", "@every 6h"),
    ],
)
def test_to_kfp_cron_adds_the_seconds_field(cron: str, expected: str) -> None:
    assert to_kfp_cron(cron) == expected


@pytest.mark.parametrize("cron", ["0 3 * *", "0 0 0 3 * * *", "daily at 3", "0 3 * * * ;rm"])
def test_to_kfp_cron_refuses_what_is_not_cron(cron: str) -> None:
    with pytest.raises(ValueError, match="expected a cron schedule of 5 fields"):
        to_kfp_cron(cron)


def test_run_state_follows_the_server_and_cancel_terminates(
    kfp_api: KfpApiServer, client: KubeflowClient, package: Path
) -> None:
    run = client.submit(package, {"source": "a"})
    assert client.run_state(run.run_id) == "PENDING"
    kfp_api.set_run_state(run.run_id, "RUNNING")
    assert client.run_state(run.run_id) == "RUNNING"
    client.cancel_run(run.run_id)
    assert kfp_api.requests_to("POST", f"/runs/{run.run_id}:terminate")
    assert client.run_state(run.run_id) == "CANCELING"


def test_an_unknown_run_is_an_error_naming_host_and_run(
    kfp_api: KfpApiServer, client: KubeflowClient
) -> None:
    with pytest.raises(KubeflowError, match=rf"at {kfp_api.url} failed reading run nope: HTTP 404"):
        client.run_state("nope")


def test_namespace_and_token_reach_the_server(kfp_api: KfpApiServer, package: Path) -> None:
    client = KubeflowClient(kfp_api.url, namespace="team-a", existing_token="secret-token")
    run = client.submit(package, {"source": "a"})
    (experiment,) = kfp_api.requests_to("POST", "/experiments")
    assert experiment.body["namespace"] == "team-a"
    assert kfp_api.state.experiments[run.experiment_id]["namespace"] == "team-a"
    assert all(r.headers["authorization"] == "Bearer secret-token" for r in kfp_api.requests)


def test_nothing_listening_is_a_clear_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(KubeflowError, match=f"cannot reach Kubeflow Pipelines at {url}"):
        KubeflowClient(url)


@pytest.mark.parametrize("host", ["localhost:8888", "", "ftp://host"])
def test_the_host_must_be_an_http_url(host: str) -> None:
    with pytest.raises(ValueError, match="must be an http:// or https:// URL"):
        KubeflowClient(host)


def test_kfp_prints_nothing_to_stdout(
    client: KubeflowClient, package: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run = client.submit(package, {"source": "a"})
    assert capsys.readouterr().out == ""
    assert json.loads(json.dumps(run.arguments)) == {"source": "a"}
