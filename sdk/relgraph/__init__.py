"""relgraph: graph neural networks on relational databases, as Kubeflow Pipelines."""

__version__ = "0.1.0"
