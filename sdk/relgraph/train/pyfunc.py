"""A trained relgraph model as an MLflow pyfunc, so any MLflow client can predict with it.

``mlflow.pyfunc.load_model("models:/f1-dnf@champion").predict(df)`` works in a fresh process:
the model's artifacts hold the model folder (:class:`~relgraph.train.ModelBundle`), and its
model config names the graph artifact to predict on (the training graph by default).

Input: a DataFrame with the task's entity column (e.g. ``driverId``) and ``anchor_time``.
Output: a DataFrame with those two columns and the predictions, one row per input row, as
:meth:`ModelBundle.predict` gives them: ``probability`` and ``prediction`` (binary: ``P(1)`` and
the class at ``threshold``), ``prediction``, ``probability`` and ``probabilities`` (multiclass:
the most probable class, its probability, and every class's in the order of the bundle's
classes, also in the model metadata as ``classes``), ``prediction`` and ``probabilities``
(multilabel), ``prediction`` (regression: the value), ``prediction`` and ``scores`` (link: the
top-``k`` target ids).

Parameters (``predict(df, params={...})``): ``graph`` (a graph artifact folder built like the
training graph; ``""`` means the model config's ``graph``), ``threshold`` (0.5), ``k`` (12,
link tasks) and ``batch_size`` (1024).

The model is logged as code (MLflow's models-from-code: a two-line file that makes a
:class:`RelgraphModel`), not pickled, so relgraph must be importable where it is loaded.
"""

import logging
import os
import tempfile
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import mlflow.pyfunc
import pandas as pd
import pyarrow as pa

from relgraph.graph import GraphArtifact
from relgraph.tasks import ANCHOR_TIME, TaskType
from relgraph.train.bundle import ModelBundle

if TYPE_CHECKING:
    from mlflow.models import ModelSignature
    from mlflow.models.model import ModelInfo

    from relgraph.train.tracking import RunTracker

_logger = logging.getLogger(__name__)

MODEL_NAME = "model"
"""The artifact path (logged model name) of the pyfunc in a training run."""

BUNDLE_ARTIFACT = "bundle"
"""The key of the model folder among the pyfunc's artifacts."""

GRAPH_CONFIG = "graph"
"""The model config key (and predict parameter) naming the graph artifact."""

BUNDLE_TAG = "relgraph.model"
"""The run tag that marks a run with a relgraph pyfunc model; its value is the artifact path."""

DEFAULT_PARAMS: dict[str, Any] = {"graph": "", "threshold": 0.5, "k": 12, "batch_size": 1024}
"""Predict parameters and their defaults (``graph`` ``""``: the model config's graph)."""

MODEL_CODE = """\
from mlflow.models import set_model

from relgraph.train.pyfunc import RelgraphModel

set_model(RelgraphModel())
"""
"""The model's code file (MLflow's models-from-code)."""

_REQUIREMENTS = (
    "torch",
    "torch-geometric",
    "pytorch-frame",
    "pyarrow",
    "pandas",
    "numpy",
    "xxhash",
    "cloudpickle",
    "mlflow",
)


