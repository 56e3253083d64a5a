"""What a pipeline is given for a dataset: where its tables are, how to read their schema,
and what to predict.

A pipeline runs in another process, perhaps on another machine, so it gets text: a source
location, schema overrides, a task spec, the trainer configuration. Kubeflow Pipelines
parameters hold no JSON ``null`` (``kfp`` refuses ``None`` inside a dict parameter), so
settings whose value is ``None`` are left out, and where leaving one out would change its
meaning this says so before anything runs. Where the dataset's tables are one source as they
are, the pipeline reads that source itself (and its snapshot step caches it). Otherwise the
dataset is staged (:mod:`relgraph.client.staging`): saved under its content hash, locally or
in an object store a cluster reads, so a second run of the same data reuses it. In-memory
task tables and the entities to predict for are staged the same way.
"""

import json
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from relgraph.client.dataset import DATASET_FILE, Dataset
from relgraph.client.pquery import PredictiveQuery
from relgraph.client.staging import is_object_store, stage_folder
from relgraph.client.table import GNNTable
from relgraph.io import atomic_directory, combine_hashes, is_sql_url, redact_uri, table_hash
from relgraph.io.uri import uri_scheme
from relgraph.predict.output import OutputConfig
from relgraph.schema import infer_schema
from relgraph.tasks import LinkTask, NodeTask
from relgraph.tasks.base import TASK_FILE
from relgraph.train import TrainerConfig

_logger = logging.getLogger(__name__)

_SPEC_DROPPED = ("format_version",)
"""Keys of a saved ``task.json`` that a task spec does not take."""

_TABLE_FILE = "table.parquet"


def is_remote_location(location: str) -> bool:
    """Whether a machine other than this one can read ``location``: an ``s3://`` prefix or a
    database server, not a local path or SQLite file."""
    scheme = uri_scheme(location)
    return scheme == "s3" or (is_sql_url(location) and scheme != "sqlite")


def source_arguments(
    dataset: Dataset, *, staging: str | os.PathLike[str], remote: bool
) -> dict[str, str]:
    """The ``source`` and ``tables`` arguments that make a pipeline read the dataset's tables.

    Args:
        dataset: The dataset.
        staging: Where a dataset is saved when its tables are not one source as they are
            (``<staging>/<content hash>``): a local folder, or ``s3://bucket/prefix``.
        remote: Whether the pipeline runs on another machine (a cluster), which cannot read
            local files.

    Returns:
        ``{"source": location, "tables": "a,b,c"}``.

    Raises:
        ValueError: If the pipeline runs remotely and the tables are neither in one remote
            source as they are nor can be staged where it reads (a local staging folder).
    """
    tables = ",".join(dataset.table_names)
    location = dataset.location
    if location is not None and (not remote or is_remote_location(location)):
        return {"source": location, "tables": tables}
    if remote and not is_object_store(staging):
        where = redact_uri(location) if location else "memory, several places, or edited columns"
        raise ValueError(
            f"a cluster cannot read this dataset's tables (they come from {where}) nor the "
            f"staging folder {staging}: give the trainer an object-store staging area, "
            "Trainer(..., staging_dir='s3://bucket/prefix'), or build the dataset with "
            "Dataset.infer(<a location the cluster reads>) and edit the schema, not the columns"
        )

    def write(folder: Path) -> None:
        dataset.save(folder, overwrite=True)

    return {
        "source": stage_folder(staging, dataset.content_hash(), DATASET_FILE, write),
        "tables": tables,
    }


def task_arguments(
    dataset: Dataset, *, staging: str | os.PathLike[str], remote: bool
) -> dict[str, str | dict[str, Any]]:
    """The ``task`` and ``split`` arguments of the training pipelines.

    Args:
        dataset: The dataset, with a task description.
        staging: Where in-memory task tables are saved (``<staging>/tasks/<hash>``).
        remote: Whether the pipeline runs on another machine.

    Returns:
        ``{"task": query or JSON spec, "split": plan or {}}``.

    Raises:
        ValueError: If the dataset has no task, or a remote pipeline would need task tables
            that are only on this machine.
    """
    task = dataset.task_description
    if task is None:
        raise ValueError(
            "the dataset has no task: set dataset.task_description to a predictive query "
            "('PREDICT ... FOR EACH table.key'), a PredictiveQuery, a NodeTask or a LinkTask"
        )
    if isinstance(task, PredictiveQuery):
        plan = task.split_plan
        return {"task": task.text, "split": without_nulls(plan.to_dict()) if plan else {}}
    return {"task": json.dumps(_task_spec(task, staging=staging, remote=remote)), "split": {}}


