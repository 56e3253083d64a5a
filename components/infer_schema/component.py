"""The ``infer_schema`` step: the schema of a snapshot, its summary and its diagram."""

from kfp import dsl
from kfp.dsl import HTML, Artifact, Dataset, Input, Markdown, Output

from relgraph.components.images import IMAGE


@dsl.component(base_image=IMAGE, install_kfp_package=False)
def infer_schema(
    data: Input[Dataset],
    overrides: dict,
    schema: Output[Artifact],
    summary: Output[Markdown],
    diagram: Output[HTML],
) -> None:
    """Infers dtypes, primary keys, foreign keys and times of the snapshot's tables, each
    decision with its reason.

    Args:
        data: The snapshot.
        overrides: Settings that replace inference, ``{"tables": {name: {...}}}``; ``{}`` for
            none (see ``relgraph.schema.SchemaOverrides``).
        schema: The schema folder: ``schema.json``, ``schema.md``, the diagram, a manifest.
        summary: The Markdown summary, for the UI.
        diagram: The diagram as an HTML page, for the UI.
    """
    from relgraph.schema.artifact import build_schema_artifact

    build_schema_artifact(
        data.path,
        schema.path,
        overrides=overrides,
        summary=summary.path,
        diagram_html=diagram.path,
        overwrite=True,
    )
