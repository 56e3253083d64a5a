import numpy as np
import pyarrow as pa
import pytest

from relgraph.graph import (
    HashingTextEmbedder,
    MiniLMTextEmbedder,
    TextEmbedder,
    get_text_embedder,
)


def test_hashing_is_deterministic_normalized_and_token_based():
    embedder = HashingTextEmbedder(dim=32)
    texts = pa.array(["Red car", "red, CAR!", "car red", "blue bicycle", "", "!!"])
    first = embedder.embed(texts)
    again = HashingTextEmbedder(dim=32).embed(texts)
    assert first.dtype == np.float32 and first.shape == (6, 32)
    np.testing.assert_array_equal(first, again)
    np.testing.assert_allclose(first[0], first[1])
    np.testing.assert_allclose(first[0], first[2])  # a bag of words
    np.testing.assert_allclose(np.linalg.norm(first[:4], axis=1), 1.0, rtol=1e-6)
    assert not first[4].any() and not first[5].any()
    assert first[0] @ first[3] < 0.99


def test_hashing_handles_unicode_words():
    vectors = HashingTextEmbedder(dim=64).embed(pa.array(["Ünïcode façade", "ünïcode FAÇADE"]))
    np.testing.assert_allclose(vectors[0], vectors[1])
    assert np.linalg.norm(vectors[0]) == pytest.approx(1.0)


def test_hashing_empty_input():
    assert HashingTextEmbedder(dim=8).embed(pa.array([], pa.string())).shape == (0, 8)


@pytest.mark.parametrize(
    "spec, name, dim",
    [("hashing", "hashing:64", 64), ("Hashing:128", "hashing:128", 128), ("minilm", "minilm", 384)],
)
def test_get_text_embedder(spec, name, dim):
    embedder = get_text_embedder(spec)
    assert isinstance(embedder, TextEmbedder)
    assert (embedder.name, embedder.dim) == (name, dim)


def test_get_text_embedder_passes_instances_through():
    embedder = HashingTextEmbedder(dim=4)
    assert get_text_embedder(embedder) is embedder


@pytest.mark.parametrize("spec", ["glove", "minilm:12", "hashing:x", ""])
def test_get_text_embedder_rejects_unknown(spec):
    with pytest.raises(ValueError, match="unknown text embedder"):
        get_text_embedder(spec)


def test_hashing_rejects_bad_dim():
    with pytest.raises(ValueError, match="dim must be positive, found 0"):
        HashingTextEmbedder(dim=0)


def test_minilm_embeds_offline_by_meaning():
    vectors = MiniLMTextEmbedder().embed(
        pa.array(["The driver won the race.", "A racer finished first.", "Bananas are yellow."])
    )
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.2
