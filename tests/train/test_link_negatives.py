"""Negative sampling for link training."""

import numpy as np
import pytest

from relgraph.train.link_negatives import NegativeSampler


@pytest.mark.parametrize("num_targets", [2, 3, 50])
def test_random_negatives_never_equal_their_positive(num_targets: int) -> None:
    sampler = NegativeSampler(num_targets, "random", seed=1)
    positives = np.arange(2000) % num_targets
    negatives = sampler.sample(positives, 7)
    assert negatives.shape == (2000, 7)
    assert negatives.dtype == np.int64
    assert not (negatives == positives[:, None]).any()
    assert negatives.min() >= 0 and negatives.max() < num_targets


def test_random_negatives_are_uniform_over_the_other_targets() -> None:
    negatives = NegativeSampler(5, "random", seed=3).sample(np.zeros(20_000, np.int64), 5)
    counts = np.bincount(negatives.ravel(), minlength=5) / negatives.size
    assert counts[0] == 0
    np.testing.assert_allclose(counts[1:], 0.25, atol=0.01)


def test_degree_based_negatives_follow_the_degrees() -> None:
    degrees = np.array([0, 1, 2, 3, 4, 10])
    sampler = NegativeSampler(6, "degree_based", degrees=degrees, seed=7)
    # Positive 0 has degree 0, so no redraw changes the distribution.
    negatives = sampler.sample(np.zeros(10_000, np.int64), 10)
    observed = np.bincount(negatives.ravel(), minlength=6)
    expected = degrees / degrees.sum() * negatives.size
    assert observed[0] == 0
    chi2 = (((observed - expected) ** 2)[1:] / expected[1:]).sum()
    assert chi2 < 20.5  # the 99.9% quantile of chi-square with 5 degrees of freedom


def test_degree_based_negatives_avoid_the_positive_when_they_can() -> None:
    sampler = NegativeSampler(4, "degree_based", degrees=np.array([5, 5, 5, 5]), seed=0)
    positives = np.arange(4000) % 4
    negatives = sampler.sample(positives, 4)
    assert not (negatives == positives[:, None]).any()


def test_same_seed_same_negatives() -> None:
    first = NegativeSampler(30, "random", seed=5).sample(np.arange(30), 3)
    again = NegativeSampler(30, "random", seed=5).sample(np.arange(30), 3)
    other = NegativeSampler(30, "random", seed=6).sample(np.arange(30), 3)
    assert np.array_equal(first, again)
    assert not np.array_equal(first, other)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((5, "popular"), {}, "negative_sampling_strategy must be one of"),
        ((0, "random"), {}, "num_targets must be a positive integer"),
        ((5, "degree_based"), {}, "needs the target degrees"),
        ((3, "degree_based"), {"degrees": np.ones(4)}, r"one entry per target \(3\)"),
        ((2, "degree_based"), {"degrees": np.zeros(2)}, "positive sum"),
        ((2, "degree_based"), {"degrees": np.array([-1, 3])}, "non-negative"),
    ],
)
def test_rejects_bad_arguments(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        NegativeSampler(*args, **kwargs)


@pytest.mark.parametrize("num", [0, -1, 1.5, True])
def test_rejects_bad_num_negative(num: object) -> None:
    with pytest.raises(ValueError, match="num_negative must be a positive integer"):
        NegativeSampler(3).sample(np.array([0]), num)