class RelgraphModel(mlflow.pyfunc.PythonModel):
    """The pyfunc: loads the model folder from the artifacts and predicts on a graph artifact.

    Graphs are loaded (memory-mapped) once per path and kept.
    """

    def __init__(self) -> None:
        self.bundle: ModelBundle | None = None
        self.default_graph: str | None = None
        self._graphs: dict[str, GraphArtifact] = {}

    def load_context(self, context: mlflow.pyfunc.PythonModelContext) -> None:
        """Reads the model folder and the default graph location."""
        self.bundle = ModelBundle.load(context.artifacts[BUNDLE_ARTIFACT])
        config = context.model_config or {}
        self.default_graph = config.get(GRAPH_CONFIG) or None
        self._graphs = {}

    def graph(self, location: str | None) -> GraphArtifact:
        """The graph artifact at ``location`` (or the default), loaded once.

        Raises:
            ValueError: If no graph is named and the model has no default graph.
            FileNotFoundError: If the location holds no graph artifact.
        """
        path = location or self.default_graph
        if not path:
            raise ValueError(
                "no graph to predict on: pass params={'graph': <graph artifact folder>} (the "
                "model has no default graph)"
            )
        key = str(Path(path).resolve())
        if key not in self._graphs:
            self._graphs[key] = GraphArtifact.load(key)
        return self._graphs[key]

    def predict(
        self,
        context: mlflow.pyfunc.PythonModelContext,
        model_input: pd.DataFrame,
        params: dict[str, Any] | None = None,
    ) -> pd.DataFrame:
        """Predicts for every row of ``model_input`` (entity column and ``anchor_time``).

        Args:
            context: MLflow's model context (unused: :meth:`load_context` read it).
            model_input: The rows to predict for.
            params: ``graph``, ``threshold``, ``k``, ``batch_size`` (default: ``None``, see
                :data:`DEFAULT_PARAMS`).

        Returns:
            The predictions (see the module docstring).

        Raises:
            ValueError: If a column is missing, the graph does not fit the model, or an entity
                is unknown.
        """
        if self.bundle is None:
            raise RuntimeError("RelgraphModel.predict before load_context")
        settings = {**DEFAULT_PARAMS, **(params or {})}
        bundle = self.bundle
        frame = model_input if isinstance(model_input, pd.DataFrame) else pd.DataFrame(model_input)
        missing = [c for c in (bundle.entity_column, ANCHOR_TIME) if c not in frame.columns]
        if missing:
            raise ValueError(
                f"model input lacks column(s) {missing} (found columns: {list(frame.columns)})"
            )
        table = pa.Table.from_pandas(
            frame[[bundle.entity_column, ANCHOR_TIME]].assign(
                **{ANCHOR_TIME: pd.to_datetime(frame[ANCHOR_TIME])}
            ),
            preserve_index=False,
        )
        predictions = bundle.predict(
            self.graph(str(settings["graph"]) or None),
            table,
            threshold=float(settings["threshold"]),
            k=int(settings["k"]),
            batch_size=int(settings["batch_size"]),
        )
        return predictions.to_pandas(
            types_mapper=lambda t: pd.ArrowDtype(t) if pa.types.is_list(t) else None
        )


def pip_requirements() -> list[str]:
    """Pinned requirements of the pyfunc: the installed versions of what it imports."""
    out = []
    for package in _REQUIREMENTS:
        try:
            out.append(f"{package}=={version(package).split('+', 1)[0]}")
        except PackageNotFoundError:
            continue
    return out


def input_example(bundle: ModelBundle, table: pa.Table, rows: int = 5) -> pd.DataFrame:
    """A few rows of a task table, as the pyfunc takes them (entity column, ``anchor_time``)."""
    part = table.select([bundle.entity_column, ANCHOR_TIME]).slice(0, rows)
    return part.to_pandas()


def model_signature(bundle: ModelBundle, example: pd.DataFrame) -> "ModelSignature":
    """The pyfunc's signature: input columns, output columns and the predict parameters.

    The ``graph`` parameter defaults to ``""``: the default graph lives in the model config.

    Args:
        bundle: The model.
        example: An input example (entity column and ``anchor_time``).
    """
    from mlflow.models import ModelSignature
    from mlflow.types.schema import Array, ColSpec, DataType, ParamSchema, ParamSpec, Schema

    entity_type = _mlflow_type(example[bundle.entity_column])
    inputs = Schema([ColSpec(entity_type, bundle.entity_column), ColSpec("datetime", ANCHOR_TIME)])
    outputs = [ColSpec(entity_type, bundle.entity_column), ColSpec("datetime", ANCHOR_TIME)]
    task_type = bundle.task_type
    if task_type is TaskType.BINARY_CLASSIFICATION:
        outputs += [ColSpec("double", "probability"), ColSpec("long", "prediction")]
    elif task_type is TaskType.REGRESSION:
        outputs += [ColSpec("double", "prediction")]
    elif task_type is TaskType.MULTICLASS_CLASSIFICATION:
        class_type = _mlflow_type(pd.Series(bundle.classes))
        outputs += [
            ColSpec(class_type, "prediction"),
            ColSpec("double", "probability"),
            ColSpec(Array(DataType.double), "probabilities"),
        ]
    elif task_type is TaskType.MULTILABEL_CLASSIFICATION:
        label_type = DataType[_mlflow_type(pd.Series(bundle.classes))]
        outputs += [
            ColSpec(Array(label_type), "prediction"),
            ColSpec(Array(DataType.double), "probabilities"),
        ]
    else:
        ids = bundle.holdout["prediction"].type.value_type if bundle.holdout is not None else None
        id_type = DataType.long if ids is not None and pa.types.is_integer(ids) else DataType.string
        outputs += [
            ColSpec(Array(id_type), "prediction"),
            ColSpec(Array(DataType.double), "scores"),
        ]
    params = ParamSchema(
        [
            ParamSpec("graph", "string", DEFAULT_PARAMS["graph"]),
            ParamSpec("threshold", "double", DEFAULT_PARAMS["threshold"]),
            ParamSpec("k", "long", DEFAULT_PARAMS["k"]),
            ParamSpec("batch_size", "long", DEFAULT_PARAMS["batch_size"]),
        ]
    )
    return ModelSignature(inputs=inputs, outputs=Schema(outputs), params=params)


