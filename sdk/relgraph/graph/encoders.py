"""Feature encoding: fitting an :class:`EncoderState` on training-visible rows, and encoding
tables with it into pytorch-frame's semantic types.

Each column dtype maps to one pytorch-frame stype (:data:`STYPE_OF_DTYPE`):

- integer, float -> numerical: standardized with the fitted mean and standard deviation;
  nulls, NaN and infinities are NaN (pytorch-frame's missing value); strings are parsed, and
  those that are not numbers count as missing.
- category -> categorical: index into the fitted vocabulary (most frequent first, at most
  ``max_categories``), unseen values into the unknown bucket after it, nulls -1.
- multi_categorical -> multicategorical: lists, or strings split on a separator; each row's
  distinct category indices (unseen ones into the unknown bucket), ``[-1]`` for null rows.
- datetime -> timestamp: pytorch-frame's seven parts: the year (absolute, positionally
  encoded; years before the fitted range read as its first year) and month, day, weekday,
  hour, minute, second (cyclic); -1 for nulls.
- embedding -> embedding: fixed-size numeric lists as they are; null rows are zeros.
- text -> text_embedded: the text embedder's vectors, each distinct string embedded once and
  cached by content hash; null rows are zeros.

As in pytorch-frame's materialized frames, text_embedded columns are stored in the
TensorFrame under their parent stype, embedding (the encoder state keeps each column's own).

Statistics use only the rows a model may see at training time: with a ``cutoff_time``, rows
whose (own or inherited) time is at or before it, and every row of a static table.
"""

import logging
import os
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import torch_frame
from torch_frame import TensorFrame

from relgraph.graph.encoder_state import (
    STYPE_OF_DTYPE,
    STYPE_ORDER,
    UNKNOWN_CATEGORY,
    ColumnEncoding,
    EncoderConfig,
    EncoderState,
)
from relgraph.graph.features import EncodedFeatures
from relgraph.graph.node_time import TimeLike, node_time, to_epoch_seconds
from relgraph.graph.text_cache import TextEmbeddingCache, embed_column
from relgraph.graph.text_embedders import TextEmbedder, get_text_embedder
from relgraph.schema import Column, Schema, SchemaError, Table, to_timestamps

_logger = logging.getLogger(__name__)

_NUMBER = r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$"
_SEPARATORS = ("|", ",", ";")
_TIME_PARTS = 7


# -- public API ------------------------------------------------------------------------------


def fit_encoder_state(
    tables: Mapping[str, pa.Table],
    schema: Schema,
    *,
    cutoff_time: TimeLike | None = None,
    text_embedder: str | TextEmbedder = "hashing",
    config: EncoderConfig | None = None,
    node_times: Mapping[str, np.ndarray | None] | None = None,
) -> EncoderState:
    """Fits vocabularies and statistics of every feature column.

    Args:
        tables: Arrow tables by name, one per schema table.
        schema: The schema (dtypes, keys, times).
        cutoff_time: Fit only on rows with a time at or before this, and on static tables
            (default: ``None``, every row).
        text_embedder: The text embedder or its name (default: ``"hashing"``).
        config: Encoding options (default: ``EncoderConfig()``).
        node_times: Per table, row times in seconds as from
            :func:`~relgraph.graph.node_time.node_time`, when already computed (default:
            ``None``, computed here when a cutoff is given).

    Returns:
        The fitted state.

    Raises:
        KeyError: If a schema table has no data.
        SchemaError: If a column's values cannot be read as its dtype.
    """
    config = config or EncoderConfig()
    embedder = get_text_embedder(text_embedder)
    cutoff = None if cutoff_time is None else to_epoch_seconds(cutoff_time, name="cutoff_time")
    encodings: dict[str, list[ColumnEncoding]] = {}
    fit_rows: dict[str, int] = {}
    for table in schema:
        arrow = _table_data(tables, table.name)
        mask = None
        if cutoff is not None:
            times = (
                node_times[table.name]
                if node_times is not None and table.name in node_times
                else node_time(schema, tables, table.name)
            )
            mask = None if times is None else times <= cutoff
        fit_rows[table.name] = arrow.num_rows if mask is None else int(mask.sum())
        encodings[table.name] = [
            _fit_column(arrow, table, column, mask, config, embedder)
            for column in table.feature_columns
        ]
    return EncoderState(
        tables=encodings,
        text_embedder=embedder.name,
        config=config,
        cutoff_time=cutoff,
        fit_rows=fit_rows,
    )


