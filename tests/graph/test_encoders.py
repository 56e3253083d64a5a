import numpy as np
import pyarrow as pa
import pytest
import torch
import torch_frame
from torch_frame.nn import (
    EmbeddingEncoder,
    LinearEmbeddingEncoder,
    LinearEncoder,
    MultiCategoricalEmbeddingEncoder,
    StypeWiseFeatureEncoder,
    TimestampEncoder,
)

from relgraph.graph import (
    UNKNOWN_CATEGORY,
    EncoderConfig,
    HashingTextEmbedder,
    encode_table,
    encode_tables,
    fit_encoder_state,
)
from relgraph.schema import Column, Schema, SchemaError, Table


def _one_table(columns: list[Column], **data: pa.Array) -> tuple[Schema, dict[str, pa.Table]]:
    num_rows = len(next(iter(data.values())))
    table = Table("t", [Column("id", "integer"), *columns], primary_key="id")
    return Schema(tables=[table]), {"t": pa.table({"id": list(range(num_rows)), **data})}


def _fit_encode(schema, tables, **kwargs):
    state = fit_encoder_state(tables, schema, **kwargs)
    return state, encode_table(tables["t"], schema.table("t"), state)


# -- numerical -------------------------------------------------------------------------------


def test_numerical_standardized_with_missing_as_nan():
    schema, tables = _one_table(
        [Column("x", "float")], x=pa.array([1.0, 3.0, None, float("nan"), float("inf")])
    )
    state, feats = _fit_encode(schema, tables)
    stats = state.columns("t")[0].stats
    assert (stats["mean"], stats["std"]) == (2.0, 1.0)
    values = feats.arrays[torch_frame.numerical]["values"]
    assert values.dtype == np.float32 and values.shape == (5, 1)
    assert list(values[:2, 0]) == [-1.0, 1.0]
    assert np.isnan(values[2:, 0]).all()


@pytest.mark.parametrize(
    "values, mean",
    [
        (pa.array(["1.5", " 2.5 ", "n/a", None]), 2.0),
        (pa.array([True, False, True, None]), 2 / 3),
        (pa.array([5, 5, 5, None], pa.int32()), 5.0),
    ],
)
def test_numerical_reads_strings_bools_ints(values, mean):
    schema, tables = _one_table([Column("x", "float")], x=values)
    state, feats = _fit_encode(schema, tables)
    stats = state.columns("t")[0].stats
    assert stats["mean"] == pytest.approx(mean)
    assert stats["std"] > 0  # a constant column is scaled by 1, not divided by 0
    assert np.isnan(feats.arrays[torch_frame.numerical]["values"][3, 0])


def test_numerical_all_missing_is_neutral():
    schema, tables = _one_table([Column("x", "float")], x=pa.array([None, None], pa.float64()))
    state, _ = _fit_encode(schema, tables)
    assert state.columns("t")[0].stats == {"mean": 0.0, "std": 1.0, "quantiles": [0.0] * 5}


def test_numerical_rejects_non_numbers():
    schema, tables = _one_table([Column("x", "integer")], x=pa.array([[1], [2]]))
    with pytest.raises(SchemaError, match=r"t\.x is integer but holds list"):
        fit_encoder_state(tables, schema)


# -- categorical -----------------------------------------------------------------------------


def test_categorical_vocabulary_unknown_bucket_and_null():
    schema, tables = _one_table(
        [Column("c", "category")], c=pa.array(["b", "a", "b", None, "c", "a", "b"])
    )
    state, _ = _fit_encode(schema, tables, config=EncoderConfig(max_categories=2))
    stats = state.columns("t")[0].stats
    assert stats["categories"] == ["b", "a", UNKNOWN_CATEGORY]
    assert stats["counts"] == [3, 2, 0]
    new = pa.table({"id": [0, 1, 2, 3], "c": ["a", "zzz", None, "c"]})
    feats = encode_table(new, schema.table("t"), state)
    assert list(feats.arrays[torch_frame.categorical]["values"][:, 0]) == [1, 2, -1, 2]


