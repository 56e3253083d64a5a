"""Schema inference: dtypes, primary keys, foreign keys and times from the tables' values."""

from relgraph.schema.infer.overrides import INFER, SchemaOverrides, TableOverrides
from relgraph.schema.infer.schema_inference import infer_schema

__all__ = ["INFER", "SchemaOverrides", "TableOverrides", "infer_schema"]
