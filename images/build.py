"""Builds (and pushes) relgraph's images, or prints how to where there is no Docker.

Three images, all tagged from versions the code already pins, so they cannot drift apart:

- ``relgraph.components.images.IMAGE`` (images/cpu.Dockerfile): every component's image;
- ``relgraph.components.images.CUDA_IMAGE`` (images/cuda.Dockerfile): GPU steps;
- ``ghcr.io/relgraph/mlflow:<mlflow version>`` (images/mlflow.Dockerfile): the tracking server
  of manifests/base, same MLflow version as relgraph's client.

Usage (``make images``; ``make images PUSH=no`` builds without pushing)::

    python images/build.py [--print] [--no-push]

With ``--print``, or when no Docker engine answers here (no ``docker`` command, or ``docker
info`` fails: a CLI without a daemon), the exact commands are printed instead, with the reason,
to run on a machine with Docker. The builds use BuildKit (``RUN --mount``), the default builder
since Docker 23.
"""

import argparse
import os
import shlex
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import relgraph
from relgraph.components.images import CUDA_IMAGE, IMAGE, IMAGE_REPOSITORY

REPO_ROOT = Path(__file__).resolve().parents[1]
MLFLOW_VERSION = metadata.version("mlflow")
MLFLOW_IMAGE = f"{IMAGE_REPOSITORY.rsplit('/', 1)[0]}/mlflow:{MLFLOW_VERSION}"


def vcs_ref() -> str:
    """The short git commit of the working tree, or ``unknown`` outside git."""
    try:
        result = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return result.stdout.strip() or "unknown"


def docker_missing() -> str | None:
    """Why Docker cannot build here, or ``None`` when a Docker engine answers."""
    docker = shutil.which("docker")
    if docker is None:
        return "Docker is not installed here"
    try:
        probe = subprocess.run(
            [docker, "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "The Docker engine did not answer `docker info` within 30 s"
    if probe.returncode != 0:
        return "The docker command is here, but no Docker engine answers `docker info`"
    return None


def build_commands(*, push: bool, revision: str) -> list[list[str]]:
    """The ``docker build`` (and ``docker push``) commands, run from the repository root.

    Args:
        push: Whether to push each image after building it.
        revision: The source revision recorded in the images' labels.

    Returns:
        The commands, as argument lists.
    """
    relgraph_args = [
        "--build-arg",
        f"RELGRAPH_VERSION={relgraph.__version__}",
        "--build-arg",
        f"VCS_REF={revision}",
    ]
    images = [
        (IMAGE, "images/cpu.Dockerfile", relgraph_args),
        (CUDA_IMAGE, "images/cuda.Dockerfile", relgraph_args),
        (
            MLFLOW_IMAGE,
            "images/mlflow.Dockerfile",
            ["--build-arg", f"MLFLOW_VERSION={MLFLOW_VERSION}"],
        ),
    ]
    commands = []
    for tag, dockerfile, build_args in images:
        commands.append(["docker", "build", "-f", dockerfile, *build_args, "-t", tag, "."])
        if push:
            commands.append(["docker", "push", tag])
    return commands


def main(argv: list[str] | None = None) -> int:
    """Runs or prints the commands; returns the exit code of the first one that fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--print", action="store_true", help="only print the commands")
    parser.add_argument("--no-push", action="store_true", help="build without pushing")
    args = parser.parse_args(argv)
    commands = build_commands(push=not args.no_push, revision=vcs_ref())
    missing = None if args.print else docker_missing()
    if args.print or missing is not None:
        if missing is not None:
            sys.stdout.write(
                f"{missing}, so no image was built. On a machine with Docker, from the "
                "repository root, run:\n\n"
            )
        sys.stdout.write("".join(f"{shlex.join(command)}\n" for command in commands))
        return 0
    for command in commands:
        sys.stdout.write(f"+ {shlex.join(command)}\n")
        sys.stdout.flush()
        env = {**os.environ, "DOCKER_BUILDKIT": "1"}
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, check=False)
        if result.returncode != 0:
            return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
