import json
import uuid

import numpy as np
import pyarrow as pa
import pytest
import torch
import torch_frame

from relgraph.graph import (
    NEVER,
    UNKNOWN_CATEGORY,
    GraphArtifact,
    encode_table,
    materialize,
    to_epoch_seconds,
)
from relgraph.io import combine_hashes, table_hash
from relgraph.schema import Column, Schema, SchemaError, Table


def _schema() -> Schema:
    users = Table(
        "users",
        [Column("id", "category"), Column("name", "text"), Column("age", "integer")],
        primary_key="id",
    )
    orders = Table(
        "orders",
        [
            Column("order id", "integer"),
            Column("user", "category"),
            Column("at", "datetime"),
            Column("amount", "float"),
            Column("channel", "category"),
        ],
        primary_key="order id",
        time_column="at",
    )
    orders.add_foreign_key("user", "users.id")
    items = Table("items", [Column("order", "integer"), Column("qty", "integer")])
    items.add_foreign_key("order", "orders.order id")
    items.set_inherit_time_from("order")
    return Schema(tables=[users, orders, items])


def _tables() -> dict[str, pa.Table]:
    return {
        "users": pa.table(
            {"id": ["u1", "u2", "u3"], "name": ["Ann", "Bob", None], "age": [30, None, 50]}
        ),
        "orders": pa.table(
            {
                "order id": [100, 101, 102, 103, 104, 105],
                "user": ["u2", "u1", "u2", "u9", None, "u2"],
                "at": ["2020-03-01", "2020-01-01", "2019-05-01", "2020-02-01", None, "2021-01-01"],
                "amount": [10.0, 20.0, 30.0, 40.0, 50.0, 1e9],
                "channel": ["web", "app", "web", "web", "app", "shop"],
            }
        ),
        "items": pa.table({"order": [101, 100, 100, 999, 102], "qty": [1, 2, 3, 4, 5]}),
    }


@pytest.fixture
def artifact(tmp_path) -> GraphArtifact:
    return materialize(_tables(), _schema(), tmp_path / "graph", cutoff_time="2020-12-31")


def test_nodes_and_times(artifact):
    store = artifact.store
    assert store.num_nodes == {"users": 3, "orders": 6, "items": 5}
    assert store.node_time["users"] is None
    t = {d: to_epoch_seconds(d) for d in ["2020-03-01", "2020-01-01", "2019-05-01"]}
    orders = store.node_time["orders"]
    assert list(orders[:3]) == [t["2020-03-01"], t["2020-01-01"], t["2019-05-01"]]
    assert orders[4] == NEVER
    items = store.node_time["items"]
    assert list(items) == [
        t["2020-01-01"],
        t["2020-03-01"],
        t["2020-03-01"],
        NEVER,
        t["2019-05-01"],
    ]


def test_edges_counts_dangling_and_time_order(artifact):
    edges = artifact.store.edges
    assert set(edges) == {
        ("orders", "f2p_user", "users"),
        ("users", "rev_f2p_user", "orders"),
        ("items", "f2p_order", "orders"),
        ("orders", "rev_f2p_order", "items"),
    }
    to_users = edges[("orders", "f2p_user", "users")]
    # u1 <- order 101; u2 <- orders 102 (2019), 100 (2020-03), 105 (2021), sorted by time.
    assert list(to_users.rowptr) == [0, 1, 4, 4]
    assert list(to_users.col) == [1, 2, 0, 5]
    to_orders = edges[("users", "rev_f2p_user", "orders")]
    assert list(to_orders.degrees()) == [1, 1, 1, 0, 0, 1]
    assert list(to_orders.col) == [1, 0, 1, 1]
    items_of_orders = edges[("items", "f2p_order", "orders")]
    assert list(items_of_orders.degrees()) == [2, 1, 1, 0, 0, 0]
    fks = {f["column"]: f for f in artifact.manifest["foreign_keys"]}
    assert (fks["user"]["num_null"], fks["user"]["num_dangling"], fks["user"]["num_edges"]) == (
        1,
        1,
        4,
    )
    assert (fks["order"]["num_dangling"], fks["order"]["num_edges"]) == (1, 4)
    assert artifact.manifest["counts"]["dangling_foreign_keys"] == 2


def test_id_maps(artifact):
    maps = artifact.id_maps
    assert list(maps.node_index("users", ["u3", "u1", "nobody"])) == [2, 0, -1]
    assert maps.keys("orders", [5, 0]).to_pylist() == [105, 100]
    assert not maps.has_keys("items")