def encode_table(
    arrow: pa.Table,
    table: Table,
    state: EncoderState,
    *,
    text_embedder: TextEmbedder | None = None,
    cache: TextEmbeddingCache | None = None,
) -> EncodedFeatures:
    """Encodes the feature columns of one table with a fitted state.

    Args:
        arrow: The table's rows.
        table: The table's schema.
        state: The fitted encoder state.
        text_embedder: The text embedder; must be the one the state was fitted with (default:
            ``None``, made from the state's embedder name).
        cache: A text embedding cache (default: ``None``).

    Returns:
        The encoded features (possibly of no columns).

    Raises:
        KeyError: If the state has no encoding for the table or one of its feature columns.
        ValueError: If ``text_embedder`` is not the state's embedder.
        SchemaError: If a column's values cannot be read as its dtype.
    """
    encodings = {c.name: c for c in state.columns(table.name)}
    by_stype: dict[torch_frame.stype, list[tuple[Column, ColumnEncoding]]] = {}
    for column in table.feature_columns:
        if column.name not in encodings:
            raise KeyError(
                f"encoder state has no encoding for column {table.name}.{column.name} "
                f"(encoded columns: {sorted(encodings)})"
            )
        enc = encodings[column.name]
        by_stype.setdefault(enc.stype.parent, []).append((column, enc))
    n = arrow.num_rows
    arrays: dict[torch_frame.stype, dict[str, np.ndarray]] = {}
    col_names: dict[torch_frame.stype, list[str]] = {}
    for stype in STYPE_ORDER:
        if stype not in by_stype:
            continue
        cols = by_stype[stype]
        col_names[stype] = [c.name for c, _ in cols]
        if stype == torch_frame.numerical:
            values = np.empty((n, len(cols)), dtype=np.float32)
            for j, (c, e) in enumerate(cols):
                values[:, j] = _encode_numerical(arrow, table, c, e)
            arrays[stype] = {"values": values}
        elif stype == torch_frame.categorical:
            values = np.empty((n, len(cols)), dtype=np.int64)
            for j, (c, e) in enumerate(cols):
                values[:, j] = _encode_categorical(arrow, table, c, e)
            arrays[stype] = {"values": values}
        elif stype == torch_frame.timestamp:
            values = np.empty((n, len(cols), _TIME_PARTS), dtype=np.int64)
            for j, (c, e) in enumerate(cols):
                _encode_timestamp(arrow, table, c, e, out=values[:, j])
            arrays[stype] = {"values": values}
        elif stype == torch_frame.multicategorical:
            parts = [_encode_multicategorical(arrow, table, c, e) for c, e in cols]
            arrays[stype] = _interleave(parts, n)
        else:
            blocks = [
                embed_column(
                    _column_data(arrow, table, c.name),
                    _state_embedder(state, text_embedder),
                    cache,
                )
                if e.stype == torch_frame.text_embedded
                else _encode_embedding(arrow, table, c, e)
                for c, e in cols
            ]
            arrays[stype] = _embedding_blocks(blocks)
    return EncodedFeatures(num_rows=n, col_names=col_names, arrays=arrays)


