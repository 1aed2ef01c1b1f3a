"""Capsule geometry for placing contacts and checking that bodies do not sink into each other.

The generator's own small implementation (the data layer does not import the
evaluation package): surface gaps between capsules of two people (compiled in
`_gap_kernel`: they run on every output frame) and the correction that brings a
capsule to touch another. Capsules are `interx.body.capsules.CAPSULES`; a gap is
the distance of the two segments minus both radii (negative when they overlap).
"""

from __future__ import annotations

import numpy as np

from interx.body.capsules import CAPSULE_NAMES, CAPSULES, RADII, capsule_segments
from interx.data.synth._gap_kernel import capsule_pairs_kernel, penetration_kernel, segment_gaps

CAPSULE_ID = {name: i for i, name in enumerate(CAPSULE_NAMES)}
_EPS = 1e-12
# the capsule table as the kernels take it: joints A and B, t0, t1, radius (float64)
# (t0 and t1 rounded to float32 first, as `capsule_segments` holds them)
_TABLE = (np.array([c.a for c in CAPSULES], np.int64), np.array([c.b for c in CAPSULES], np.int64),
          np.array([c.t0 for c in CAPSULES], np.float32).astype(np.float64),
          np.array([c.t1 for c in CAPSULES], np.float32).astype(np.float64), RADII.astype(np.float64))


def _joints64(joints: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(joints, dtype=np.float64)


def capsule_ids(names: tuple[str, ...] | list[str]) -> np.ndarray:
    """Indices of capsules by name (see `interx.body.capsules.CAPSULE_NAMES`)."""
    return np.array([CAPSULE_ID[n] for n in names], dtype=np.int64)


def all_gaps(joints_a: np.ndarray, joints_b: np.ndarray) -> np.ndarray:
    """Gaps (F, C, C) between every capsule of A (rows) and of B (columns) on F frames of joints (F, 55, 3)."""
    p1, q1, radii = capsule_segments(np.asarray(joints_a, np.float64))
    p2, q2, _ = capsule_segments(np.asarray(joints_b, np.float64))
    return segment_gaps(p1, q1, radii, p2, q2, radii)


def penetration(joints_a: np.ndarray, joints_b: np.ndarray, stride: int = 4, margin: float = 0.06) -> np.ndarray:
    """(T,) depth in meters by which the two bodies overlap (max over capsule pairs of -gap, at least 0).

    Every `stride`-th frame (and the last) is measured over all capsule pairs first.
    Between them, only the pairs that come within `margin` of each other on a
    measured frame at most `stride` frames away are measured (bodies cannot close
    more than that within a stride). Frames on which the pelvis joints are farther
    apart than the two bodies' farthest capsule surfaces from them are skipped (depth 0).
    Compiled (`_gap_kernel.penetration_kernel`).
    """
    a, b = _joints64(joints_a), _joints64(joints_b)
    depth = np.zeros(a.shape[0])
    if a.shape[0]:
        penetration_kernel(a, b, *_TABLE, int(stride), float(margin), depth)
    return depth


def _pairs(joints_a: np.ndarray, joints_b: np.ndarray, caps_a: np.ndarray,
           caps_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaps (T, A, B) between capsules `caps_a` of A and `caps_b` of B and the vectors (T, A, B, 3) from
    B's closest point to A's."""
    a, b = _joints64(joints_a), _joints64(joints_b)
    caps_a, caps_b = np.asarray(caps_a, np.int64), np.asarray(caps_b, np.int64)
    gap = np.empty((a.shape[0], caps_a.size, caps_b.size))
    diff = np.empty(gap.shape + (3,))
    capsule_pairs_kernel(a, b, caps_a, caps_b, *_TABLE, gap, diff)
    return gap, diff


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
    gaps, diff = _pairs(joints_a, joints_b, caps_a, caps_b)
    dist = np.sqrt(np.einsum("...i,...i->...", diff, diff))
    frames = np.arange(gaps.shape[0])
    flat = gaps.reshape(len(frames), -1).argmin(axis=1)
    ia, ib = np.unravel_index(flat, gaps.shape[1:])
    gap = gaps[frames, ia, ib]
    direction = diff[frames, ia, ib]
    weak = dist[frames, ia, ib] < 1e-6
    if weak.any():      # axes crossing: fall back to the direction between the two capsules' middles
        p1, q1, _ = capsule_segments(np.asarray(joints_a, np.float64)[weak])
        p2, q2, _ = capsule_segments(np.asarray(joints_b, np.float64)[weak])
        a, b = np.asarray(caps_a)[ia[weak]], np.asarray(caps_b)[ib[weak]]
        rows = np.arange(a.size)
        direction[weak] = 0.5 * ((p1 + q1)[rows, a] - (p2 + q2)[rows, b])
    return gap, direction / np.maximum(np.linalg.norm(direction, axis=-1, keepdims=True), _EPS)


def pair_gaps(joints_a: np.ndarray, joints_b: np.ndarray, caps_a: np.ndarray,
              caps_b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gaps (T, A, B) between capsules `caps_a` of A and `caps_b` of B, and unit normals (T, A, B, 3)
    from B's closest point toward A's."""
    gaps, diff = _pairs(joints_a, joints_b, caps_a, caps_b)
    dist = np.sqrt(np.einsum("...i,...i->...", diff, diff))
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
