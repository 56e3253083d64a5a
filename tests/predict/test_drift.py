"""Drift statistics on distributions whose PSI and KS are known."""

import numpy as np
import pyarrow as pa
import pytest
from scipy.stats import norm

from relgraph.predict.drift import (
    PSI_EPSILON,
    categorical_psi,
    ks_test,
    population_stability_index,
    prediction_drift,
)
from relgraph.tasks import TaskType


def test_psi_by_hand() -> None:
    # Reference deciles of 1..10 cut it into ten bins of one value each; the new values fill
    # only the lower half: five bins of 0.2, five empty bins (counted as PSI_EPSILON).
    reference = np.arange(1, 11, dtype=float)
    current = np.repeat(np.arange(1, 6, dtype=float), 2)
    p, q_full, q_empty = 0.1, 0.2, PSI_EPSILON
    expected = 5 * (q_full - p) * np.log(q_full / p) + 5 * (q_empty - p) * np.log(q_empty / p)
    assert population_stability_index(reference, current) == pytest.approx(expected)
    assert population_stability_index(reference, reference) == 0.0


def test_psi_of_a_shifted_normal_matches_theory() -> None:
    rng = np.random.default_rng(0)
    reference = rng.normal(0.0, 1.0, 200_000)
    current = rng.normal(0.5, 1.0, 200_000)
    cuts = norm.ppf(np.linspace(0, 1, 11))  # the reference deciles, -inf .. inf
    q = np.diff(norm.cdf(cuts - 0.5))
    expected = float(np.sum((q - 0.1) * np.log(q / 0.1)))
    assert population_stability_index(reference, current) == pytest.approx(expected, abs=0.01)
    same = rng.normal(0.0, 1.0, 200_000)
    assert population_stability_index(reference, same) < 0.002


def test_ks_matches_theory() -> None:
    rng = np.random.default_rng(1)
    reference = rng.normal(0.0, 1.0, 50_000)
    statistic, pvalue = ks_test(reference, rng.normal(1.0, 1.0, 50_000))
    # sup |Phi(x) - Phi(x - 1)| is reached at x = 0.5.
    assert statistic == pytest.approx(2 * norm.cdf(0.5) - 1, abs=0.01)
    assert pvalue < 1e-12
    statistic, pvalue = ks_test(reference, rng.normal(0.0, 1.0, 50_000))
    assert statistic < 0.02 and pvalue > 0.001


def test_categorical_psi() -> None:
    reference = pa.array(["a"] * 50 + ["b"] * 50)
    assert categorical_psi(reference, reference) == 0.0
    current = pa.array(["a"] * 80 + ["b"] * 20)
    expected = (0.8 - 0.5) * np.log(0.8 / 0.5) + (0.2 - 0.5) * np.log(0.2 / 0.5)
    assert categorical_psi(reference, current) == pytest.approx(expected)
    # A category the reference never had counts as an epsilon share there.
    assert categorical_psi(reference, pa.array(["c"] * 10)) > 5


def test_bad_inputs_are_named() -> None:
    with pytest.raises(ValueError, match="reference has no finite values"):
        population_stability_index([np.nan], [1.0])
    with pytest.raises(ValueError, match="bins must be >= 2"):
        population_stability_index([1.0], [1.0], bins=1)
    with pytest.raises(ValueError, match="non-null values on both sides"):
        categorical_psi(pa.array([None], pa.string()), pa.array(["a"]))


def test_prediction_drift_per_task_type() -> None:
    rng = np.random.default_rng(2)
    holdout = pa.table({"probability": rng.uniform(size=1000), "prediction": np.zeros(1000)})
    new = pa.table({"probability": rng.uniform(size=800) ** 3})
    drift = prediction_drift(TaskType.BINARY_CLASSIFICATION, holdout, new)
    assert drift["score"] == "probability"
    assert (drift["reference_rows"], drift["rows"]) == (1000, 800)
    assert drift["psi"] > 0.25 and drift["ks_pvalue"] < 1e-6
    regression = prediction_drift(
        TaskType.REGRESSION,
        pa.table({"prediction": rng.normal(size=500)}),
        pa.table({"prediction": rng.normal(size=500)}),
    )
    assert regression["psi"] < 0.1
    link = prediction_drift(
        TaskType.LINK_PREDICTION,
        pa.table({"prediction": pa.array([[1, 2], [1, 3]])}),
        pa.table({"circuitId": pa.array([1, 2, 1, 3])}),
        target_column="circuitId",
    )
    assert link == {"score": "target", "reference_rows": 2, "rows": 4, "psi": 0.0}
    with pytest.raises(ValueError, match="no column 'probability'"):
        prediction_drift(TaskType.BINARY_CLASSIFICATION, pa.table({"x": [1.0]}), new)
