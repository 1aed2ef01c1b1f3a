"""Compiled surface gaps between two sets of capsules, frame by frame.

The synthetic generator checks every output frame of every sequence for
overlap (18 x 18 capsule pairs at 120 fps), which in numpy costs a dozen
(F, A, B) temporaries; this kernel computes each pair's gap in registers.
The closest-point parameters follow Ericson, Real-Time Collision Detection,
5.1.9 (segments of positive length, as capsule axes are).
`contact.segment_gaps` is the public door.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_EPS = 1e-12


@numba.njit(cache=True, inline="always")
def _clip01(x):  # pragma: no cover - compiled
    return min(max(x, 0.0), 1.0)


@numba.njit(cache=True)
def segment_gaps_kernel(p1, q1, r1, p2, q2, r2, out):  # pragma: no cover - compiled
    """out[f, a, b] = distance of segments [p1, q1][f, a] and [p2, q2][f, b] minus r1[a] + r2[b]."""
    frames, na, nb = out.shape
    for f in range(frames):
        for a in range(na):
            d1x, d1y, d1z = q1[f, a, 0] - p1[f, a, 0], q1[f, a, 1] - p1[f, a, 1], q1[f, a, 2] - p1[f, a, 2]
            aa = d1x * d1x + d1y * d1y + d1z * d1z
            for b in range(nb):
                d2x, d2y, d2z = q2[f, b, 0] - p2[f, b, 0], q2[f, b, 1] - p2[f, b, 1], q2[f, b, 2] - p2[f, b, 2]
                rx, ry, rz = p1[f, a, 0] - p2[f, b, 0], p1[f, a, 1] - p2[f, b, 1], p1[f, a, 2] - p2[f, b, 2]
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
                dx = rx + s * d1x - t * d2x
                dy = ry + s * d1y - t * d2y
                dz = rz + s * d1z - t * d2z
                out[f, a, b] = math.sqrt(dx * dx + dy * dy + dz * dz) - r1[a] - r2[b]


def segment_gaps(p1, q1, r1, p2, q2, r2) -> np.ndarray:
    """(F, A, B) gaps for float inputs of shapes (F, A, 3), (A,), (F, B, 3), (B,) (computed in float64)."""
    as64 = lambda x: np.ascontiguousarray(x, dtype=np.float64)  # noqa: E731
    p1, q1, p2, q2, r1, r2 = (as64(x) for x in (p1, q1, p2, q2, r1, r2))
    out = np.empty((p1.shape[0], p1.shape[1], p2.shape[1]))
    segment_gaps_kernel(p1, q1, r1, p2, q2, r2, out)
    return out
