"""Upsampling a solved motion to the release's frame rate.

Choreography is solved at the models' rate (30 fps, every 4th frame of the
release, which is what the official processing keeps) and written at 120 fps:
the in-between frames interpolate every joint rotation along the great arc and
cubic (Catmull-Rom) interpolations of the translation, so frame 4k of the
output is exactly solved frame k.
"""

from __future__ import annotations

import numpy as np

from interx.data.synth._rot_kernel import upsample_aa


def _positions(frames: int, factor: int) -> tuple[np.ndarray, np.ndarray]:
    """Index k0 (T,) of the solved frame before each output frame and the fraction u (T,) past it."""
    out = factor * (frames - 1) + 1
    where = np.arange(out) / factor
    k0 = np.minimum(np.floor(where).astype(np.int64), max(frames - 2, 0))
    return k0, where - k0


def upsample_rotations(aa: np.ndarray, factor: int) -> np.ndarray:
    """Axis-angle (K, J, 3) -> (factor (K - 1) + 1, J, 3) by normalised linear interpolation of quaternions
    between consecutive frames (the same path as slerp; a frame apart at 30 fps the speeds differ negligibly)."""
    if aa.shape[0] < 2:
        return aa.copy()
    return upsample_aa(aa, factor)      # compiled; `rotations` holds the reference formulas


def upsample_positions(x: np.ndarray, factor: int) -> np.ndarray:
    """(K, D) -> (factor (K - 1) + 1, D) by Catmull-Rom splines through every frame."""
    if x.shape[0] < 2:
        return x.copy()
    k0, u = _positions(x.shape[0], factor)
    padded = np.concatenate([2 * x[:1] - x[1:2], x, 2 * x[-1:] - x[-2:-1]])  # extrapolated ends
    p0, p1, p2, p3 = padded[k0], padded[k0 + 1], padded[k0 + 2], padded[k0 + 3]
    u = u[:, None]
    return 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u ** 2
                  + (3 * p1 - p0 - 3 * p2 + p3) * u ** 3)
