"""Training windows, snapshot freezing and history lags of node examples."""

import numpy as np
import pyarrow as pa
import pytest

from relgraph.train.data import NodeExamples, freeze_examples, recent_rows, with_history_lag


def examples(n: int) -> NodeExamples:
    return NodeExamples(
        entity_ids=pa.array(np.arange(n)),
        anchor_time=pa.array(np.full(n, 1000, dtype="datetime64[s]")),
        seeds=np.arange(n, dtype=np.int64),
        seed_time=np.full(n, 1000, dtype=np.int64),
        target=None,
    )


def test_freeze_sets_one_snapshot_time_for_every_example() -> None:
    frozen = freeze_examples(examples(4), 600)
    assert np.array_equal(frozen.visible_until, [600] * 4)
    assert np.array_equal(frozen.seed_time, [1000] * 4)


@pytest.mark.parametrize("prob", [0.0, 0.3, 1.0])
def test_history_lag_draws_from_the_given_lags_for_a_fraction(prob: float) -> None:
    lagged = with_history_lag(examples(4000), np.array([100, 200]), prob, seed=3)
    lag = lagged.seed_time - lagged.visible_until
    assert set(np.unique(lag)) <= {0, 100, 200}
    assert abs((lag > 0).mean() - prob) < 0.03
    again = with_history_lag(examples(4000), np.array([100, 200]), prob, seed=3)
    assert np.array_equal(again.visible_until, lagged.visible_until)


def test_history_lag_refuses_bad_lags() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        with_history_lag(examples(3), np.array([-5]), 0.5, seed=0)


def test_recent_rows_keep_the_window_before_the_latest_time() -> None:
    times = np.array(["2000-01-01", "2009-12-31", "2010-01-01", "2020-01-01"], "datetime64[us]")
    table = pa.table({"id": [1, 2, 3, 4], "anchor_time": pa.array(times)})
    assert recent_rows(table, "anchor_time", 3652)["id"].to_pylist() == [3, 4]
    assert recent_rows(table, "anchor_time", 1)["id"].to_pylist() == [4]
    assert recent_rows(table, "anchor_time", None) is table
    with pytest.raises(ValueError, match="train task table has no time column 'ts'"):
        recent_rows(table, "ts", 30)
