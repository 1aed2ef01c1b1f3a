"""Capsule geometry for placing contacts and checking that bodies do not sink into each other.

The generator's own small implementation (the data layer does not import the
evaluation package): closest points between segments, surface gaps between
capsules of two people (`segment_gaps`, compiled: it runs on every output
frame), and the correction that brings a capsule to touch another. Capsules are `interx.body.capsules.CAPSULES`; a gap is the distance of
the two segments minus both radii (negative when they overlap).
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import maximum_filter1d

from interx.body.capsules import CAPSULE_NAMES, CAPSULES, RADII, capsule_segments
from interx.data.synth._gap_kernel import segment_gaps

CAPSULE_ID = {name: i for i, name in enumerate(CAPSULE_NAMES)}
_EPS = 1e-12


def capsule_ids(names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Indices of capsules by name (see `interx.body.capsules.CAPSULE_NAMES`)."""
    return np.array([CAPSULE_ID[n] for n in names], dtype=np.int64)


def _params(a, e, b, c, f):
    """Closest-point parameters (s, t) in [0, 1] of segments p1 + s d1, p2 + t d2 from their dot products
    a = d1.d1, e = d2.d2, b = d1.d2, c = d1.(p1 - p2), f = d2.(p1 - p2) (Ericson, Real-Time Collision
    Detection, 5.1.9; segments of positive length)."""
    denom = a * e - b * b
    s = np.where(denom > 1e-10 * a * e, np.clip((b * f - c * e) / np.where(denom > _EPS, denom, 1.0), 0.0, 1.0), 0.0)
    t = (b * s + f) / e
    s = np.where(t < 0.0, np.clip(-c / a, 0.0, 1.0), np.where(t > 1.0, np.clip((b - c) / a, 0.0, 1.0), s))
    return s, np.clip(t, 0.0, 1.0)


def closest_points(p1, q1, p2, q2) -> tuple[np.ndarray, np.ndarray]:
    """Closest points (..., 3) on segments [p1, q1] and [p2, q2] (broadcast over leading dims)."""
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    dot = lambda u, v: np.einsum("...i,...i->...", u, v)  # noqa: E731
    s, t = _params(dot(d1, d1), dot(d2, d2), dot(d1, d2), dot(d1, r), dot(d2, r))
    return p1 + s[..., None] * d1, p2 + t[..., None] * d2


def all_gaps(joints_a: np.ndarray, joints_b: np.ndarray) -> np.ndarray:
    """Gaps (F, C, C) between every capsule of A (rows) and of B (columns) on F frames of joints (F, 55, 3)."""
    p1, q1, radii = capsule_segments(np.asarray(joints_a, np.float64))
    p2, q2, _ = capsule_segments(np.asarray(joints_b, np.float64))
    return segment_gaps(p1, q1, radii, p2, q2, radii)


def _reach(joints: np.ndarray) -> np.ndarray:
    """(T,) farthest capsule surface from the pelvis joint."""
    starts, ends, _ = capsule_segments(joints)
    pelvis = joints[:, :1]
    far = np.maximum(np.linalg.norm(starts - pelvis, axis=-1), np.linalg.norm(ends - pelvis, axis=-1))
    return (far + RADII[None]).max(axis=1)


def penetration(joints_a: np.ndarray, joints_b: np.ndarray, stride: int = 4, margin: float = 0.06) -> np.ndarray:
    """(T,) depth in meters by which the two bodies overlap (max over capsule pairs of -gap, at least 0).

    Every `stride`-th frame is measured over all capsule pairs first. Between
    them, only the pairs that come within `margin` of each other on a measured
    frame nearby are measured (bodies cannot close more than that within a
    stride). Frames whose bounding spheres (around the pelvis) are apart are skipped.
    """
    a, b = np.asarray(joints_a, np.float64), np.asarray(joints_b, np.float64)
    frames = a.shape[0]
    near = np.linalg.norm(a[:, 0] - b[:, 0], axis=-1) < _reach(a) + _reach(b)
    depth = np.zeros(frames)
    coarse = np.zeros(frames, dtype=bool)
    coarse[::stride] = True
    coarse[-1] = True
    coarse &= near
    if not near.any():
        return depth
    close = np.zeros((frames, len(RADII), len(RADII)), dtype=bool)
    if coarse.any():
        gaps = all_gaps(a[coarse], b[coarse])
        depth[coarse] = np.maximum(-gaps.min(axis=(1, 2)), 0.0)
        close[coarse] = gaps < margin
    # pairs close on a measured frame within a stride either side
    flagged = maximum_filter1d(close.reshape(frames, -1), 2 * stride + 1, axis=0)
    fine = np.flatnonzero(near & ~coarse & flagged.any(axis=1))
    if fine.size:
        pairs = np.flatnonzero(flagged[fine].any(axis=0))
        i, j = np.divmod(pairs, len(RADII))
        p1, q1, _ = capsule_segments(a[fine])
        p2, q2, _ = capsule_segments(b[fine])
        c1, c2 = closest_points(p1[:, i], q1[:, i], p2[:, j], q2[:, j])          # (F, P, 3)
        gaps = np.linalg.norm(c1 - c2, axis=-1) - RADII[i] - RADII[j]
        gaps = np.where(flagged[fine][:, pairs], gaps, np.inf)
        depth[fine] = np.maximum(-gaps.min(axis=1), 0.0)
    return depth


