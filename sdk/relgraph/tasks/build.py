"""The pipeline's ``build_task_table`` step: a task folder from a snapshot, a schema and a spec.

The task is given as text, the way a pipeline parameter holds it:

* a predictive query (``PREDICT ... FOR EACH ...``, see ``docs/predictive_queries.md``), run
  on the snapshot with a split plan; or
* a JSON object naming existing task tables, in the form of a saved ``task.json`` with
  locations (files, folders, ``s3://`` objects, ``<sql-url>#<table>``) under
  ``task_data_source``::

      {"kind": "node", "source_entity_table": "drivers", "source_entity_column": "driverId",
       "target_column": "label", "task_type": "binary_classification",
       "time_column": "anchor_time",
       "task_data_source": {"train": "s3://tasks/dnf/train.parquet", "validation": "..."}}

The folder is what ``NodeTask.save`` / ``LinkTask.save`` writes, plus ``manifest.json``
(kind ``relgraph.task``, content hash of the split tables, what it was made from, and the
cutoff time before which the training graph's encoders may look) and ``task.md`` (what the
task predicts and its rows per split).
"""

import json
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph import __version__
from relgraph.io.atomic import atomic_directory, atomic_write_text
from relgraph.io.hashing import combine_hashes, table_hash
from relgraph.io.snapshot import Snapshot
from relgraph.schema import Schema
from relgraph.schema.artifact import load_schema
from relgraph.tasks.duration import Duration, TimeUnit
from relgraph.tasks.errors import TaskError
from relgraph.tasks.link_task import LinkTask
from relgraph.tasks.metric import EvaluationMetric
from relgraph.tasks.node_task import NodeTask
from relgraph.tasks.pquery.generate import data_time_range
from relgraph.tasks.pquery.query import PredictiveQuery
from relgraph.tasks.source import describe_source
from relgraph.tasks.split import RandomSplit, SplitPlan, TemporalSplit, split_plan_from_dict

_logger = logging.getLogger(__name__)

TASK_ARTIFACT_KIND = "relgraph.task"
FORMAT_VERSION = 1
MANIFEST_FILE = "manifest.json"
SUMMARY_FILE = "task.md"

DEFAULT_EVAL_FRACTION = 0.1
"""The share of the data's time span that validation, and test, each get by default."""

DEFAULT_MAX_EVAL_ANCHORS = 40
"""The most validation (and test) anchors of a default split, as in :class:`TemporalSplit`."""

_SPEC_KEYS = {
    "kind",
    "name",
    "source_entity_table",
    "source_entity_column",
    "target_column",
    "target_entity_table",
    "target_entity_column",
    "task_type",
    "task_data_source",
    "time_column",
    "current_time",
    "evaluation_metric",
}


def parse_split_plan(split: SplitPlan | Mapping[str, Any] | str | None) -> SplitPlan | None:
    """Reads a split plan given as a plan, its JSON form, or its text.

    Args:
        split: The plan (``{"kind": "temporal", "validation_time": ..., "test_time": ...}`` or
            ``{"kind": "random", ...}``); ``None`` or blank text for none.

    Returns:
        The plan, or ``None``.

    Raises:
        TaskError: If the text is not JSON or the plan is invalid.
    """
    if split is None or isinstance(split, TemporalSplit | RandomSplit):
        return split
    if isinstance(split, str):
        if not split.strip():
            return None
        try:
            split = json.loads(split)
        except json.JSONDecodeError as error:
            raise TaskError(f"split plan is not valid JSON: {error}") from None
    if not isinstance(split, Mapping):
        raise TaskError(f"split plan must be a JSON object, found {split!r:.120}")
    try:
        return split_plan_from_dict(dict(split))
    except (TypeError, ValueError) as error:
        raise TaskError(f"split plan {dict(split)}: {error}") from None


