"""Node models: feature encoders, temporal encoder, heterogeneous GNN and prediction heads."""

from relgraph.nn.config import ModelConfig
from relgraph.nn.encoder import HeteroEncoder
from relgraph.nn.ensemble import NodeEnsemble
from relgraph.nn.gnn import HeteroGNN
from relgraph.nn.head import MLPHead
from relgraph.nn.link_idgnn import IDGNNLinkModel
from relgraph.nn.link_two_tower import TwoTowerLinkModel
from relgraph.nn.node_model import NodeModel
from relgraph.nn.spec import GraphSpec, module_key
from relgraph.nn.temporal import TemporalEncoder

__all__ = [
    "GraphSpec",
    "HeteroEncoder",
    "HeteroGNN",
    "IDGNNLinkModel",
    "MLPHead",
    "ModelConfig",
    "NodeEnsemble",
    "NodeModel",
    "TemporalEncoder",
    "TwoTowerLinkModel",
    "module_key",
]
