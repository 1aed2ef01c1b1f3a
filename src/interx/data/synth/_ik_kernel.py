"""Compiled two-bone IK: `ik.two_bone` plus the chain's local rotations (`rig.solve_chain`) per frame.

The generator solves four chains per person several times per sequence on
(T, 3) arrays of a few hundred frames, where numpy's per-call overhead is most
of the cost; this kernel does one frame at a time in registers, with the same
steps as `ik.two_bone` (the reference the tests hold it to):

1. reach = |target - root| clipped to the chain's range; the law of cosines
   gives the angle at the root, the bend direction is the pole's component
   perpendicular to the root-target line (another axis when it vanishes);
2. the world rotations G1, G2 = frame(bone, hinge) @ frame(rest bone, rest hinge)^T,
   where frame(a, b) has columns a, b made orthogonal to a, and their cross;
3. the locals parent^T G1, G1^T G2, G2^T end.

`two_bone_chain` is the public door.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_TINY = 1e-9


def _as64(x, shape: tuple[int, ...]) -> np.ndarray:
    x = np.asarray(x)
    if x.shape != shape:
        x = np.broadcast_to(x, shape)
    return np.ascontiguousarray(x, dtype=np.float64)


@numba.njit(cache=True, inline="always")
def _frame(ax, ay, az, bx, by, bz, out):  # pragma: no cover - compiled
    """out (3, 3): columns a/|a|, b made orthogonal to a and unit, and their cross (as `ik.frame`)."""
    n = max(math.sqrt(ax * ax + ay * ay + az * az), _TINY)
    ax, ay, az = ax / n, ay / n, az / n
    d = bx * ax + by * ay + bz * az
    bx, by, bz = bx - d * ax, by - d * ay, bz - d * az
    n = max(math.sqrt(bx * bx + by * by + bz * bz), _TINY)
    bx, by, bz = bx / n, by / n, bz / n
    out[0, 0], out[1, 0], out[2, 0] = ax, ay, az
    out[0, 1], out[1, 1], out[2, 1] = bx, by, bz
    out[0, 2], out[1, 2], out[2, 2] = ay * bz - az * by, az * bx - ax * bz, ax * by - ay * bx


@numba.njit(cache=True, inline="always")
def _mul_bt(a, b, out):  # pragma: no cover - compiled
    """out = a @ b^T (3 x 3)."""
    for r in range(3):
        for c in range(3):
            out[r, c] = a[r, 0] * b[c, 0] + a[r, 1] * b[c, 1] + a[r, 2] * b[c, 2]


@numba.njit(cache=True, inline="always")
def _mul_at(a, b, out):  # pragma: no cover - compiled
    """out = a^T @ b (3 x 3)."""
    for r in range(3):
        for c in range(3):
            out[r, c] = a[0, r] * b[0, c] + a[1, r] * b[1, c] + a[2, r] * b[2, c]


@numba.njit(cache=True)
def two_bone_kernel(root, target, pole, l1, l2, bone1, bone2, hinge, parent, end_rot, rotations,
                    middle, end, shortfall, locals_):  # pragma: no cover - compiled
    """root, target, pole (T, 3); l1, l2 bone lengths; bone1, bone2, hinge (3,) rest bones and flexion
    axis; parent, end_rot (T, 3, 3). Writes middle, end (T, 3), shortfall (T,) and, with `rotations`,
    locals_ (T, 3, 3, 3)."""
    lo, hi = abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999
    rest1, rest2, f = np.empty((3, 3)), np.empty((3, 3)), np.empty((3, 3))
    _frame(bone1[0], bone1[1], bone1[2], hinge[0], hinge[1], hinge[2], rest1)
    _frame(bone2[0], bone2[1], bone2[2], hinge[0], hinge[1], hinge[2], rest2)
    g1 = np.empty((3, 3))
    g2 = np.empty((3, 3))
    for t in range(root.shape[0]):
        rx, ry, rz = root[t, 0], root[t, 1], root[t, 2]
        vx, vy, vz = target[t, 0] - rx, target[t, 1] - ry, target[t, 2] - rz
        dist = math.sqrt(vx * vx + vy * vy + vz * vz)
        n = max(dist, _TINY)
        ux, uy, uz = vx / n, vy / n, vz / n
        reach = min(max(dist, lo), hi)
        cos_a = min(max((l1 * l1 + reach * reach - l2 * l2) / (2.0 * l1 * reach), -1.0), 1.0)
        sin_a = math.sqrt(1.0 - cos_a * cos_a)
        hx, hy, hz = pole[t, 0] - rx, pole[t, 1] - ry, pole[t, 2] - rz
        d = hx * ux + hy * uy + hz * uz
        wx, wy, wz = hx - d * ux, hy - d * uy, hz - d * uz
        if math.sqrt(wx * wx + wy * wy + wz * wz) < 1e-6:     # pole on the line: another axis
            if abs(ux) < 0.9:
                wx, wy, wz = 0.0, uz, -uy                       # u x (1, 0, 0)
            else:
                wx, wy, wz = -uz, 0.0, ux                       # u x (0, 1, 0)
        n = max(math.sqrt(wx * wx + wy * wy + wz * wz), _TINY)
        bx, by, bz = wx / n, wy / n, wz / n
        mx = rx + l1 * (cos_a * ux + sin_a * bx)
        my = ry + l1 * (cos_a * uy + sin_a * by)
        mz = rz + l1 * (cos_a * uz + sin_a * bz)
        ex, ey, ez = rx + reach * ux, ry + reach * uy, rz + reach * uz
        middle[t, 0], middle[t, 1], middle[t, 2] = mx, my, mz
        end[t, 0], end[t, 1], end[t, 2] = ex, ey, ez
        shortfall[t] = max(dist - reach, 0.0)
        if not rotations:
            continue
        kx, ky, kz = by * uz - bz * uy, bz * ux - bx * uz, bx * uy - by * ux   # hinge = bend x u
        _frame(mx - rx, my - ry, mz - rz, kx, ky, kz, f)
        _mul_bt(f, rest1, g1)
        _frame(ex - mx, ey - my, ez - mz, kx, ky, kz, f)
        _mul_bt(f, rest2, g2)
        _mul_at(parent[t], g1, locals_[t, 0])
        _mul_at(g1, g2, locals_[t, 1])
        _mul_at(g2, end_rot[t], locals_[t, 2])


def two_bone_chain(root: np.ndarray, target: np.ndarray, pole: np.ndarray, rest_bone1: np.ndarray,
                   rest_bone2: np.ndarray, rest_hinge: np.ndarray, parent_rot: np.ndarray, end_rot: np.ndarray,
                   rotations: bool = True):
    """`ik.two_bone` and the chain's locals in one pass (every array float64).

    Args:
        root, target, pole: (T, 3) or broadcastable; rest_bone1, rest_bone2, rest_hinge: (3,).
        parent_rot, end_rot: (T, 3, 3) world rotations of the root's parent and of the end joint
            (read only with `rotations`).

    Returns:
        locals (T, 3, 3, 3) of (root, middle, end) or None; middle, end (T, 3); shortfall (T,).
    """
    frames = max(np.shape(x)[0] for x in (root, target, pole))
    root, target, pole = (_as64(x, (frames, 3)) for x in (root, target, pole))
    bone1, bone2, hinge = (_as64(x, (3,)) for x in (rest_bone1, rest_bone2, rest_hinge))
    l1, l2 = math.sqrt(bone1 @ bone1), math.sqrt(bone2 @ bone2)
    middle, end, shortfall = np.empty((frames, 3)), np.empty((frames, 3)), np.empty(frames)
    if rotations:
        parent_rot, end_rot = _as64(parent_rot, (frames, 3, 3)), _as64(end_rot, (frames, 3, 3))
        locals_ = np.empty((frames, 3, 3, 3))
    else:
        parent_rot = end_rot = np.zeros((1, 3, 3))
        locals_ = np.zeros((1, 3, 3, 3))
    two_bone_kernel(root, target, pole, l1, l2, bone1, bone2, hinge, parent_rot, end_rot, rotations, middle, end,
                    shortfall, locals_)
    return (locals_ if rotations else None), middle, end, shortfall
