"""Checking a task and its tables: ids, labels, time columns and the order of splits."""

import logging
import math
import warnings
from collections.abc import Mapping

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema import Schema
from relgraph.schema.keys import key_family
from relgraph.tasks.errors import TaskError, TaskWarning
from relgraph.tasks.link_task import LinkTask
from relgraph.tasks.node_task import NodeTask
from relgraph.tasks.split import SPLITS
from relgraph.tasks.task_type import TaskType

_logger = logging.getLogger(__name__)

_SHOWN = 5
"""How many offending values an error message lists."""

_SPLIT_PAIRS = (("train", "validation"), ("validation", "test"), ("train", "test"))


def validate_task(
    task: NodeTask | LinkTask,
    schema: Schema | None = None,
    data: Mapping[str, pa.Table] | None = None,
) -> None:
    """Checks a task and every split's table.

    Problems (raised together):

    * the entity (and link target) table or key is not in the schema;
    * a split's table lacks the entity, time or (in train and validation) target column,
      or has nulls there;
    * entity ids, or link target ids, that are not in their table (when ``data`` is given);
    * labels that do not fit the task type: a binary label with other values than two of
      0/1 or true/false, a regression label that is not numeric, a multiclass label with
      fractions, list targets on a single-label task, scalar targets on a multilabel task;
    * split time ranges that overlap, or a test split that starts before training ends.

    Warnings (:class:`TaskWarning`): no time column while the schema has temporal tables
    (a model could see the future of its examples); a classification split with one class.
    A time column on a task whose entity table is static is allowed.

    Args:
        task: The task.
        schema: The schema the task refers to (default: ``None``, not checked).
        data: The tables, by name (default: ``None``, ids not checked).

    Raises:
        TaskError: Listing every problem found.
    """
    problems: list[str] = []
    if schema is not None:
        problems += _key_problems(
            task.name, schema, task.source_entity_table, task.source_entity_column, "source_entity"
        )
        if isinstance(task, LinkTask):
            problems += _key_problems(
                task.name, schema, task.target_entity_table, None, "target_entity"
            )
        _time_warnings(task, schema)
    tables: dict[str, pa.Table] = {}
    for split in task.splits:
        try:
            tables[split] = task.table(split)
        except TaskError as exc:
            problems += exc.problems
            continue
        problems += _table_problems(task, split, tables[split], schema, data)
    problems += _order_problems(task, tables)
    if problems:
        raise TaskError(problems)


def _key_problems(
    task: str, schema: Schema, table: str, column: str | None, role: str
) -> list[str]:
    where = f"task '{task}': {role}_table '{table}'"
    if table not in schema:
        return [f"{where} is not in the schema (tables: {schema.table_names})"]
    spec = schema.table(table)
    if spec.primary_key is None:
        return [f"{where} has no primary key, so its rows cannot be named"]
    if column is not None and column != spec.primary_key:
        return [
            f"task '{task}': {role}_column '{column}' is not the primary key of '{table}' (it is '{spec.primary_key}')"
        ]
    return []


def _time_warnings(task: NodeTask | LinkTask, schema: Schema) -> None:
    if task.time_column is not None:
        if (
            task.source_entity_table in schema
            and schema.time_source(task.source_entity_table) is None
        ):
            _logger.debug(
                "task '%s': time column on static entity table '%s'",
                task.name,
                task.source_entity_table,
            )
        return
    temporal = [t.name for t in schema.tables if schema.time_source(t.name) is not None]
    if temporal:
        warnings.warn(
            f"task '{task.name}' has no time column, but tables {temporal} have times: every "
            "example sees all their rows, including rows after the moment of prediction",
            TaskWarning,
            stacklevel=3,
        )


def _table_problems(
    task: NodeTask | LinkTask,
    split: str,
    table: pa.Table,
    schema: Schema | None,
    data: Mapping[str, pa.Table] | None,
) -> list[str]:
    where = f"task '{task.name}', split '{split}'"
    columns = table.column_names
    problems: list[str] = []
    required = [task.source_entity_column] + ([task.time_column] if task.time_column else [])
    for column in required:
        if column not in columns:
            problems.append(f"{where}: column '{column}' is not in the table (columns: {columns})")
        elif table[column].null_count:
            problems.append(
                f"{where}: column '{column}' has {table[column].null_count} null values"
            )
    label = task.label_column
    if label not in columns:
        if split != "test":
            problems.append(
                f"{where}: target column '{label}' is not in the table (columns: {columns})"
            )
        return problems
    if task.source_entity_column in columns and data is not None:
        problems += _id_problems(
            where,
            table[task.source_entity_column],
            data,
            task.source_entity_table,
            schema,
            "entity ids",
        )
    values = table[label]
    if values.null_count:
        problems.append(f"{where}: target column '{label}' has {values.null_count} null values")
    if isinstance(task, LinkTask):
        problems += _link_target_problems(task, where, values, schema, data)
    else:
        problems += _label_problems(task.task_type, where, label, values)
    return problems


