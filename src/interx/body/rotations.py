"""Every rotation conversion in the toolkit, for numpy arrays and torch tensors alike.

Glossary (names of functions follow it):
    aa    axis-angle, (..., 3): unit axis times angle in radians
    mat   rotation matrix, (..., 3, 3), acting on column vectors (x' = R x)
    quat  unit quaternion, (..., 4), ordered (w, x, y, z)
    sixd  6D rotation, (..., 6): the first two ROWS of the matrix, flattened
          (the pytorch3d convention the official Inter-X code uses)
    euler angles, (..., 3), in radians, applied in a named order such as "ZYX":
          R = R_Z(a0) @ R_Y(a1) @ R_X(a2) (intrinsic, the order BVH channels list)

Every function takes any number of leading batch dimensions and returns the
same kind of array it was given (numpy in, numpy out; torch in, torch out, on
the same device and dtype). Nothing else in the toolkit re-implements these.
"""

from __future__ import annotations

from typing import Any

import numpy as np

_SMALL = 1e-6


class _Ops:
    """The handful of array operations that differ between numpy and torch."""

    def __init__(self, like: Any):
        self.torch = not isinstance(like, np.ndarray) and type(like).__module__.startswith("torch")
        if self.torch:
            import torch

            self.xp = torch
        else:
            self.xp = np

    def asarray(self, x: Any, like: Any = None):
        if self.torch:
            return x if self.xp.is_tensor(x) else self.xp.as_tensor(x)
        return np.asarray(x)

    def stack(self, xs, axis: int):
        return self.xp.stack(xs, axis) if self.torch else np.stack(xs, axis=axis)

    def norm(self, x, axis: int = -1, keepdims: bool = False):
        if self.torch:
            return self.xp.linalg.norm(x, dim=axis, keepdim=keepdims)
        return np.linalg.norm(x, axis=axis, keepdims=keepdims)

    def where(self, cond, a, b):
        return self.xp.where(cond, a, b)

    def clip(self, x, lo, hi):
        return self.xp.clamp(x, lo, hi) if self.torch else np.clip(x, lo, hi)

    def cross(self, a, b):
        return self.xp.linalg.cross(a, b, dim=-1) if self.torch else np.cross(a, b)

    def zeros_like(self, x):
        return self.xp.zeros_like(x)

    def argmax(self, x, axis: int):
        return self.xp.argmax(x, dim=axis) if self.torch else np.argmax(x, axis=axis)

    def take(self, x, index, axis: int):
        """x[..., index[...], ...] along `axis` with index broadcast over the leading dims."""
        if self.torch:
            return self.xp.take_along_dim(x, index, dim=axis)
        return np.take_along_axis(x, index, axis=axis)


def _float(ops: _Ops, x):
    """Inputs as floating arrays (float32 unless already float64)."""
    x = ops.asarray(x)
    if ops.torch:
        return x if x.is_floating_point() else x.float()
    return x if x.dtype in (np.float32, np.float64) else x.astype(np.float32)


def _sinc_terms(ops: _Ops, angle):
    """sin(a)/a and (1-cos(a))/a^2, with Taylor series near a = 0."""
    xp = ops.xp
    small = angle < 1e-4
    safe = ops.where(small, ops.zeros_like(angle) + 1.0, angle)
    a2 = angle * angle
    sinc = ops.where(small, 1.0 - a2 / 6.0, xp.sin(safe) / safe)
    cosc = ops.where(small, 0.5 - a2 / 24.0, (1.0 - xp.cos(safe)) / (safe * safe))
    return sinc, cosc


def _skew(ops: _Ops, v):
    """(..., 3) -> (..., 3, 3) cross-product matrices [v]x."""
    x, y, z = v[..., 0], v[..., 1], v[..., 2]
    zero = ops.zeros_like(x)
    rows = [ops.stack([zero, -z, y], -1), ops.stack([z, zero, -x], -1), ops.stack([-y, x, zero], -1)]
    return ops.stack(rows, -2)


def _eye_like(ops: _Ops, v):
    """Identity matrices with the batch shape of (..., 3) vectors v."""
    xp = ops.xp
    if ops.torch:
        eye = xp.eye(3, dtype=v.dtype, device=v.device)
    else:
        eye = np.eye(3, dtype=v.dtype)
    return eye.expand(*v.shape[:-1], 3, 3) if ops.torch else np.broadcast_to(eye, v.shape[:-1] + (3, 3))


def aa_to_mat(aa):
    """Axis-angle (..., 3) -> rotation matrices (..., 3, 3) by Rodrigues' formula."""
    ops = _Ops(aa)
    aa = _float(ops, aa)
    angle = ops.norm(aa, -1)
    sinc, cosc = _sinc_terms(ops, angle)
    k = _skew(ops, aa)
    return _eye_like(ops, aa) + sinc[..., None, None] * k + cosc[..., None, None] * (k @ k)


