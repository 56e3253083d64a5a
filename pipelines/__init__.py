"""Kubeflow Pipelines composed from relgraph components, and their compiled YAML."""

from relgraph.pipelines.compiling import PIPELINES, build_pipeline, compile_all, compile_pipeline
from relgraph.pipelines.settings import GpuRequest, PlatformSettings

__all__ = [
    "PIPELINES",
    "GpuRequest",
    "PlatformSettings",
    "build_pipeline",
    "compile_all",
    "compile_pipeline",
]
