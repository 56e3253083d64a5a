"""The ``build_task_table`` step: train/validation/test task tables of a predictive query,
or existing task tables checked against the data."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def build_task_table(
    data: Input[Dataset],
    schema: Input[Artifact],
    spec: str,
    name: str,
    split: dict,
    task: Output[Dataset],
    summary: Output[Markdown],
) -> str:
    """Builds the task folder: ``task.json``, one parquet table per split, a manifest.

    Args:
        data: The snapshot.
        schema: The schema folder.
        spec: A predictive query (``PREDICT ... FOR EACH ...``), or the JSON of a task over
            existing task tables (locations under ``task_data_source``).
        name: The task name (a JSON spec may name its own).
        split: The split plan of a query, ``{"kind": "temporal", "validation_time": ...,
            "test_time": ...}`` or ``{"kind": "random"}``; ``{}`` to derive one from the data.
        task: The task folder.
        summary: What the task predicts and its rows per split, for the UI.

    Returns:
        The task type.
    """
    from relgraph.components.structs import restore_ints
    from relgraph.tasks.build import build_task

    built = build_task(
        data.path,
        schema.path,
        task.path,
        spec=spec,
        name=name,
        split=restore_ints(split) or None,
        summary=summary.path,
        overwrite=True,
    )
    return built.task_type.value