def aa_to_quat(aa):
    """Axis-angle (..., 3) -> unit quaternions (..., 4) (w, x, y, z) with w >= 0 for angles <= pi."""
    ops = _Ops(aa)
    xp = ops.xp
    aa = _float(ops, aa)
    angle = ops.norm(aa, -1)
    half = angle * 0.5
    small = angle < 1e-4
    safe = ops.where(small, ops.zeros_like(angle) + 1.0, angle)
    scale = ops.where(small, 0.5 - angle * angle / 48.0, xp.sin(half) / safe)
    return ops.stack([xp.cos(half), aa[..., 0] * scale, aa[..., 1] * scale, aa[..., 2] * scale], -1)


def quat_to_aa(quat):
    """Quaternions (..., 4) -> axis-angle (..., 3) with angle in [0, pi]."""
    ops = _Ops(quat)
    xp = ops.xp
    quat = _float(ops, quat)
    quat = quat / ops.norm(quat, -1, keepdims=True)
    quat = ops.where(quat[..., :1] < 0, -quat, quat)  # the shorter of the two equal rotations
    vec = quat[..., 1:]
    sin_half = ops.norm(vec, -1)
    angle = 2.0 * xp.arctan2(sin_half, quat[..., 0])
    small = sin_half < 1e-6
    safe = ops.where(small, ops.zeros_like(sin_half) + 1.0, sin_half)
    # angle / sin(angle/2) -> 2 (1 + angle^2/24) as angle -> 0
    scale = ops.where(small, 2.0 + angle * angle / 12.0, angle / safe)
    return vec * scale[..., None]


def quat_to_mat(quat):
    """Quaternions (..., 4) (w, x, y, z) -> rotation matrices (..., 3, 3); input is normalised."""
    ops = _Ops(quat)
    quat = _float(ops, quat)
    quat = quat / ops.norm(quat, -1, keepdims=True)
    w, x, y, z = quat[..., 0], quat[..., 1], quat[..., 2], quat[..., 3]
    rows = [
        ops.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        ops.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        ops.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ]
    return ops.stack(rows, -2)


def mat_to_quat(mat):
    """Rotation matrices (..., 3, 3) -> unit quaternions (..., 4) with w >= 0.

    Builds the four candidate quaternions (one per largest diagonal term) and
    keeps the best-conditioned one per item, as Shepperd's method does.
    """
    ops = _Ops(mat)
    xp = ops.xp
    mat = _float(ops, mat)
    m00, m11, m22 = mat[..., 0, 0], mat[..., 1, 1], mat[..., 2, 2]
    m01, m02, m10 = mat[..., 0, 1], mat[..., 0, 2], mat[..., 1, 0]
    m12, m20, m21 = mat[..., 1, 2], mat[..., 2, 0], mat[..., 2, 1]
    # 4 q_i^2 for each component
    sq = ops.stack([1 + m00 + m11 + m22, 1 + m00 - m11 - m22, 1 - m00 + m11 - m22, 1 - m00 - m11 + m22], -1)
    root = xp.sqrt(ops.clip(sq, 1e-12, None))  # 2 |q_i|
    candidates = ops.stack([
        ops.stack([root[..., 0] ** 2, m21 - m12, m02 - m20, m10 - m01], -1) / root[..., 0:1],
        ops.stack([m21 - m12, root[..., 1] ** 2, m10 + m01, m02 + m20], -1) / root[..., 1:2],
        ops.stack([m02 - m20, m10 + m01, root[..., 2] ** 2, m21 + m12], -1) / root[..., 2:3],
        ops.stack([m10 - m01, m20 + m02, m21 + m12, root[..., 3] ** 2], -1) / root[..., 3:4],
    ], -2) * 0.5
    best = ops.argmax(sq, -1)[..., None, None]
    if ops.torch:
        best = best.expand(*best.shape[:-1], 4)
    else:
        best = np.broadcast_to(best, best.shape[:-1] + (4,))
    quat = ops.take(candidates, best, -2)[..., 0, :]
    quat = quat / ops.norm(quat, -1, keepdims=True)
    return ops.where(quat[..., :1] < 0, -quat, quat)


def mat_to_aa(mat):
    """Rotation matrices (..., 3, 3) -> axis-angle (..., 3), angle in [0, pi]."""
    return quat_to_aa(mat_to_quat(mat))


def mat_to_sixd(mat):
    """Rotation matrices (..., 3, 3) -> 6D (..., 6): the first two rows, flattened."""
    return mat[..., :2, :].reshape(*mat.shape[:-2], 6)


def sixd_to_mat(sixd):
    """6D (..., 6) -> rotation matrices (..., 3, 3) by Gram-Schmidt on the two rows."""
    ops = _Ops(sixd)
    sixd = _float(ops, sixd)
    a1, a2 = sixd[..., :3], sixd[..., 3:]
    b1 = a1 / ops.clip(ops.norm(a1, -1, keepdims=True), 1e-8, None)
    b2 = a2 - (b1 * a2).sum(-1, keepdims=True) * b1 if ops.torch else a2 - np.sum(b1 * a2, -1, keepdims=True) * b1
    b2 = b2 / ops.clip(ops.norm(b2, -1, keepdims=True), 1e-8, None)
    b3 = ops.cross(b1, b2)
    return ops.stack([b1, b2, b3], -2)


