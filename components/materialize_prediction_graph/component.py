"""The ``materialize_prediction_graph`` step: a graph encoded the way a model's training
graph was."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Model, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def materialize_prediction_graph(
    data: Input[Dataset],
    model: Input[Model],
    graph: Output[Artifact],
    summary: Output[Markdown],
) -> None:
    """Materializes the snapshot with the model's schema and saved encoder state, so the model
    reads new data the way it read its training data.

    Args:
        data: The snapshot.
        model: The model folder (holds ``schema.json`` and ``encoder_state.json``).
        graph: The graph artifact.
        summary: Node types, edge types and dangling keys, for the UI.
    """
    from relgraph.graph.build import build_graph

    build_graph(
        data.path,
        model.path,
        graph.path,
        encoder_state=model.path,
        summary=summary.path,
        overwrite=True,
    )
