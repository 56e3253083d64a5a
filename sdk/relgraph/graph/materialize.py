"""Materialization: a table snapshot and its schema become a graph artifact on disk.

One node type per table and one node per row (tables without a primary key too: node index =
row number); two edge types per foreign key, ``(child, "f2p_<fk>", parent)`` and
``(parent, "rev_f2p_<fk>", child)``, stored as CSR of incoming neighbors sorted by source time;
node times from each table's own or inherited time; features encoded per dtype with an
encoder state fitted on rows visible at the cutoff. Dangling foreign keys are counted and
reported, not fatal. The artifact is written atomically: a failure leaves nothing behind.
"""

import datetime as dt
import json
import logging
import os
import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import xxhash

import relgraph
from relgraph.graph.artifact import (
    ARTIFACT_KIND,
    ENCODER_STATE_FILE,
    FORMAT_VERSION,
    MANIFEST_FILE,
    SCHEMA_FILE,
    GraphArtifact,
)
from relgraph.graph.edges import KeyIndex, incoming_csr, time_order
from relgraph.graph.encoder_state import EncoderConfig, EncoderState
from relgraph.graph.encoders import encode_table, fit_encoder_state
from relgraph.graph.id_maps import write_keys
from relgraph.graph.node_time import TimeLike, node_time, seconds_to_iso
from relgraph.graph.store import NEVER
from relgraph.graph.text_cache import TextEmbeddingCache
from relgraph.graph.text_embedders import TextEmbedder, get_text_embedder
from relgraph.io.atomic import atomic_directory, atomic_write_text
from relgraph.io.hashing import combine_hashes, table_hash
from relgraph.schema import Schema, SchemaError
from relgraph.schema.keys import key_family

_logger = logging.getLogger(__name__)

_READ_CHUNK = 1 << 24


def materialize(
    tables: Mapping[str, pa.Table],
    schema: Schema,
    dest: str | os.PathLike[str],
    *,
    cutoff_time: TimeLike | None = None,
    text_embedder: str | TextEmbedder | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
    encoder_config: EncoderConfig | None = None,
    encoder_state: EncoderState | None = None,
    data_hash: str | None = None,
    overwrite: bool = False,
) -> GraphArtifact:
    """Materializes tables into a graph artifact folder.

    Args:
        tables: Arrow tables by name, one per schema table.
        schema: The schema; validated against the tables first.
        dest: The artifact folder to create.
        cutoff_time: Fit feature statistics and vocabularies only on rows with a time at or
            before this, and on static tables (default: ``None``, every row). The graph itself
            holds every row; samplers enforce time.
        text_embedder: The text embedder or its name: ``"hashing"``, ``"hashing:<dim>"`` or
            ``"minilm"`` (default: ``None``, the encoder state's if one is given, otherwise
            ``"hashing"``).
        cache_dir: A text embedding cache folder, shared between runs (default: ``None``, no
            caching).
        encoder_config: Encoding options (default: ``EncoderConfig()``).
        encoder_state: Encode with this fitted state instead of fitting one (e.g. to build a
            prediction graph the way the training graph was built); excludes ``cutoff_time``
            and ``encoder_config`` (default: ``None``).
        data_hash: The content hash of the snapshot the tables come from, recorded in the
            manifest (default: ``None``: computed as a snapshot computes it, with
            :func:`relgraph.io.table_hash` per table).
        overwrite: Replace an existing artifact at ``dest`` (default: ``False``).

    Returns:
        The artifact, loaded back memory-mapped.

    Raises:
        SchemaError: If the schema is invalid or does not fit the tables.
        FileExistsError: If ``dest`` exists and ``overwrite`` is ``False``.
        ValueError: If ``encoder_state`` is combined with fitting options.
    """
    start = time.perf_counter()
    if Path(dest).exists() and not overwrite:
        raise FileExistsError(f"{dest} already exists (pass overwrite=True to replace it)")
    # The structure is validated here; the data checks of Schema.validate (tables and columns
    # present, primary keys unique and not null, key types comparable) are made while the key
    # indexes are built, without a second pass of hashing every key.
    schema.validate()
    _check_data(tables, schema)
    key_indexes = {
        t.name: KeyIndex(tables[t.name][t.primary_key], where=f"{t.name}.{t.primary_key}")
        for t in schema
        if t.primary_key is not None
    }
    if encoder_state is not None and (cutoff_time is not None or encoder_config is not None):
        raise ValueError(
            "materialize: encoder_state is already fitted; cutoff_time and encoder_config "
            "cannot change it"
        )
    if text_embedder is None:
        text_embedder = "hashing" if encoder_state is None else encoder_state.text_embedder
    embedder = get_text_embedder(text_embedder)
    if encoder_state is not None and embedder.name != encoder_state.text_embedder:
        raise ValueError(
            f"materialize: text embedder {embedder.name!r} is not the one encoder_state was "
            f"fitted with ({encoder_state.text_embedder!r})"
        )
    times = {t.name: node_time(schema, tables, t.name) for t in schema}
    state = encoder_state or fit_encoder_state(
        tables,
        schema,
        cutoff_time=cutoff_time,
        text_embedder=embedder,
        config=encoder_config,
        node_times=times,
    )
    cache = TextEmbeddingCache(cache_dir) if cache_dir is not None else None
    data_hash = data_hash or combine_hashes({t.name: table_hash(tables[t.name]) for t in schema})

    with atomic_directory(dest, overwrite=overwrite) as tmp:
        schema.save(tmp / SCHEMA_FILE)
        state.save(tmp / ENCODER_STATE_FILE)
        nodes = _write_nodes(tables, schema, state, times, embedder, cache, tmp)
        edges, foreign_keys = _write_edges(tables, schema, times, key_indexes, tmp)
        encoded_bytes, content_hash = _folder_digest(tmp)
        manifest = _manifest(
            schema, state, data_hash, content_hash, encoded_bytes, nodes, edges, foreign_keys
        )
        atomic_write_text(tmp / MANIFEST_FILE, json.dumps(manifest, indent=1) + "\n")
    _logger.info(
        "materialized %d nodes and %d edges into %s in %.2fs",
        manifest["counts"]["nodes"],
        manifest["counts"]["edges"],
        dest,
        time.perf_counter() - start,
    )
    return GraphArtifact.load(dest)


