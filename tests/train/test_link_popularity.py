"""The popularity baseline of link prediction."""

import numpy as np
import pytest

from relgraph.train.link_data import LinkExamples
from relgraph.train.link_popularity import popularity_predictions, popularity_ranking


def examples() -> LinkExamples:
    # Rows at times 1, 1, 2: targets [3, 1], [3], [0, 2].
    return LinkExamples(
        "users",
        "items",
        5,
        np.array([0, 1, 0]),
        np.array([1, 1, 2]),
        np.array([0, 2, 3, 5]),
        np.array([1, 3, 3, 0, 2]),
    )


def test_ranks_by_link_count_then_node_index() -> None:
    assert popularity_ranking(examples(), 4).tolist() == [3, 0, 1, 2]
    assert popularity_ranking(examples(), 10).tolist() == [3, 0, 1, 2, 4]


def test_latest_only_counts_the_last_anchor() -> None:
    assert popularity_ranking(examples(), 2, latest_only=True).tolist() == [0, 2]


def test_predictions_repeat_the_ranking_per_row() -> None:
    predictions = popularity_predictions(examples(), examples(), 2)
    assert predictions.shape == (3, 2)
    assert (predictions == [3, 0]).all()


@pytest.mark.parametrize("k", [0, -2, 2.0, True])
def test_rejects_bad_k(k: object) -> None:
    with pytest.raises(ValueError, match="k must be a positive integer"):
        popularity_ranking(examples(), k)
