"""The component images' Dockerfiles: hadolint-clean, pinned, non-root, labelled; their
constraints pin the runtime closure of pyproject.toml; `make images` builds the tags the
components use."""

import importlib.util
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path
from types import ModuleType

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import relgraph
from relgraph.components.images import CUDA_IMAGE, IMAGE
from tests.conftest import REPO_ROOT

IMAGES = REPO_ROOT / "images"
HADOLINT = Path(sys.executable).parent / "hadolint"
DOCKERFILES = sorted(IMAGES.glob("*.Dockerfile"))
RELGRAPH_DOCKERFILES = [IMAGES / "cpu.Dockerfile", IMAGES / "cuda.Dockerfile"]
OCI_LABELS = ("title", "description", "version", "licenses")


def _script(name: str) -> ModuleType:
    """Imports images/<name>.py (a script, not a package module)."""
    spec = importlib.util.spec_from_file_location(f"images_{name}", IMAGES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _hadolint(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(HADOLINT), "--no-color", str(path)], capture_output=True, text=True, check=False
    )


def _instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    joined = re.sub(r"\\\n", " ", path.read_text())
    lines = [line.strip() for line in joined.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_every_image_has_a_dockerfile() -> None:
    assert [p.name for p in DOCKERFILES] == [
        "cpu.Dockerfile",
        "cuda.Dockerfile",
        "mlflow.Dockerfile",
    ]


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_hadolint_is_clean(dockerfile: Path) -> None:
    result = _hadolint(dockerfile)
    assert result.returncode == 0, result.stdout + result.stderr


def test_hadolint_does_report_a_bad_dockerfile(tmp_path: Path) -> None:
    bad = tmp_path / "bad.Dockerfile"
    bad.write_text("FROM python:latest\nRUN pip install torch\nUSER root\n")
    result = _hadolint(bad)
    assert result.returncode != 0
    for rule in ("DL3007", "DL3013", "DL3042", "DL3002"):
        assert rule in result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_base_images_are_pinned_and_the_user_is_not_root(dockerfile: Path) -> None:
    steps = _instructions(dockerfile)
    defaults = dict(
        re.match(r"(\w+)=(\S+)", args).groups()
        for kind, args in steps
        if kind == "ARG" and "=" in args
    )
    for kind, args in steps:
        if kind != "FROM":
            continue
        image = re.sub(
            r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), m.group(0)), args.split()[0]
        )
        if image in {"wheel", "uv"}:  # earlier stages
            continue
        name, _, tag = image.rpartition(":")
        assert name and tag and tag != "latest" and "$" not in tag, f"{dockerfile.name}: {image}"
    users = [args for kind, args in steps if kind == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root"), users
    labels = " ".join(args for kind, args in steps if kind == "LABEL")
    for label in OCI_LABELS:
        assert f"org.opencontainers.image.{label}=" in labels


@pytest.mark.parametrize(
    ("dockerfile", "torch_install"),
    [
        ("cpu.Dockerfile", "--index-url https://download.pytorch.org/whl/cpu"),
        (
            "cuda.Dockerfile",
            '--index-url "${TORCH_INDEX_URL}" --extra-index-url https://pypi.org/simple',
        ),
    ],
)
def test_torch_is_installed_first_then_relgraph_with_the_constraints(
    dockerfile: str, torch_install: str
) -> None:
    runs = [args for kind, args in _instructions(IMAGES / dockerfile) if kind == "RUN"]
    torch_step = next(
        i for i, args in enumerate(runs) if "torch==" in args and "pip install" in args
    )
    relgraph_step = next(i for i, args in enumerate(runs) if "relgraph @ file://" in args)
    assert torch_step < relgraph_step
    assert torch_install in runs[torch_step]
    assert "--constraint /tmp/constraints.txt" in runs[relgraph_step]
    assert "pip check" in runs[relgraph_step]
    # The KFP launcher writes artifacts under /gcs, /minio and /s3: the user must own them.
    assert re.search(r"chown relgraph:relgraph /gcs /minio /s3", " ".join(runs))


def test_the_cuda_image_matches_the_cuda_build_of_torch() -> None:
    text = (IMAGES / "cuda.Dockerfile").read_text()
    assert re.search(r"ARG CUDA_IMAGE=nvidia/cuda:13\.0\.\d+-runtime-ubuntu24\.04", text)
    cpu_python = re.search(r"python:(3\.11\.\d+)-slim", (IMAGES / "cpu.Dockerfile").read_text())
    assert cpu_python is not None
    assert f"ARG PYTHON_VERSION={cpu_python.group(1)}" in text  # one CPython in both images


def test_the_constraints_pin_every_runtime_dependency_within_pyproject() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    pins = {}
    for line in (IMAGES / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            pins[canonicalize_name(name)] = version
    for text in project["dependencies"]:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in images/constraints.txt: run `make images-lock`"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"images/constraints.txt pins {name}=={pins[name]}, outside pyproject's "
            f"'{requirement}': run `make images-lock`"
        )


def test_the_lock_walks_the_installed_dependency_closure() -> None:
    lock = _script("lock")
    pinned = lock.dependency_closure(
        [Requirement("rich>=13"), Requirement("tomli; python_version < '3.0'")]
    )
    assert {"rich", "markdown-it-py", "mdurl", "pygments"} <= set(pinned)
    assert "tomli" not in pinned
    assert lock.render_constraints({"b": "2", "a": "1.0"}).endswith("a==1.0\nb==2\n")
    with pytest.raises(LookupError, match="'no-such-package-xyz' is not installed"):
        lock.dependency_closure([Requirement("no-such-package-xyz")])


def test_build_tags_the_images_the_components_use(tmp_path: Path) -> None:
    build = _script("build")
    commands = [" ".join(command) for command in build.build_commands(push=True, revision="abc")]
    assert commands == [
        f"docker build -f images/cpu.Dockerfile --build-arg RELGRAPH_VERSION={relgraph.__version__} --build-arg VCS_REF=abc -t {IMAGE} .",
        f"docker push {IMAGE}",
        f"docker build -f images/cuda.Dockerfile --build-arg RELGRAPH_VERSION={relgraph.__version__} --build-arg VCS_REF=abc -t {CUDA_IMAGE} .",
        f"docker push {CUDA_IMAGE}",
        f"docker build -f images/mlflow.Dockerfile --build-arg MLFLOW_VERSION={build.MLFLOW_VERSION} -t {build.MLFLOW_IMAGE} .",
        f"docker push {build.MLFLOW_IMAGE}",
    ]
    assert IMAGE.endswith(f":{relgraph.__version__}")
    assert CUDA_IMAGE.endswith(f":{relgraph.__version__}-cuda")


def test_make_images_without_docker_prints_the_commands(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(IMAGES / "build.py"), "--no-push"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env={"PATH": str(tmp_path)},  # no docker, no git
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Docker is not installed here, so no image was built.")
    assert f"-t {IMAGE} ." in result.stdout
    assert "VCS_REF=unknown" in result.stdout
    assert "docker push" not in result.stdout


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.name)
def test_each_dockerfile_has_its_context_allowlist(dockerfile: Path) -> None:
    ignore = dockerfile.with_name(dockerfile.name + ".dockerignore").read_text().splitlines()
    assert ignore[ignore.index("*")] == "*"  # everything excluded, then allowed back
    for kind, args in _instructions(dockerfile):
        if kind != "COPY" or args.startswith("--from"):
            continue
        for source in args.split()[:-1]:
            assert f"!{source}" in ignore, (
                f"{dockerfile.name} copies {source}, not in its allowlist"
            )


def test_the_image_context_builds_a_wheel_with_components_and_pipelines(tmp_path: Path) -> None:
    """What the images' wheel stage does, on exactly the files their .dockerignore lets in."""
    context = tmp_path / "context"
    context.mkdir()
    allowed = [
        line[1:].rstrip("/")
        for line in (IMAGES / "cpu.Dockerfile.dockerignore").read_text().splitlines()
        if line.startswith("!")
    ]
    skip = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    for name in allowed:
        source, target = REPO_ROOT / name, context / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_dir():
            shutil.copytree(source, target, ignore=skip)
        else:
            shutil.copy2(source, target)
    result = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
         "--wheel-dir", str(tmp_path / "wheels"), str(context)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    (wheel,) = (tmp_path / "wheels").glob(f"relgraph-{relgraph.__version__}-py3-none-any.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in (
        "relgraph/cli/main.py",
        "relgraph/components/images.py",
        "relgraph/pipelines/__init__.py",
    ):
        assert module in names
    assert not any(name.startswith(("tests/", "images/", "bench/")) for name in names)


def test_make_images_with_a_docker_cli_but_no_engine_prints_the_commands(tmp_path: Path) -> None:
    docker = tmp_path / "docker"  # a docker CLI whose daemon is away: every command fails
    docker.write_text("#!/bin/sh\necho 'Cannot connect to the Docker daemon' >&2\nexit 1\n")
    docker.chmod(0o755)
    result = subprocess.run(
        [sys.executable, str(IMAGES / "build.py")],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
        env={"PATH": str(tmp_path)},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("The docker command is here, but no Docker engine answers")
    assert f"docker push {IMAGE}" in result.stdout
