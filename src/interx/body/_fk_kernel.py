"""Compiled forward kinematics for numpy inputs: axis-angle to world joints in one pass.

A numba kernel, parallel over frames, that fuses Rodrigues' formula and the
walk down the tree, so no (N, J, 3, 3) temporaries are ever made. Rotations in
float32 (sin/cos dominate the cost), the chain in float64, results float32. `kinematics.pose_joints` is the public door.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_BLOCK = 512


@numba.njit(cache=True, inline="always")
def _pose_frame(aa, trans, offsets, parents, out, g, p):  # pragma: no cover - compiled
    """One frame: aa (J, 3), trans (3,), offsets (J, 3), out (J, 3); g (J, 3, 3), p (J, 3) scratch."""
    for j in range(aa.shape[0]):
        x, y, z = aa[j, 0], aa[j, 1], aa[j, 2]
        a2 = x * x + y * y + z * z
        if a2 < 1e-8:
            s, c = 1.0 - a2 / 6.0, 0.5 - a2 / 24.0
        else:
            a = math.sqrt(a2)  # float32 trig: the cost that dominates, twice as fast as float64
            s, c = math.sin(a) / a, (1.0 - math.cos(a)) / a2
        r00, r01, r02 = 1.0 - c * (y * y + z * z), c * x * y - s * z, c * x * z + s * y
        r10, r11, r12 = c * x * y + s * z, 1.0 - c * (x * x + z * z), c * y * z - s * x
        r20, r21, r22 = c * x * z - s * y, c * y * z + s * x, 1.0 - c * (x * x + y * y)
        if j == 0:
            g[0, 0, 0], g[0, 0, 1], g[0, 0, 2] = r00, r01, r02
            g[0, 1, 0], g[0, 1, 1], g[0, 1, 2] = r10, r11, r12
            g[0, 2, 0], g[0, 2, 1], g[0, 2, 2] = r20, r21, r22
            for k in range(3):
                p[0, k] = offsets[0, k]
        else:
            q = parents[j]
            for k in range(3):
                p[j, k] = p[q, k] + g[q, k, 0] * offsets[j, 0] + g[q, k, 1] * offsets[j, 1] + g[q, k, 2] * offsets[j, 2]
                a0, a1, a2_ = g[q, k, 0], g[q, k, 1], g[q, k, 2]
                g[j, k, 0] = a0 * r00 + a1 * r10 + a2_ * r20
                g[j, k, 1] = a0 * r01 + a1 * r11 + a2_ * r21
                g[j, k, 2] = a0 * r02 + a1 * r12 + a2_ * r22
        for k in range(3):
            out[j, k] = p[j, k] + trans[k]


@numba.njit(parallel=True, cache=True)
def fk_kernel(pose, trans, offsets, parents, out):  # pragma: no cover - compiled
    """pose (N, J, 3) axis-angle; trans (N, 3); offsets (M, J, 3) with M 1 or N: offsets[:, 0]
    is the rest root, offsets[:, j] the rest bone from parents[j] to j; out (N, J, 3)."""
    n_frames, n_joints = pose.shape[0], pose.shape[1]
    shared = offsets.shape[0] == 1
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for b in numba.prange(n_blocks):  # scratch allocated once per block, not per frame
        g = np.empty((n_joints, 3, 3))
        p = np.empty((n_joints, 3))
        for n in range(b * _BLOCK, min(n_frames, (b + 1) * _BLOCK)):
            _pose_frame(pose[n], trans[n], offsets[0] if shared else offsets[n], parents, out[n], g, p)


def rest_to_offsets(rest: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """(..., J, 3) rest joints -> (..., J, 3) kernel offsets (root position, then bones)."""
    offsets = rest.copy()
    offsets[..., 1:, :] = rest[..., 1:, :] - rest[..., parents[1:], :]
    return offsets
