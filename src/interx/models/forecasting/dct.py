"""The orthonormal DCT-II basis used by the forecasters (siMLPe's trajectory code)."""

from __future__ import annotations

import math

import torch


def dct_matrix(length: int, coefficients: int | None = None) -> torch.Tensor:
    """(K, N) float32 orthonormal DCT-II rows: coefficients = D @ signal, signal = D.T @ coefficients.

    Row k is sqrt(2 / N) cos(pi (n + 1/2) k / N) over n = 0..N-1 (row 0 scaled
    by 1 / sqrt(2)); with K = N the matrix is orthogonal, with K < N its rows
    are the K lowest frequencies (D.T @ c is then the smooth part of a signal).

    Args:
        length: N, samples of the signal.
        coefficients: K <= N rows kept (default N).
    """
    k = length if coefficients is None else coefficients
    if not 1 <= k <= length:
        raise ValueError(f"DCT coefficients must lie in [1, {length}], got {k}")
    n = torch.arange(length, dtype=torch.float64)
    freq = torch.arange(k, dtype=torch.float64)[:, None]
    basis = math.sqrt(2.0 / length) * torch.cos(math.pi * (n + 0.5) * freq / length)
    basis[0] /= math.sqrt(2.0)
    return basis.float()
