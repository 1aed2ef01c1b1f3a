"""Compiled rotation conversions and upsampling for the generator's many small (T, ...) float64 arrays.

The same formulas as `interx.body.rotations` (which serves numpy and torch alike
and is the reference the tests hold these to), written per item so that a
conversion costs one call instead of a few dozen numpy temporaries:
Shepperd's method for matrix -> quaternion (the candidate built on the largest
of the four 4 q_i^2 terms, first one on ties), w >= 0 quaternions, angles in
[0, pi], Euler "YXZ" as R_Y(a0) @ R_X(a1) @ R_Z(a2), and the normalised linear
quaternion interpolation of `resample.upsample_rotations`, and the Catmull-Rom
splines of `resample.upsample_positions`.
Public doors: `mat_to_quat`, `mat_to_aa`, `quat_to_mat`, `euler_yxz`, `upsample_aa`, `catmull_rom`.
"""

from __future__ import annotations

import math

import numba
import numpy as np


@numba.njit(cache=True, inline="always")
def _mat_quat(m, q):  # pragma: no cover - compiled
    """q (4,) = unit quaternion (w >= 0) of the 3x3 matrix m (Shepperd)."""
    m00, m11, m22 = m[0, 0], m[1, 1], m[2, 2]
    m01, m02, m10 = m[0, 1], m[0, 2], m[1, 0]
    m12, m20, m21 = m[1, 2], m[2, 0], m[2, 1]
    s0, s1 = 1.0 + m00 + m11 + m22, 1.0 + m00 - m11 - m22
    s2, s3 = 1.0 - m00 + m11 - m22, 1.0 - m00 - m11 + m22
    best, top = 0, s0
    if s1 > top:
        best, top = 1, s1
    if s2 > top:
        best, top = 2, s2
    if s3 > top:
        best, top = 3, s3
    root = math.sqrt(max(top, 1e-12))
    r2 = root * root
    if best == 0:
        w, x, y, z = r2, m21 - m12, m02 - m20, m10 - m01
    elif best == 1:
        w, x, y, z = m21 - m12, r2, m10 + m01, m02 + m20
    elif best == 2:
        w, x, y, z = m02 - m20, m10 + m01, r2, m21 + m12
    else:
        w, x, y, z = m10 - m01, m20 + m02, m21 + m12, r2
    w, x, y, z = w / root * 0.5, x / root * 0.5, y / root * 0.5, z / root * 0.5
    n = math.sqrt(w * w + x * x + y * y + z * z)
    if w < 0.0:
        n = -n
    q[0], q[1], q[2], q[3] = w / n, x / n, y / n, z / n


@numba.njit(cache=True, inline="always")
def _quat_aa(w, x, y, z, out):  # pragma: no cover - compiled
    """out (3,) = axis-angle (angle in [0, pi]) of the quaternion (w, x, y, z) (normalised here)."""
    n = math.sqrt(w * w + x * x + y * y + z * z)
    if w < 0.0:
        n = -n
    w, x, y, z = w / n, x / n, y / n, z / n
    sin_half = math.sqrt(x * x + y * y + z * z)
    angle = 2.0 * math.atan2(sin_half, w)
    scale = 2.0 + angle * angle / 12.0 if sin_half < 1e-6 else angle / sin_half
    out[0], out[1], out[2] = x * scale, y * scale, z * scale


@numba.njit(cache=True)
def _mat_to_quat(mats, out):  # pragma: no cover - compiled
    for i in range(mats.shape[0]):
        _mat_quat(mats[i], out[i])


@numba.njit(cache=True)
def _mat_to_aa(mats, out):  # pragma: no cover - compiled
    q = np.empty(4)
    for i in range(mats.shape[0]):
        _mat_quat(mats[i], q)
        _quat_aa(q[0], q[1], q[2], q[3], out[i])


@numba.njit(cache=True)
def _quat_to_mat(quat, out):  # pragma: no cover - compiled
    for i in range(quat.shape[0]):
        w, x, y, z = quat[i, 0], quat[i, 1], quat[i, 2], quat[i, 3]
        n = math.sqrt(w * w + x * x + y * y + z * z)
        w, x, y, z = w / n, x / n, y / n, z / n
        m = out[i]
        m[0, 0], m[0, 1], m[0, 2] = 1.0 - 2.0 * (y * y + z * z), 2.0 * (x * y - w * z), 2.0 * (x * z + w * y)
        m[1, 0], m[1, 1], m[1, 2] = 2.0 * (x * y + w * z), 1.0 - 2.0 * (x * x + z * z), 2.0 * (y * z - w * x)
        m[2, 0], m[2, 1], m[2, 2] = 2.0 * (x * z - w * y), 2.0 * (y * z + w * x), 1.0 - 2.0 * (x * x + y * y)


@numba.njit(cache=True)
def _euler_yxz(angles, out):  # pragma: no cover - compiled
    ry, rx, rz = np.zeros((3, 3)), np.zeros((3, 3)), np.zeros((3, 3))
    ry[1, 1], rx[0, 0], rz[2, 2] = 1.0, 1.0, 1.0
    for i in range(angles.shape[0]):
        c, s = math.cos(angles[i, 0]), math.sin(angles[i, 0])
        ry[0, 0], ry[0, 2], ry[2, 0], ry[2, 2] = c, s, -s, c
        c, s = math.cos(angles[i, 1]), math.sin(angles[i, 1])
        rx[1, 1], rx[1, 2], rx[2, 1], rx[2, 2] = c, -s, s, c
        c, s = math.cos(angles[i, 2]), math.sin(angles[i, 2])
        rz[0, 0], rz[0, 1], rz[1, 0], rz[1, 1] = c, -s, s, c
        for r in range(3):
            a0 = ry[r, 0] * rx[0, 0] + ry[r, 1] * rx[1, 0] + ry[r, 2] * rx[2, 0]
            a1 = ry[r, 0] * rx[0, 1] + ry[r, 1] * rx[1, 1] + ry[r, 2] * rx[2, 1]
            a2 = ry[r, 0] * rx[0, 2] + ry[r, 1] * rx[1, 2] + ry[r, 2] * rx[2, 2]
            for k in range(3):
                out[i, r, k] = a0 * rz[0, k] + a1 * rz[1, k] + a2 * rz[2, k]


