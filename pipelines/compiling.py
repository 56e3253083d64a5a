"""relgraph's pipelines by name, and compiling them to the YAML that Kubeflow Pipelines runs.

The YAML committed beside each pipeline (``pipelines/<name>.yaml``) is what
:func:`compile_pipeline` writes with the default :class:`PlatformSettings`; ``make compile``
regenerates it and a test checks that it is current. Compiling imports neither torch nor any
data: the components import relgraph's heavy modules only inside their bodies.
"""

import os
from collections.abc import Callable
from pathlib import Path

from kfp import compiler

from relgraph.pipelines import batch_prediction, train_and_predict, training, tuning
from relgraph.pipelines.settings import PlatformSettings

_BUILDERS: dict[str, Callable[[PlatformSettings], Callable]] = {
    module.NAME: module.build for module in (training, batch_prediction, train_and_predict, tuning)
}

PIPELINES: dict[str, Callable] = {
    name: build(PlatformSettings()) for name, build in _BUILDERS.items()
}
"""Pipeline name -> pipeline function, for a standard Kubeflow cluster."""


def build_pipeline(name: str, settings: PlatformSettings | None = None) -> Callable:
    """The pipeline ``name`` for a platform.

    Args:
        name: A name in :data:`PIPELINES`.
        settings: Where it runs (default: ``None``, ``PlatformSettings()``: a standard
            Kubeflow install).

    Returns:
        The pipeline function.

    Raises:
        KeyError: If there is no such pipeline, listing the names.
    """
    if name not in _BUILDERS:
        raise KeyError(f"unknown pipeline {name!r}; pipelines: {', '.join(sorted(_BUILDERS))}")
    if settings is None:
        return PIPELINES[name]
    return _BUILDERS[name](settings)


def compile_pipeline(
    name: str, dest: str | os.PathLike[str], *, settings: PlatformSettings | None = None
) -> Path:
    """Compiles pipeline ``name`` to a YAML package.

    Args:
        name: A name in :data:`PIPELINES`.
        dest: The YAML file to write (its folder is created).
        settings: Where it runs (default: ``None``, ``PlatformSettings()``).

    Returns:
        ``dest``.

    Raises:
        KeyError: If there is no such pipeline.
    """
    pipeline = build_pipeline(name, settings)
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    compiler.Compiler().compile(pipeline_func=pipeline, package_path=str(dest))
    return dest


def compile_all(
    dest_dir: str | os.PathLike[str], *, settings: PlatformSettings | None = None
) -> list[Path]:
    """Compiles every pipeline to ``<dest_dir>/<name>.yaml``.

    Args:
        dest_dir: The folder to write to.
        settings: Where they run (default: ``None``, ``PlatformSettings()``).

    Returns:
        The files written, in name order.
    """
    return [
        compile_pipeline(name, Path(dest_dir) / f"{name}.yaml", settings=settings)
        for name in sorted(_BUILDERS)
    ]