def _task_spec(
    task: NodeTask | LinkTask, *, staging: str | os.PathLike[str], remote: bool
) -> dict[str, Any]:
    sources = task.task_data_source
    in_memory = [s for s, source in sources.items() if not isinstance(source, str | os.PathLike)]
    if in_memory:
        if remote and not is_object_store(staging):
            raise ValueError(
                f"task '{task.name}': splits {in_memory} are tables in memory, which a cluster "
                "cannot read: give the trainer an object-store staging area, "
                "Trainer(..., staging_dir='s3://bucket/prefix')"
            )
        described = json.dumps(task._describe(), sort_keys=True, default=str)
        hashes = {s: table_hash(t) for s, t in task.tables().items()}
        name = combine_hashes({"task": described, **hashes})

        def write(folder: Path) -> None:
            task.save(folder, overwrite=True)

        folder = stage_folder(f"{os.fspath(staging).rstrip('/')}/tasks", name, TASK_FILE, write)
        spec = {
            **task._describe(),
            "task_data_source": {s: f"{folder}/{s}.parquet" for s in task.splits},
        }
    else:
        local = [s for s, source in sources.items() if not is_remote_location(os.fspath(source))]
        if remote and local:
            raise ValueError(
                f"task '{task.name}': splits {local} are on this machine, which a cluster "
                "cannot read; give their s3:// locations in task_data_source"
            )
        spec = task.to_dict()
        spec["task_data_source"] = {
            s: _absolute(os.fspath(source)) for s, source in sources.items()
        }
    return {k: v for k, v in spec.items() if k not in _SPEC_DROPPED}


def schema_arguments(dataset: Dataset) -> dict[str, Any]:
    """The ``schema_overrides`` argument that makes a pipeline infer the dataset's schema.

    The overrides pin every setting (:meth:`Dataset.schema_overrides`). A setting pinned to
    "none" (no primary key, no time column) cannot be passed, so it is left to inference;
    when that could change the schema, inference is run here to check that it finds the same.

    Args:
        dataset: The dataset.

    Returns:
        ``{"schema_overrides": {...}}``, free of nulls.

    Raises:
        ValueError: If inference would find another schema for a table than the dataset's,
            naming the tables.
    """
    pinned = dataset.schema_overrides().to_dict()
    sent = without_nulls(pinned)
    if sent != pinned:
        found = infer_schema(dataset.data, overrides=sent)
        wanted = dataset.schema
        differ = [
            t.name
            for t in wanted
            if t.to_dict(with_decisions=False) != found.table(t.name).to_dict(with_decisions=False)
        ]
        if differ:
            raise ValueError(
                f"tables {differ} have no primary key or no time where inference finds one, "
                "and a pipeline cannot be told 'none' (its parameters hold no nulls): keep the "
                "key or time that inference finds, or remove its column "
                "(GNNTable.remove_column)"
            )
    return {"schema_overrides": sent}


def config_arguments(config: TrainerConfig) -> dict[str, Any]:
    """The ``trainer_config`` and ``text_embedder`` arguments: the fields that differ from
    :class:`TrainerConfig`'s defaults.

    Args:
        config: The configuration.

    Returns:
        ``{"trainer_config": {...}, "text_embedder": ...}``.

    Raises:
        ValueError: If a field is set to ``None`` where its default is not (a pipeline
            parameter cannot hold it).
    """
    defaults = TrainerConfig().to_dict()
    changed = {k: v for k, v in config.to_dict().items() if v != defaults[k]}
    nulls = sorted(k for k, v in changed.items() if v is None)
    if nulls:
        raise ValueError(
            f"TrainerConfig fields {nulls} are None, which a pipeline parameter cannot hold; "
            "give them a value (e.g. a large patience instead of None)"
        )
    return {"trainer_config": changed, "text_embedder": config.text_embedder}