def default_split(
    query: PredictiveQuery, schema: Schema, data: Mapping[str, pa.Table]
) -> SplitPlan:
    """A split plan for a query when none is given.

    A static target gets ``RandomSplit()``. A windowed target gets a :class:`TemporalSplit`
    stepping by the window's length ``d``, whose test and validation periods each cover about
    a tenth of the time spanned by the tables the query reads (at least one step, at most 40
    anchors): the test time is
    that many steps plus one before the latest row, so the last test window still ends inside
    the data, and the validation time as many steps before the test time. Times are rounded
    down to the day (to the hour for an hourly window).

    Args:
        query: The query.
        schema: The schema of ``data``.
        data: The tables.

    Returns:
        The plan.

    Raises:
        PQueryError: If the query does not fit the schema.
        TaskError: If the data spans too little time for one training, validation and test
            anchor each.
    """
    resolved = query.resolve(schema)
    step = resolved.window_length
    if step is None:
        return RandomSplit()
    # The span of the tables the query reads (or takes their time from): an old static-ish
    # table (a product catalog) must not stretch the training period over empty years.
    read = {use.table for use in query.compile(schema).tables}
    read |= {source[0] for name in read if (source := schema.time_source(name)) is not None}
    earliest, latest = data_time_range(schema, {name: data[name] for name in read if name in data})
    step_days = (
        step.amount
        * {TimeUnit.DAYS: 1.0, TimeUnit.HOURS: 1 / 24, TimeUnit.MONTHS: 30.44}[step.unit]
    )
    span_days = (latest - earliest) / np.timedelta64(1, "D")
    steps = int(
        min(DEFAULT_MAX_EVAL_ANCHORS, max(1, round(span_days * DEFAULT_EVAL_FRACTION / step_days)))
    )
    precision = "h" if step.unit is TimeUnit.HOURS else "D"
    end = np.array([latest.astype(f"datetime64[{precision}]")], dtype="datetime64[us]")
    test = Duration(-(steps + 1) * step.amount, step.unit).add_to(end)
    validation = Duration(-steps * step.amount, step.unit).add_to(test)
    first_train = step.add_to(np.array([earliest], dtype="datetime64[us]"))
    if first_train[0] > validation[0]:
        raise TaskError(
            f"the data spans {earliest} to {latest}, too little for a default temporal split "
            f"in steps of '{step}' (one training, validation and test window each); give a "
            "split plan"
        )
    plan = TemporalSplit(str(validation[0]), str(test[0]), num_eval_anchors=steps + 1)
    _logger.info(
        "default split: validation from %s, test from %s, step %s",
        plan.validation_time,
        plan.test_time,
        step,
    )
    return plan


def task_from_spec(spec: Mapping[str, Any], *, name: str = "task") -> NodeTask | LinkTask:
    """Builds a task over existing task tables from its JSON form (see the module docstring).

    Args:
        spec: The task's fields; ``kind`` is ``"node"`` (default) or ``"link"``;
            ``evaluation_metric`` may list names or ``{"name", "eval_at_k"}`` objects.
        name: The task name when ``spec`` has none (default: ``"task"``).

    Returns:
        The task; its tables are read when first used.

    Raises:
        TaskError: If a key is unknown or missing, or a field is malformed.
    """
    if not isinstance(spec, Mapping):
        raise TaskError(f"task spec must be a JSON object, found {type(spec).__name__}")
    unknown = sorted(set(spec) - _SPEC_KEYS)
    if unknown:
        raise TaskError(f"task spec: unknown keys {unknown} (known: {sorted(_SPEC_KEYS)})")
    kind = spec.get("kind", "node")
    classes: dict[str, type[NodeTask] | type[LinkTask]] = {"node": NodeTask, "link": LinkTask}
    if kind not in classes:
        raise TaskError(f"task spec: kind must be 'node' or 'link', found {kind!r}")
    fields = {key: value for key, value in spec.items() if key != "kind"}
    fields.setdefault("name", name)
    sources = fields.get("task_data_source")
    if not isinstance(sources, Mapping) or not all(
        isinstance(v, str) and v for v in sources.values()
    ):
        raise TaskError(
            "task spec: 'task_data_source' must map split names to table locations, "
            f"found {sources!r:.200}"
        )
    metrics = fields.get("evaluation_metric")
    if isinstance(metrics, list):
        fields["evaluation_metric"] = [
            EvaluationMetric.from_dict(m) if isinstance(m, Mapping) else m for m in metrics
        ]
    try:
        return classes[kind](**fields)
    except TypeError as error:
        raise TaskError(f"task spec for a {kind} task: {error}") from None
    except ValueError as error:
        if isinstance(error, TaskError):
            raise
        raise TaskError(f"task spec: {error}") from None


def task_cutoff_time(task: NodeTask | LinkTask) -> np.datetime64 | None:
    """The latest time the training data of a task may reveal: the earliest test anchor, or
    without a test split the latest validation anchor; ``None`` for a static task.

    The training graph fits its feature encoders on rows up to this time.

    Args:
        task: The task.

    Returns:
        A ``datetime64[us]``, or ``None``.

    Raises:
        TaskError: If the split's table cannot be read or its anchor times are all missing.
    """
    if task.time_column is None:
        return None
    split, bound = ("test", "min") if "test" in task.splits else ("validation", "max")
    value = pc.min_max(task.table(split)[task.time_column]).as_py()[bound]
    if value is None:
        raise TaskError(f"task '{task.name}': the {split} split has no anchor times")
    return np.datetime64(value, "us")


