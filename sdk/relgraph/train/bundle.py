"""A trained model as a folder: everything needed to predict with it later, anywhere.

Layout of a model folder (``manifest.json`` kind ``relgraph.model``)::

    manifest.json          format version, content hash, what it was made from (graph, schema
                           and data hashes, MLflow run), task summary, metrics
    predictor.pt           the predictor (NodePredictor or LinkPredictor), pickled by torch.save
    task/task.json         the task spec (the split tables are not kept)
    schema.json            the schema the training graph was materialized with
    encoder_state.json     the training graph's feature encoding, to materialize a prediction
                           graph the same way (``materialize(..., encoder_state=...)``)
    holdout.parquet        holdout predictions (the reference of drift checks), when known

The folder is written to a temporary sibling and renamed, so it appears whole or not at all.
The predictor is the only pickled file: its classes (relgraph's) must be importable where the
bundle is loaded.
"""

import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import torch
import xxhash

import relgraph
from relgraph.graph import EncoderState, GraphArtifact
from relgraph.io import atomic_directory
from relgraph.schema import Schema
from relgraph.tasks import ANCHOR_TIME, LinkTask, NodeTask, TaskType, load_task
from relgraph.tasks.base import TASK_FILE

_logger = logging.getLogger(__name__)

ARTIFACT_KIND = "relgraph.model"
"""The ``kind`` of a model folder's manifest."""

FORMAT_VERSION = 1
"""The version of the model folder layout."""

MANIFEST_FILE = "manifest.json"
PREDICTOR_FILE = "predictor.pt"
TASK_DIR = "task"
SCHEMA_FILE = "schema.json"
ENCODER_STATE_FILE = "encoder_state.json"
HOLDOUT_FILE = "holdout.parquet"

PREDICTION = "prediction"
PROBABILITY = "probability"
PROBABILITIES = "probabilities"
SCORES = "scores"

_READ_CHUNK = 1 << 20


def schema_hash(schema: Schema) -> str:
    """The stable hash of a schema's JSON (tables, columns, keys, time; not the reasons)."""
    return schema.content_hash()


def encoder_hash(state: EncoderState) -> str:
    """The stable hash of an encoder state's JSON: equal states encode rows the same way."""
    text = json.dumps(state.to_dict(), sort_keys=True, separators=(",", ":"))
    return xxhash.xxh3_128_hexdigest(text.encode("utf-8"))


