"""Tests of relgraph.tasks.split: RelBench-style anchors and random splits."""

import numpy as np
import pyarrow as pa
import pytest

from relgraph.tasks import Duration, RandomSplit, TaskError, TemporalSplit, split_plan_from_dict

EARLIEST = np.datetime64("1950-05-13T00:00", "us")
LATEST = np.datetime64("2024-12-08T13:00", "us")
F1 = TemporalSplit("2005-01-01", "2010-01-01")


def anchors(
    plan: TemporalSplit, split: str, step: str = "30 days", earliest=EARLIEST, latest=LATEST
) -> np.ndarray:
    return plan.anchors(split, earliest=earliest, latest=latest, step=Duration.parse(step))


def day(text: str) -> np.datetime64:
    return np.datetime64(text, "us")


def test_train_steps_back_from_validation_to_the_earliest_data() -> None:
    train = anchors(F1, "train")
    assert len(train) == 665  # RelBench's count for rel-f1 with 30-day windows
    assert train[-1] == day("2004-12-02")
    assert np.all(np.diff(train) == np.timedelta64(30, "D"))
    assert train[0] >= EARLIEST > train[0] - np.timedelta64(30, "D")
    assert len(anchors(F1, "train", "60 days")) == 332


def test_validation_has_at_most_the_eval_anchors_and_ends_a_step_before_test() -> None:
    assert len(anchors(F1, "validation")) == 40
    val = anchors(F1, "validation", "60 days")
    assert len(val) == 30 and val[0] == day("2005-01-01")
    assert (
        val[-1] + np.timedelta64(60, "D") <= day("2010-01-01") < val[-1] + np.timedelta64(120, "D")
    )
    assert (
        len(anchors(TemporalSplit("2005-01-01", "2010-01-01", num_eval_anchors=3), "validation"))
        == 3
    )


def test_test_anchors_end_a_step_before_the_latest_data() -> None:
    test = anchors(F1, "test")
    assert len(test) == 40 and test[0] == day("2010-01-01")
    short = anchors(F1, "test", latest=day("2010-03-15"))
    assert short.tolist() == [day("2010-01-01"), day("2010-01-31")]


def test_plan_step_overrides_the_query_window() -> None:
    plan = TemporalSplit("2005-01-01", "2010-01-01", step="365 days", max_train_anchors=2)
    assert anchors(plan, "train", "30 days").tolist() == [day("2003-01-02"), day("2004-01-02")]


def test_month_steps_follow_the_calendar() -> None:
    plan = TemporalSplit("2020-01-31", "2020-06-30", step="1 month")
    assert anchors(plan, "validation", earliest=day("2019-09-15")).tolist() == [
        day("2020-01-31"),
        day("2020-02-29"),
        day("2020-03-31"),
        day("2020-04-30"),
        day("2020-05-31"),
    ]
    assert anchors(plan, "train", earliest=day("2019-09-15")).tolist() == [
        day("2019-09-30"),
        day("2019-10-31"),
        day("2019-11-30"),
        day("2019-12-31"),
    ]


def test_data_cutoff() -> None:
    assert F1.data_cutoff("train") == F1.data_cutoff("validation") == day("2010-01-01")
    assert F1.data_cutoff("test") is None


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (
            lambda: TemporalSplit("2010-01-01", "2005-01-01"),
            ValueError,
            "test_time 2005-01-01T00:00:00.000000 must be after validation_time",
        ),
        (
            lambda: TemporalSplit("soon", "2005-01-01"),
            ValueError,
            "TemporalSplit.validation_time: 'soon' is not a timestamp",
        ),
        (
            lambda: TemporalSplit("2005-01-01", "2010-01-01", step="0 days"),
            ValueError,
            "step must be positive",
        ),
        (
            lambda: TemporalSplit("2005-01-01", "2010-01-01", num_eval_anchors=0),
            ValueError,
            "num_eval_anchors must be positive",
        ),
        (
            lambda: TemporalSplit("2005-01-01", "2010-01-01", max_train_anchors=0),
            ValueError,
            "max_train_anchors must be positive",
        ),
        (lambda: anchors(F1, "holdout"), ValueError, "unknown split 'holdout'"),
        (
            lambda: anchors(F1, "train", "2000 days"),
            TaskError,
            "longer than the time from validation_time",
        ),
        (lambda: anchors(F1, "train", earliest=day("2004-12-31")), TaskError, "no training anchor"),
        (
            lambda: anchors(F1, "test", latest=day("2010-01-20")),
            TaskError,
            "no test anchor: test starts at 2010-01-01",
        ),
    ],
)
def test_errors(make: object, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_timezones_are_read_as_utc() -> None:
    assert TemporalSplit("2005-01-01T02:00+02:00", "2010-01-01").validation_time == day(
        "2005-01-01T00:00"
    )


def test_json_round_trip() -> None:
    plan = TemporalSplit("2005-01-01", "2010-01-01", step="60 days", num_eval_anchors=5)
    assert split_plan_from_dict(plan.to_dict()) == plan
    assert split_plan_from_dict(RandomSplit(0.2, 0.3, 7).to_dict()) == RandomSplit(0.2, 0.3, 7)
    with pytest.raises(
        ValueError, match="split plan kind must be 'temporal' or 'random', found 'other'"
    ):
        split_plan_from_dict({"kind": "other"})


def test_random_split_is_seeded_disjoint_and_independent_of_row_order() -> None:
    table = pa.table({"id": list(range(100)), "label": [i % 3 for i in range(100)]})
    plan = RandomSplit(validation=0.2, test=0.1, seed=5)
    parts = plan.split(table, "id")
    assert {k: v.num_rows for k, v in parts.items()} == {"train": 70, "validation": 20, "test": 10}
    ids = [set(p["id"].to_pylist()) for p in parts.values()]
    assert set.union(*ids) == set(range(100)) and sum(len(i) for i in ids) == 100
    shuffled = table.take(np.random.default_rng(0).permutation(100))
    assert all(plan.split(shuffled, "id")[k].equals(parts[k]) for k in parts)
    assert RandomSplit(0.2, 0.1, seed=6).split(table, "id")["test"] != parts["test"]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"validation": 0.0}, "validation must be in \\(0, 1\\)"),
        ({"test": 1.5}, "test must be in \\(0, 1\\)"),
        ({"validation": 0.5, "test": 0.5}, "validation \\+ test must be below 1"),
    ],
)
def test_random_split_errors(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RandomSplit(**kwargs)
