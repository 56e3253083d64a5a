"""A progress bar over training batches that shows the loss and the validation metric."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm.auto import tqdm

T = TypeVar("T")


class Progress:
    """Wraps the batches of an epoch in a tqdm bar (or passes them through when quiet).

    Args:
        quiet: Show nothing (default: False).
        description: The bar's prefix (default: "train").
    """

    def __init__(self, quiet: bool = False, description: str = "train") -> None:
        self.quiet = quiet
        self.description = description
        self._bar: tqdm | None = None
        self._postfix: dict[str, str] = {}

    def epoch(self, batches: Iterable[T], epoch: int, total: int) -> Iterator[T]:
        """Iterates over ``batches``, showing a bar for ``epoch``."""
        if self.quiet:
            yield from batches
            return
        self._bar = tqdm(
            batches, total=total, desc=f"{self.description} epoch {epoch}", leave=False
        )
        try:
            yield from self._bar
        finally:
            self._bar.close()
            self._bar = None

    def update(self, **values: float) -> None:
        """Shows ``values`` (e.g. ``loss=0.41``) beside the bar."""
        if self._bar is None:
            return
        self._postfix.update({key: f"{value:.4g}" for key, value in values.items()})
        self._bar.set_postfix(self._postfix, refresh=False)
