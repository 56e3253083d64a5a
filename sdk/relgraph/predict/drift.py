"""Prediction drift: new predictions against the model's holdout predictions.

Two statistics, both standard in model monitoring:

* the population stability index, ``PSI = sum_i (q_i - p_i) * ln(q_i / p_i)`` over bins
  holding shares ``p_i`` of the reference and ``q_i`` of the new values. Numeric values are
  cut at the reference's deciles (so ``p_i`` = 0.1 unless values tie); categorical values
  (classes, link targets) are their own bins. Empty bins count as a share of
  :data:`PSI_EPSILON`, which keeps the logarithm finite. Rules of thumb: < 0.1 stable,
  0.1-0.25 moderate shift, > 0.25 large shift.
* the two-sample Kolmogorov-Smirnov test (``scipy.stats.ks_2samp``): the largest gap between
  the two empirical CDFs and its p-value, for numeric scores.

Hand-written PSI (a few NumPy lines): no well-kept library offers it with quantile bins.
"""

from collections.abc import Mapping
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from relgraph.tasks import TaskType

PSI_BINS = 10
"""Quantile bins of the reference for numeric PSI."""

PSI_EPSILON = 1e-4
"""The share an empty bin counts as."""


def _finite(values: Any, what: str) -> np.ndarray:
    array = np.asarray(values, dtype=np.float64).reshape(-1)
    array = array[np.isfinite(array)]
    if array.size == 0:
        raise ValueError(f"{what} has no finite values")
    return array


def _psi_from_counts(reference: np.ndarray, current: np.ndarray) -> float:
    p = np.maximum(reference / reference.sum(), PSI_EPSILON)
    q = np.maximum(current / current.sum(), PSI_EPSILON)
    return float(np.sum((q - p) * np.log(q / p)))


def population_stability_index(reference: Any, current: Any, *, bins: int = PSI_BINS) -> float:
    """PSI of numeric values, binned at the reference's quantiles.

    Args:
        reference: Reference values (holdout predictions); NaN and infinities are ignored.
        current: New values.
        bins: Quantile bins (default: ``10``); tied quantiles merge bins.

    Returns:
        The PSI (0 for identical distributions).

    Raises:
        ValueError: If either side has no finite value, or ``bins < 2``.
    """
    if bins < 2:
        raise ValueError(f"bins must be >= 2, found {bins}")
    ref = _finite(reference, "reference")
    cur = _finite(current, "current")
    edges = np.unique(np.quantile(ref, np.linspace(0.0, 1.0, bins + 1)[1:-1]))
    count = edges.size + 1
    ref_counts = np.bincount(np.searchsorted(edges, ref, side="right"), minlength=count)
    cur_counts = np.bincount(np.searchsorted(edges, cur, side="right"), minlength=count)
    return _psi_from_counts(ref_counts.astype(np.float64), cur_counts.astype(np.float64))


def categorical_psi(reference: pa.Array | Any, current: pa.Array | Any) -> float:
    """PSI of categorical values (each distinct value is a bin; nulls are ignored).

    Raises:
        ValueError: If either side has no non-null value.
    """
    ref = _as_arrow(reference).drop_null()
    cur = _as_arrow(current).drop_null()
    if len(ref) == 0 or len(cur) == 0:
        raise ValueError("categorical PSI needs non-null values on both sides")
    if cur.type != ref.type:
        cur = cur.cast(ref.type)
    categories = pc.unique(pa.concat_arrays([ref, cur]))
    ref_counts = np.bincount(pc.index_in(ref, value_set=categories), minlength=len(categories))
    cur_counts = np.bincount(pc.index_in(cur, value_set=categories), minlength=len(categories))
    return _psi_from_counts(ref_counts.astype(np.float64), cur_counts.astype(np.float64))


def _as_arrow(values: Any) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        return values.combine_chunks()
    if isinstance(values, pa.Array):
        return values
    return pa.array(np.asarray(values).reshape(-1))


