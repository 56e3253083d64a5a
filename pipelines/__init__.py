"""Kubeflow Pipelines composed from relgraph components."""