def test_categorical_of_integers_ties_ordered_by_value():
    schema, tables = _one_table([Column("c", "category")], c=pa.array([3, 1, 2, 1, 3]))
    state, feats = _fit_encode(schema, tables)
    assert state.columns("t")[0].stats["categories"] == ["1", "3", "2", UNKNOWN_CATEGORY]
    assert list(feats.arrays[torch_frame.categorical]["values"][:, 0]) == [1, 0, 2, 0, 1]


# -- multi-categorical -----------------------------------------------------------------------


def test_multicategorical_strings_and_lists():
    schema, tables = _one_table(
        [Column("m", "multi_categorical"), Column("l", "multi_categorical")],
        m=pa.array(["a|b", "b | a | a", None, "", "c"]),
        l=pa.array([["x"], [], ["y", "x"], None, ["q"]]),
    )
    state, feats = _fit_encode(schema, tables, config=EncoderConfig(max_categories=2))
    strings, lists = (c.stats for c in state.columns("t"))
    assert strings["separator"] == "|"
    assert strings["categories"] == ["a", "b", UNKNOWN_CATEGORY]
    assert lists["separator"] is None and lists["categories"] == ["x", "q", UNKNOWN_CATEGORY]
    tf = feats.to_tensor_frame()
    nested = tf.feat_dict[torch_frame.multicategorical]
    cells = [[nested[i, j].tolist() for j in range(2)] for i in range(5)]
    assert cells == [
        [[0, 1], [0]],
        [[0, 1], []],
        [[-1], [0, 2]],
        [[], [-1]],
        [[2], [1]],
    ]


def test_multicategorical_configured_separator():
    schema, tables = _one_table([Column("m", "multi_categorical")], m=pa.array(["a;b", "a|b"]))
    state, _ = _fit_encode(schema, tables, config=EncoderConfig(multi_categorical_separator=";"))
    assert state.columns("t")[0].stats["categories"] == ["a", "a|b", "b", UNKNOWN_CATEGORY]


# -- timestamp -------------------------------------------------------------------------------


def test_timestamp_parts_missing_and_year_clipped_to_fitted_range():
    schema, tables = _one_table(
        [Column("d", "datetime")], d=pa.array(["2001-02-03T04:05:06", None, "1999-12-31"])
    )
    state, feats = _fit_encode(schema, tables)
    stats = state.columns("t")[0].stats
    assert stats["year_range"] == [1999, 2001]
    assert stats["oldest"] == [1999, 11, 30, 4, 0, 0, 0]  # a Friday
    values = feats.arrays[torch_frame.timestamp]["values"]
    assert values.shape == (3, 1, 7)
    assert list(values[0, 0]) == [2001, 1, 2, 5, 4, 5, 6]  # a Saturday
    assert list(values[1, 0]) == [-1] * 7
    new = pa.table({"id": [0], "d": ["1990-06-01"]})
    old = encode_table(new, schema.table("t"), state).arrays[torch_frame.timestamp]["values"]
    assert old[0, 0, 0] == 1999 and old[0, 0, 1] == 5


def test_timestamp_with_time_of_day_and_format():
    schema, tables = _one_table(
        [
            Column("d", "datetime", datetime_format="%d/%m/%Y", time_of_day="tod"),
            Column("tod", "category"),
        ],
        d=pa.array(["03/02/2001", "04/02/2001"]),
        tod=pa.array(["10:30", None]),
    )
    _, feats = _fit_encode(schema, tables)
    assert feats.col_names[torch_frame.timestamp] == ["d"]
    assert "tod" not in feats.col_names.get(torch_frame.categorical, [])
    values = feats.arrays[torch_frame.timestamp]["values"][:, 0]
    assert list(values[0]) == [2001, 1, 2, 5, 10, 30, 0]
    assert list(values[1]) == [2001, 1, 3, 6, 0, 0, 0]


# -- embedding and text ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [pa.list_(pa.float32()), pa.list_(pa.float64(), 2)])
def test_embedding_column(kind):
    schema, tables = _one_table(
        [Column("e", "embedding")], e=pa.array([[1.0, 2.0], [3.0, 4.0], None], kind)
    )
    state, feats = _fit_encode(schema, tables)
    assert state.columns("t")[0].stats == {"dim": 2}
    parts = feats.arrays[torch_frame.embedding]
    assert parts["values"].tolist() == [[1, 2], [3, 4], [0, 0]]
    assert list(parts["offset"]) == [0, 2]


