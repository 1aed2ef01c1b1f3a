"""Replication statistics: mean and 95% interval over repeated evaluations.

The official Inter-X (and T2M / InterGen) evaluation reports every metric as
``mean +- 1.96 * std / sqrt(n)`` over ``n`` replications, with the population
standard deviation (``np.std``, ddof 0). These functions do exactly that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.errors import UsageError

Z_95 = 1.96  # the official protocol's normal quantile


def summarize(values: Sequence[float] | np.ndarray) -> dict[str, float]:
    """Mean and confidence half-width of one metric over replications.

    Args:
        values: (n,) the metric's value in each of n replications.

    Returns:
        {"mean": m, "ci": c} with c = 1.96 * std(values, ddof=0) / sqrt(n), as plain floats.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1 or v.size == 0:
        raise UsageError(f"summarize needs a non-empty 1-D sequence of values, got shape {v.shape}")
    return {"mean": float(v.mean()), "ci": float(Z_95 * v.std() / np.sqrt(v.size))}


def summarize_columns(values: Sequence[Sequence[float]] | np.ndarray,
                      names: Sequence[str]) -> dict[str, dict[str, float]]:
    """`summarize` applied to each column of a (n, K) table, e.g. R-precision top-1..K.

    Args:
        values: (n, K) one row per replication.
        names: K column names, e.g. ("top1", "top2", "top3").

    Returns:
        {name: {"mean": m, "ci": c}} per column.
    """
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != len(names):
        raise UsageError(f"summarize_columns needs (n, {len(names)}) values, got shape {v.shape}")
    return {name: summarize(v[:, k]) for k, name in enumerate(names)}