def build_task(
    snapshot: Snapshot | str | os.PathLike[str],
    schema: Schema | str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    spec: str | Mapping[str, Any],
    name: str = "task",
    split: SplitPlan | Mapping[str, Any] | str | None = None,
    summary: str | os.PathLike[str] | None = None,
    overwrite: bool = False,
) -> NodeTask | LinkTask:
    """Builds (or reads) a task's train/validation/test tables and saves them as a task folder.

    Args:
        snapshot: The snapshot, or its folder.
        schema: The schema, a schema file, or a folder holding ``schema.json``.
        dest: The task folder to create.
        spec: A predictive query, or the JSON (text or mapping) of a task over existing
            task tables (see the module docstring).
        name: The task name, unless the JSON spec names one (default: ``"task"``).
        split: The split plan of a predictive query (see :func:`parse_split_plan`)
            (default: ``None``, :func:`default_split`). A JSON spec takes no split plan.
        summary: Also write the Markdown summary (``task.md``) to this file
            (default: ``None``).
        overwrite: Replace an existing folder at ``dest`` (default: ``False``).

    Returns:
        The task, reading its tables from ``dest``.

    Raises:
        PQuerySyntaxError: If the query does not parse.
        PQueryError: If the query does not fit the schema.
        TaskError: If the spec, split plan or tables are invalid, or the task does not fit
            the schema and data (every problem listed).
        FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
    """
    snap = snapshot if isinstance(snapshot, Snapshot) else Snapshot.load(snapshot)
    schema = schema if isinstance(schema, Schema) else load_schema(schema)
    data = snap.tables()
    plan = parse_split_plan(split)
    made_from: dict[str, Any] = {"snapshot": snap.content_hash, "schema": schema.content_hash()}
    if isinstance(spec, Mapping) or spec.lstrip().startswith("{"):
        if plan is not None:
            raise TaskError(
                "a split plan applies to a predictive query; a task over existing task tables "
                "is already split"
            )
        task = task_from_spec(_spec_json(spec), name=name)
        made_from["task_data_source"] = {
            s: describe_source(source) for s, source in task.task_data_source.items()
        }
    else:
        query = PredictiveQuery(spec)
        plan = plan or default_split(query, schema, data)
        task = query.to_task(name, schema, data, plan)
        made_from["query"] = str(query)
        made_from["split"] = plan.to_dict()
    task.validate(schema, data)
    tables = task.tables()
    cutoff = task_cutoff_time(task)
    manifest = {
        "kind": TASK_ARTIFACT_KIND,
        "format_version": FORMAT_VERSION,
        "created_by": f"relgraph {__version__}",
        "created_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "content_hash": combine_hashes({s: table_hash(t) for s, t in tables.items()}),
        "made_from": made_from,
        "cutoff_time": None if cutoff is None else str(cutoff),
        "rows": {s: t.num_rows for s, t in tables.items()},
    }
    text = task_summary_markdown(task, manifest)
    with atomic_directory(dest, overwrite=overwrite) as folder:
        task.save(folder, overwrite=True)
        atomic_write_text(folder / SUMMARY_FILE, text)
        atomic_write_text(folder / MANIFEST_FILE, json.dumps(manifest, indent=2) + "\n")
    if summary is not None:
        atomic_write_text(summary, text)
    _logger.info(
        "task '%s' (%s) written to %s: rows %s",
        task.name,
        task.task_type.value,
        dest,
        manifest["rows"],
    )
    return type(task).load(dest)


def task_summary_markdown(task: NodeTask | LinkTask, manifest: Mapping[str, Any]) -> str:
    """A Markdown summary of a built task: what it predicts, how it was made, rows per split.

    Args:
        task: The task.
        manifest: Its manifest (as :func:`build_task` writes it).

    Returns:
        The Markdown text, ending with a newline.
    """
    made_from = manifest["made_from"]
    lines = [
        f"# Task `{task.name}`",
        "",
        f"- task type: {task.task_type.value}",
        f"- entities: `{task.source_entity_table}.{task.source_entity_column}`",
        f"- target column: `{task.label_column}`",
        f"- metrics: {', '.join(str(m) for m in task.metrics)}",
        f"- time column: {f'`{task.time_column}`' if task.time_column else 'none (static)'}",
        f"- encoder cutoff: {manifest['cutoff_time'] or 'none'}",
        f"- snapshot: `{made_from['snapshot']}`, schema: `{made_from['schema']}`",
    ]
    if "query" in made_from:
        lines += [
            "",
            "```",
            made_from["query"],
            "```",
            "",
            f"Split plan: `{json.dumps(made_from['split'])}`",
        ]
    else:
        lines += ["", "Task tables:", ""]
        lines += [f"- {s}: `{loc}`" for s, loc in made_from["task_data_source"].items()]
    lines += ["", "| split | rows |", "|---|---:|"]
    lines += [f"| {s} | {n:,} |" for s, n in manifest["rows"].items()]
    return "\n".join(lines) + "\n"


def _spec_json(spec: str | Mapping[str, Any]) -> Mapping[str, Any]:
    if isinstance(spec, Mapping):
        return spec
    try:
        return json.loads(spec)
    except json.JSONDecodeError as error:
        raise TaskError(f"task spec is not valid JSON: {error}") from None
