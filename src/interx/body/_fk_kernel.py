"""Compiled forward kinematics for numpy inputs: axis-angle to world joints in one pass.

A numba kernel, parallel over blocks of frames. Inside a block the work runs
joint by joint over all the block's frames at once (structure-of-arrays
scratch), so every step is a plain loop over frames that the compiler turns
into SIMD code:

1. Rodrigues' formula R = I + s [u]x + c [u]x^2 with s = sin(a)/a and
   c = (1 - cos(a))/a^2, both even in the angle a, evaluated as polynomials in
   a^2 (Taylor series to degree 9 in a^2, error below 1e-8 for a <= pi), so no
   sqrt, sin or cos is called; frames with a > pi (rare) are redone with libm.
2. The chain G_j = G_parent R_j and p_j = p_parent + G_parent offset_j. A joint
   without children never needs its rotation (SMPL-X has 15 such leaves).

Everything is float32 (positions agree with a float64 reference to about 1e-6 m).
`kinematics.pose_joints` is the public door.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_BLOCK = 64  # frames per block: the block's scratch (about 150 kB) stays in cache
_PI2 = np.float32(math.pi * math.pi)
_ONE = np.float32(1.0)
# Taylor coefficients of sin(a)/a and (1 - cos(a))/a^2 in powers of a^2, lowest first.
_SIN_C = np.array([(-1) ** n / math.factorial(2 * n + 1) for n in range(10)], np.float32)
_COS_C = np.array([(-1) ** n / math.factorial(2 * n + 2) for n in range(10)], np.float32)


@numba.njit(cache=True, inline="always")
def _store_rotation(r, i, x, y, z, s, c):  # pragma: no cover - compiled
    """r[:, i] = row-major R for axis-angle (x, y, z) given s and c (see the module docstring)."""
    r[0, i] = _ONE - c * (y * y + z * z)
    r[1, i] = c * x * y - s * z
    r[2, i] = c * x * z + s * y
    r[3, i] = c * x * y + s * z
    r[4, i] = _ONE - c * (x * x + z * z)
    r[5, i] = c * y * z - s * x
    r[6, i] = c * x * z - s * y
    r[7, i] = c * y * z + s * x
    r[8, i] = _ONE - c * (x * x + y * y)


@numba.njit(cache=True)
def _block_rotations(pose, n0, m, j, ax, r):  # pragma: no cover - compiled
    """Local rotations of joint j for frames n0..n0+m-1 into r (9, BLOCK); ax (4, BLOCK) scratch."""
    for i in range(m):
        ax[0, i] = pose[n0 + i, j, 0]
        ax[1, i] = pose[n0 + i, j, 1]
        ax[2, i] = pose[n0 + i, j, 2]
    for i in range(m):  # no branch and no reduction here, so the loop is vectorised
        x, y, z = ax[0, i], ax[1, i], ax[2, i]
        a2 = x * x + y * y + z * z
        ax[3, i] = a2
        s, c = _SIN_C[9], _COS_C[9]
        for k in range(8, -1, -1):
            s = s * a2 + _SIN_C[k]
            c = c * a2 + _COS_C[k]
        _store_rotation(r, i, x, y, z, s, c)
    for i in range(m):
        a2 = ax[3, i]
        if a2 > _PI2:  # beyond the polynomials' range (rare): libm
            a = math.sqrt(np.float64(a2))
            s, c = math.sin(a) / a, (1.0 - math.cos(a)) / a2
            _store_rotation(r, i, ax[0, i], ax[1, i], ax[2, i], np.float32(s), np.float32(c))


@numba.njit(parallel=True, cache=True)
def fk_kernel(pose, trans, offsets, parents, out):  # pragma: no cover - compiled
    """pose (N, J, 3) float32 axis-angle; trans (N, 3) float32; offsets (M, J, 3) with M 1 or N:
    offsets[:, 0] is the rest root, offsets[:, j] the rest bone from parents[j] to j;
    parents (J,) int64, parents before children; out (N, J, 3) float32 world joints."""
    n_frames, n_joints = pose.shape[0], pose.shape[1]
    off = offsets.astype(np.float32)
    per_item = off.shape[0] != 1
    has_child = np.zeros(n_joints, np.bool_)
    for j in range(1, n_joints):
        has_child[parents[j]] = True
    n_blocks = (n_frames + _BLOCK - 1) // _BLOCK
    for b in numba.prange(n_blocks):  # scratch allocated once per block
        g = np.empty((n_joints, 9, _BLOCK), np.float32)  # global rotations, row-major
        p = np.empty((n_joints, 3, _BLOCK), np.float32)  # positions
        r = np.empty((9, _BLOCK), np.float32)
        ax = np.empty((4, _BLOCK), np.float32)
        o = np.empty((3, _BLOCK), np.float32)
        n0 = b * _BLOCK
        m = min(n_frames, n0 + _BLOCK) - n0
        for j in range(n_joints):
            for k in range(3):
                if per_item:
                    for i in range(m):
                        o[k, i] = off[n0 + i, j, k]
                else:
                    for i in range(m):
                        o[k, i] = off[0, j, k]
            q = parents[j]
            if j == 0:
                for k in range(3):
                    for i in range(m):
                        p[0, k, i] = o[k, i]
            else:
                for k in range(3):
                    for i in range(m):
                        p[j, k, i] = (p[q, k, i] + g[q, 3 * k, i] * o[0, i] + g[q, 3 * k + 1, i] * o[1, i]
                                      + g[q, 3 * k + 2, i] * o[2, i])
            if j != 0 and not has_child[j]:
                continue
            _block_rotations(pose, n0, m, j, ax, r)
            if j == 0:
                for k in range(9):
                    for i in range(m):
                        g[0, k, i] = r[k, i]
            else:
                for k in range(3):
                    for i in range(m):
                        a0, a1, a2 = g[q, 3 * k, i], g[q, 3 * k + 1, i], g[q, 3 * k + 2, i]
                        g[j, 3 * k, i] = a0 * r[0, i] + a1 * r[3, i] + a2 * r[6, i]
                        g[j, 3 * k + 1, i] = a0 * r[1, i] + a1 * r[4, i] + a2 * r[7, i]
                        g[j, 3 * k + 2, i] = a0 * r[2, i] + a1 * r[5, i] + a2 * r[8, i]
        for i in range(m):
            for j in range(n_joints):
                for k in range(3):
                    out[n0 + i, j, k] = p[j, k, i] + trans[n0 + i, k]


def rest_to_offsets(rest: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """(..., J, 3) rest joints -> (..., J, 3) kernel offsets (root position, then bones)."""
    offsets = rest.copy()
    offsets[..., 1:, :] = rest[..., 1:, :] - rest[..., parents[1:], :]
    return offsets
