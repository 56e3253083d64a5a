"""A content-addressed cache of text embeddings, and column embedding through it.

Entries are keyed by the MD5 of the string, in a folder per embedder name, so re-materializing
a graph (or encoding new rows at prediction) does not embed a string twice. A folder holds
shards, each a pair ``<id>.keys.npy`` (``uint64[n, 2]``: MD5 high and low halves) and
``<id>.vectors.npy`` (``float32[n, dim]``); the keys file is written last, so a shard without
one is ignored. Shards are never modified, which makes concurrent writers safe.
"""

import hashlib
import io
import logging
import os
import re
import uuid
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.graph.duckdb_session import duckdb_cursor
from relgraph.graph.text_embedders import TextEmbedder
from relgraph.io.atomic import atomic_write_bytes

_logger = logging.getLogger(__name__)

_KEYS_SUFFIX = ".keys.npy"
_VECTORS_SUFFIX = ".vectors.npy"


def text_keys(texts: pa.Array) -> np.ndarray:
    """Returns the MD5 of every string as ``uint64[n, 2]`` (high half, low half).

    Args:
        texts: Non-null strings.
    """
    with duckdb_cursor() as con:
        con.register("texts", pa.table({"s": texts}))
        out = con.sql(
            "SELECT md5_number_upper(s) AS hi, md5_number_lower(s) AS lo FROM texts"
        ).to_arrow_table()
    keys = np.empty((len(texts), 2), dtype=np.uint64)
    keys[:, 0] = out["hi"].to_numpy()
    keys[:, 1] = out["lo"].to_numpy()
    return keys


class TextEmbeddingCache:
    """Text embeddings on disk, by embedder name and string hash.

    Args:
        root: The cache folder; created on first write.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)

    def folder(self, embedder: TextEmbedder) -> Path:
        """The folder that holds ``embedder``'s entries: its name, made file-safe, and a hash
        of the name (so names that differ only in punctuation do not share a folder)."""
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", embedder.name)
        return self.root / f"{slug}-{hashlib.sha256(embedder.name.encode()).hexdigest()[:8]}"

    def lookup(self, embedder: TextEmbedder, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Finds cached vectors.

        Args:
            embedder: The embedder whose entries to read.
            keys: ``uint64[n, 2]`` string hashes from :func:`text_keys`.

        Returns:
            ``(found, vectors)``: a ``bool[n]`` mask, and ``float32[found.sum(), dim]`` vectors
            of the found keys, in order.
        """
        found = np.zeros(len(keys), dtype=bool)
        shards = self._shards(embedder)
        if not shards or len(keys) == 0:
            return found, np.zeros((0, embedder.dim), dtype=np.float32)
        shard_keys = [np.load(keys_path) for keys_path, _ in shards]
        all_keys = np.concatenate(shard_keys)
        shard_of = np.repeat(np.arange(len(shards)), [len(k) for k in shard_keys])
        row_of = np.concatenate([np.arange(len(k)) for k in shard_keys])
        # Search on the low half, then confirm the high half: a 64-bit clash is only a miss.
        order = np.argsort(all_keys[:, 1], kind="stable")
        sorted_lo = all_keys[order, 1]
        pos = np.searchsorted(sorted_lo, keys[:, 1])
        pos_clipped = np.minimum(pos, len(sorted_lo) - 1)
        hit = order[pos_clipped]
        found = (
            (pos < len(sorted_lo))
            & (all_keys[hit, 0] == keys[:, 0])
            & (all_keys[hit, 1] == keys[:, 1])
        )
        vectors = np.empty((int(found.sum()), embedder.dim), dtype=np.float32)
        hit_shard, hit_row = shard_of[hit[found]], row_of[hit[found]]
        for shard in np.unique(hit_shard):
            stored = np.load(shards[shard][1], mmap_mode="r")
            if stored.shape[1] != embedder.dim:
                raise ValueError(
                    f"text cache {shards[shard][1]}: vectors of size {stored.shape[1]}, but "
                    f"embedder {embedder.name!r} makes {embedder.dim}"
                )
            mask = hit_shard == shard
            vectors[mask] = stored[hit_row[mask]]
        return found, vectors

    def put(self, embedder: TextEmbedder, keys: np.ndarray, vectors: np.ndarray) -> None:
        """Stores vectors as one new shard.

        Args:
            embedder: The embedder that made them.
            keys: ``uint64[n, 2]`` string hashes.
            vectors: ``float32[n, dim]``.
        """
        if len(keys) == 0:
            return
        folder = self.folder(embedder)
        shard = uuid.uuid4().hex
        atomic_write_bytes(folder / f"{shard}{_VECTORS_SUFFIX}", _npy_bytes(vectors))
        atomic_write_bytes(folder / f"{shard}{_KEYS_SUFFIX}", _npy_bytes(keys))
        _logger.debug("text cache: stored %d %s embeddings in %s", len(keys), embedder.name, shard)

    def _shards(self, embedder: TextEmbedder) -> list[tuple[Path, Path]]:
        folder = self.folder(embedder)
        if not folder.is_dir():
            return []
        shards = []
        for keys_path in sorted(folder.glob(f"*{_KEYS_SUFFIX}")):
            vectors_path = keys_path.with_name(
                keys_path.name.removesuffix(_KEYS_SUFFIX) + _VECTORS_SUFFIX
            )
            if vectors_path.is_file():
                shards.append((keys_path, vectors_path))
        return shards


def embed_column(
    values: pa.Array | pa.ChunkedArray,
    embedder: TextEmbedder,
    cache: TextEmbeddingCache | None = None,
) -> np.ndarray:
    """Embeds a text column: each distinct string once, through the cache when given.

    Args:
        values: Strings, possibly null; other types are cast to strings.
        embedder: The embedder.
        cache: Where to look up and store embeddings (default: ``None``, no caching).

    Returns:
        ``float32[len(values), dim]``; null rows are zeros.
    """
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks() if values.num_chunks else pa.array([], pa.string())
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)):
        values = values.cast(pa.string())
    distinct = pc.unique(values).drop_null()
    index = pc.index_in(values, value_set=distinct)
    unique_vectors = _embed_distinct(distinct, embedder, cache)
    out = np.zeros((len(values), embedder.dim), dtype=np.float32)
    valid = index.is_valid().to_numpy(zero_copy_only=False)
    out[valid] = unique_vectors[index.drop_null().to_numpy()]
    return out


def _embed_distinct(
    texts: pa.Array, embedder: TextEmbedder, cache: TextEmbeddingCache | None
) -> np.ndarray:
    if cache is None:
        return _checked(embedder, embedder.embed(texts), len(texts))
    keys = text_keys(texts)
    found, cached = cache.lookup(embedder, keys)
    vectors = np.empty((len(texts), embedder.dim), dtype=np.float32)
    vectors[found] = cached
    missing = np.flatnonzero(~found)
    if len(missing):
        fresh = _checked(embedder, embedder.embed(texts.take(missing)), len(missing))
        vectors[missing] = fresh
        cache.put(embedder, keys[missing], fresh)
    _logger.info(
        "text embedder %s: %d distinct strings, %d from cache, %d embedded",
        embedder.name,
        len(texts),
        int(found.sum()),
        len(missing),
    )
    return vectors


def _checked(embedder: TextEmbedder, vectors: np.ndarray, num: int) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.shape != (num, embedder.dim):
        raise ValueError(
            f"text embedder {embedder.name!r} returned shape {vectors.shape}, expected "
            f"({num}, {embedder.dim})"
        )
    return vectors


def _npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
    return buffer.getvalue()