def _manifest(
    schema: Schema,
    state: EncoderState,
    data_hash: str,
    content_hash: str,
    encoded_bytes: int,
    nodes: list[dict[str, Any]],
    edges: list[dict[str, Any]],
    foreign_keys: list[dict[str, Any]],
) -> dict[str, Any]:
    cutoff = None if state.cutoff_time is None else seconds_to_iso(state.cutoff_time)
    return {
        "kind": ARTIFACT_KIND,
        "format_version": FORMAT_VERSION,
        "relgraph_version": relgraph.__version__,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "content_hash": content_hash,
        "made_from": {
            "schema_hash": schema.content_hash(),
            "data_hash": data_hash,
            "cutoff_time": cutoff,
            "text_embedder": state.text_embedder,
            "encoder_config": state.config.to_dict(),
        },
        "counts": {
            "node_types": len(nodes),
            "edge_types": len(edges),
            "nodes": sum(n["num_nodes"] for n in nodes),
            "edges": sum(e["num_edges"] for e in edges),
            "feature_columns": sum(len(c) for n in nodes for c in n["features"].values()),
            "dangling_foreign_keys": sum(f["num_dangling"] for f in foreign_keys),
            "encoded_bytes": encoded_bytes,
        },
        "encoder_state": {
            "file": ENCODER_STATE_FILE,
            "text_embedder": state.text_embedder,
            "cutoff_time": cutoff,
            "fit_rows": state.fit_rows,
        },
        "files": {"schema": SCHEMA_FILE, "encoder_state": ENCODER_STATE_FILE},
        "node_types": nodes,
        "edge_types": edges,
        "foreign_keys": foreign_keys,
    }


def _check_data(tables: Mapping[str, pa.Table], schema: Schema) -> None:
    """Tables and columns present, foreign keys of a type comparable with their keys."""
    problems = []
    for table in schema:
        if table.name not in tables:
            problems.append(f"table '{table.name}' has no data (data has: {sorted(tables)})")
            continue
        have = tables[table.name].column_names
        missing = [c for c in table.column_names if c not in have]
        if missing:
            problems.append(
                f"table '{table.name}': columns {missing} are not in the data (data has: {have})"
            )
    if problems:
        raise SchemaError(problems)
    for table in schema:
        for fk in table.foreign_keys:
            child = key_family(tables[table.name].schema.field(fk.column).type)
            parent = key_family(tables[fk.table].schema.field(fk.target_column).type)
            if child != parent:
                problems.append(
                    f"foreign key {table.name}.{fk.column} -> {fk.link_to}: values of type "
                    f"{child} cannot reference keys of type {parent}"
                )
    if problems:
        raise SchemaError(problems)


