"""Compiled surface gaps between capsules, frame by frame.

The synthetic generator checks every output frame of every sequence for
overlap (18 x 18 capsule pairs at 120 fps), which in numpy costs a dozen
(F, A, B) temporaries; these kernels compute each pair's gap in registers.
The closest-point parameters follow Ericson, Real-Time Collision Detection,
5.1.9 (segments of positive length, as capsule axes are). Capsule segments
are made from the joints as `interx.body.capsules.capsule_segments` makes them.
`contact.segment_gaps`, `contact.pair_gaps`, `contact.contact_gap` and
`contact.penetration` are the public doors.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_EPS = 1e-12


@numba.njit(cache=True, inline="always")
def _clip01(x):  # pragma: no cover - compiled
    return min(max(x, 0.0), 1.0)


@numba.njit(cache=True, inline="always")
def _closest(p1, q1, p2, q2, a, b):  # pragma: no cover - compiled
    """(dx, dy, dz): closest point of segment b of (p2, q2) to the closest point of segment a of (p1, q1)
    (rows of (N, 3) arrays), i.e. the vector between the two segments."""
    d1x, d1y, d1z = q1[a, 0] - p1[a, 0], q1[a, 1] - p1[a, 1], q1[a, 2] - p1[a, 2]
    d2x, d2y, d2z = q2[b, 0] - p2[b, 0], q2[b, 1] - p2[b, 1], q2[b, 2] - p2[b, 2]
    rx, ry, rz = p1[a, 0] - p2[b, 0], p1[a, 1] - p2[b, 1], p1[a, 2] - p2[b, 2]
    aa = d1x * d1x + d1y * d1y + d1z * d1z
    e = d2x * d2x + d2y * d2y + d2z * d2z
    bb = d1x * d2x + d1y * d2y + d1z * d2z
    c = d1x * rx + d1y * ry + d1z * rz
    g = d2x * rx + d2y * ry + d2z * rz
    denom = aa * e - bb * bb
    s = _clip01((bb * g - c * e) / denom) if denom > 1e-10 * aa * e and denom > _EPS else 0.0
    t = (bb * s + g) / e
    if t < 0.0:
        s, t = _clip01(-c / aa), 0.0
    elif t > 1.0:
        s, t = _clip01((bb - c) / aa), 1.0
    return rx + s * d1x - t * d2x, ry + s * d1y - t * d2y, rz + s * d1z - t * d2z


@numba.njit(cache=True)
def segment_gaps_kernel(p1, q1, r1, p2, q2, r2, out):  # pragma: no cover - compiled
    """out[f, a, b] = distance of segments [p1, q1][f, a] and [p2, q2][f, b] minus r1[a] + r2[b]."""
    frames, na, nb = out.shape
    for f in range(frames):
        for a in range(na):
            for b in range(nb):
                dx, dy, dz = _closest(p1[f], q1[f], p2[f], q2[f], a, b)
                out[f, a, b] = math.sqrt(dx * dx + dy * dy + dz * dz) - r1[a] - r2[b]


@numba.njit(cache=True, inline="always")
def _segments(joints, ia, ib, t0, t1, starts, ends):  # pragma: no cover - compiled
    """Capsule segments (C, 3) of one frame of joints (J, 3) (as `interx.body.capsules.capsule_segments`)."""
    for c in range(ia.shape[0]):
        for k in range(3):
            base = joints[ia[c], k]
            d = joints[ib[c], k] - base
            starts[c, k] = base + t0[c] * d
            ends[c, k] = base + t1[c] * d


@numba.njit(cache=True)
def capsule_pairs_kernel(ja, jb, caps_a, caps_b, ia, ib, t0, t1, radii, gap, diff):  # pragma: no cover - compiled
    """Capsules caps_a of joints ja (F, J, 3) against caps_b of jb: gap (F, A, B) and the vector
    diff (F, A, B, 3) from B's closest point to A's."""
    n = ia.shape[0]
    s1, e1, s2, e2 = np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3)), np.empty((n, 3))
    for f in range(ja.shape[0]):
        _segments(ja[f], ia, ib, t0, t1, s1, e1)
        _segments(jb[f], ia, ib, t0, t1, s2, e2)
        for i in range(caps_a.shape[0]):
            a = caps_a[i]
            for j in range(caps_b.shape[0]):
                b = caps_b[j]
                dx, dy, dz = _closest(s1, e1, s2, e2, a, b)
                gap[f, i, j] = math.sqrt(dx * dx + dy * dy + dz * dz) - radii[a] - radii[b]
                diff[f, i, j, 0], diff[f, i, j, 1], diff[f, i, j, 2] = dx, dy, dz


@numba.njit(cache=True)
def penetration_kernel(ja, jb, ia, ib, t0, t1, radii, stride, margin, depth):  # pragma: no cover - compiled
    """depth (F,) of `contact.penetration` for joints ja, jb (F, J, 3) (see its docstring)."""
    frames, n = ja.shape[0], ia.shape[0]
    sa, ea = np.empty((frames, n, 3)), np.empty((frames, n, 3))
    sb, eb = np.empty((frames, n, 3)), np.empty((frames, n, 3))
    near = np.zeros(frames, np.bool_)
    for f in range(frames):
        _segments(ja[f], ia, ib, t0, t1, sa[f], ea[f])
        _segments(jb[f], ia, ib, t0, t1, sb[f], eb[f])
        reach = 0.0                       # farthest capsule surfaces from the pelvis joints, summed
        for s, e, j in ((sa, ea, ja), (sb, eb, jb)):
            far = -np.inf
            for c in range(n):
                ds = math.sqrt((s[f, c, 0] - j[f, 0, 0]) ** 2 + (s[f, c, 1] - j[f, 0, 1]) ** 2
                               + (s[f, c, 2] - j[f, 0, 2]) ** 2)
                de = math.sqrt((e[f, c, 0] - j[f, 0, 0]) ** 2 + (e[f, c, 1] - j[f, 0, 1]) ** 2
                               + (e[f, c, 2] - j[f, 0, 2]) ** 2)
                far = max(far, max(ds, de) + radii[c])
            reach += far
        dx, dy, dz = ja[f, 0, 0] - jb[f, 0, 0], ja[f, 0, 1] - jb[f, 0, 1], ja[f, 0, 2] - jb[f, 0, 2]
        near[f] = math.sqrt(dx * dx + dy * dy + dz * dz) < reach
    coarse = np.zeros(frames, np.bool_)
    for f in range(0, frames, stride):
        coarse[f] = near[f]
    coarse[frames - 1] = near[frames - 1]
    close = np.zeros((frames, n, n), np.bool_)
    for f in range(frames):
        depth[f] = 0.0
        if not coarse[f]:
            continue
        low = np.inf
        for a in range(n):
            for b in range(n):
                dx, dy, dz = _closest(sa[f], ea[f], sb[f], eb[f], a, b)
                g = math.sqrt(dx * dx + dy * dy + dz * dz) - radii[a] - radii[b]
                low = min(low, g)
                close[f, a, b] = g < margin
        depth[f] = max(-low, 0.0)
    # between measured frames, only the pairs close on a measured frame within a stride either side
    for f in range(frames):
        if coarse[f] or not near[f]:
            continue
        low = np.inf
        for a in range(n):
            for b in range(n):
                flagged = False
                for g in range(max(f - stride, 0), min(f + stride + 1, frames)):
                    if close[g, a, b]:
                        flagged = True
                        break
                if flagged:
                    dx, dy, dz = _closest(sa[f], ea[f], sb[f], eb[f], a, b)
                    low = min(low, math.sqrt(dx * dx + dy * dy + dz * dz) - radii[a] - radii[b])
        depth[f] = max(-low, 0.0)


def segment_gaps(p1, q1, r1, p2, q2, r2) -> np.ndarray:
    """(F, A, B) gaps for float inputs of shapes (F, A, 3), (A,), (F, B, 3), (B,) (computed in float64)."""
    as64 = lambda x: np.ascontiguousarray(x, dtype=np.float64)  # noqa: E731
    p1, q1, p2, q2, r1, r2 = (as64(x) for x in (p1, q1, p2, q2, r1, r2))
    out = np.empty((p1.shape[0], p1.shape[1], p2.shape[1]))
    segment_gaps_kernel(p1, q1, r1, p2, q2, r2, out)
    return out