@numba.njit(cache=True)
def _upsample_aa(aa, factor, out):  # pragma: no cover - compiled
    """aa (K, J, 3) axis-angle, K >= 2 -> out (factor (K - 1) + 1, J, 3)."""
    frames, joints = aa.shape[0], aa.shape[1]
    quat = np.empty((frames, joints, 4))
    for k in range(frames):
        for j in range(joints):
            x, y, z = aa[k, j, 0], aa[k, j, 1], aa[k, j, 2]
            angle = math.sqrt(x * x + y * y + z * z)
            half = angle * 0.5
            scale = 0.5 - angle * angle / 48.0 if angle < 1e-4 else math.sin(half) / angle
            quat[k, j, 0], quat[k, j, 1] = math.cos(half), x * scale
            quat[k, j, 2], quat[k, j, 3] = y * scale, z * scale
    for i in range(out.shape[0]):
        where = i / factor
        k0 = min(int(math.floor(where)), frames - 2)
        u = where - k0
        for j in range(joints):
            a, b = quat[k0, j], quat[k0 + 1, j]
            sign = -1.0 if a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3] < 0 else 1.0
            w = a[0] + u * (sign * b[0] - a[0])
            x = a[1] + u * (sign * b[1] - a[1])
            y = a[2] + u * (sign * b[2] - a[2])
            z = a[3] + u * (sign * b[3] - a[3])
            n = math.sqrt(w * w + x * x + y * y + z * z)
            _quat_aa(w / n, x / n, y / n, z / n, out[i, j])


@numba.njit(cache=True)
def _catmull_rom(x, factor, out):  # pragma: no cover - compiled
    """x (K, D), K >= 2 -> out (factor (K - 1) + 1, D), the ends extrapolated linearly."""
    frames, dims = x.shape
    for i in range(out.shape[0]):
        where = i / factor
        k0 = min(int(math.floor(where)), frames - 2)
        u = where - k0
        u2, u3 = u * u, u ** 3
        for d in range(dims):
            p1, p2 = x[k0, d], x[k0 + 1, d]
            p0 = x[k0 - 1, d] if k0 > 0 else 2 * x[0, d] - x[1, d]
            p3 = x[k0 + 2, d] if k0 + 2 < frames else 2 * x[frames - 1, d] - x[frames - 2, d]
            out[i, d] = 0.5 * (2 * p1 + (p2 - p0) * u + (2 * p0 - 5 * p1 + 4 * p2 - p3) * u2
                               + (3 * p1 - p0 - 3 * p2 + p3) * u3)


def _flat(x: np.ndarray, tail: tuple[int, ...]) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float64).reshape((-1,) + tail)


def mat_to_quat(mats: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) -> unit quaternions (..., 4), w >= 0 (float64)."""
    out = np.empty(mats.shape[:-2] + (4,))
    _mat_to_quat(_flat(mats, (3, 3)), out.reshape(-1, 4))
    return out


def mat_to_aa(mats: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) -> axis-angle (..., 3), angle in [0, pi] (float64)."""
    out = np.empty(mats.shape[:-2] + (3,))
    _mat_to_aa(_flat(mats, (3, 3)), out.reshape(-1, 3))
    return out


def quat_to_mat(quat: np.ndarray) -> np.ndarray:
    """Quaternions (..., 4) (w, x, y, z; normalised here) -> rotation matrices (..., 3, 3) (float64)."""
    out = np.empty(quat.shape[:-1] + (3, 3))
    _quat_to_mat(_flat(quat, (4,)), out.reshape(-1, 3, 3))
    return out


def euler_yxz(angles: np.ndarray) -> np.ndarray:
    """Euler angles (..., 3) -> R_Y(a0) @ R_X(a1) @ R_Z(a2) (..., 3, 3) (float64)."""
    out = np.empty(angles.shape[:-1] + (3, 3))
    _euler_yxz(_flat(angles, (3,)), out.reshape(-1, 3, 3))
    return out


def upsample_aa(aa: np.ndarray, factor: int) -> np.ndarray:
    """Axis-angle (K, J, 3), K >= 2 -> (factor (K - 1) + 1, J, 3): normalised linear interpolation of the
    quaternions of consecutive frames along the shorter arc (float64)."""
    aa = np.ascontiguousarray(aa, dtype=np.float64)
    out = np.empty((factor * (aa.shape[0] - 1) + 1,) + aa.shape[1:])
    _upsample_aa(aa, factor, out)
    return out


def catmull_rom(x: np.ndarray, factor: int) -> np.ndarray:
    """(K, D), K >= 2 -> (factor (K - 1) + 1, D) by Catmull-Rom splines through every frame (float64)."""
    x = np.ascontiguousarray(x, dtype=np.float64)
    out = np.empty((factor * (x.shape[0] - 1) + 1, x.shape[1]))
    _catmull_rom(x, factor, out)
    return out