def test_features_fitted_at_cutoff(artifact):
    state = artifact.encoder_state
    orders = {c.name: c.stats for c in state.columns("orders")}
    # Orders at or before the cutoff: 100..103 (104 has no time, 105 is after it).
    assert orders["amount"]["mean"] == 25.0
    assert orders["channel"]["categories"] == ["web", "app", UNKNOWN_CATEGORY]
    assert state.fit_rows == {"users": 3, "orders": 4, "items": 4}
    tf = artifact.store.features["orders"]
    assert tf.col_names_dict[torch_frame.categorical] == ["channel"]
    assert tf.feat_dict[torch_frame.categorical][5, 0] == 2  # "shop" is unseen at the cutoff
    assert "items" in artifact.store.features and "users" in artifact.store.features
    assert set(artifact.store.col_stats["orders"]) == {"at", "amount", "channel"}


def test_manifest(artifact, tmp_path):
    manifest = json.loads((artifact.path / "manifest.json").read_text())
    assert manifest == artifact.manifest
    assert manifest["kind"] == "relgraph.graph" and manifest["format_version"] == 1
    made_from = manifest["made_from"]
    assert made_from["schema_hash"] == _schema().content_hash()
    assert made_from["data_hash"] == combine_hashes(
        {n: table_hash(t) for n, t in _tables().items()}
    )
    assert made_from["cutoff_time"] == "2020-12-31T00:00:00"
    assert made_from["text_embedder"] == "hashing:64"
    counts = manifest["counts"]
    assert (counts["nodes"], counts["edges"], counts["node_types"], counts["edge_types"]) == (
        14,
        16,
        3,
        4,
    )
    assert counts["encoded_bytes"] > 0
    node = {n["name"]: n for n in manifest["node_types"]}["orders"]
    assert node["time_range"] == ["2019-05-01T00:00:00", "2021-01-01T00:00:00"]
    assert node["num_unknown_time"] == 1
    again = materialize(
        _tables(), _schema(), tmp_path / "again", cutoff_time="2020-12-31", data_hash="snap-1"
    )
    assert again.content_hash == artifact.content_hash
    assert again.manifest["made_from"]["data_hash"] == "snap-1"


@pytest.mark.parametrize("mmap", [True, False])
def test_round_trip_same_arrays_and_tensors(artifact, mmap):
    loaded = GraphArtifact.load(artifact.path, mmap=mmap)
    assert isinstance(loaded.store.edges[("orders", "f2p_user", "users")].col, np.memmap) is mmap
    for name, times in artifact.store.node_time.items():
        if times is None:
            assert loaded.store.node_time[name] is None
        else:
            np.testing.assert_array_equal(loaded.store.node_time[name], times)
    for edge_type, csr in artifact.store.edges.items():
        np.testing.assert_array_equal(loaded.store.edges[edge_type].rowptr, csr.rowptr)
        np.testing.assert_array_equal(loaded.store.edges[edge_type].col, csr.col)
    schema, tables = _schema(), _tables()
    for table in schema:
        expected = encode_table(tables[table.name], table, artifact.encoder_state)
        tf = loaded.store.features[table.name]
        assert tf.col_names_dict == expected.col_names
        for stype, parts in expected.arrays.items():
            feat = tf.feat_dict[stype]
            got = feat if isinstance(feat, torch.Tensor) else feat.values
            torch.testing.assert_close(got, torch.from_numpy(parts["values"]), equal_nan=True)
    assert loaded.schema.content_hash() == schema.content_hash()
    assert loaded.encoder_state == artifact.encoder_state


def test_prediction_graph_reuses_encoder_state(artifact, tmp_path):
    new = _tables()
    new["orders"] = new["orders"].set_column(
        4, "channel", pa.array(["fax", "web", "web", "web", "app", "app"])
    )
    graph = materialize(new, _schema(), tmp_path / "predict", encoder_state=artifact.encoder_state)
    assert graph.encoder_state == artifact.encoder_state
    channel = graph.store.features["orders"].feat_dict[torch_frame.categorical][:, 0]
    assert channel.tolist() == [2, 0, 0, 0, 1, 1]
    with pytest.raises(ValueError, match="cutoff_time and encoder_config cannot change it"):
        materialize(
            new, _schema(), tmp_path / "x", encoder_state=artifact.encoder_state, cutoff_time=0
        )
    with pytest.raises(ValueError, match="'hashing:8' is not the one encoder_state was fitted"):
        materialize(
            new,
            _schema(),
            tmp_path / "x",
            encoder_state=artifact.encoder_state,
            text_embedder="hashing:8",
        )


