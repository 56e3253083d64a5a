"""The Kubernetes manifests: every overlay renders with ``kubectl kustomize`` and validates
offline with ``kubernetes-validate``; the kubeflow overlay reuses Kubeflow's MinIO and Secret,
the standalone one brings its own; what the pods refer to exists and is pinned."""

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from tests.conftest import REPO_ROOT

MANIFESTS = REPO_ROOT / "manifests"
OVERLAYS = ["kubeflow", "standalone"]
KUBECTL = shutil.which("kubectl")
VALIDATE = Path(sys.executable).parent / "kubernetes-validate"
# Kubernetes versions of supported Kubeflow releases, and the newest the validator knows.
KUBERNETES_VERSIONS = ["1.29.0", "1.32.0", "1.37.0"]
KUBEFLOW_SECRET = "mlpipeline-minio-artifact"
STANDALONE_SECRET = "relgraph-minio-credentials"

requires_kubectl = pytest.mark.skipif(
    KUBECTL is None, reason="kubectl is not installed (it renders kustomize offline)"
)
pytestmark = requires_kubectl

_rendered: dict[str, str] = {}


def render(overlay: str) -> str:
    """``kubectl kustomize manifests/overlays/<overlay>`` (once per overlay)."""
    if overlay not in _rendered:
        result = subprocess.run(
            [str(KUBECTL), "kustomize", str(MANIFESTS / "overlays" / overlay)],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        _rendered[overlay] = result.stdout
    return _rendered[overlay]


def documents(overlay: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(render(overlay)) if doc]


def find(docs: list[dict[str, Any]], kind: str, name: str) -> dict[str, Any]:
    matches = [d for d in docs if d["kind"] == kind and d["metadata"]["name"] == name]
    assert len(matches) == 1, f"expected one {kind}/{name}, found {len(matches)}"
    return matches[0]


def pod_specs(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet", "Job"):
            yield doc["metadata"]["name"], doc["spec"]["template"]["spec"]


def containers(docs: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, spec in pod_specs(docs):
        for container in [*spec.get("initContainers", []), *spec["containers"]]:
            yield f"{name}/{container['name']}", container


def config(docs: list[dict[str, Any]]) -> dict[str, str]:
    return find(docs, "ConfigMap", "relgraph-config")["data"]


def secret_refs(docs: list[dict[str, Any]]) -> set[tuple[str, str]]:
    return {
        (env["valueFrom"]["secretKeyRef"]["name"], env["valueFrom"]["secretKeyRef"]["key"])
        for _, container in containers(docs)
        for env in container.get("env", [])
        if "secretKeyRef" in env.get("valueFrom", {})
    }


def service_for(docs: list[dict[str, Any]], url: str, namespace: str) -> dict[str, Any]:
    """The Service in ``docs`` that an in-cluster URL (``http://name.namespace:port``) names."""
    parts = urlsplit(url)
    name, _, url_namespace = parts.hostname.partition(".")
    assert url_namespace == namespace, f"{url} is not in namespace {namespace}"
    service = find(docs, "Service", name)
    assert parts.port in [p["port"] for p in service["spec"]["ports"]], url
    return service


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_overlay_renders_and_validates(overlay: str, version: str, tmp_path: Path) -> None:
    rendered = tmp_path / f"{overlay}.yaml"
    rendered.write_text(render(overlay))
    result = subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", "-k", version, str(rendered)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_validator_rejects_a_broken_manifest(tmp_path: Path) -> None:
    docs = documents("standalone")
    deployment = find(docs, "Deployment", "mlflow")
    deployment["spec"]["replicas"] = "one"
    deployment["spec"]["template"]["spec"]["containers"][0]["imagePullPolicy2"] = "Always"
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(deployment))
    result = subprocess.run(
        [str(VALIDATE), "--strict", "--quiet", str(broken)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "replicas" in result.stdout + result.stderr


def test_kubeflow_overlay_reuses_kubeflows_minio_and_secret() -> None:
    docs = documents("kubeflow")
    assert {d["metadata"].get("namespace") for d in docs} == {"kubeflow"}
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert not any(kind == "Secret" or "minio" in name for kind, name in kinds), kinds
    assert secret_refs(docs) == {(KUBEFLOW_SECRET, "accesskey"), (KUBEFLOW_SECRET, "secretkey")}
    settings = config(docs)
    assert settings["AWS_ENDPOINT_URL"] == "http://minio-service.kubeflow:9000"
    assert settings["MLFLOW_S3_ENDPOINT_URL"] == "http://minio-service.kubeflow:9000"
    assert settings["RELGRAPH_S3_SECRET"] == KUBEFLOW_SECRET
    service_for(docs, settings["MLFLOW_TRACKING_URI"], "kubeflow")


def test_standalone_overlay_brings_its_own_minio_and_secret_template() -> None:
    docs = documents("standalone")
    assert {d["metadata"].get("namespace") for d in docs if d["kind"] != "Namespace"} == {
        "relgraph"
    }
    find(docs, "Namespace", "relgraph")
    secret = find(docs, "Secret", STANDALONE_SECRET)
    assert set(secret["stringData"]) == {"accesskey", "secretkey"}
    assert secret_refs(docs) == {(STANDALONE_SECRET, "accesskey"), (STANDALONE_SECRET, "secretkey")}
    settings = config(docs)
    assert settings["RELGRAPH_S3_SECRET"] == STANDALONE_SECRET
    minio = service_for(docs, settings["AWS_ENDPOINT_URL"], "relgraph")
    assert (
        minio["spec"]["selector"]
        == find(docs, "Deployment", "minio")["spec"]["selector"]["matchLabels"]
    )
    service_for(docs, settings["MLFLOW_TRACKING_URI"], "relgraph")
    assert find(docs, "PersistentVolumeClaim", "minio-data")


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pods_are_pinned_unprivileged_and_refer_to_what_exists(overlay: str) -> None:
    docs = documents(overlay)
    config_maps = {d["metadata"]["name"] for d in docs if d["kind"] == "ConfigMap"}
    claims = {d["metadata"]["name"] for d in docs if d["kind"] == "PersistentVolumeClaim"}
    for name, spec in pod_specs(docs):
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["automountServiceAccountToken"] is False, name
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:
                assert volume["persistentVolumeClaim"]["claimName"] in claims, name
    for name, container in containers(docs):
        repository, _, tag = container["image"].rpartition(":")
        assert "/" in repository and tag and tag != "latest", f"{name}: {container['image']}"
        assert container["securityContext"]["allowPrivilegeEscalation"] is False, name
        assert container["securityContext"]["capabilities"]["drop"] == ["ALL"], name
        assert "memory" in container["resources"]["limits"], name
        for source in container.get("envFrom", []):
            assert source["configMapRef"]["name"] in config_maps, name


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_mlflow_answers_its_in_cluster_name_and_port_forward(overlay: str) -> None:
    # MLflow's own check of the Host header (DNS-rebinding protection), not a copy of it.
    from mlflow.server.security_utils import is_allowed_host_header

    docs = documents(overlay)
    (server,) = [c for name, c in containers(docs) if name == "mlflow/mlflow"]
    env = {e["name"]: e.get("value") for e in server["env"]}
    allowed = [host.strip() for host in env["MLFLOW_SERVER_ALLOWED_HOSTS"].split(",")]
    tracking = urlsplit(config(docs)["MLFLOW_TRACKING_URI"]).netloc
    for host in (
        tracking,
        f"mlflow.{overlay}.svc.cluster.local:5000",
        "mlflow:5000",
        "localhost:5000",
    ):
        assert is_allowed_host_header(allowed, host), host
    assert not is_allowed_host_header(allowed, "evil.example.com")
    args = server["args"]
    assert "--serve-artifacts" in args
    assert "--artifacts-destination=s3://$(MLFLOW_ARTIFACTS_BUCKET)" in args
    assert "MLFLOW_ARTIFACTS_BUCKET" in config(docs)


def test_mlflow_runs_the_image_make_images_builds() -> None:
    spec = importlib.util.spec_from_file_location("images_build", REPO_ROOT / "images" / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(build)
    for overlay in OVERLAYS:
        (server,) = [c for name, c in containers(documents(overlay)) if name == "mlflow/mlflow"]
        assert server["image"] == build.MLFLOW_IMAGE


def test_pipeline_runs_have_a_service_account_with_a_role() -> None:
    docs = documents("kubeflow")
    account = find(docs, "ServiceAccount", "relgraph-pipeline-runner")
    binding = find(docs, "RoleBinding", "relgraph-pipeline-runner")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": account["metadata"]["name"], "namespace": "kubeflow"}
    ]
    role = find(docs, "Role", binding["roleRef"]["name"])
    granted = {
        (g, r) for rule in role["rules"] for g in rule["apiGroups"] for r in rule["resources"]
    }
    for needed in [
        ("", "pods"),
        ("", "pods/log"),
        ("", "secrets"),
        ("", "configmaps"),
        ("argoproj.io", "workflowtaskresults"),
    ]:
        assert needed in granted, needed


def test_compiled_pipelines_point_at_what_the_kubeflow_overlay_deploys() -> None:
    from relgraph.pipelines import PlatformSettings

    settings = PlatformSettings()
    deployed = config(documents("kubeflow"))
    assert settings.s3_endpoint == deployed["AWS_ENDPOINT_URL"]
    assert settings.s3_secret == deployed["RELGRAPH_S3_SECRET"]
    assert settings.tracking_uri == deployed["MLFLOW_TRACKING_URI"]
    assert {key for key, _ in settings.s3_secret_keys} == {"accesskey", "secretkey"}