def without_nulls(value: Any) -> Any:
    """``value`` with every ``None`` entry of its dicts left out, in nested dicts and lists.

    Args:
        value: A JSON-like value.

    Returns:
        A copy without the nulls.
    """
    if isinstance(value, Mapping):
        return {k: without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [without_nulls(v) for v in value]
    return value


def stage_table(
    table: GNNTable | pa.Table | pd.DataFrame | str | os.PathLike[str],
    *,
    staging: str | os.PathLike[str],
    remote: bool,
    what: str,
) -> str:
    """A location a pipeline can read a table from: a given location as it is, in-memory
    data saved as ``<staging>/tables/<content hash>/table.parquet``.

    Args:
        table: The table, or its location.
        staging: A local folder or ``s3://bucket/prefix``.
        remote: Whether the pipeline runs on another machine.
        what: What the table is, for messages (e.g. ``"test_table"``).

    Returns:
        The location.

    Raises:
        ValueError: If a remote pipeline would need data that is only on this machine.
    """
    if isinstance(table, str | os.PathLike):
        location = os.fspath(table)
        if remote and not is_remote_location(location):
            raise ValueError(f"{what} {location!r} is on this machine, which a cluster cannot read")
        return _absolute(location)
    if isinstance(table, GNNTable):
        data = table.selected_data()
    elif isinstance(table, pd.DataFrame):
        data = pa.Table.from_pandas(table, preserve_index=False)
    else:
        data = table
    if remote and not is_object_store(staging):
        raise ValueError(
            f"{what} is in memory, which a cluster cannot read: write it to s3:// and pass its "
            "location, or give the trainer an object-store staging area, "
            "Trainer(..., staging_dir='s3://bucket/prefix')"
        )

    def write(folder: Path) -> None:
        with atomic_directory(folder, overwrite=True) as tmp:
            pq.write_table(data, tmp / _TABLE_FILE)

    staged = f"{os.fspath(staging).rstrip('/')}/tables"
    return f"{stage_folder(staged, table_hash(data), _TABLE_FILE, write)}/{_TABLE_FILE}"


def prediction_arguments(
    *,
    output_config: OutputConfig | None,
    entities: GNNTable | pa.Table | pd.DataFrame | str | os.PathLike[str] | None,
    batch_size: int | None,
    staging: str | os.PathLike[str],
    remote: bool,
) -> dict[str, str | int]:
    """The ``output_location``, ``output_schema``, ``entities`` and ``batch_size`` arguments
    of the prediction pipelines (``batch_prediction``, ``train_and_predict``). A setting that
    is ``None`` is left out, so the pipeline's default applies.

    Args:
        output_config: Where predictions go; its ``schema`` (SQL outputs) becomes
            ``output_schema``.
        entities: The entities to predict for: a table (entity column, optionally
            ``anchor_time``) or its location; in-memory tables are staged
            (:func:`stage_table`).
        batch_size: Entities per prediction batch.
        staging: Where in-memory entity tables are saved: a local folder or
            ``s3://bucket/prefix``.
        remote: Whether the pipeline runs on another machine.

    Returns:
        The arguments.

    Raises:
        ValueError: If ``output_config`` is not an :class:`OutputConfig`, the batch size is
            not a positive integer, or a remote pipeline would need entities or an output
            folder that are only on this machine.
    """
    arguments: dict[str, str | int] = {}
    if output_config is not None:
        if not isinstance(output_config, OutputConfig):
            raise ValueError(
                "output_config must be an OutputConfig (OutputConfig.local(path), "
                f".object_store('s3://...'), .sql(url)), found {type(output_config).__name__}"
            )
        if remote and output_config.kind == "local":
            raise ValueError(
                f"a cluster cannot write to the local folder {output_config.location}: use "
                "OutputConfig.object_store('s3://...') or OutputConfig.sql(url)"
            )
        arguments["output_location"] = output_config.location
        if output_config.schema is not None:
            arguments["output_schema"] = output_config.schema
    if batch_size is not None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"test_batch_size must be a positive integer, found {batch_size!r}")
        arguments["batch_size"] = batch_size
    if entities is not None:
        arguments["entities"] = stage_table(
            entities, staging=staging, remote=remote, what="test_table"
        )
    return arguments


def check_pipeline_arguments(pipeline: str, arguments: Mapping[str, Any]) -> None:
    """Checks, before a job is submitted, that a relgraph pipeline takes every argument.

    Args:
        pipeline: A name in ``relgraph.pipelines.PIPELINES``.
        arguments: The arguments.

    Raises:
        ValueError: Naming the arguments the pipeline does not take and those it does.
    """
    from relgraph.pipelines import PIPELINES

    inputs = PIPELINES[pipeline].component_spec.inputs or {}
    unknown = sorted(set(arguments) - set(inputs))
    if unknown:
        raise ValueError(
            f"the {pipeline!r} pipeline takes no {unknown} (its parameters: {sorted(inputs)})"
        )


def _absolute(location: str) -> str:
    return location if uri_scheme(location) else str(Path(location).resolve())
