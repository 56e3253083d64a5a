"""Split plans: anchor times of temporal train/validation/test splits, or a random split.

A temporal split follows RelBench. With window step ``d``, validation timestamp ``v`` and
test timestamp ``T``:

* train anchors are ``v - d, v - 2d, ...`` back to the earliest row of the data;
* validation anchors are ``v, v + d, ...``, at most ``num_eval_anchors`` of them, none
  later than ``T - d``;
* test anchors are ``T, T + d, ...``, at most ``num_eval_anchors`` of them, none later than
  the latest row minus ``d``.

Labels of the train and validation splits are computed from the data cut at ``T``
(rows with time ``<= T``); the test split sees all data.
"""

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.tasks.duration import Duration, TimeUnit
from relgraph.tasks.errors import TaskError

_logger = logging.getLogger(__name__)

SPLITS = ("train", "validation", "test")
"""The split names, in order."""

TimeLike = str | dt.datetime | dt.date | np.datetime64 | pd.Timestamp


def to_datetime64(value: TimeLike, *, where: str) -> np.datetime64:
    """Reads a timestamp (naive, UTC) as ``datetime64[us]``.

    Raises:
        ValueError: If ``value`` is not a timestamp or ISO 8601 text.
    """
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{where}: {value!r} is not a timestamp ({exc})") from None
    if stamp is pd.NaT:
        raise ValueError(f"{where}: {value!r} is not a timestamp")
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return np.datetime64(stamp.to_datetime64(), "us")


@dataclass(frozen=True)
class TemporalSplit:
    """Train, validation and test anchors stepping through time, as RelBench builds them.

    Args:
        validation_time: The first validation anchor; rows after it are validation's future.
        test_time: The first test anchor; train and validation labels see no rows after it.
        step: The distance between anchors (default: ``None``, the length of the predictive
            query's target window, e.g. 30 days for a ``(0, 30]`` window).
        num_eval_anchors: The most validation anchors, and the most test anchors
            (default: 40).
        max_train_anchors: The most training anchors, nearest the validation time first
            (default: ``None``, back to the earliest row of the data).

    Raises:
        ValueError: If a time cannot be read, the test time is not after the validation time,
            or a count is not positive.
    """

    validation_time: TimeLike
    test_time: TimeLike
    step: Duration | str | None = None
    num_eval_anchors: int = 40
    max_train_anchors: int | None = None

    def __post_init__(self) -> None:
        validation = to_datetime64(self.validation_time, where="TemporalSplit.validation_time")
        test = to_datetime64(self.test_time, where="TemporalSplit.test_time")
        object.__setattr__(self, "validation_time", validation)
        object.__setattr__(self, "test_time", test)
        if self.step is not None:
            step = Duration.parse(self.step)
            if step.amount <= 0:
                raise ValueError(f"TemporalSplit.step must be positive, found '{step}'")
            object.__setattr__(self, "step", step)
        if test <= validation:
            raise ValueError(
                f"TemporalSplit: test_time {test} must be after validation_time {validation}"
            )
        if self.num_eval_anchors < 1:
            raise ValueError(
                f"TemporalSplit.num_eval_anchors must be positive, found {self.num_eval_anchors}"
            )
        if self.max_train_anchors is not None and self.max_train_anchors < 1:
            raise ValueError(
                f"TemporalSplit.max_train_anchors must be positive, found {self.max_train_anchors}"
            )

    def data_cutoff(self, split: str) -> np.datetime64 | None:
        """The latest row time the labels of ``split`` may use: the test time for train and
        validation, ``None`` (all data) for test."""
        _check_split(split)
        return None if split == "test" else self.test_time

    def anchors(
        self, split: str, *, earliest: np.datetime64, latest: np.datetime64, step: Duration
    ) -> np.ndarray:
        """The anchor times of ``split``, ascending.

        Args:
            split: ``"train"``, ``"validation"`` or ``"test"``.
            earliest: The earliest row time of the data cut at the test time.
            latest: The latest row time of all the data.
            step: The distance between anchors, used when the plan sets none.

        Returns:
            ``datetime64[us]`` anchor times.

        Raises:
            TaskError: If the split would have no anchor, or its label windows would not fit
                before the next split or the end of the data.
        """
        _check_split(split)
        step = self.step if self.step is not None else Duration.parse(step)
        if step.amount <= 0:
            raise TaskError(f"split step must be positive, found '{step}'")
        validation, test = self.validation_time, self.test_time
        if step.add_to(np.array([validation]))[0] > test:
            raise TaskError(
                f"split step '{step}' is longer than the time from validation_time {validation} "
                f"to test_time {test}"
            )
        if split == "train":
            count = _count_back(validation, earliest, step)
            if self.max_train_anchors is not None:
                count = min(count, self.max_train_anchors)
            if count < 1:
                raise TaskError(
                    f"no training anchor: validation_time {validation} minus one step '{step}' "
                    f"is before the earliest data {earliest}"
                )
            times = _steps(validation, step, -np.arange(count, 0, -1))
            return times
        start, limit = (validation, test) if split == "validation" else (test, latest)
        times = _steps(start, step, np.arange(self.num_eval_anchors))
        times = times[step.add_to(times) <= limit]
        if len(times) == 0:
            raise TaskError(
                f"no {split} anchor: {split} starts at {start} and one step '{step}' later is "
                f"after {'test_time' if split == 'validation' else 'the latest data'} {limit}"
            )
        return times

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {
            "kind": "temporal",
            "validation_time": str(self.validation_time),
            "test_time": str(self.test_time),
            "step": None if self.step is None else str(self.step),
            "num_eval_anchors": self.num_eval_anchors,
            "max_train_anchors": self.max_train_anchors,
        }