def _write_nodes(
    tables: Mapping[str, pa.Table],
    schema: Schema,
    state: EncoderState,
    times: Mapping[str, np.ndarray | None],
    embedder: TextEmbedder,
    cache: TextEmbeddingCache | None,
    root: Path,
) -> list[dict[str, Any]]:
    nodes = []
    for i, table in enumerate(schema):
        arrow = tables[table.name]
        rel = f"nodes/{i:02d}_{_slug(table.name)}"
        folder = root / rel
        folder.mkdir(parents=True)
        node: dict[str, Any] = {
            "name": table.name,
            "dir": rel,
            "num_nodes": arrow.num_rows,
            "primary_key": table.primary_key,
            "temporal": times[table.name] is not None,
            "time_range": None,
            "num_unknown_time": 0,
        }
        node_times = times[table.name]
        if node_times is not None:
            np.save(folder / "time.npy", node_times, allow_pickle=False)
            known = node_times[node_times != NEVER]
            node["num_unknown_time"] = int(len(node_times) - len(known))
            if len(known):
                node["time_range"] = [seconds_to_iso(known.min()), seconds_to_iso(known.max())]
        if table.primary_key is not None:
            write_keys(arrow[table.primary_key], folder / "keys.arrow")
        features = encode_table(arrow, table, state, text_embedder=embedder, cache=cache)
        features.save(folder / "features")
        node["features"] = {s.value: names for s, names in features.col_names.items()}
        nodes.append(node)
        del features
    return nodes


def _write_edges(
    tables: Mapping[str, pa.Table],
    schema: Schema,
    times: Mapping[str, np.ndarray | None],
    key_indexes: Mapping[str, KeyIndex],
    root: Path,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    orders: dict[str, np.ndarray] = {}

    def order_of(table: str) -> np.ndarray | None:
        if times[table] is None:
            return None
        if table not in orders:
            orders[table] = time_order(times[table])
        return orders[table]

    edges: list[dict[str, Any]] = []
    foreign_keys: list[dict[str, Any]] = []
    for table in schema:
        num_child = tables[table.name].num_rows
        for fk in table.foreign_keys:
            where = f"{table.name}.{fk.column} -> {fk.link_to}"
            try:
                links = key_indexes[fk.table].lookup(tables[table.name][fk.column], where=where)
            except TypeError as exc:
                raise SchemaError(str(exc)) from exc
            if links.num_dangling:
                _logger.warning("foreign key %s: %d dangling values", where, links.num_dangling)
            child = np.flatnonzero(links.parent_index >= 0)
            parent = links.parent_index[child]
            specs = [
                ((table.name, f"f2p_{fk.column}", fk.table), parent, child),
                ((fk.table, f"rev_f2p_{fk.column}", table.name), child, parent),
            ]
            for (src_type, rel, dst_type), dst, src in specs:
                csr = incoming_csr(
                    dst,
                    src,
                    tables[dst_type].num_rows,
                    times[src_type],
                    src_order=order_of(src_type),
                )
                rel_dir = f"edges/{len(edges):02d}_{_slug(f'{src_type}__{rel}__{dst_type}')}"
                folder = root / rel_dir
                folder.mkdir(parents=True)
                np.save(folder / "rowptr.npy", csr.rowptr, allow_pickle=False)
                np.save(folder / "col.npy", csr.col, allow_pickle=False)
                edges.append(
                    {
                        "src": src_type,
                        "rel": rel,
                        "dst": dst_type,
                        "dir": rel_dir,
                        "num_edges": csr.num_edges,
                        "foreign_key": where,
                    }
                )
            foreign_keys.append(
                {
                    "table": table.name,
                    "column": fk.column,
                    "link_to": fk.link_to,
                    "num_rows": num_child,
                    "num_null": links.num_null,
                    "num_dangling": links.num_dangling,
                    "num_edges": links.num_edges,
                }
            )
    return edges, foreign_keys


def _folder_digest(root: Path) -> tuple[int, str]:
    """Returns the total size and a hash of every file under ``root`` (path and content)."""
    hasher = xxhash.xxh3_128()
    total = 0
    for file in sorted(p for p in root.rglob("*") if p.is_file()):
        hasher.update(file.relative_to(root).as_posix().encode() + b"\0")
        with open(file, "rb") as handle:
            while chunk := handle.read(_READ_CHUNK):
                hasher.update(chunk)
                total += len(chunk)
    return total, hasher.hexdigest()


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "_", name)[:60] or "_"
