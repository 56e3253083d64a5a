"""The graph layer: tables materialized into a heterogeneous temporal graph, and its sampler."""

from relgraph.graph.artifact import GraphArtifact
from relgraph.graph.encoder_state import (
    UNKNOWN_CATEGORY,
    ColumnEncoding,
    EncoderConfig,
    EncoderState,
)
from relgraph.graph.encoders import encode_table, encode_tables, fit_encoder_state
from relgraph.graph.features import EncodedFeatures
from relgraph.graph.id_maps import IdMaps
from relgraph.graph.materialize import materialize
from relgraph.graph.node_time import node_time, to_epoch_seconds
from relgraph.graph.sampler import SampledSubgraph, TemporalNeighborSampler, gather_rows
from relgraph.graph.sampler_dataset import EpochSampler, SamplerDataset
from relgraph.graph.store import NEVER, GraphStore, NeighborCSR
from relgraph.graph.summary import (
    GraphSummary,
    graph_summary_markdown,
    render_graph_summary,
    summarize_graph,
)
from relgraph.graph.text_cache import TextEmbeddingCache, embed_column
from relgraph.graph.text_embedders import (
    HashingTextEmbedder,
    MiniLMTextEmbedder,
    TextEmbedder,
    get_text_embedder,
)

__all__ = [
    "NEVER",
    "UNKNOWN_CATEGORY",
    "ColumnEncoding",
    "EncodedFeatures",
    "EncoderConfig",
    "EncoderState",
    "EpochSampler",
    "GraphArtifact",
    "GraphStore",
    "GraphSummary",
    "HashingTextEmbedder",
    "IdMaps",
    "MiniLMTextEmbedder",
    "NeighborCSR",
    "SampledSubgraph",
    "SamplerDataset",
    "TemporalNeighborSampler",
    "TextEmbedder",
    "TextEmbeddingCache",
    "embed_column",
    "encode_table",
    "encode_tables",
    "fit_encoder_state",
    "gather_rows",
    "get_text_embedder",
    "graph_summary_markdown",
    "materialize",
    "node_time",
    "render_graph_summary",
    "summarize_graph",
    "to_epoch_seconds",
]
