"""Analytic two-bone inverse kinematics and the frames it is built from, vectorised over frames.

Conventions (SMPL-X): a joint's world ("global") rotation G turns its rest-pose
bone vectors, expressed in the rest pose's world axes, into posed ones; its
local rotation is G_parent^T G. A two-bone chain (shoulder-elbow-wrist,
hip-knee-ankle) bends about a hinge: the rest hinge axis is the axis about
which the middle joint flexes in the rest pose (legs: +x; left arm: -y; right
arm: +y, for SMPL-X's T-pose with palms down).

Shapes: T frames; every vector argument is (T, 3) or broadcastable to it.
"""

from __future__ import annotations

import numpy as np

_TINY = 1e-9


def cross(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cross products of (..., 3) vectors (numpy's `cross` carries more overhead for small arrays)."""
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    return np.stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)


def norm(v: np.ndarray) -> np.ndarray:
    """Lengths (...,) of (..., 3) vectors."""
    return np.sqrt(np.einsum("...i,...i->...", v, v))


def normalize(v: np.ndarray) -> np.ndarray:
    """Unit vectors along the last axis (zero vectors stay zero)."""
    return v / np.maximum(norm(v), _TINY)[..., None]


def frame(primary: np.ndarray, secondary: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation whose columns are primary, secondary made orthogonal to it, and their cross."""
    a = normalize(primary)
    b = normalize(secondary - np.sum(secondary * a, axis=-1, keepdims=True) * a)
    return np.stack([a, b, cross(a, b)], axis=-1)


def align(rest_primary, rest_secondary, primary, secondary) -> np.ndarray:
    """Rotation (..., 3, 3) taking the rest pair of directions onto the posed pair (secondary up to
    its component along primary)."""
    return frame(primary, secondary) @ np.swapaxes(frame(rest_primary, rest_secondary), -1, -2)


def perpendicular(u: np.ndarray, hint: np.ndarray) -> np.ndarray:
    """Unit vectors perpendicular to unit `u`, as close as possible to `hint` (another axis if parallel)."""
    w = hint - np.sum(hint * u, axis=-1, keepdims=True) * u
    fallback = cross(u, np.where(np.abs(u[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]))
    weak = norm(w)[..., None] < 1e-6
    return normalize(np.where(weak, fallback, w))


def two_bone(root: np.ndarray, target: np.ndarray, pole: np.ndarray, rest_bone1: np.ndarray,
             rest_bone2: np.ndarray, rest_hinge: np.ndarray, rotations: bool = True):
    """Place a two-bone chain so that its end reaches `target`, bending toward `pole`.

    Args:
        root: (T, 3) world position of the chain's first joint (shoulder, hip).
        target: (T, 3) wanted world position of the end joint (wrist, ankle).
        pole: (T, 3) world point the middle joint (elbow, knee) bends toward.
        rest_bone1, rest_bone2: (3,) rest vectors root->middle and middle->end.
        rest_hinge: (3,) rest flexion axis of the middle joint.
        rotations: also make g1 and g2 (else they are None).

    Returns:
        g1, g2: (T, 3, 3) world rotations of the two bones' joints (root, middle);
        middle, end: (T, 3) the joints' world positions;
        shortfall: (T,) meters by which `target` was out of reach (0 when reached).
    """
    l1, l2 = float(np.linalg.norm(rest_bone1)), float(np.linalg.norm(rest_bone2))
    v = target - root
    dist = norm(v)
    u = v / np.maximum(dist, _TINY)[:, None]
    reach = np.clip(dist, abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
    cos_a = np.clip((l1 * l1 + reach * reach - l2 * l2) / (2.0 * l1 * reach), -1.0, 1.0)
    sin_a = np.sqrt(1.0 - cos_a * cos_a)
    bend = perpendicular(u, pole - root)
    middle = root + l1 * (cos_a[:, None] * u + sin_a[:, None] * bend)
    end = root + reach[:, None] * u
    shortfall = np.maximum(dist - reach, 0.0)
    if not rotations:
        return None, None, middle, end, shortfall
    hinge = cross(bend, u)  # the flexion axis (the rotation taking bone 1 toward bone 2)
    g1 = align(rest_bone1, rest_hinge, middle - root, hinge)
    g2 = align(rest_bone2, rest_hinge, end - middle, hinge)
    return g1, g2, middle, end, shortfall


def local(parent_global: np.ndarray, child_global: np.ndarray) -> np.ndarray:
    """Local rotation (..., 3, 3) of a joint from its parent's world rotation and its own."""
    return np.swapaxes(parent_global, -1, -2) @ child_global


def yaw_mat(yaw: np.ndarray) -> np.ndarray:
    """Rotations (..., 3, 3) about +y by `yaw` radians (yaw 0 faces +z; +pi/2 faces +x)."""
    c, s = np.cos(yaw), np.sin(yaw)
    one, zero = np.ones_like(yaw), np.zeros_like(yaw)
    return np.stack([np.stack([c, zero, s], -1), np.stack([zero, one, zero], -1),
                     np.stack([-s, zero, c], -1)], -2)


def facing(yaw: np.ndarray) -> np.ndarray:
    """Unit facing directions (..., 3) in the ground plane for headings `yaw`."""
    return np.stack([np.sin(yaw), np.zeros_like(yaw), np.cos(yaw)], axis=-1)


def left_of(yaw: np.ndarray) -> np.ndarray:
    """Unit directions (..., 3) to the person's left for headings `yaw` (+x at yaw 0)."""
    return np.stack([np.cos(yaw), np.zeros_like(yaw), -np.sin(yaw)], axis=-1)
