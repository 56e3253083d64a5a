"""Negative sampling for link prediction: ``random`` (uniform) or ``degree_based`` targets."""

import numbers
from typing import Literal

import numpy as np

NegativeStrategy = Literal["random", "degree_based"]
"""How negative targets are drawn: uniformly over all target nodes (``random``) or in
proportion to how often each target is a true link in the training examples
(``degree_based``, harder negatives: popular targets)."""

STRATEGIES: tuple[NegativeStrategy, ...] = ("random", "degree_based")

_RESAMPLE_ROUNDS = 8
"""How often ``degree_based`` redraws negatives that hit their positive before giving up."""


class NegativeSampler:
    """Draws negative targets for positive (source, target) pairs.

    Args:
        num_targets: The number of target nodes.
        strategy: ``"random"`` or ``"degree_based"`` (default: ``"random"``).
        degrees: ``int[num_targets]`` link counts per target; required for
            ``degree_based`` (default: ``None``).
        seed: Seed of the random generator (default: ``0``).

    Raises:
        ValueError: If the strategy is unknown, ``num_targets`` is not positive, or the
            degrees are missing, of the wrong length, negative, or all zero for
            ``degree_based``.
    """

    def __init__(
        self,
        num_targets: int,
        strategy: NegativeStrategy = "random",
        *,
        degrees: np.ndarray | None = None,
        seed: int = 0,
    ) -> None:
        if strategy not in STRATEGIES:
            raise ValueError(
                f"negative_sampling_strategy must be one of {list(STRATEGIES)}, got {strategy!r}"
            )
        if isinstance(num_targets, bool) or not isinstance(num_targets, numbers.Integral):
            raise ValueError(f"num_targets must be a positive integer, got {num_targets!r}")
        if num_targets < 1:
            raise ValueError(f"num_targets must be a positive integer, got {num_targets!r}")
        self.num_targets = int(num_targets)
        self.strategy: NegativeStrategy = strategy
        self._cdf: np.ndarray | None = None
        if strategy == "degree_based":
            if degrees is None:
                raise ValueError("degree_based negative sampling needs the target degrees")
            degrees = np.asarray(degrees, dtype=np.float64)
            if degrees.shape != (self.num_targets,):
                raise ValueError(
                    f"degrees must have one entry per target ({self.num_targets}), found shape "
                    f"{degrees.shape}"
                )
            if (degrees < 0).any() or not degrees.sum() > 0:
                raise ValueError(
                    "degrees must be non-negative with a positive sum, found "
                    f"min {degrees.min()} and sum {degrees.sum()}"
                )
            self._cdf = np.cumsum(degrees / degrees.sum())
            self._cdf[-1] = 1.0
        self._rng = np.random.default_rng(seed)

    def sample(self, positives: np.ndarray, num_negative: int) -> np.ndarray:
        """Draws ``num_negative`` negatives for every positive target.

        ``random`` never returns the positive itself when there are at least two targets (it
        draws from the other ``num_targets - 1``). ``degree_based`` redraws negatives equal
        to their positive a few times; one may remain when a single target holds almost all
        of the degree.

        Args:
            positives: ``int[m]`` positive target node indices.
            num_negative: Negatives per positive.

        Returns:
            ``int64[m, num_negative]`` negative target node indices.

        Raises:
            ValueError: If ``num_negative`` is not positive.
        """
        if isinstance(num_negative, bool) or not isinstance(num_negative, numbers.Integral):
            raise ValueError(f"num_negative must be a positive integer, got {num_negative!r}")
        if num_negative < 1:
            raise ValueError(f"num_negative must be a positive integer, got {num_negative!r}")
        positives = np.asarray(positives, dtype=np.int64)[:, None]
        shape = (positives.shape[0], int(num_negative))
        if self._cdf is None:
            if self.num_targets == 1:
                return np.zeros(shape, dtype=np.int64)
            draw = self._rng.integers(0, self.num_targets - 1, size=shape, dtype=np.int64)
            return draw + (draw >= positives)
        negatives = self._draw_by_degree(shape)
        for _ in range(_RESAMPLE_ROUNDS):
            hit = negatives == positives
            if not hit.any():
                break
            negatives[hit] = self._draw_by_degree((int(hit.sum()),))
        return negatives

    def _draw_by_degree(self, shape: tuple[int, ...]) -> np.ndarray:
        """Inverse-CDF draws of target ids in proportion to their degree."""
        index = np.searchsorted(self._cdf, self._rng.random(shape), side="right")
        return np.minimum(index, self.num_targets - 1).astype(np.int64)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(num_targets={self.num_targets}, strategy={self.strategy!r})"