def ks_test(reference: Any, current: Any) -> tuple[float, float]:
    """The two-sample Kolmogorov-Smirnov statistic and p-value (``scipy.stats.ks_2samp``).

    Raises:
        ValueError: If either side has no finite value.
    """
    from scipy.stats import ks_2samp

    result = ks_2samp(_finite(reference, "reference"), _finite(current, "current"))
    return float(result.statistic), float(result.pvalue)


def numeric_drift(reference: Any, current: Any) -> dict[str, float]:
    """PSI and KS of numeric values: ``psi``, ``ks_statistic``, ``ks_pvalue``."""
    statistic, pvalue = ks_test(reference, current)
    return {
        "psi": population_stability_index(reference, current),
        "ks_statistic": statistic,
        "ks_pvalue": pvalue,
    }


_SCORES: Mapping[TaskType, str] = {
    TaskType.BINARY_CLASSIFICATION: "probability",
    TaskType.MULTICLASS_CLASSIFICATION: "probability",
    TaskType.REGRESSION: "prediction",
}
"""Node task type -> the column compared numerically (the same name in the holdout
predictions and the new ones)."""


def prediction_drift(
    task_type: TaskType,
    reference: pa.Table,
    current: pa.Table,
    *,
    target_column: str | None = None,
) -> dict[str, Any]:
    """Drift of new predictions against the holdout predictions of the model.

    What is compared:

    * binary: P(1) (``probability``): PSI and KS;
    * multiclass: the top class probability (``probability``): PSI and KS;
    * multilabel: every label probability (holdout ``probability`` lists against the
      ``probability_<label>`` columns): PSI and KS;
    * regression: the value (``prediction``): PSI and KS;
    * link: the ranked target ids (holdout ``prediction`` lists against ``target_column``):
      categorical PSI.

    Args:
        task_type: The task type.
        reference: The holdout predictions (``relgraph.train.holdout_frame``'s columns).
        current: The new predictions (:mod:`relgraph.predict.tables`' columns).
        target_column: The target column of link predictions (default: ``None``).

    Returns:
        ``{"score": what was compared, "reference_rows", "rows", "psi"[, "ks_statistic",
        "ks_pvalue"]}``.

    Raises:
        ValueError: If a needed column is missing from either table.
    """
    if task_type.is_link:
        if target_column is None:
            raise ValueError("link drift needs the target_column of the predictions")
        ref = _column(reference, "prediction", "holdout predictions")
        ref_values = pc.list_flatten(ref) if pa.types.is_list(ref.type) else ref
        cur_values = _column(current, target_column, "predictions")
        return {
            "score": "target",
            "reference_rows": reference.num_rows,
            "rows": current.num_rows,
            "psi": categorical_psi(ref_values, cur_values),
        }
    if task_type is TaskType.MULTILABEL_CLASSIFICATION:
        ref = _column(reference, "probability", "holdout predictions")
        ref_values = pc.list_flatten(ref) if pa.types.is_list(ref.type) else ref
        label_columns = [
            name
            for name in current.column_names
            if name.startswith("probability_") and name != "probability"
        ]
        if not label_columns:
            raise ValueError(
                "the predictions have no probability_<label> columns "
                f"(found columns: {current.column_names})"
            )
        cur_values = np.concatenate(
            [current.column(name).to_numpy(zero_copy_only=False) for name in label_columns]
        )
        return {
            "score": "label probabilities",
            "reference_rows": reference.num_rows,
            "rows": current.num_rows,
            **numeric_drift(ref_values.to_numpy(zero_copy_only=False), cur_values),
        }
    name = _SCORES[task_type]
    return {
        "score": name,
        "reference_rows": reference.num_rows,
        "rows": current.num_rows,
        **numeric_drift(
            _column(reference, name, "holdout predictions").to_numpy(zero_copy_only=False),
            _column(current, name, "predictions").to_numpy(zero_copy_only=False),
        ),
    }


def _column(table: pa.Table, name: str, what: str) -> pa.Array:
    if name not in table.column_names:
        raise ValueError(f"the {what} have no column {name!r} (found: {table.column_names})")
    return table.column(name).combine_chunks()
