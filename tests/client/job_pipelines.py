"""Tiny real KFP pipelines for the job tests, importable by the job processes by name.

The job tests submit them as ``"tests.client.job_pipelines:<function>"``; each runs through
``kfp.local`` (SubprocessRunner) like relgraph's own pipelines, so the job machinery is tested
with real pipeline runs: step processes that start, print, write files, sleep, fail, and train
a (tiny) model.
"""

from kfp import dsl
from kfp.dsl import Output

MODULE = "tests.client.job_pipelines"

# The steps run in the current environment (kfp.local without a venv): no package installs.
_STEP = {"base_image": "python:3.11", "install_kfp_package": False}


@dsl.component(**_STEP)
def sleep_step(seconds: float, marker: str, message: str) -> str:
    """Writes ``<marker>.started`` (holding its pid), prints, sleeps, then writes ``marker``."""
    import os
    import pathlib
    import time

    pathlib.Path(marker + ".started").write_text(str(os.getpid()))
    print(f"step started: {message}", flush=True)
    time.sleep(seconds)
    pathlib.Path(marker).write_text(message)
    print(f"step finished: {message}", flush=True)
    return marker


@dsl.component(**_STEP)
def failing_step(message: str) -> None:
    """Prints and raises ``RuntimeError(message)``."""
    print("failing on purpose", flush=True)
    raise RuntimeError(message)


@dsl.component(**_STEP)
def train_step(graph: str, task: str, tracking_uri: str, model: Output[dsl.Artifact]) -> str:
    """Trains the registry tests' tiny model (tests/registry/tiny.py) with
    ``relgraph.train.train_model``: a real model folder and MLflow run."""
    from relgraph.train import train_model
    from tests.registry.tiny import FAST

    trained = train_model(
        graph, task, output=model.path, config=FAST, tracking_uri=tracking_uri, experiment="jobs"
    )
    print(f"trained run {trained.run_id}", flush=True)
    return trained.run_id


@dsl.pipeline(name="jobs-test-sleep")
def sleep_pipeline(seconds: float, marker: str, message: str = "hello") -> None:
    """One step that sleeps ``seconds`` and writes ``marker``."""
    sleep_step(seconds=seconds, marker=marker, message=message)


@dsl.pipeline(name="jobs-test-fail")
def failing_pipeline(message: str = "failed on purpose") -> None:
    """One step that raises."""
    failing_step(message=message)


@dsl.pipeline(name="jobs-test-train")
def train_pipeline(graph: str, task: str, tracking_uri: str) -> None:
    """One step that trains a tiny model on a saved graph and task."""
    train_step(graph=graph, task=task, tracking_uri=tracking_uri)