def encode_tables(
    tables: Mapping[str, pa.Table],
    schema: Schema,
    encoder_state: EncoderState,
    *,
    text_embedder: TextEmbedder | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> dict[str, TensorFrame]:
    """Encodes tables the way a saved encoder state says (e.g. new rows at prediction time).

    Args:
        tables: Arrow tables by name; every schema table present is encoded.
        schema: The schema the state was fitted with.
        encoder_state: The fitted state (from a graph artifact).
        text_embedder: The text embedder, if the state's cannot be made from its name
            (default: ``None``).
        cache_dir: A text embedding cache folder (default: ``None``, no caching).

    Returns:
        A TensorFrame per table that has feature columns.

    Raises:
        KeyError: If the state lacks a table or column of the schema.
        SchemaError: If a column's values cannot be read as its dtype.
    """
    cache = TextEmbeddingCache(cache_dir) if cache_dir is not None else None
    out = {}
    for table in schema:
        if table.name not in tables:
            continue
        features = encode_table(
            tables[table.name], table, encoder_state, text_embedder=text_embedder, cache=cache
        )
        if features.col_names:
            out[table.name] = features.to_tensor_frame()
    return out


# -- fitting ---------------------------------------------------------------------------------


def _fit_column(
    arrow: pa.Table,
    table: Table,
    column: Column,
    mask: np.ndarray | None,
    config: EncoderConfig,
    embedder: TextEmbedder,
) -> ColumnEncoding:
    stype = STYPE_OF_DTYPE[column.dtype]
    values = _column_data(arrow, table, column.name)
    fit_values = values if mask is None else values.filter(pa.array(mask))
    if stype == torch_frame.numerical:
        stats = _fit_numerical(_numbers(fit_values, table, column))
    elif stype == torch_frame.categorical:
        stats = _fit_vocabulary(_category_strings(fit_values), config.max_categories)
    elif stype == torch_frame.multicategorical:
        separator = _separator(fit_values, config)
        _, tokens, _ = _token_lists(fit_values, separator, table, column)
        stats = {**_fit_vocabulary(tokens, config.max_categories), "separator": separator}
    elif stype == torch_frame.timestamp:
        stats = _fit_timestamp(_timestamps(arrow, table, column, mask))
    elif stype == torch_frame.embedding:
        stats = {"dim": _embedding_dim(values, table, column)}
    else:
        stats = {"dim": embedder.dim}
    return ColumnEncoding(name=column.name, dtype=column.dtype, stype=stype, stats=stats)


def _fit_numerical(values: np.ndarray) -> dict[str, Any]:
    finite = values[np.isfinite(values)]
    if len(finite) == 0:
        return {"mean": 0.0, "std": 1.0, "quantiles": [0.0] * 5}
    mean = float(finite.mean())
    std = float(finite.std())
    quantiles = np.quantile(finite, [0.0, 0.25, 0.5, 0.75, 1.0])
    return {
        "mean": mean,
        "std": std if std > 0 and np.isfinite(std) else 1.0,
        "quantiles": [float(q) for q in quantiles],
    }


def _fit_vocabulary(strings: pa.Array, max_categories: int) -> dict[str, Any]:
    counts = pc.value_counts(strings.drop_null())
    ranked = pa.table({"value": counts.field("values"), "count": counts.field("counts")})
    order = pc.sort_indices(ranked, sort_keys=[("count", "descending"), ("value", "ascending")])
    ranked = ranked.take(order).slice(0, max_categories)
    return {
        "categories": [*ranked["value"].to_pylist(), UNKNOWN_CATEGORY],
        "counts": [*ranked["count"].to_pylist(), 0],
    }


def _fit_timestamp(stamps: pa.Array) -> dict[str, Any]:
    valid = stamps.drop_null().cast(pa.int64()).to_numpy()
    if len(valid) == 0:
        missing = [-1] * _TIME_PARTS
        return {"year_range": [-1, -1], "oldest": missing, "newest": missing, "median": missing}
    median = np.partition(valid, len(valid) // 2)[len(valid) // 2]
    picked = pa.array([valid.min(), valid.max(), median]).cast(pa.timestamp("us"))
    parts = _time_parts(picked).tolist()
    return {
        "year_range": [parts[0][0], parts[1][0]],
        "oldest": parts[0],
        "newest": parts[1],
        "median": parts[2],
    }


# -- encoding --------------------------------------------------------------------------------


def _encode_numerical(
    arrow: pa.Table, table: Table, column: Column, enc: ColumnEncoding
) -> np.ndarray:
    values = _numbers(_column_data(arrow, table, column.name), table, column)
    return ((values - enc.stats["mean"]) / enc.stats["std"]).astype(np.float32)


def _encode_categorical(
    arrow: pa.Table, table: Table, column: Column, enc: ColumnEncoding
) -> np.ndarray:
    strings = _category_strings(_column_data(arrow, table, column.name))
    return _vocabulary_index(strings, enc.stats["categories"])


def _encode_multicategorical(
    arrow: pa.Table, table: Table, column: Column, enc: ColumnEncoding
) -> tuple[np.ndarray, np.ndarray]:
    values = _column_data(arrow, table, column.name)
    rows, tokens, null_rows = _token_lists(values, enc.stats["separator"], table, column)
    index = _vocabulary_index(tokens, enc.stats["categories"])
    # One entry per distinct (row, category); -1 alone for a null row.
    width = len(enc.stats["categories"]) + 1
    keys = np.unique(np.concatenate([rows * width + index + 1, null_rows * width]))
    return keys // width, keys % width - 1


def _encode_timestamp(
    arrow: pa.Table, table: Table, column: Column, enc: ColumnEncoding, *, out: np.ndarray
) -> None:
    _time_parts(_timestamps(arrow, table, column, None), out=out)
    year = out[:, 0]
    np.maximum(year, enc.stats["year_range"][0], out=year, where=year >= 0)


def _encode_embedding(
    arrow: pa.Table, table: Table, column: Column, enc: ColumnEncoding
) -> np.ndarray:
    values = _column_data(arrow, table, column.name)
    dim = int(enc.stats["dim"])
    found = _embedding_dim(values, table, column, expected=dim)
    out = np.zeros((len(values), dim), dtype=np.float32)
    if found is None:
        return out
    flat = pc.list_flatten(values).cast(pa.float32()).to_numpy(zero_copy_only=False)
    valid = values.is_valid().to_numpy(zero_copy_only=False)
    out[valid] = np.nan_to_num(flat.reshape(-1, dim), nan=0.0)
    return out


def _embedding_blocks(blocks: list[np.ndarray]) -> dict[str, np.ndarray]:
    offset = np.concatenate([[0], np.cumsum([b.shape[1] for b in blocks])]).astype(np.int64)
    return {"values": np.concatenate(blocks, axis=1), "offset": offset}


def _interleave(parts: list[tuple[np.ndarray, np.ndarray]], num_rows: int) -> dict[str, Any]:
    """Packs per-column (row, value) pairs into a MultiNestedTensor's values and offset,
    whose cells are ordered row by row, then column by column."""
    num_cols = len(parts)
    cells = np.concatenate([rows * num_cols + c for c, (rows, _) in enumerate(parts)])
    values = np.concatenate([vals for _, vals in parts]).astype(np.int64)
    order = np.argsort(cells, kind="stable")
    counts = np.bincount(cells, minlength=num_rows * num_cols)
    offset = np.zeros(num_rows * num_cols + 1, dtype=np.int64)
    np.cumsum(counts, out=offset[1:])
    return {"values": values[order], "offset": offset}


# -- reading column values -------------------------------------------------------------------


def _table_data(tables: Mapping[str, pa.Table], name: str) -> pa.Table:
    if name not in tables:
        raise KeyError(f"table '{name}' has no data (data has: {sorted(tables)})")
    return tables[name]


def _column_data(arrow: pa.Table, table: Table, name: str) -> pa.Array:
    if name not in arrow.column_names:
        raise SchemaError(
            f"table '{table.name}': column '{name}' is not in the data "
            f"(data has: {arrow.column_names})"
        )
    values = arrow[name]
    values = values.combine_chunks() if values.num_chunks else pa.array([], values.type)
    if isinstance(values, pa.ExtensionArray):
        values = values.storage
    if pa.types.is_dictionary(values.type):
        values = values.cast(values.type.value_type)
    return values


def _numbers(values: pa.Array, table: Table, column: Column) -> np.ndarray:
    kind = values.type
    if pa.types.is_string(kind) or pa.types.is_large_string(kind):
        values = pc.utf8_trim_whitespace(values)
        numeric = pc.match_substring_regex(values, _NUMBER)
        bad = int(pc.sum(pc.invert(numeric)).as_py() or 0)
        if bad:
            _logger.warning(
                "column %s.%s: %d values are not numbers; encoded as missing",
                table.name,
                column.name,
                bad,
            )
        values = pc.if_else(numeric, values, pa.scalar(None, kind)).cast(pa.float64())
    elif pa.types.is_boolean(kind):
        values = values.cast(pa.int8()).cast(pa.float64())
    elif pa.types.is_duration(kind):
        values = values.cast(pa.int64()).cast(pa.float64())
    elif pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        values = values.cast(pa.float64())
    else:
        raise SchemaError(
            f"column {table.name}.{column.name} is {column.dtype.value} but holds {kind} values"
        )
    out = values.to_numpy(zero_copy_only=False).astype(np.float64, copy=True)
    out[~np.isfinite(out)] = np.nan
    return out


def _category_strings(values: pa.Array) -> pa.Array:
    if pa.types.is_string(values.type):
        return values
    return values.cast(pa.string())


def _vocabulary_index(strings: pa.Array, categories: list[str]) -> np.ndarray:
    """Indices into ``categories`` (whose last entry is the unknown bucket): unseen values get
    the unknown bucket, nulls -1."""
    known = pa.array(categories[:-1], pa.string())
    index = pc.index_in(strings, value_set=known)
    unknown = len(categories) - 1
    out = pc.fill_null(index, unknown).to_numpy(zero_copy_only=False).astype(np.int64)
    out[~strings.is_valid().to_numpy(zero_copy_only=False)] = -1
    return out


def _separator(values: pa.Array, config: EncoderConfig) -> str | None:
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        return None
    if config.multi_categorical_separator is not None:
        return config.multi_categorical_separator
    counts = [pc.sum(pc.count_substring(values, sep)).as_py() or 0 for sep in _SEPARATORS]
    return _SEPARATORS[int(np.argmax(counts))]


def _token_lists(
    values: pa.Array, separator: str | None, table: Table, column: Column
) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Returns (row of each token, tokens as strings, rows that are null)."""
    kind = values.type
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind):
        lists = values
    elif pa.types.is_string(kind) or pa.types.is_large_string(kind):
        if separator is None:
            raise SchemaError(
                f"column {table.name}.{column.name}: multi-categorical strings need a separator"
            )
        lists = pc.split_pattern(values, separator)
    else:
        raise SchemaError(
            f"column {table.name}.{column.name} is multi_categorical but holds {kind} values "
            "(expected lists or delimited strings)"
        )
    tokens = pc.list_flatten(lists)
    rows = pc.list_parent_indices(lists).to_numpy(zero_copy_only=False).astype(np.int64)
    tokens = _category_strings(tokens)
    if pa.types.is_string(tokens.type):
        tokens = pc.utf8_trim_whitespace(tokens)
        keep = pc.and_(pc.is_valid(tokens), pc.not_equal(tokens, ""))
    else:
        keep = pc.is_valid(tokens)
    keep = pc.fill_null(keep, False)
    rows = rows[keep.to_numpy(zero_copy_only=False)]
    tokens = tokens.filter(keep)
    null_rows = np.flatnonzero(~values.is_valid().to_numpy(zero_copy_only=False))
    return rows, tokens, null_rows


def _timestamps(arrow: pa.Table, table: Table, column: Column, mask: np.ndarray | None) -> pa.Array:
    tod = None
    if column.time_of_day is not None:
        tod = _column_data(arrow, table, column.time_of_day)
    stamps = to_timestamps(_column_data(arrow, table, column.name), column, tod, table=table.name)
    stamps = stamps.combine_chunks() if stamps.num_chunks else pa.array([], stamps.type)
    return stamps if mask is None else stamps.filter(pa.array(mask))


def _time_parts(stamps: pa.Array, out: np.ndarray | None = None) -> np.ndarray:
    parts = [
        pc.year(stamps),
        pc.subtract(pc.month(stamps), 1),
        pc.subtract(pc.day(stamps), 1),
        pc.day_of_week(stamps),
        pc.hour(stamps),
        pc.minute(stamps),
        pc.second(stamps),
    ]
    if out is None:
        out = np.empty((len(stamps), _TIME_PARTS), dtype=np.int64)
    for i, part in enumerate(parts):
        out[:, i] = pc.fill_null(part, -1).to_numpy(zero_copy_only=False)
    return out


def _embedding_dim(
    values: pa.Array, table: Table, column: Column, *, expected: int | None = None
) -> int | None:
    kind = values.type
    is_list = (
        pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_fixed_size_list(kind)
    )
    if not is_list or not (
        pa.types.is_floating(kind.value_type) or pa.types.is_integer(kind.value_type)
    ):
        raise SchemaError(
            f"column {table.name}.{column.name} is embedding but holds {kind} values "
            "(expected lists of numbers)"
        )
    lengths = pc.unique(pc.list_value_length(values).drop_null()).to_pylist()
    if expected is not None:
        lengths = [length for length in lengths if length != expected]
        if lengths:
            raise SchemaError(
                f"column {table.name}.{column.name}: embeddings of size {sorted(lengths)} "
                f"found, but the encoder was fitted on size {expected}"
            )
        return expected if values.null_count < len(values) else None
    if len(lengths) > 1:
        raise SchemaError(
            f"column {table.name}.{column.name}: embeddings must all have one size, found "
            f"sizes {sorted(lengths)}"
        )
    return lengths[0] if lengths else 0


def _state_embedder(state: EncoderState, embedder: TextEmbedder | None) -> TextEmbedder:
    if embedder is None:
        return get_text_embedder(state.text_embedder)
    if embedder.name != state.text_embedder:
        raise ValueError(
            f"text embedder {embedder.name!r} is not the one the encoder state was fitted with "
            f"({state.text_embedder!r})"
        )
    return embedder
