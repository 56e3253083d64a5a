"""Compiling the pipelines: the committed YAML is current, compiling loads no torch and no
data, and the compiled spec asks the cluster for what each step needs."""

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from relgraph.components.images import CUDA_IMAGE, IMAGE
from relgraph.pipelines import (
    PIPELINES,
    GpuRequest,
    PlatformSettings,
    build_pipeline,
    compile_all,
    compile_pipeline,
)
from relgraph.pipelines.settings import DEFAULT_S3_ENDPOINT, DEFAULT_S3_SECRET

REPO = Path(__file__).resolve().parents[2]
NAMES = ["batch_prediction", "train_and_predict", "training", "tuning"]
IO_STEPS = {
    "source-hash",
    "snapshot",
    "build-task-table",
    "train",
    "evaluate",
    "register",
    "resolve-model",
    "batch-predict",
}


def _documents(path: Path) -> tuple[dict, dict]:
    """The pipeline spec and the Kubernetes platform spec of a compiled package."""
    docs = list(yaml.safe_load_all(path.read_text()))
    spec = docs[0]
    platform = docs[1]["platforms"]["kubernetes"] if len(docs) > 1 else {}
    return spec, platform.get("deploymentSpec", {}).get("executors", {})


def _tasks(spec: dict) -> dict[str, dict]:
    """Every step of the pipeline (tasks that run a container, inside loops too), by name."""
    tasks = dict(spec["root"]["dag"]["tasks"])
    for component in spec["components"].values():
        tasks.update(component.get("dag", {}).get("tasks", {}))
    return {
        name: task
        for name, task in tasks.items()
        if "executorLabel" in spec["components"][task["componentRef"]["name"]]
    }


def _executor(spec: dict, task: dict) -> str:
    return spec["components"][task["componentRef"]["name"]]["executorLabel"]


def test_the_pipelines() -> None:
    assert sorted(PIPELINES) == NAMES


@pytest.mark.parametrize("name", NAMES)
def test_committed_yaml_is_current(name: str, tmp_path: Path) -> None:
    compiled = compile_pipeline(name, tmp_path / f"{name}.yaml")
    committed = REPO / "pipelines" / f"{name}.yaml"
    assert compiled.read_bytes() == committed.read_bytes(), (
        f"pipelines/{name}.yaml is out of date: run `make compile`"
    )


def test_compile_all(tmp_path: Path) -> None:
    paths = compile_all(tmp_path / "out")
    assert [p.name for p in paths] == [f"{name}.yaml" for name in NAMES]
    assert all(p.read_bytes().startswith(b"# PIPELINE DEFINITION") for p in paths)


