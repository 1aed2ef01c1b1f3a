"""Which items each training step sees: a pure function of (seed, step, rank).

Training draws items in an endless sequence of "draws". Draw d belongs to block
e = d // N (N items): block e is a permutation of the N items (plain sampling)
or N indices drawn with replacement with probability proportional to
1 / (count of the item's class) (class-balanced sampling), both from a
generator seeded by (seed, e). A step takes the next `batch_size * world_size`
draws; rank r takes its contiguous `batch_size` of them. So the batches from
step k on are known without replaying the run: a resumed run sees exactly what
an uninterrupted one would have seen.

Each draw is handed to the dataset as a `Draw(index, seed)`: `seed` identifies
the draw (from the run's seed and the draw number) for per-item randomness such
as augmentation.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import NamedTuple

import numpy as np

from interx.errors import UsageError


class Draw(NamedTuple):
    """One item drawn for training: the dataset index and a seed for that draw's randomness."""

    index: int
    seed: int


def class_weights(labels: Sequence[int]) -> np.ndarray:
    """(N,) float64 sampling probabilities giving every class the same total weight.

    An item's weight is 1 / (number of items of its class); weights sum to 1.
    """
    labels = np.asarray(labels, dtype=np.int64)
    if labels.size == 0:
        raise UsageError("class-balanced sampling needs at least one item")
    _, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    weights = 1.0 / counts[inverse]
    return weights / weights.sum()


def _draw_seed(seed: int, draw: int) -> int:
    return int(np.random.SeedSequence([seed, draw, 0x5EED]).generate_state(1, np.uint64)[0] >> np.uint64(1))


class StepBatchSampler:
    """Endless batch sampler: batches of `Draw`s for one rank, from step `start_step` on.

    Args:
        num_items: dataset size N.
        batch_size: items per step on this rank.
        seed: the run's seed.
        rank, world_size: this process and the number of processes.
        start_step: the first step to produce (a resumed run passes its step).
        weights: optional (N,) sampling probabilities (see `class_weights`); None
            means each block is a permutation.
    """

    def __init__(self, num_items: int, batch_size: int, seed: int, rank: int = 0, world_size: int = 1,
                 start_step: int = 0, weights: np.ndarray | None = None):
        if num_items <= 0:
            raise UsageError("cannot sample batches from an empty dataset")
        if batch_size <= 0:
            raise UsageError(f"batch size must be positive, not {batch_size}")
        if weights is not None and len(weights) != num_items:
            raise UsageError(f"{len(weights)} sampling weights for {num_items} items")
        self.num_items, self.batch_size, self.seed = num_items, batch_size, seed
        self.rank, self.world_size, self.start_step = rank, world_size, start_step
        self.weights = None if weights is None else np.asarray(weights, dtype=np.float64)
        self._block: tuple[int, np.ndarray] | None = None

    def block(self, number: int) -> np.ndarray:
        """(N,) dataset indices of draw block `number`."""
        if self._block is None or self._block[0] != number:
            rng = np.random.default_rng([self.seed, number])
            if self.weights is None:
                order = rng.permutation(self.num_items)
            else:
                order = rng.choice(self.num_items, size=self.num_items, p=self.weights)
            self._block = (number, order)
        return self._block[1]

    def batch(self, step: int) -> list[Draw]:
        """The draws this rank trains on at `step`."""
        first = (step * self.world_size + self.rank) * self.batch_size
        draws = []
        for draw in range(first, first + self.batch_size):
            index = int(self.block(draw // self.num_items)[draw % self.num_items])
            draws.append(Draw(index, _draw_seed(self.seed, draw)))
        return draws

    def __iter__(self) -> Iterator[list[Draw]]:
        step = self.start_step
        while True:
            yield self.batch(step)
            step += 1
