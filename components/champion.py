"""The evaluate step's champion: scored on the candidate's holdout, with its own encoders.

A champion trained on an older snapshot encodes features with its own fitted encoder state,
so it cannot read the candidate's graph. :func:`evaluate_against_champion` then materializes
the candidate's snapshot a second time, with the champion's schema and encoder state, and
hands that graph to :func:`relgraph.registry.evaluate_candidate`, so both models are judged
on the same examples of the same data.
"""

import logging
import os
import tempfile
from pathlib import Path

from relgraph.graph import GraphArtifact
from relgraph.graph.build import build_graph
from relgraph.registry import CHAMPION, Evaluation, ModelNotFoundError, ModelRef, evaluate_candidate
from relgraph.registry import resolve_model as resolve

_logger = logging.getLogger(__name__)


def champion_graph(
    snapshot: str | os.PathLike[str],
    graph: str | os.PathLike[str],
    dest: str | os.PathLike[str],
    *,
    registered_name: str,
    tracking_uri: str | None = None,
) -> Path | None:
    """Builds the graph the champion must be scored on, when the candidate's does not fit it.

    Args:
        snapshot: The snapshot folder the candidate's graph was built from.
        graph: The candidate's graph artifact folder.
        dest: Where to build the champion's graph.
        registered_name: The registered model whose ``@champion`` is meant.
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``, else
            the embedded default).

    Returns:
        ``dest``, or ``None`` when there is no champion or it reads the candidate's graph.

    Raises:
        SchemaError: If the snapshot lacks a table of the champion's schema.
    """
    try:
        champion = resolve(
            ModelRef(name=registered_name, alias=CHAMPION), tracking_uri=tracking_uri
        )
    except ModelNotFoundError as exc:
        _logger.info("no champion to compare with: %s", exc)
        return None
    try:
        champion.bundle.check_graph(GraphArtifact.load(graph))
        return None
    except ValueError as exc:
        _logger.info("champion %s needs its own graph: %s", champion.model_uri, exc)
    build_graph(
        snapshot,
        champion.bundle.schema,
        dest,
        encoder_state=champion.bundle.encoder_state,
        overwrite=True,
    )
    return Path(dest)


def evaluate_against_champion(
    model: str | os.PathLike[str],
    graph: str | os.PathLike[str],
    task: str | os.PathLike[str],
    snapshot: str | os.PathLike[str],
    *,
    output: str | os.PathLike[str],
    registered_name: str,
    margin: float = 0.0,
    tracking_uri: str | None = None,
) -> Evaluation:
    """Scores a candidate and the current champion on the candidate's holdout, and decides
    (:func:`relgraph.registry.evaluate_candidate`), building the champion's graph from
    ``snapshot`` when it needs one (:func:`champion_graph`).

    Args:
        model: The candidate's model folder.
        graph: The candidate's graph artifact folder.
        task: The task folder.
        snapshot: The snapshot folder the graph was built from.
        output: The evaluation folder to write (replaced if it exists).
        registered_name: The registered model whose ``@champion`` is the bar.
        margin: How much the candidate must beat the champion by (default: ``0.0``).
        tracking_uri: The MLflow tracking URI (default: ``None``: ``MLFLOW_TRACKING_URI``, else
            the embedded default).

    Returns:
        The evaluation and decision.

    Raises:
        ValueError: See :func:`relgraph.registry.evaluate_candidate`.
        SchemaError: If the snapshot lacks a table of the champion's schema.
    """
    with tempfile.TemporaryDirectory(prefix="relgraph-champion-") as scratch:
        other = champion_graph(
            snapshot,
            graph,
            Path(scratch) / "graph",
            registered_name=registered_name,
            tracking_uri=tracking_uri,
        )
        return evaluate_candidate(
            model,
            graph,
            task,
            output=output,
            registered_name=registered_name,
            margin=margin,
            tracking_uri=tracking_uri,
            champion_graph=other,
            overwrite=True,
        )