def test_invalid_input_leaves_nothing_behind(tmp_path):
    tables = _tables()
    tables["users"] = pa.table(
        {"id": ["u1", "u1", "u3"], "name": ["a", "b", "c"], "age": [1, 2, 3]}
    )
    with pytest.raises(SchemaError, match=r"primary key users\.id: 1 duplicate values"):
        materialize(tables, _schema(), tmp_path / "graph")
    assert list(tmp_path.iterdir()) == []


def test_failure_while_writing_leaves_nothing_behind(tmp_path):
    schema = Schema(
        tables=[Table("t", [Column("id", "integer"), Column("e", "embedding")], primary_key="id")]
    )
    good = materialize({"t": pa.table({"id": [1], "e": [[1.0, 2.0]]})}, schema, tmp_path / "good")
    bad = {"t": pa.table({"id": [1], "e": [[1.0, 2.0, 3.0]]})}
    with pytest.raises(SchemaError, match="fitted on size 2"):
        materialize(bad, schema, tmp_path / "bad", encoder_state=good.encoder_state)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good"]


def test_existing_destination(artifact):
    with pytest.raises(FileExistsError, match="already exists"):
        materialize(_tables(), _schema(), artifact.path)
    replaced = materialize(_tables(), _schema(), artifact.path, overwrite=True)
    assert replaced.manifest["made_from"]["cutoff_time"] is None


def test_load_rejects_what_is_not_a_graph(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a graph artifact"):
        GraphArtifact.load(tmp_path)
    (tmp_path / "manifest.json").write_text(json.dumps({"kind": "relgraph.model"}))
    with pytest.raises(ValueError, match=r"'relgraph\.model' is not a graph"):
        GraphArtifact.load(tmp_path)
    (tmp_path / "manifest.json").write_text(
        json.dumps({"kind": "relgraph.graph", "format_version": 99})
    )
    with pytest.raises(ValueError, match="format_version 99 is not supported"):
        GraphArtifact.load(tmp_path)


def test_foreign_keys_of_another_type_are_reported(tmp_path):
    tables = _tables()
    tables["items"] = pa.table({"order": ["a", "b", "c", "d", "e"], "qty": [1, 2, 3, 4, 5]})
    with pytest.raises(
        SchemaError, match=r"items\.order -> orders\.order id: values of type string cannot"
    ):
        materialize(tables, _schema(), tmp_path / "graph")
    assert list(tmp_path.iterdir()) == []


def test_missing_columns_are_reported(tmp_path):
    tables = _tables()
    tables["orders"] = tables["orders"].drop_columns(["amount"])
    with pytest.raises(
        SchemaError, match=r"table 'orders': columns \['amount'\] are not in the data"
    ):
        materialize(tables, _schema(), tmp_path / "graph")


@pytest.mark.parametrize("as_strings", [True, False])
def test_uuid_keys(tmp_path, as_strings):
    ids = [uuid.UUID(int=(i + 1) * 104_729) for i in range(3)]

    def keys(values: list[uuid.UUID | None]) -> pa.Array:
        if as_strings:
            return pa.array([None if v is None else str(v) for v in values])
        storage = pa.array([None if v is None else v.bytes for v in values], pa.binary(16))
        return pa.ExtensionArray.from_storage(pa.uuid(), storage)

    parent = Table("accounts", [Column("id", "text"), Column("x", "float")], primary_key="id")
    child = Table("events", [Column("account", "text"), Column("y", "float")])
    child.add_foreign_key("account", "accounts.id")
    tables = {
        "accounts": pa.table({"id": keys(ids), "x": [1.0, 2.0, 3.0]}),
        "events": pa.table(
            {"account": keys([ids[2], None, uuid.UUID(int=1), ids[2]]), "y": [1.0] * 4}
        ),
    }
    artifact = materialize(tables, Schema(tables=[parent, child]), tmp_path / "g")
    csr = artifact.store.edges[("events", "f2p_account", "accounts")]
    assert list(csr.rowptr) == [0, 0, 0, 2] and list(csr.col) == [0, 3]
    fk = artifact.manifest["foreign_keys"][0]
    assert (fk["num_null"], fk["num_dangling"]) == (1, 1)
    assert list(artifact.id_maps.node_index("accounts", keys([ids[1], ids[0]]))) == [1, 0]
    assert artifact.id_maps.keys("accounts", [2]).equals(keys([ids[2]]))