@dataclass(frozen=True)
class RandomSplit:
    """A random split of the examples of a static task (no time).

    Each example goes to one split; the assignment depends only on the seed and the entity
    ids, not on row order.

    Args:
        validation: The fraction of examples for validation (default: 0.1).
        test: The fraction of examples for test (default: 0.1).
        seed: The random seed (default: 0).

    Raises:
        ValueError: If a fraction is not in ``(0, 1)`` or they sum to 1 or more.
    """

    validation: float = 0.1
    test: float = 0.1
    seed: int = 0

    def __post_init__(self) -> None:
        for name in ("validation", "test"):
            value = getattr(self, name)
            if not 0 < value < 1:
                raise ValueError(f"RandomSplit.{name} must be in (0, 1), found {value!r}")
        if self.validation + self.test >= 1:
            raise ValueError(
                f"RandomSplit: validation + test must be below 1, found "
                f"{self.validation} + {self.test}"
            )

    def split(self, table: pa.Table, entity_column: str) -> dict[str, pa.Table]:
        """Splits the rows of ``table`` by a seeded permutation of its entity ids.

        Returns:
            ``{"train": ..., "validation": ..., "test": ...}``, each sorted by entity id.
        """
        table = table.sort_by(entity_column)
        n = table.num_rows
        order = np.random.default_rng(self.seed).permutation(n)
        n_test, n_val = round(n * self.test), round(n * self.validation)
        code = np.zeros(n, dtype=np.int8)
        code[order[:n_test]] = 2
        code[order[n_test : n_test + n_val]] = 1
        codes = pa.array(code)
        return {name: table.filter(pc.equal(codes, i)) for i, name in enumerate(SPLITS)}

    def to_dict(self) -> dict[str, Any]:
        """Returns the JSON form."""
        return {
            "kind": "random",
            "validation": self.validation,
            "test": self.test,
            "seed": self.seed,
        }


SplitPlan = TemporalSplit | RandomSplit
"""How examples are divided into train, validation and test."""


def split_plan_from_dict(data: dict[str, Any]) -> SplitPlan:
    """Builds a split plan from its JSON form.

    Raises:
        ValueError: If the kind is neither ``temporal`` nor ``random``.
    """
    fields = {k: v for k, v in data.items() if k != "kind"}
    if data.get("kind") == "temporal":
        return TemporalSplit(**fields)
    if data.get("kind") == "random":
        return RandomSplit(**fields)
    raise ValueError(f"split plan kind must be 'temporal' or 'random', found {data.get('kind')!r}")


def _check_split(split: str) -> None:
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r} (splits: {list(SPLITS)})")


def _steps(start: np.datetime64, step: Duration, multiples: np.ndarray) -> np.ndarray:
    """``start + k * step`` for every ``k`` in ``multiples``."""
    if step.unit is TimeUnit.MONTHS:
        # Calendar months differ in length, so each multiple is its own offset from the start.
        base = pd.Timestamp(start)
        shifted = [base + pd.DateOffset(months=int(k) * step.amount) for k in multiples]
        return np.array(shifted, dtype="datetime64[us]")
    unit = np.timedelta64(step.amount, "D" if step.unit is TimeUnit.DAYS else "h")
    return start + multiples.astype(np.int64) * unit.astype("timedelta64[us]")


def _count_back(start: np.datetime64, earliest: np.datetime64, step: Duration) -> int:
    """How many anchors ``start - k * step`` (``k >= 1``) are at or after ``earliest``."""
    if earliest > start:
        return 0
    if step.unit is TimeUnit.MONTHS:
        months = (start.astype("datetime64[M]") - earliest.astype("datetime64[M]")).astype(int)
        candidates = _steps(start, step, -np.arange(1, months // step.amount + 2))
        return int((candidates >= earliest).sum())
    unit = np.timedelta64(step.amount, "D" if step.unit is TimeUnit.DAYS else "h")
    return int((start - earliest) // unit.astype("timedelta64[us]"))
