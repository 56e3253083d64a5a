"""Tables, columns, keys and time of a relational database; inference and validation."""

from relgraph.schema.column import Column
from relgraph.schema.decision import Decision, DecisionKind
from relgraph.schema.dtypes import ColumnDType
from relgraph.schema.errors import SchemaError
from relgraph.schema.foreign_key import ForeignKey
from relgraph.schema.infer import INFER, SchemaOverrides, TableOverrides, infer_schema
from relgraph.schema.schema import FORMAT_VERSION, Schema
from relgraph.schema.table import Table
from relgraph.schema.timestamps import TIMESTAMP_TYPE, row_times, to_timestamps

__all__ = [
    "FORMAT_VERSION",
    "INFER",
    "TIMESTAMP_TYPE",
    "Column",
    "ColumnDType",
    "Decision",
    "DecisionKind",
    "ForeignKey",
    "Schema",
    "SchemaError",
    "SchemaOverrides",
    "Table",
    "TableOverrides",
    "infer_schema",
    "row_times",
    "to_timestamps",
]