def test_embedding_sizes_must_agree():
    schema, tables = _one_table([Column("e", "embedding")], e=pa.array([[1.0, 2.0], [3.0]]))
    with pytest.raises(SchemaError, match=r"t\.e: embeddings must all have one size.*\[1, 2\]"):
        fit_encoder_state(tables, schema)
    schema, tables = _one_table([Column("e", "embedding")], e=pa.array([[1.0, 2.0]]))
    state = fit_encoder_state(tables, schema)
    new = pa.table({"id": [0], "e": pa.array([[1.0, 2.0, 3.0]])})
    with pytest.raises(
        SchemaError, match=r"size \[3\] found, but the encoder was fitted on size 2"
    ):
        encode_table(new, schema.table("t"), state)


def test_text_embedded_with_hashing_embedder():
    schema, tables = _one_table(
        [Column("s", "text"), Column("u", "text")],
        s=pa.array(["hello world", "Hello, World!", None, "", "other words"]),
        u=pa.array(["a", "b", "c", "d", "e"]),
    )
    state, feats = _fit_encode(schema, tables, text_embedder="hashing:16")
    assert state.text_embedder == "hashing:16"
    assert [c.stype for c in state.columns("t")] == [torch_frame.text_embedded] * 2
    # As in pytorch-frame's materialized frames, text embeddings are grouped as embeddings.
    assert feats.col_names == {torch_frame.embedding: ["s", "u"]}
    parts = feats.arrays[torch_frame.embedding]
    assert parts["values"].shape == (5, 32) and list(parts["offset"]) == [0, 16, 32]
    s = parts["values"][:, :16]
    np.testing.assert_array_equal(s[0], s[1])
    assert np.linalg.norm(s[0]) == pytest.approx(1.0)
    assert not s[2].any() and not s[3].any()
    assert not np.allclose(s[0], s[4])


# -- cutoff: statistics only from training-visible rows ---------------------------------------


def _temporal_schema() -> tuple[Schema, dict[str, pa.Table]]:
    events = Table(
        "events",
        [
            Column("id", "integer"),
            Column("at", "datetime"),
            Column("x", "float"),
            Column("c", "category"),
        ],
        primary_key="id",
        time_column="at",
    )
    items = Table(
        "items",
        [Column("id", "integer"), Column("event", "integer"), Column("y", "float")],
        primary_key="id",
    )
    items.add_foreign_key("event", "events.id")
    items.set_inherit_time_from("event")
    users = Table("users", [Column("id", "integer"), Column("z", "float")], primary_key="id")
    tables = {
        "events": pa.table(
            {
                "id": [1, 2, 3, 4],
                "at": ["2000-01-01", "2000-06-01", "2011-01-01", None],
                "x": [1.0, 3.0, 1000.0, 5000.0],
                "c": ["early", "early", "late", "unknown-time"],
            }
        ),
        "items": pa.table({"id": [1, 2, 3], "event": [1, 3, 2], "y": [10.0, 1e6, 20.0]}),
        "users": pa.table({"id": [1, 2], "z": [0.0, 2.0]}),
    }
    return Schema(tables=[events, items, users]), tables


def test_cutoff_fits_only_visible_rows_no_leakage():
    schema, tables = _temporal_schema()
    state = fit_encoder_state(tables, schema, cutoff_time="2010-01-01")
    events = {c.name: c.stats for c in state.columns("events")}
    assert (events["x"]["mean"], events["x"]["std"]) == (2.0, 1.0)
    assert events["c"]["categories"] == ["early", UNKNOWN_CATEGORY]
    assert events["at"]["year_range"] == [2000, 2000]
    items = {c.name: c.stats for c in state.columns("items")}
    assert items["y"]["mean"] == 15.0  # the item of the 2011 event is not seen
    users = {c.name: c.stats for c in state.columns("users")}
    assert users["z"]["mean"] == 1.0  # static tables are always visible
    assert state.fit_rows == {"events": 2, "items": 2, "users": 2}
    encoded = encode_table(tables["events"], schema.table("events"), state)
    assert list(encoded.arrays[torch_frame.categorical]["values"][:, 0]) == [0, 0, 1, 1]
    x = encoded.arrays[torch_frame.numerical]["values"][:, 0]
    assert x[2] == pytest.approx(998.0)  # later rows are encoded with the early statistics


