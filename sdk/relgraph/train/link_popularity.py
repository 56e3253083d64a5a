"""The popularity baseline of link prediction: rank targets by how often they are linked."""

import numbers

import numpy as np

from relgraph.train.link_data import LinkExamples


def popularity_ranking(train: LinkExamples, k: int, *, latest_only: bool = False) -> np.ndarray:
    """The ``k`` targets most often linked in the training examples, most popular first.

    Ties are broken by the smaller node index, so the ranking is deterministic.

    Args:
        train: The training examples.
        k: How many targets to rank (fewer when there are fewer targets).
        latest_only: Count only the examples at the latest anchor time, the window just
            before validation, instead of all of them (default: ``False``).

    Returns:
        ``int64[min(k, num_targets)]`` target node indices.

    Raises:
        ValueError: If ``k`` is not a positive integer or there are no training examples.
    """
    if isinstance(k, bool) or not isinstance(k, numbers.Integral) or k < 1:
        raise ValueError(f"k must be a positive integer, got {k!r}")
    if len(train) == 0:
        raise ValueError("the popularity baseline needs training examples, found none")
    if latest_only:
        rows = np.flatnonzero(train.seed_time == train.seed_time.max())
        _, targets = train.pairs(rows)
        counts = np.bincount(targets, minlength=train.num_targets)
    else:
        counts = train.target_counts()
    order = np.lexsort((np.arange(train.num_targets), -counts))
    return order[: min(int(k), train.num_targets)].astype(np.int64)


def popularity_predictions(
    train: LinkExamples, examples: LinkExamples, k: int, *, latest_only: bool = False
) -> np.ndarray:
    """The same popularity ranking for every row of ``examples``.

    Args:
        train: The training examples the popularity is counted on.
        examples: The rows to predict.
        k: How many targets per row.
        latest_only: As for :func:`popularity_ranking` (default: ``False``).

    Returns:
        ``int64[len(examples), min(k, num_targets)]`` target node indices.
    """
    ranking = popularity_ranking(train, k, latest_only=latest_only)
    return np.broadcast_to(ranking, (len(examples), ranking.size)).copy()
