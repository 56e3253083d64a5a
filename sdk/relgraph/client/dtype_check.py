"""Whether a column's values can be read as the dtype the schema gives it.

Schema validation checks keys and structure; this checks the values, so that a dtype a user
set by hand (``set_dtype("country", "float")``) fails with advice when the table is validated,
not deep inside graph materialization. The rules follow what the graph encoders accept
(:mod:`relgraph.graph.encoders`): numbers may be stored as numeric strings, multi-categorical
values as lists or delimited strings, embeddings as lists of numbers of one length.
"""

import pyarrow as pa
import pyarrow.compute as pc

from relgraph.schema import Column, ColumnDType, SchemaError, Table, to_timestamps
from relgraph.schema.infer.values import sample_table

_NUMBER = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
"""A number written as text (what the graph's numeric encoder reads from strings)."""

MIN_READ_SHARE = 0.5
"""The share of a column's non-null values that must read as its dtype (numbers from
strings, datetimes in a format); the rest are encoded as missing."""


def dtype_problems(table: Table, data: pa.Table, *, sample_rows: int = 10_000) -> list[str]:
    """Checks every column's values against its dtype, on a sample of rows.

    Args:
        table: The table's schema.
        data: Its data; columns missing from it are skipped (schema validation reports them).
        sample_rows: Rows sampled (default: ``10_000``).

    Returns:
        One message per column whose values do not fit its dtype, naming the column, what was
        found and which dtype to set instead; empty when every column fits.
    """
    sample = sample_table(data, sample_rows)
    problems = []
    for column in table.columns:
        if column.name not in sample.column_names:
            continue
        values = sample[column.name]
        if pa.types.is_dictionary(values.type):
            values = values.cast(values.type.value_type)
        problem = _problem(table, column, values, sample)
        if problem is not None:
            problems.append(f"column {table.name}.{column.name}: {problem}")
    return problems


def _problem(table: Table, column: Column, values: pa.ChunkedArray, sample: pa.Table) -> str | None:
    kind = values.type
    dtype = column.dtype
    if dtype.is_numeric:
        return _numeric_problem(dtype, values)
    if dtype == ColumnDType.DATETIME:
        time_of_day = None
        if column.time_of_day is not None and column.time_of_day in sample.column_names:
            time_of_day = sample[column.time_of_day]
        try:
            stamps = to_timestamps(values, column, time_of_day, table=table.name)
        except SchemaError as exc:
            return f"dtype datetime, but {exc}; set a datetime format or another dtype"
        present = len(values) - values.null_count
        share = (len(stamps) - stamps.null_count) / present if present else 1.0
        if share < MIN_READ_SHARE:
            return (
                f"dtype datetime, but only {share:.0%} of its values read as datetimes with "
                f"format {column.datetime_format!r}; fix the format or set another dtype"
            )
        return None
    if dtype == ColumnDType.EMBEDDING:
        return _embedding_problem(values)
    if dtype == ColumnDType.MULTI_CATEGORICAL:
        if _is_list(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return None
        return (
            f"dtype multi_categorical, but its values are {kind}, not lists or delimited "
            "strings; set dtype category"
        )
    if _is_list(kind) or pa.types.is_struct(kind) or pa.types.is_map(kind):
        advice = (
            "embedding" if _is_list(kind) and _numeric(kind.value_type) else "multi_categorical"
        )
        return f"dtype {dtype.value}, but its values are {kind}; set dtype {advice}"
    return None


def _numeric_problem(dtype: ColumnDType, values: pa.ChunkedArray) -> str | None:
    kind = values.type
    if _numeric(kind) or pa.types.is_boolean(kind) or pa.types.is_duration(kind):
        return None
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        present = pc.drop_null(values)
        if len(present) == 0:
            return None
        numbers = pc.match_substring_regex(pc.utf8_trim_whitespace(present), _NUMBER)
        share = pc.sum(numbers).as_py() / len(present)
        if share >= MIN_READ_SHARE:
            return None
        example = present[int(pc.index(numbers, False).as_py())].as_py()
        return (
            f"dtype {dtype.value}, but only {share:.0%} of its values are numbers "
            f"(e.g. {example!r}); set dtype category or text"
        )
    advice = "datetime" if pa.types.is_temporal(kind) else "category"
    return f"dtype {dtype.value}, but its values are {kind}; set dtype {advice}"


def _embedding_problem(values: pa.ChunkedArray) -> str | None:
    kind = values.type
    if not (_is_list(kind) and _numeric(kind.value_type)):
        advice = "multi_categorical" if _is_list(kind) else "text"
        return (
            f"dtype embedding, but its values are {kind}, not lists of numbers; set dtype {advice}"
        )
    lengths = pc.unique(pc.drop_null(pc.list_value_length(values))).to_pylist()
    if len(lengths) > 1:
        return (
            f"dtype embedding, but its lists have {len(lengths)} different lengths "
            f"({sorted(lengths)[:5]}); embeddings must all have one length"
        )
    return None


def _is_list(kind: pa.DataType) -> bool:
    return (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    )


def _numeric(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)