def _mlflow_type(values: pd.Series) -> str:
    """The MLflow column type of a pandas column of keys or labels."""
    if pd.api.types.is_bool_dtype(values):
        return "boolean"
    if pd.api.types.is_integer_dtype(values):
        return "long"
    if pd.api.types.is_float_dtype(values):
        return "double"
    return "string"


def log_model(
    tracker: "RunTracker",
    bundle_path: str | os.PathLike[str],
    bundle: ModelBundle,
    *,
    example: pd.DataFrame,
    graph: str | None = None,
) -> "ModelInfo":
    """Logs a model folder as the run's pyfunc model (artifact path ``"model"``).

    Args:
        tracker: The open run.
        bundle_path: The model folder (copied into the model's artifacts).
        bundle: The bundle in that folder.
        example: An input example (see :func:`input_example`).
        graph: The default graph location written into the model config (default: ``None``,
            ``bundle.graph_path``).

    Returns:
        MLflow's ``ModelInfo``.
    """
    from mlflow import MlflowClient
    from mlflow.models import Model

    from relgraph.train.tracking import DATA_SNAPSHOT_TAG, GIT_COMMIT_TAG, use_tracking_uri

    graph = graph if graph is not None else bundle.graph_path
    client = MlflowClient(tracking_uri=tracker.tracking_uri)
    run = client.get_run(tracker.run_id)
    # Created here, not by Model.log: that one files the model under the process's active
    # experiment (the Default one), not the run's.
    logged = client.create_logged_model(
        experiment_id=run.info.experiment_id,
        name=MODEL_NAME,
        source_run_id=tracker.run_id,
        params=dict(run.data.params),
        tags={k: v for k, v in run.data.tags.items() if k in (GIT_COMMIT_TAG, DATA_SNAPSHOT_TAG)},
    )
    metadata = {
        "relgraph_task": bundle.task.name,
        "task_type": bundle.task_type.value,
        "entity_column": bundle.entity_column,
        "classes": [str(c) for c in bundle.classes],
        "schema_hash": bundle.schema_hash,
    }
    with (
        tempfile.TemporaryDirectory(prefix="relgraph-pyfunc-") as folder,
        use_tracking_uri(tracker.tracking_uri),
    ):
        code = Path(folder) / "relgraph_model.py"
        code.write_text(MODEL_CODE, encoding="utf-8")
        info = Model.log(
            artifact_path=None,
            name=MODEL_NAME,
            flavor=mlflow.pyfunc,
            run_id=tracker.run_id,
            model_id=logged.model_id,
            python_model=str(code),
            artifacts={BUNDLE_ARTIFACT: str(bundle_path)},
            model_config={GRAPH_CONFIG: str(Path(graph).resolve()) if graph else ""},
            signature=model_signature(bundle, example),
            input_example=(example, {}),
            pip_requirements=pip_requirements(),
            metadata=metadata,
        )
    tracker.set_tags({BUNDLE_TAG: MODEL_NAME})
    _logger.info("logged pyfunc model %s to run %s", info.model_uri, tracker.run_id)
    return info
