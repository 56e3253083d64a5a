"""The F1 database materialized: counts, times and order checked against DuckDB."""

import duckdb
import numpy as np
import pyarrow as pa
import pytest
import torch

from relgraph.graph import NEVER, GraphArtifact, encode_tables, to_epoch_seconds
from relgraph.schema import Schema


def _duck(tables: dict[str, pa.Table]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    for name, table in tables.items():
        con.register(name, table)
    return con


def test_one_node_per_row(f1_artifact: GraphArtifact, f1_tables):
    assert f1_artifact.store.num_nodes == {n: t.num_rows for n, t in f1_tables.items()}
    assert f1_artifact.store.num_nodes["pit_stops"] == 11371  # no primary key: row = node


def test_edges_match_foreign_key_joins(f1_artifact: GraphArtifact, f1_tables, f1_schema: Schema):
    con = _duck(f1_tables)
    expected_fks = {
        ("results", "raceId", "races"),
        ("results", "driverId", "drivers"),
        ("results", "constructorId", "constructors"),
        ("results", "statusId", "status"),
        ("qualifying", "raceId", "races"),
        ("pit_stops", "driverId", "drivers"),
        ("races", "circuitId", "circuits"),
        ("driver_standings", "driverId", "drivers"),
    }
    found = {(t.name, fk.column, fk.table) for t in f1_schema for fk in t.foreign_keys}
    assert expected_fks <= found
    reported = {(f["table"], f["column"]): f for f in f1_artifact.manifest["foreign_keys"]}
    for table in f1_schema:
        for fk in table.foreign_keys:
            joined, non_null = con.sql(
                f'SELECT count(p."{fk.target_column}"), count(c."{fk.column}") '
                f'FROM "{table.name}" c LEFT JOIN "{fk.table}" p '
                f'ON c."{fk.column}" = p."{fk.target_column}"'
            ).fetchall()[0]
            forward = f1_artifact.store.edges[(table.name, f"f2p_{fk.column}", fk.table)]
            backward = f1_artifact.store.edges[(fk.table, f"rev_f2p_{fk.column}", table.name)]
            assert forward.num_edges == backward.num_edges == joined, (table.name, fk.column)
            assert reported[(table.name, fk.column)]["num_dangling"] == non_null - joined
            assert forward.rowptr.shape == (f1_tables[fk.table].num_rows + 1,)
            assert backward.rowptr.shape == (f1_tables[table.name].num_rows + 1,)
            assert backward.degrees().max() <= 1


def test_race_times_are_date_plus_time(f1_artifact: GraphArtifact, f1_tables):
    races = f1_tables["races"]
    times = f1_artifact.store.node_time["races"]
    row = races["raceId"].to_pylist().index(1)  # 2009 Australian GP, 06:00:00
    assert times[row] == to_epoch_seconds("2009-03-29T06:00:00")
    no_time = pa.compute.is_null(races["time"]).to_numpy(zero_copy_only=False)
    dates = races["date"].cast(pa.timestamp("s")).cast(pa.int64()).to_numpy()
    np.testing.assert_array_equal(times[no_time], dates[no_time])  # missing time = midnight
    assert (times[~no_time] >= dates[~no_time]).all()
    assert (times[~no_time] < dates[~no_time] + 86_400).all()


@pytest.mark.parametrize("table", ["results", "qualifying", "pit_stops", "driver_standings"])
def test_event_tables_inherit_race_time(f1_artifact: GraphArtifact, f1_tables, table):
    race_time = dict(
        zip(
            f1_tables["races"]["raceId"].to_pylist(),
            f1_artifact.store.node_time["races"],
            strict=True,
        )
    )
    expected = [race_time.get(r, NEVER) for r in f1_tables[table]["raceId"].to_pylist()]
    np.testing.assert_array_equal(f1_artifact.store.node_time[table], expected)
    assert f1_artifact.store.node_time["drivers"] is None  # dob is not an event time


def test_neighbor_lists_sorted_by_time(f1_artifact: GraphArtifact):
    store = f1_artifact.store
    for (src, _, _), csr in store.edges.items():
        times = store.node_time[src]
        if times is None:
            continue
        neighbor_times = times[csr.col]
        rows = np.repeat(np.arange(len(csr.rowptr) - 1), csr.degrees())
        same_row = rows[1:] == rows[:-1]
        assert (neighbor_times[1:][same_row] >= neighbor_times[:-1][same_row]).all()


def test_encoders_fitted_only_up_to_cutoff(f1_artifact: GraphArtifact, f1_tables, f1_cutoff):
    state = f1_artifact.encoder_state
    cutoff = to_epoch_seconds(f1_cutoff)
    assert state.cutoff_time == cutoff
    visible = f1_artifact.store.node_time["results"] <= cutoff
    assert state.fit_rows["results"] == int(visible.sum()) < f1_tables["results"].num_rows
    points = f1_tables["results"]["points"].to_numpy(zero_copy_only=False)[visible]
    stats = {c.name: c.stats for c in state.columns("results")}["points"]
    assert stats["mean"] == pytest.approx(np.nanmean(points))
    assert stats["mean"] != pytest.approx(np.nanmean(f1_tables["results"]["points"].to_numpy()))


def test_round_trip_matches_fresh_encoding(f1_artifact: GraphArtifact, f1_tables, f1_schema):
    loaded = GraphArtifact.load(f1_artifact.path, mmap=False)
    fresh = encode_tables(f1_tables, f1_schema, loaded.encoder_state)
    assert set(fresh) == set(loaded.store.features)
    for name, tf in fresh.items():
        stored = loaded.store.features[name]
        assert stored.col_names_dict == tf.col_names_dict
        for stype, feat in tf.feat_dict.items():
            got = stored.feat_dict[stype]
            if isinstance(feat, torch.Tensor):
                torch.testing.assert_close(got, feat, equal_nan=True)
            else:
                torch.testing.assert_close(got.values, feat.values)
                torch.testing.assert_close(got.offset, feat.offset)
    for edge_type, csr in f1_artifact.store.edges.items():
        np.testing.assert_array_equal(loaded.store.edges[edge_type].col, csr.col)
    keys = loaded.id_maps.keys("drivers", [0, 1])
    assert loaded.id_maps.node_index("drivers", keys).tolist() == [0, 1]
