import hashlib

import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph import (
    HashingTextEmbedder,
    TextEmbedder,
    TextEmbeddingCache,
    embed_column,
    materialize,
)
from relgraph.graph.text_cache import text_keys
from relgraph.schema import Column, Schema, Table


class CountingEmbedder(TextEmbedder):
    """A hashing embedder that records which strings it was asked to embed."""

    def __init__(self) -> None:
        self.inner = HashingTextEmbedder(dim=8)
        self.name = "counting:8"
        self.dim = 8
        self.seen: list[str] = []

    def embed(self, texts: pa.Array) -> np.ndarray:
        self.seen += texts.to_pylist()
        return self.inner.embed(texts)


def test_text_keys_are_md5_halves():
    keys = text_keys(pa.array(["a", "b", "a"]))
    assert keys.dtype == np.uint64 and keys.shape == (3, 2)
    np.testing.assert_array_equal(keys[0], keys[2])
    digest = hashlib.md5(b"a").digest()
    assert int(keys[0, 0]) == int.from_bytes(digest[:8], "little")
    assert int(keys[0, 1]) == int.from_bytes(digest[8:], "little")
    assert not np.array_equal(keys[0], keys[1])


def test_embed_column_embeds_each_distinct_string_once_and_nulls_are_zero():
    embedder = CountingEmbedder()
    out = embed_column(pa.chunked_array([["x", None], ["y", "x"]]), embedder)
    assert sorted(embedder.seen) == ["x", "y"]
    x, y = HashingTextEmbedder(dim=8).embed(pa.array(["x", "y"]))
    np.testing.assert_array_equal(out, np.stack([x, np.zeros(8), y, x]))


def test_cache_hits_skip_the_embedder(tmp_path):
    cache = TextEmbeddingCache(tmp_path / "cache")
    first = CountingEmbedder()
    a = embed_column(pa.array(["p", "q", None]), first, cache)
    assert sorted(first.seen) == ["p", "q"]
    second = CountingEmbedder()
    b = embed_column(pa.array(["q", "r", "p"]), second, cache)
    assert second.seen == ["r"]
    np.testing.assert_array_equal(b[0], a[1])
    np.testing.assert_array_equal(b[2], a[0])
    third = CountingEmbedder()
    embed_column(pa.array(["r", "p", "q"]), third, cache)
    assert third.seen == []
    assert len(list(cache.folder(third).glob("*.keys.npy"))) == 2


def test_cache_is_per_embedder(tmp_path):
    cache = TextEmbeddingCache(tmp_path)
    embed_column(pa.array(["p"]), CountingEmbedder(), cache)
    other = HashingTextEmbedder(dim=8)
    found, _ = cache.lookup(other, text_keys(pa.array(["p"])))
    assert not found.any()
    assert cache.folder(other) != cache.folder(CountingEmbedder())


def test_cache_rejects_vectors_of_another_size(tmp_path):
    cache = TextEmbeddingCache(tmp_path)
    embedder = CountingEmbedder()
    embed_column(pa.array(["p"]), embedder, cache)
    embedder.dim = 4
    with pytest.raises(ValueError, match="vectors of size 8"):
        cache.lookup(embedder, text_keys(pa.array(["p"])))


def test_rematerializing_does_not_reembed(tmp_path):
    schema = Schema(
        tables=[Table("t", [Column("id", "integer"), Column("s", "text")], primary_key="id")]
    )
    tables = {"t": pa.table({"id": [1, 2, 3], "s": ["a b", "c", "a b"]})}
    embedder = CountingEmbedder()
    first = materialize(
        tables, schema, tmp_path / "g1", text_embedder=embedder, cache_dir=tmp_path / "cache"
    )
    assert sorted(embedder.seen) == ["a b", "c"]
    embedder.seen.clear()
    second = materialize(
        tables, schema, tmp_path / "g2", text_embedder=embedder, cache_dir=tmp_path / "cache"
    )
    assert embedder.seen == []
    assert first.content_hash == second.content_hash
