"""The ``materialize_graph`` step: the training graph of a snapshot."""

from kfp import dsl
from kfp.dsl import Artifact, Dataset, Input, Markdown, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def materialize_graph(
    data: Input[Dataset],
    schema: Input[Artifact],
    task: Input[Dataset],
    text_embedder: str,
    graph: Output[Artifact],
    summary: Output[Markdown],
) -> None:
    """Materializes the snapshot into a graph artifact: encoded node features, node times,
    adjacency per edge type, id maps, and the encoder state, fitted on the rows up to the
    task's cutoff time.

    Args:
        data: The snapshot.
        schema: The schema folder.
        task: The task folder (for its cutoff time).
        text_embedder: ``"hashing"``, ``"hashing:<dim>"`` or ``"minilm"``.
        graph: The graph artifact.
        summary: Node types, edge types and dangling keys, for the UI.
    """
    from relgraph.graph.build import build_graph

    build_graph(
        data.path,
        schema.path,
        graph.path,
        task=task.path,
        text_embedder=text_embedder,
        summary=summary.path,
        overwrite=True,
    )