def test_without_cutoff_every_row_is_fitted():
    schema, tables = _temporal_schema()
    state = fit_encoder_state(tables, schema)
    assert state.cutoff_time is None
    assert state.fit_rows == {"events": 4, "items": 3, "users": 2}
    assert {c.name: c.stats for c in state.columns("events")}["x"]["mean"] == 1501.0


# -- state reuse and pytorch-frame compatibility ----------------------------------------------


def _all_dtypes() -> tuple[Schema, dict[str, pa.Table]]:
    return _one_table(
        [
            Column("num", "float"),
            Column("cat", "category"),
            Column("multi", "multi_categorical"),
            Column("date", "datetime"),
            Column("emb", "embedding"),
            Column("txt", "text"),
        ],
        num=pa.array([1.0, None, 3.0]),
        cat=pa.array(["a", "b", None]),
        multi=pa.array(["x,y", None, "y"]),
        date=pa.array(["2020-01-01", None, "2021-05-05T10:00:00"]),
        emb=pa.array([[0.5, 0.5, 0.0], None, [1.0, 0.0, 0.0]]),
        txt=pa.array(["some text", "more text", None]),
    )


def test_encode_tables_reuses_saved_state_on_new_rows(tmp_path):
    schema, tables = _all_dtypes()
    state = fit_encoder_state(tables, schema)
    state.save(tmp_path / "state.json")
    reloaded = type(state).load(tmp_path / "state.json")
    assert reloaded == state
    new = tables["t"].slice(1, 2)
    frames = encode_tables({"t": new}, schema, reloaded)
    whole = encode_table(tables["t"], schema.table("t"), state).to_tensor_frame()
    part = frames["t"]
    assert part.num_rows == 2
    for stype in part.feat_dict:
        expected = whole[1:3].feat_dict[stype]
        got = part.feat_dict[stype]
        if isinstance(got, torch.Tensor):
            torch.testing.assert_close(got, expected, equal_nan=True)
        else:
            torch.testing.assert_close(got.values, expected.values)
            torch.testing.assert_close(got.offset, expected.offset)


def test_encode_tables_checks_embedder_and_columns():
    schema, tables = _all_dtypes()
    state = fit_encoder_state(tables, schema)
    with pytest.raises(ValueError, match=r"'hashing:8' is not the one .* fitted with"):
        encode_tables(tables, schema, state, text_embedder=HashingTextEmbedder(8))
    schema.table("t").add_column("extra", "float")
    with pytest.raises(KeyError, match=r"no encoding for column t\.extra"):
        encode_tables({"t": tables["t"].append_column("extra", pa.array([1.0] * 3))}, schema, state)


def test_features_and_col_stats_drive_pytorch_frame_encoders():
    schema, tables = _all_dtypes()
    state = fit_encoder_state(tables, schema)
    tf = encode_table(tables["t"], schema.table("t"), state).to_tensor_frame()
    assert tf.col_names_dict == {
        torch_frame.numerical: ["num"],
        torch_frame.categorical: ["cat"],
        torch_frame.multicategorical: ["multi"],
        torch_frame.timestamp: ["date"],
        torch_frame.embedding: ["emb", "txt"],
    }
    encoder = StypeWiseFeatureEncoder(
        out_channels=8,
        col_stats=state.col_stats("t"),
        col_names_dict=tf.col_names_dict,
        stype_encoder_dict={
            torch_frame.numerical: LinearEncoder(),
            torch_frame.categorical: EmbeddingEncoder(),
            torch_frame.multicategorical: MultiCategoricalEmbeddingEncoder(),
            torch_frame.timestamp: TimestampEncoder(),
            torch_frame.embedding: LinearEmbeddingEncoder(),
        },
    )
    out, names = encoder(tf)
    assert out.shape == (3, 6, 8)
    assert torch.isfinite(out).all()
    assert names == ["num", "cat", "multi", "date", "emb", "txt"]