def _folder_digest(root: Path) -> str:
    """A hash of every file under ``root`` but the manifest (relative path and content)."""
    hasher = xxhash.xxh3_128()
    for file in sorted(p for p in root.rglob("*") if p.is_file() and p.name != MANIFEST_FILE):
        hasher.update(file.relative_to(root).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                hasher.update(chunk)
    return hasher.hexdigest()


def _task_spec(task: NodeTask | LinkTask) -> dict[str, Any]:
    """The task's ``task.json`` as ``task.save`` writes it, naming split files it leaves out."""
    # _describe() is the task's own JSON form without its sources; the spec-only bundle keeps
    # that and names the split files a saved task folder would hold.
    spec = task._describe()
    spec["task_data_source"] = {split: f"{split}.parquet" for split in task.splits}
    return spec


def _matrix_lists(matrix: np.ndarray) -> pa.Array:
    """A 2-D array as a list array (one list per row), without a per-row loop."""
    flat = pa.array(np.ascontiguousarray(matrix).ravel())
    width = matrix.shape[1] if matrix.ndim == 2 else 0
    return pa.FixedSizeListArray.from_arrays(flat, width).cast(pa.list_(flat.type))


def read_model_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Reads and checks the manifest of a model folder.

    Args:
        path: The model folder.

    Returns:
        The parsed manifest.

    Raises:
        FileNotFoundError: If the folder has no manifest.
        ValueError: If the manifest is of another kind or a newer format.
    """
    file = Path(path) / MANIFEST_FILE
    if not file.is_file():
        raise FileNotFoundError(f"not a model folder: {file} not found")
    try:
        manifest = json.loads(file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{file}: not a model manifest ({exc})") from exc
    if not isinstance(manifest, dict) or manifest.get("kind") != ARTIFACT_KIND:
        kind = manifest.get("kind") if isinstance(manifest, dict) else None
        raise ValueError(f"{file}: artifact kind {kind!r} is not a model ({ARTIFACT_KIND!r})")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{file}: model format_version {version!r} is not supported (this relgraph reads up "
            f"to {FORMAT_VERSION})"
        )
    return manifest


@dataclass
class ModelBundle:
    """A trained model with what it needs to predict on a graph built like its training graph.

    Args:
        predictor: The trained predictor: a :class:`~relgraph.train.NodePredictor`, or a
            ``LinkPredictor`` for link tasks (anything picklable with ``predict`` or
            ``predict_topk``).
        task: The task spec (its split tables are not kept).
        schema: The schema the training graph was materialized with.
        encoder_state: The training graph's feature encoding.
        graph_hash: The content hash of the training graph.
        schema_hash: :func:`schema_hash` of ``schema``.
        data_hash: The content hash of the data snapshot, when known.
        run_id: The MLflow run that trained the model (default: ``None``).
        tracking_uri: The MLflow tracking URI of that run (default: ``None``).
        metrics: ``{split: {metric: value}}`` of the trained model (default: empty).
        holdout: Holdout predictions, the reference distribution of drift checks (default:
            ``None``).
        metric: The metric the model was selected on, e.g. ``"roc_auc"`` (default: ``""``,
            the task's first evaluation metric).
        graph_path: Where the training graph was, the default graph of the MLflow model
            (default: ``None``).
        trainer_config: The training configuration as JSON (default: ``None``).
    """

    predictor: Any
    task: NodeTask | LinkTask
    schema: Schema
    encoder_state: EncoderState
    graph_hash: str
    schema_hash: str
    data_hash: str | None = None
    run_id: str | None = None
    tracking_uri: str | None = None
    metrics: dict[str, dict[str, float]] = field(default_factory=dict)
    holdout: pa.Table | None = None
    metric: str = ""
    graph_path: str | None = None
    trainer_config: dict[str, Any] | None = None

    def __post_init__(self) -> None:
        if not self.metric:
            self.metric = self.task.metrics[0].name if self.task.metrics else ""

    # ---------------------------------------------------------------- facts

    @property
    def task_type(self) -> TaskType:
        """The task type."""
        return TaskType.parse(self.task.task_type)

    @property
    def entity_table(self) -> str:
        """The table predicted for."""
        return self.task.source_entity_table

    @property
    def entity_column(self) -> str:
        """The entity column of prediction inputs."""
        return self.task.source_entity_column

    @property
    def encoder_hash(self) -> str:
        """:func:`encoder_hash` of the encoder state."""
        return encoder_hash(self.encoder_state)

    # ---------------------------------------------------------------- checks

    def check_graph(self, artifact: GraphArtifact) -> None:
        """Checks that ``artifact`` was built the way the training graph was: same schema,
        same feature encoding, and the predicted table in it.

        Args:
            artifact: The graph to predict on.

        Raises:
            ValueError: If the graph's schema hash differs (naming both hashes), its encoder
                state differs (naming both encoder hashes), or it lacks the entity table.
        """
        found = schema_hash(artifact.schema)
        if found != self.schema_hash:
            raise ValueError(
                f"graph {artifact.path} was built from another schema: its schema hash is "
                f"{found}, the model's (run {self.run_id}) is {self.schema_hash}; materialize "
                "the graph with the model's schema.json and encoder_state.json"
            )
        found = encoder_hash(artifact.encoder_state)
        if found != self.encoder_hash:
            raise ValueError(
                f"graph {artifact.path} encodes features differently from the model's training "
                f"graph (schema hash {self.schema_hash} matches, but encoder hash {found} is not "
                f"the model's {self.encoder_hash}); materialize it with "
                "encoder_state=bundle.encoder_state"
            )
        if self.entity_table not in artifact.store.num_nodes:
            raise ValueError(
                f"graph {artifact.path} has no node type {self.entity_table!r} "
                f"(node types: {sorted(artifact.store.num_nodes)})"
            )

    # ---------------------------------------------------------------- prediction

    def predict(
        self,
        artifact: GraphArtifact,
        table: pa.Table,
        *,
        threshold: float = 0.5,
        k: int = 12,
        batch_size: int = 1024,
        device: str = "cpu",
    ) -> pa.Table:
        """Predicts for every row of ``table`` (entity column and ``anchor_time``).

        Output columns: the entity column and ``anchor_time`` as given, then by task type:

        * binary: ``probability`` (``P(label = 1)``, float64) and ``prediction`` (1 where
          ``probability >= threshold``, else 0);
        * multiclass: ``prediction`` (the most probable class, as the labels were given),
          ``probability`` (its probability) and ``probabilities`` (every class's
          probability, in the order of :attr:`classes`);
        * multilabel: ``prediction`` (the labels with ``P >= threshold``) and
          ``probabilities`` (every label's, in the order of :attr:`classes`);
        * regression: ``prediction`` (the value, float64);
        * link: ``prediction`` (the ``k`` best target ids, best first) and ``scores``.

        Args:
            artifact: The graph, built like the training graph (see :meth:`check_graph`).
            table: The rows to predict for; other columns are ignored.
            threshold: Decision threshold of binary and multilabel classes (default: ``0.5``).
            k: Target ids per row of link tasks (default: ``12``).
            batch_size: Seeds per batch (default: ``1024``).
            device: ``"cpu"``, ``"cuda"`` or ``"auto"`` (default: ``"cpu"``).

        Returns:
            One output row per input row, in input order.

        Raises:
            ValueError: If the graph does not fit the model, or the table lacks a column or
                names unknown entities.
        """
        self.check_graph(artifact)
        for column in (self.entity_column, ANCHOR_TIME):
            if column not in table.column_names:
                raise ValueError(
                    f"prediction input has no column {column!r} (found columns: "
                    f"{table.column_names})"
                )
        columns: dict[str, pa.Array | pa.ChunkedArray] = {
            self.entity_column: table[self.entity_column],
            ANCHOR_TIME: table[ANCHOR_TIME],
        }
        task_type = self.task_type
        if task_type.is_link:
            # The link predictor reads the task's own time column.
            rows = pa.table(
                {
                    self.entity_column: table[self.entity_column],
                    self.task.time_column or ANCHOR_TIME: table[ANCHOR_TIME],
                }
            )
            ids, scores = self.predictor.predict_topk(
                artifact, rows, k=k, batch_size=batch_size, device=device
            )
            columns[PREDICTION] = _matrix_lists(np.asarray(ids))
            columns[SCORES] = _matrix_lists(np.asarray(scores, dtype=np.float64))
            return pa.table(columns)
        raw = self.predictor.predict(artifact, table, batch_size=batch_size, device=device)
        values = np.asarray(raw, dtype=np.float64)
        if task_type is TaskType.BINARY_CLASSIFICATION:
            columns[PROBABILITY] = pa.array(values)
            columns[PREDICTION] = pa.array((values >= threshold).astype(np.int64))
        elif task_type is TaskType.MULTICLASS_CLASSIFICATION:
            best = values.argmax(axis=1) if len(values) else np.zeros(0, np.int64)
            columns[PREDICTION] = pc.take(pa.array(self.classes), pa.array(best))
            columns[PROBABILITY] = pa.array(values[np.arange(len(values)), best])
            columns[PROBABILITIES] = _matrix_lists(values)
        elif task_type is TaskType.MULTILABEL_CLASSIFICATION:
            mask = values >= threshold
            offsets = np.concatenate([[0], np.cumsum(mask.sum(axis=1))]).astype(np.int32)
            labels = pc.take(pa.array(self.classes), pa.array(np.nonzero(mask)[1]))
            columns[PREDICTION] = pa.ListArray.from_arrays(pa.array(offsets), labels)
            columns[PROBABILITIES] = _matrix_lists(values)
        else:
            columns[PREDICTION] = pa.array(values)
        return pa.table(columns)

    @property
    def classes(self) -> list[Any]:
        """The class (multiclass) or label (multilabel) values in output order; empty for
        other task types."""
        coder = getattr(self.predictor, "coder", None)
        return list(coder.classes) if coder is not None else []

    # ---------------------------------------------------------------- disk

    def manifest(self, content_hash: str) -> dict[str, Any]:
        """The JSON manifest of the saved folder."""
        predictor_type = type(self.predictor)
        return {
            "kind": ARTIFACT_KIND,
            "format_version": FORMAT_VERSION,
            "relgraph_version": relgraph.__version__,
            "content_hash": content_hash,
            "made_from": {
                "graph_hash": self.graph_hash,
                "schema_hash": self.schema_hash,
                "encoder_hash": self.encoder_hash,
                "data_hash": self.data_hash,
                "run_id": self.run_id,
                "tracking_uri": self.tracking_uri,
                "graph_path": self.graph_path,
            },
            "task": {
                "name": self.task.name,
                "kind": self.task.KIND,
                "task_type": self.task_type.value,
                "entity_table": self.entity_table,
                "entity_column": self.entity_column,
                "metric": self.metric,
            },
            "predictor": f"{predictor_type.__module__}.{predictor_type.__qualname__}",
            "metrics": self.metrics,
            "trainer_config": self.trainer_config,
            "files": {
                "predictor": PREDICTOR_FILE,
                "task": f"{TASK_DIR}/{TASK_FILE}",
                "schema": SCHEMA_FILE,
                "encoder_state": ENCODER_STATE_FILE,
                "holdout": HOLDOUT_FILE if self.holdout is not None else None,
            },
        }

    def save(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
        """Writes the bundle as a model folder, atomically.

        Args:
            path: The folder to create.
            overwrite: Replace an existing folder (default: ``False``).

        Returns:
            The folder.

        Raises:
            FileExistsError: If the folder exists and ``overwrite`` is ``False``.
        """
        path = Path(path)
        with atomic_directory(path, overwrite=overwrite) as tmp:
            torch.save(self.predictor, tmp / PREDICTOR_FILE)
            (tmp / TASK_DIR).mkdir()
            task_text = json.dumps(_task_spec(self.task), indent=2) + "\n"
            (tmp / TASK_DIR / TASK_FILE).write_text(task_text, encoding="utf-8")
            self.schema.save(tmp / SCHEMA_FILE)
            self.encoder_state.save(tmp / ENCODER_STATE_FILE)
            if self.holdout is not None:
                pq.write_table(self.holdout, tmp / HOLDOUT_FILE)
            manifest = self.manifest(_folder_digest(tmp))
            text = json.dumps(manifest, indent=2, allow_nan=False) + "\n"
            (tmp / MANIFEST_FILE).write_text(text, encoding="utf-8")
        _logger.info("wrote model bundle to %s", path)
        return path

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> "ModelBundle":
        """Reads a model folder written by :meth:`save`.

        Args:
            path: The model folder.

        Returns:
            The bundle, its predictor on the CPU.

        Raises:
            FileNotFoundError: If ``path`` is not a model folder or a file is missing.
            ValueError: If the manifest is of another kind or a newer format.
        """
        path = Path(path)
        manifest = read_model_manifest(path)
        files = manifest["files"]
        for name in ("predictor", "task", "schema", "encoder_state"):
            if not (path / files[name]).is_file():
                raise FileNotFoundError(f"model folder {path} lacks its {name} file {files[name]}")
        # The predictor is relgraph's own pickled object, written by save(): not untrusted
        # input, and it holds classes that weights_only loading refuses.
        predictor = torch.load(path / files["predictor"], map_location="cpu", weights_only=False)
        holdout_file = files.get("holdout")
        holdout = pq.read_table(path / holdout_file) if holdout_file else None
        made_from = manifest["made_from"]
        return cls(
            predictor=predictor,
            task=load_task(path / TASK_DIR),
            schema=Schema.load(path / files["schema"]),
            encoder_state=EncoderState.load(path / files["encoder_state"]),
            graph_hash=made_from["graph_hash"],
            schema_hash=made_from["schema_hash"],
            data_hash=made_from.get("data_hash"),
            run_id=made_from.get("run_id"),
            tracking_uri=made_from.get("tracking_uri"),
            metrics=manifest.get("metrics") or {},
            holdout=holdout,
            metric=manifest["task"].get("metric", ""),
            graph_path=made_from.get("graph_path"),
            trainer_config=manifest.get("trainer_config"),
        )
