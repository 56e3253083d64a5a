"""Kubeflow Pipelines components, one folder per pipeline step."""
