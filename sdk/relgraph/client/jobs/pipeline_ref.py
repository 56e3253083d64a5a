"""How a job names the pipeline it runs.

A job record must name its pipeline in a way another process can follow, so it holds text:
either a name in ``relgraph.pipelines.PIPELINES`` (``"training"``, ``"batch_prediction"``,
...) or ``"package.module:attribute"``, a pipeline function (``@dsl.pipeline``) that the
job's process imports, for pipelines of your own.
"""

import importlib
import re
from typing import Any

_IMPORT_REF = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def is_import_ref(ref: str) -> bool:
    """Whether ``ref`` names a pipeline function as ``"module:attribute"``."""
    return ":" in ref


def check_pipeline_ref(ref: str) -> None:
    """Checks, without running anything, that ``ref`` can name a pipeline.

    Args:
        ref: A pipeline name, or ``"module:attribute"``.

    Raises:
        ValueError: If ``ref`` is neither a registered pipeline name nor of the form
            ``"module:attribute"``; the message lists the registered names.
    """
    if not isinstance(ref, str) or not ref.strip():
        raise ValueError(f"pipeline must be a pipeline name or 'module:attribute', found {ref!r}")
    if is_import_ref(ref):
        if not _IMPORT_REF.fullmatch(ref):
            raise ValueError(
                f"pipeline {ref!r} is not of the form 'package.module:function' "
                "(e.g. 'my_project.pipelines:nightly')"
            )
        return
    names = registered_pipelines()
    if ref not in names:
        raise ValueError(
            f"unknown pipeline {ref!r}; relgraph's pipelines are {', '.join(sorted(names))} "
            "(or name your own as 'package.module:function')"
        )


def registered_pipelines() -> dict[str, Any]:
    """relgraph's own pipelines, name -> pipeline function (``relgraph.pipelines.PIPELINES``)."""
    from relgraph.pipelines import PIPELINES

    return dict(PIPELINES)


def load_pipeline(ref: str) -> Any:
    """What to hand to ``run_pipeline``: the imported function for ``"module:attribute"``,
    else the registered name itself.

    Args:
        ref: A pipeline name, or ``"module:attribute"``.

    Returns:
        The pipeline function, or the name.

    Raises:
        ValueError: If ``ref`` is malformed or unknown (see :func:`check_pipeline_ref`), or
            the module has no such attribute.
        ImportError: If the module cannot be imported.
    """
    check_pipeline_ref(ref)
    if not is_import_ref(ref):
        return ref
    module_name, attribute = ref.split(":")
    module = importlib.import_module(module_name)
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise ValueError(f"module {module_name!r} has no pipeline {attribute!r}") from None