def test_compiling_loads_neither_torch_nor_data(tmp_path: Path) -> None:
    heavy = ("torch", "torch_geometric", "torch_frame", "mlflow", "pyarrow", "duckdb", "pandas")
    code = (
        "import sys; from relgraph.pipelines import compile_all; "
        f"compile_all({str(tmp_path)!r}); "
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {heavy!r}); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert len(list(tmp_path.glob("*.yaml"))) == len(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_every_step_runs_the_relgraph_image(name: str) -> None:
    spec, _ = _documents(REPO / "pipelines" / f"{name}.yaml")
    for label, executor in spec["deploymentSpec"]["executors"].items():
        expected = CUDA_IMAGE if label == "exec-train" else IMAGE
        assert executor["container"]["image"] == expected, label


@pytest.mark.parametrize("name", ["training", "tuning", "train_and_predict"])
def test_the_train_step_asks_for_a_gpu(name: str) -> None:
    spec, executors = _documents(REPO / "pipelines" / f"{name}.yaml")
    accelerator = spec["deploymentSpec"]["executors"]["exec-train"]["container"]["resources"][
        "accelerator"
    ]
    assert accelerator["resourceCount"] == "1"
    assert accelerator["resourceType"] == "nvidia.com/gpu"
    train = executors["exec-train"]
    assert train["nodeSelector"]["labels"] == {"nvidia.com/gpu.present": "true"}
    assert train["tolerations"] == [
        {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Exists"}
    ]
    assert train["emptyDirMounts"] == [
        {"medium": "Memory", "mountPath": "/dev/shm", "sizeLimit": "4Gi", "volumeName": "dshm"}
    ]


@pytest.mark.parametrize("name", NAMES)
def test_io_steps_get_credentials_endpoint_and_retries(name: str) -> None:
    spec, executors = _documents(REPO / "pipelines" / f"{name}.yaml")
    for task_name, task in _tasks(spec).items():
        executor = _executor(spec, task)
        container = spec["deploymentSpec"]["executors"][executor]["container"]
        base = task_name.rsplit("-", 1)[0] if task_name[-1].isdigit() else task_name
        if base not in IO_STEPS:
            assert "retryPolicy" not in task and "env" not in container, task_name
            continue
        assert task["retryPolicy"]["maxRetryCount"] == 3, task_name
        env = {e["name"]: e["value"] for e in container["env"]}
        assert env == {
            "AWS_ENDPOINT_URL": DEFAULT_S3_ENDPOINT,
            "MLFLOW_S3_ENDPOINT_URL": DEFAULT_S3_ENDPOINT,
        }
        (secret,) = executors[executor]["secretAsEnv"]
        assert secret["secretName"] == DEFAULT_S3_SECRET
        assert secret["keyToEnv"] == [
            {"envVar": "AWS_ACCESS_KEY_ID", "secretKey": "accesskey"},
            {"envVar": "AWS_SECRET_ACCESS_KEY", "secretKey": "secretkey"},
        ]


@pytest.mark.parametrize("name", NAMES)
def test_no_parameter_carries_credentials(name: str) -> None:
    spec, _ = _documents(REPO / "pipelines" / f"{name}.yaml")
    parameters = spec["root"]["inputDefinitions"]["parameters"]
    for word in ("secret", "password", "key", "token", "credential"):
        assert not [p for p in parameters if word in p.lower()], word


@pytest.mark.parametrize("name", NAMES)
def test_caching_is_keyed_by_the_data(name: str) -> None:
    spec, _ = _documents(REPO / "pipelines" / f"{name}.yaml")
    tasks = _tasks(spec)
    never_cached = {"source-hash", "resolve-model", "batch-predict"}
    for task_name, task in tasks.items():
        cached = task.get("cachingOptions", {}).get("enableCache", False)
        assert cached == (task_name not in never_cached), task_name
    data_hash = tasks["snapshot"]["inputs"]["parameters"]["data_hash"]
    assert data_hash["taskOutputParameter"] == {
        "outputParameterKey": "Output",
        "producerTask": "source-hash",
    }


def test_tuning_fans_out_and_in() -> None:
    spec, _ = _documents(REPO / "pipelines" / "tuning.yaml")
    (loop_name,) = [n for n in spec["root"]["dag"]["tasks"] if n.startswith("for-loop")]
    loop = spec["root"]["dag"]["tasks"][loop_name]
    assert (
        loop["parameterIterator"]["items"]["inputParameter"] == "pipelinechannel--trainer_configs"
    )
    assert loop["iteratorPolicy"]["parallelismLimit"] == 4
    select = spec["root"]["dag"]["tasks"]["select-best-model"]
    models = select["inputs"]["artifacts"]["models"]["taskOutputArtifact"]
    assert models == {
        "outputArtifactKey": "pipelinechannel--train-model",
        "producerTask": loop_name,
    }
    evaluate = spec["root"]["dag"]["tasks"]["evaluate"]["inputs"]["artifacts"]["model"]
    assert evaluate["taskOutputArtifact"]["producerTask"] == "select-best-model"


def test_train_and_predict_predicts_with_the_champion() -> None:
    spec, _ = _documents(REPO / "pipelines" / "train_and_predict.yaml")
    resolve = spec["root"]["dag"]["tasks"]["resolve-model"]["inputs"]["parameters"]["model_ref"]
    assert resolve["taskOutputParameter"] == {
        "outputParameterKey": "champion",
        "producerTask": "register",
    }


def test_local_settings_leave_out_the_cluster(tmp_path: Path) -> None:
    path = compile_pipeline(
        "training", tmp_path / "t.yaml", settings=PlatformSettings.local("sqlite:///x.db")
    )
    spec, executors = _documents(path)
    assert executors == {}
    for executor in spec["deploymentSpec"]["executors"].values():
        assert "env" not in executor["container"] and "resources" not in executor["container"]
    assert all("retryPolicy" not in task for task in _tasks(spec).values())
    default = spec["root"]["inputDefinitions"]["parameters"]["mlflow_tracking_uri"]
    assert default["defaultValue"] == "sqlite:///x.db"


def test_other_cluster_settings(tmp_path: Path) -> None:
    settings = PlatformSettings(
        s3_endpoint="https://s3.example.com",
        s3_secret="shop-s3",
        tracking_uri="http://mlflow.ml:5000",
        gpu=GpuRequest(accelerator="amd.com/gpu", count=2, node_selector=(), shm_size=None),
        retries=1,
    )
    spec, executors = _documents(
        compile_pipeline("training", tmp_path / "t.yaml", settings=settings)
    )
    train = spec["deploymentSpec"]["executors"]["exec-train"]["container"]
    accelerator = train["resources"]["accelerator"]
    assert (accelerator["resourceCount"], accelerator["resourceType"]) == ("2", "amd.com/gpu")
    assert {e["value"] for e in train["env"]} == {"https://s3.example.com"}
    assert "nodeSelector" not in executors["exec-train"]
    assert "emptyDirMounts" not in executors["exec-train"]
    assert executors["exec-snapshot"]["secretAsEnv"][0]["secretName"] == "shop-s3"
    assert _tasks(spec)["snapshot"]["retryPolicy"]["maxRetryCount"] == 1


def test_cpu_only_cluster(tmp_path: Path) -> None:
    spec, executors = _documents(
        compile_pipeline("training", tmp_path / "t.yaml", settings=PlatformSettings(gpu=None))
    )
    assert "resources" not in spec["deploymentSpec"]["executors"]["exec-train"]["container"]
    assert set(executors["exec-train"]) == {"secretAsEnv"}


def test_unknown_pipeline() -> None:
    with pytest.raises(KeyError, match="unknown pipeline 'nightly'; pipelines: batch_prediction"):
        build_pipeline("nightly")


@pytest.mark.parametrize(
    ("make", "match"),
    [
        (lambda: PlatformSettings(retries=-1), "retries must be >= 0"),
        (lambda: PlatformSettings(max_parallel_trials=0), "max_parallel_trials must be at least 1"),
        (lambda: GpuRequest(count=0), "count must be at least 1"),
    ],
)
def test_invalid_settings(make, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        make()