def aa_to_sixd(aa):
    """Axis-angle (..., 3) -> 6D (..., 6)."""
    return mat_to_sixd(aa_to_mat(aa))


def sixd_to_aa(sixd):
    """6D (..., 6) -> axis-angle (..., 3)."""
    return mat_to_aa(sixd_to_mat(sixd))


def quat_mul(a, b):
    """Hamilton product a * b of quaternions (..., 4); the rotation b first, then a."""
    ops = _Ops(a)
    aw, ax, ay, az = a[..., 0], a[..., 1], a[..., 2], a[..., 3]
    bw, bx, by, bz = b[..., 0], b[..., 1], b[..., 2], b[..., 3]
    return ops.stack([
        aw * bw - ax * bx - ay * by - az * bz,
        aw * bx + ax * bw + ay * bz - az * by,
        aw * by - ax * bz + ay * bw + az * bx,
        aw * bz + ax * by - ay * bx + az * bw,
    ], -1)


def quat_slerp(q0, q1, t):
    """Spherical interpolation from q0 (t=0) to q1 (t=1) along the shorter arc.

    q0, q1: (..., 4); t: scalar or array broadcastable to (...). Returns (..., 4).
    """
    ops = _Ops(q0)
    xp = ops.xp
    q0, q1 = _float(ops, q0), _float(ops, q1)
    t = ops.asarray(t)
    if ops.torch:
        t = t.to(q0.dtype)
    else:
        t = t.astype(q0.dtype)
    dot = (q0 * q1).sum(-1)
    q1 = ops.where(dot[..., None] < 0, -q1, q1)
    dot = ops.clip(xp.abs(dot), 0.0, 1.0)
    theta = xp.arccos(dot)
    sin_theta = xp.sin(theta)
    near = sin_theta < _SMALL
    safe = ops.where(near, ops.zeros_like(sin_theta) + 1.0, sin_theta)
    w0 = ops.where(near, 1.0 - t + ops.zeros_like(theta), xp.sin((1.0 - t) * theta) / safe)
    w1 = ops.where(near, t + ops.zeros_like(theta), xp.sin(t * theta) / safe)
    out = w0[..., None] * q0 + w1[..., None] * q1
    return out / ops.norm(out, -1, keepdims=True)


_AXES = {"X": 0, "Y": 1, "Z": 2}


def axis_mat(angle, axis: str):
    """Rotation matrices (..., 3, 3) about one coordinate axis ('X', 'Y' or 'Z') by `angle` (...)."""
    ops = _Ops(angle)
    xp = ops.xp
    angle = _float(ops, angle)
    c, s = xp.cos(angle), xp.sin(angle)
    one, zero = ops.zeros_like(angle) + 1.0, ops.zeros_like(angle)
    if axis == "X":
        rows = [[one, zero, zero], [zero, c, -s], [zero, s, c]]
    elif axis == "Y":
        rows = [[c, zero, s], [zero, one, zero], [-s, zero, c]]
    elif axis == "Z":
        rows = [[c, -s, zero], [s, c, zero], [zero, zero, one]]
    else:
        raise ValueError(f"unknown rotation axis {axis!r}; expected X, Y or Z")
    return ops.stack([ops.stack(r, -1) for r in rows], -2)


def euler_to_mat(angles, order: str):
    """Euler angles (..., 3) in radians -> matrices: R = R_order[0] @ R_order[1] @ R_order[2]."""
    order = order.upper()
    if sorted(order) != ["X", "Y", "Z"]:
        raise ValueError(f"Euler order {order!r} must be a permutation of XYZ")
    mats = [axis_mat(angles[..., i], axis) for i, axis in enumerate(order)]
    return mats[0] @ mats[1] @ mats[2]


def mat_to_euler(mat, order: str):
    """Matrices (..., 3, 3) -> Euler angles (..., 3) in radians such that euler_to_mat gives them back.

    For R = R_a(t0) R_b(t1) R_c(t2) with (a, b, c) = order; t1 lies in [-pi/2, pi/2].
    """
    ops = _Ops(mat)
    xp = ops.xp
    order = order.upper()
    if sorted(order) != ["X", "Y", "Z"]:
        raise ValueError(f"Euler order {order!r} must be a permutation of XYZ")
    i, j, k = (_AXES[a] for a in order)
    # sign of the permutation (i, j, k): +1 for cyclic orders (XYZ, YZX, ZXY)
    sign = 1.0 if (j - i) % 3 == 1 else -1.0
    mat = _float(ops, mat)
    middle = xp.arcsin(ops.clip(sign * mat[..., i, k], -1.0, 1.0))
    first = xp.arctan2(-sign * mat[..., j, k], mat[..., k, k])
    last = xp.arctan2(-sign * mat[..., i, j], mat[..., i, i])
    # gimbal lock: cos(middle) ~ 0; put all of the free rotation into the first angle
    locked = xp.abs(mat[..., i, k]) > 1.0 - 1e-7
    first_locked = xp.arctan2(sign * mat[..., k, j], mat[..., j, j])
    first = ops.where(locked, first_locked, first)
    last = ops.where(locked, ops.zeros_like(last), last)
    return ops.stack([first, middle, last], -1)
