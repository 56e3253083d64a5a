"""Batch prediction: predictions and embeddings for many entities, written to the object
store, a local folder or a SQL database, with drift against the model's holdout predictions."""

from relgraph.predict.batch import LoadedModel, PredictionResult, batch_predict, load_model
from relgraph.predict.drift import (
    categorical_psi,
    ks_test,
    population_stability_index,
    prediction_drift,
)
from relgraph.predict.errors import OutputExistsError, OutputWriteError
from relgraph.predict.metadata import METADATA_KEY, OutputMetadata
from relgraph.predict.names import check_alias, embeddings_name, predictions_name
from relgraph.predict.output import OutputConfig
from relgraph.predict.writer import OutputTable, OutputWriter

__all__ = [
    "METADATA_KEY",
    "LoadedModel",
    "OutputConfig",
    "OutputExistsError",
    "OutputMetadata",
    "OutputTable",
    "OutputWriteError",
    "OutputWriter",
    "PredictionResult",
    "batch_predict",
    "categorical_psi",
    "check_alias",
    "embeddings_name",
    "ks_test",
    "load_model",
    "population_stability_index",
    "prediction_drift",
    "predictions_name",
]
