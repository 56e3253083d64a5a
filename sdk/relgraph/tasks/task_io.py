"""Reading a task folder written by ``NodeTask.save`` or ``LinkTask.save``."""

import json
from pathlib import Path
from typing import TypeVar

from relgraph.tasks.base import FORMAT_VERSION, TASK_FILE
from relgraph.tasks.errors import TaskError
from relgraph.tasks.link_task import LinkTask
from relgraph.tasks.metric import EvaluationMetric
from relgraph.tasks.node_task import NodeTask

T = TypeVar("T", NodeTask, LinkTask)


def load_task(path: Path, expect: type[T] | None = None) -> NodeTask | LinkTask:
    """Reads the task saved in folder ``path``; its splits are read from the folder's files.

    Args:
        path: The folder.
        expect: The task class wanted (default: ``None``, either).

    Raises:
        FileNotFoundError: If the folder has no ``task.json``.
        TaskError: If the file is not a task, is of a newer format, or is of another kind.
    """
    file = Path(path) / TASK_FILE
    if not file.is_file():
        raise FileNotFoundError(f"no task found at {path} (expected {file})")
    try:
        data = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise TaskError(f"{file}: not a task file ({exc})") from exc
    version = data.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise TaskError(
            f"{file}: task format_version {version!r} is not supported (up to {FORMAT_VERSION})"
        )
    kinds = {"node": NodeTask, "link": LinkTask}
    cls = kinds.get(data.get("kind"))
    if cls is None:
        raise TaskError(f"{file}: unknown task kind {data.get('kind')!r} (kinds: {sorted(kinds)})")
    if expect is not None and cls is not expect:
        raise TaskError(f"{file} holds a {data['kind']} task, not a {expect.KIND} task")
    common = {
        "name": data["name"],
        "source_entity_table": data["source_entity_table"],
        "source_entity_column": data["source_entity_column"],
        "task_type": data["task_type"],
        "task_data_source": {s: str(Path(path) / f) for s, f in data["task_data_source"].items()},
        "time_column": data.get("time_column"),
        "current_time": data.get("current_time", False),
        "evaluation_metric": [
            EvaluationMetric.from_dict(m) for m in data.get("evaluation_metric", [])
        ]
        or None,
    }
    if cls is NodeTask:
        return NodeTask(target_column=data["target_column"], **common)
    return LinkTask(
        target_entity_table=data["target_entity_table"],
        target_entity_column=data["target_entity_column"],
        **common,
    )
