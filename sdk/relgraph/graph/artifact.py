"""A materialized graph on disk, loaded back (memory-mapped) as a :class:`GraphStore`.

Layout of an artifact folder::

    manifest.json          format version, what it was made from, counts, file layout
    schema.json            the schema it was materialized with
    encoder_state.json     vocabularies and statistics, to encode new rows the same way
    nodes/<i>_<table>/     time.npy (temporal tables), keys.arrow (tables with a primary key),
                           features/<stype>.<part>.npy
    edges/<i>_<relation>/  rowptr.npy, col.npy (incoming neighbors per destination node)
"""

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch_frame

from relgraph.graph.encoder_state import EncoderState
from relgraph.graph.features import EncodedFeatures
from relgraph.graph.id_maps import IdMaps, read_keys
from relgraph.graph.store import GraphStore, NeighborCSR
from relgraph.schema import Schema
from relgraph.typing import EdgeType

FORMAT_VERSION = 1
ARTIFACT_KIND = "relgraph.graph"
MANIFEST_FILE = "manifest.json"
SCHEMA_FILE = "schema.json"
ENCODER_STATE_FILE = "encoder_state.json"


@dataclass
class GraphArtifact:
    """A graph artifact: the graph, its id maps, encoder state, schema and manifest.

    Args:
        path: The artifact folder.
        manifest: The parsed ``manifest.json``.
        store: The graph (arrays memory-mapped when loaded with ``mmap=True``).
        id_maps: Node index <-> primary key maps.
        encoder_state: The fitted feature encoding.
        schema: The schema the graph was materialized with.
    """

    path: Path
    manifest: dict[str, Any]
    store: GraphStore
    id_maps: IdMaps
    encoder_state: EncoderState
    schema: Schema

    @property
    def content_hash(self) -> str:
        """The hash of the artifact's files (all but the manifest)."""
        return str(self.manifest["content_hash"])

    @classmethod
    def load(cls, path: str | os.PathLike[str], *, mmap: bool = True) -> "GraphArtifact":
        """Reads an artifact written by :func:`~relgraph.graph.materialize.materialize`.

        Args:
            path: The artifact folder.
            mmap: Memory-map the arrays instead of reading them into memory (default:
                ``True``). Structure arrays are mapped read-only, feature arrays copy-on-write
                (the files are never modified).

        Returns:
            The artifact.

        Raises:
            FileNotFoundError: If ``path`` is not an artifact folder.
            ValueError: If the manifest is of another kind or a newer format.
        """
        path = Path(path)
        manifest = read_manifest(path)
        encoder_state = EncoderState.load(path / manifest["files"]["encoder_state"])
        schema = Schema.load(path / manifest["files"]["schema"])
        mode = "r" if mmap else None
        num_nodes: dict[str, int] = {}
        node_time: dict[str, np.ndarray | None] = {}
        features = {}
        keys = {}
        for node in manifest["node_types"]:
            name, folder = node["name"], path / node["dir"]
            num_nodes[name] = int(node["num_nodes"])
            node_time[name] = (
                np.load(folder / "time.npy", mmap_mode=mode, allow_pickle=False)
                if node["temporal"]
                else None
            )
            if node["primary_key"] is not None:
                keys[name] = read_keys(folder / "keys.arrow", mmap=mmap)
            col_names = {torch_frame.stype(s): list(c) for s, c in node["features"].items()}
            if col_names:
                encoded = EncodedFeatures.load(
                    folder / "features", num_nodes[name], col_names, mmap=mmap
                )
                features[name] = encoded.to_tensor_frame()
        edges: dict[EdgeType, NeighborCSR] = {}
        for edge in manifest["edge_types"]:
            folder = path / edge["dir"]
            edges[(edge["src"], edge["rel"], edge["dst"])] = NeighborCSR(
                rowptr=np.load(folder / "rowptr.npy", mmap_mode=mode, allow_pickle=False),
                col=np.load(folder / "col.npy", mmap_mode=mode, allow_pickle=False),
            )
        store = GraphStore(
            num_nodes=num_nodes,
            node_time=node_time,
            edges=edges,
            features=features,
            col_stats={name: encoder_state.col_stats(name) for name in features},
        )
        return cls(
            path=path,
            manifest=manifest,
            store=store,
            id_maps=IdMaps(keys, num_nodes),
            encoder_state=encoder_state,
            schema=schema,
        )


def read_manifest(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Reads and checks the manifest of an artifact folder.

    Args:
        path: The artifact folder.

    Raises:
        FileNotFoundError: If the folder has no manifest.
        ValueError: If the manifest is of another kind or a newer format.
    """
    file = Path(path) / MANIFEST_FILE
    if not file.is_file():
        raise FileNotFoundError(f"not a graph artifact: {file} not found")
    manifest = json.loads(file.read_text(encoding="utf-8"))
    if manifest.get("kind") != ARTIFACT_KIND:
        raise ValueError(
            f"{file}: artifact kind {manifest.get('kind')!r} is not a graph ({ARTIFACT_KIND!r})"
        )
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ValueError(
            f"{file}: graph format_version {version!r} is not supported (this relgraph reads up "
            f"to {FORMAT_VERSION})"
        )
    return manifest
