"""Normalisation statistics: mean and standard deviation of a representation over the train split.

Statistics are accumulated per sequence as (count, mean, M2) and merged with
Chan et al.'s pairwise formula in float64, so they come out the same whatever
the number of workers and never need the whole split in memory. The std is the
population std (numpy's default, ddof = 0); it is stored as computed (a
constant feature has std 0: clamp it before dividing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Moments:
    """count rows; mean and M2 (sum of squared deviations) per feature, float64."""

    count: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def of(cls, rows: np.ndarray) -> "Moments":
        """Moments of `rows` (N, ...) over axis 0."""
        rows = np.asarray(rows, dtype=np.float64)
        mean = rows.mean(axis=0) if len(rows) else np.zeros(rows.shape[1:])
        return cls(len(rows), mean, ((rows - mean) ** 2).sum(axis=0))

    def merge(self, other: "Moments") -> "Moments":
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        count = self.count + other.count
        delta = other.mean - self.mean
        mean = self.mean + delta * (other.count / count)
        m2 = self.m2 + other.m2 + delta ** 2 * (self.count * other.count / count)
        return Moments(count, mean, m2)

    @property
    def std(self) -> np.ndarray:
        return np.sqrt(self.m2 / max(self.count, 1))


def stats_arrays(moments: dict[str, Moments]) -> dict[str, np.ndarray]:
    """{name_mean, name_std (float32), name_count (int64)} for writing to stats.npz."""
    out = {}
    for name, m in moments.items():
        out[f"{name}_mean"] = m.mean.astype(np.float32)
        out[f"{name}_std"] = m.std.astype(np.float32)
        out[f"{name}_count"] = np.array(m.count, dtype=np.int64)
    return out