def _id_problems(
    where: str,
    ids: pa.ChunkedArray,
    data: Mapping[str, pa.Table],
    table: str,
    schema: Schema | None,
    what: str,
) -> list[str]:
    if table not in data:
        return [f"{where}: table '{table}' is not in the data, so its {what} cannot be checked"]
    key = schema.table(table).primary_key if schema is not None and table in schema else None
    if key is None or key not in data[table].column_names:
        return []
    known = data[table][key]
    if key_family(ids.type) != key_family(known.type):
        return [
            f"{where}: {what} of type {ids.type} cannot name rows of '{table}', whose key '{key}' is {known.type}"
        ]
    ids = ids.drop_null()
    if ids.type != known.type:
        try:
            ids = ids.cast(known.type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return [
                f"{where}: {what} of type {ids.type} are not all valid '{table}.{key}' values ({known.type})"
            ]
    unknown = ids.filter(pc.invert(pc.is_in(ids, value_set=known.combine_chunks())))
    if len(unknown) == 0:
        return []
    shown = pc.unique(unknown).to_pylist()[:_SHOWN]
    return [f"{where}: {len(unknown)} {what} are not in '{table}.{key}' (e.g. {shown})"]


def _label_problems(
    task_type: TaskType, where: str, label: str, values: pa.ChunkedArray
) -> list[str]:
    kind = values.type
    what = f"{where}: target column '{label}'"
    is_list = (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    )
    if task_type is TaskType.MULTILABEL_CLASSIFICATION:
        return [] if is_list else [f"{what}: a multilabel target is a list of labels, found {kind}"]
    if is_list:
        return [
            f"{what} holds lists ({kind}); list targets belong to a LinkTask or a multilabel task"
        ]
    values = values.drop_null()
    numeric = pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
    if task_type is TaskType.REGRESSION:
        if not numeric:
            sample = pc.unique(values).to_pylist()[:_SHOWN]
            return [f"{what}: a regression label is a number, found {kind} values (e.g. {sample})"]
        if pa.types.is_floating(kind) and pc.all(pc.is_finite(values)).as_py() is False:
            return [f"{what}: regression labels must be finite (found NaN or infinity)"]
        return []
    distinct = pc.unique(values)
    if task_type is TaskType.BINARY_CLASSIFICATION:
        found = sorted(distinct.to_pylist(), key=str)
        if len(found) > 2:
            return [f"{what}: a binary label has two values, found {len(found)} ({found[:_SHOWN]})"]
        if not (pa.types.is_boolean(kind) or (numeric and set(found) <= {0, 1})):
            return [f"{what}: binary labels must be 0/1 or true/false, found {found}"]
        if len(found) == 1:
            warnings.warn(f"{what} has only one class ({found[0]!r})", TaskWarning, stacklevel=4)
        return []
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        fractional = [
            v for v in distinct.to_pylist() if not float(v).is_integer() or math.isinf(float(v))
        ]
        if fractional:
            return [
                f"{what}: multiclass labels are classes, found fractional values {fractional[:_SHOWN]}"
            ]
    elif not (
        pa.types.is_integer(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
        or pa.types.is_dictionary(kind)
    ):
        return [f"{what}: multiclass labels are integers or strings, found {kind}"]
    if len(distinct) < 2:
        warnings.warn(f"{what} has only one class", TaskWarning, stacklevel=4)
    return []


def _link_target_problems(
    task: LinkTask,
    where: str,
    values: pa.ChunkedArray,
    schema: Schema | None,
    data: Mapping[str, pa.Table] | None,
) -> list[str]:
    what = f"{where}: target column '{task.target_entity_column}'"
    if not (pa.types.is_list(values.type) or pa.types.is_large_list(values.type)):
        return [f"{what}: link targets are lists of ids, found {values.type}"]
    problems = []
    empty = pc.sum(pc.equal(pc.list_value_length(values), 0)).as_py() or 0
    if empty:
        problems.append(f"{what}: {empty} rows have no target id")
    if data is not None:
        problems += _id_problems(
            where, pc.list_flatten(values), data, task.target_entity_table, schema, "target ids"
        )
    return problems


def _order_problems(task: NodeTask | LinkTask, tables: Mapping[str, pa.Table]) -> list[str]:
    if task.time_column is None:
        return []
    ranges: dict[str, tuple[np.datetime64, np.datetime64]] = {}
    for split in SPLITS:
        table = tables.get(split)
        if table is None or task.time_column not in table.column_names or table.num_rows == 0:
            continue
        bounds = pc.min_max(table[task.time_column]).as_py()
        if bounds["min"] is not None:
            ranges[split] = (bounds["min"], bounds["max"])
    problems = []
    for early, late in _SPLIT_PAIRS:
        if early not in ranges or late not in ranges:
            continue
        early_end, late_start = ranges[early][1], ranges[late][0]
        if late_start > early_end:
            continue
        if (early, late) == ("train", "test"):
            problems.append(
                f"task '{task.name}': the test split starts at {late_start}, before training ends "
                f"at {early_end}"
            )
        else:
            problems.append(
                f"task '{task.name}': split time ranges overlap: {early} runs to {early_end}, "
                f"{late} starts at {late_start}"
            )
    return problems