def contact_gap(joints_a: np.ndarray, joints_b: np.ndarray, caps_a: np.ndarray,
                caps_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The smallest gap between capsules `caps_a` of A and `caps_b` of B, per frame, and its direction.

    Args:
        joints_a, joints_b: (T, 55, 3).
        caps_a, caps_b: capsule indices.

    Returns:
        gap (T,) meters; normal (T, 3) unit vector from B's closest point toward A's
        (moving A by -gap * normal closes the gap).
    """
    p1, q1, _ = capsule_segments(np.asarray(joints_a, np.float64))
    p2, q2, _ = capsule_segments(np.asarray(joints_b, np.float64))
    p1, q1 = p1[:, caps_a, None], q1[:, caps_a, None]       # (T, A, 1, 3)
    p2, q2 = p2[:, None, caps_b], q2[:, None, caps_b]       # (T, 1, B, 3)
    c1, c2 = closest_points(p1, q1, p2, q2)                 # (T, A, B, 3)
    diff = c1 - c2
    dist = np.sqrt(np.einsum("...i,...i->...", diff, diff))
    gaps = dist - RADII[caps_a][:, None] - RADII[caps_b][None, :]
    frames = np.arange(gaps.shape[0])
    flat = gaps.reshape(len(frames), -1).argmin(axis=1)
    ia, ib = np.unravel_index(flat, gaps.shape[1:])
    gap = gaps[frames, ia, ib]
    direction = diff[frames, ia, ib]
    # axes crossing: fall back to the direction between the two capsules' middles
    middles = 0.5 * ((p1 + q1)[frames, ia, 0] - (p2 + q2)[frames, 0, ib])
    weak = dist[frames, ia, ib] < 1e-6
    direction = np.where(weak[:, None], middles, direction)
    return gap, direction / np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), _EPS)


def pair_gaps(joints_a: np.ndarray, joints_b: np.ndarray, caps_a: np.ndarray,
              caps_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaps (T, A, B) between capsules `caps_a` of A and `caps_b` of B, and unit normals (T, A, B, 3)
    from B's closest point toward A's."""
    p1, q1, _ = capsule_segments(np.asarray(joints_a, np.float64))
    p2, q2, _ = capsule_segments(np.asarray(joints_b, np.float64))
    c1, c2 = closest_points(p1[:, caps_a, None], q1[:, caps_a, None], p2[:, None, caps_b], q2[:, None, caps_b])
    diff = c1 - c2
    dist = np.sqrt(np.einsum("...i,...i->...", diff, diff))
    gaps = dist - RADII[caps_a][:, None] - RADII[caps_b][None, :]
    return gaps, diff / np.maximum(dist, _EPS)[..., None]


def surface_point(start: np.ndarray, end: np.ndarray, radius: float, along: float,
                  toward: np.ndarray, offset: float = 0.0) -> np.ndarray:
    """A point (T, 3) at `radius + offset` from a capsule's axis, at fraction `along` of it, on the side of `toward`.

    Args:
        start, end: (T, 3) the capsule's segment.
        along: a number or (T,) fractions.
        toward: (T, 3) or (3,) direction to leave the axis in (its component along the axis is dropped).
        offset: extra distance beyond the surface (e.g. the touching capsule's radius).
    """
    along = np.asarray(along, dtype=np.float64)
    axis_point = start + (along[..., None] if along.ndim else along) * (end - start)
    d = end - start
    d = d / np.maximum(np.linalg.norm(d, axis=-1, keepdims=True), _EPS)
    w = np.broadcast_to(toward, axis_point.shape)
    w = w - np.sum(w * d, axis=-1, keepdims=True) * d
    w = w / np.maximum(np.linalg.norm(w, axis=-1, keepdims=True), _EPS)
    return axis_point + (radius + offset) * w


def capsule_radius(name: str) -> float:
    return float(CAPSULES[CAPSULE_ID[name]].radius)
