"""Interaction metrics: contact, penetration, synchronisation, single-person plausibility.

The bodies are approximated by capsules (a segment between two joints plus a
radius, one per bone; `interx.body.capsules`), because joint centres alone sit
10-25 cm apart when skin touches. The building blocks take the capsules'
segments and radii as arrays, so they work on any capsule set;
`pair_capsule_gaps` and `interaction_metrics` apply them to posed joints with
the body's own capsules.

Definitions (units meters and seconds; T frames at `fps`; C capsules; P parts):

- Surface gap of two capsules: (closest distance between their segments) - r1 - r2;
  negative when they overlap.
- Contact: on a frame the two people touch when some capsule of one and some
  capsule of the other have a gap <= `CONTACT_THRESHOLD` (2 cm: capsules are a
  coarse skin, so touching surfaces show a small positive gap);
  `interaction_metrics` counts only contact-capable capsules (hands, forearms,
  head, torso, feet: `interx.body.capsules.CONTACT_CAPABLE`).
- Contact precision / recall / F1: frames in contact against a reference's frames
  in contact (reaction, forecasting). Contact ratio: share of frames in contact.
  Contact map: (P, P) share of frames in which a part of one person touches a
  part of the other; compared between sets of motions by the L1 distance.
- Penetration depth per frame: max over capsule pairs of max(0, r1 + r2 - d)
  (= max(0, -gap)); reported as the mean over frames (0 where none), the max,
  and the share of frames deeper than `PENETRATION_THRESHOLD` (1 cm).
- Motion energy of a person: per-frame sum over joints of the joint speed (m/s),
  from consecutive frames (T - 1 values).
- Synchronisation: the lag (and the value, "peak") maximising the Pearson
  correlation between the two people's motion energies, computed on the
  overlapping frames of each lag. Sign: a positive lag means P2 follows P1
  (P2's energy at t + lag matches P1's at t).
- Foot skating: horizontal speed of a foot joint while it is near the floor.
  Jitter: mean jerk magnitude (m/s^3). Bone-length variation: per bone std / mean
  of its length over time, averaged over bones (0 for a rigid skeleton).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from interx.body.capsules import CAPSULE_PART, CONTACT_CAPABLE, PARTS, capsule_segments
from interx.body.joints import BODY, JOINT_INDEX, PARENTS
from interx.errors import UsageError

CONTACT_THRESHOLD = 0.02      # m, surface gap at or under which two capsules touch
PENETRATION_THRESHOLD = 0.01  # m, depth over which a frame counts as penetrating
FOOT_HEIGHT = 0.05            # m above the floor under which a foot joint is grounded
SLIDE_SPEED = 0.2             # m/s, grounded horizontal speed counted as skating
_EPS = 1e-12


# --- geometry -----------------------------------------------------------------------------

def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.einsum("...i,...i->...", a, b)


def _segment_distance_from_dots(a, e, b, c, f, rr) -> np.ndarray:
    """Closest distance of segments p1 + s d1 and p2 + t d2 (s, t in [0, 1]) from dot products.

    a = d1.d1, e = d2.d2, b = d1.d2, c = d1.r, f = d2.r, rr = r.r with r = p1 - p2;
    the arguments broadcast (a and e may keep per-segment shapes).

    The closest parameters follow Ericson, Real-Time Collision Detection, 5.1.9:
    s from the infinite lines, clamped; t closest to that s, clamped; then s
    closest to that t, clamped. Ericson recomputes s only when t was clamped;
    recomputing it always is one more exact coordinate minimisation of a convex
    quadratic, so it keeps the optimum, and it makes the evaluation free of
    branches. Parallel lines (a e - b^2 = 0) may start from any s; a segment of
    zero length gets the zero inverse length, which pins its parameter to 0.
    The distance is expanded in the same dot products, so callers may compute
    them however is fastest.
    """
    inv_a = np.where(a > _EPS, 1.0 / np.maximum(a, _EPS), 0.0)
    inv_e = np.where(e > _EPS, 1.0 / np.maximum(e, _EPS), 0.0)
    s = np.clip((b * f - c * e) / np.maximum(a * e - b * b, 1e-300), 0.0, 1.0)
    t = np.clip((b * s + f) * inv_e, 0.0, 1.0)
    s = np.clip((b * t - c) * inv_a, 0.0, 1.0)
    # |r + s d1 - t d2|^2, expanded.
    sq = rr + s * s * a + t * t * e + 2.0 * (s * c - t * f - s * t * b)
    return np.sqrt(np.maximum(sq, 0.0))


def segment_distance(p1: np.ndarray, q1: np.ndarray, p2: np.ndarray, q2: np.ndarray) -> np.ndarray:
    """Closest distance between segments [p1, q1] and [p2, q2], broadcast over leading dims.

    Exact for every configuration (crossing, parallel, skew, either segment a
    point) up to rounding of about 1e-8 m near zero distance.

    Args:
        p1, q1: (..., 3) ends of the first segments; p2, q2: (..., 3) of the second.

    Returns:
        (...) float64 distances.
    """
    p1, q1, p2, q2 = (np.asarray(x, dtype=np.float64) for x in (p1, q1, p2, q2))
    d1, d2, r = q1 - p1, q2 - p2, p1 - p2
    return _segment_distance_from_dots(_dot(d1, d1), _dot(d2, d2), _dot(d1, d2),
                                       _dot(d1, r), _dot(d2, r), _dot(r, r))


def capsule_gaps(starts_a: np.ndarray, ends_a: np.ndarray, radii_a: np.ndarray,
                 starts_b: np.ndarray, ends_b: np.ndarray, radii_b: np.ndarray) -> np.ndarray:
    """Surface gaps between every capsule of person A and every capsule of person B.

    The (Ca x Cb) dot products come from batched matrix products, so no
    (..., Ca, Cb, 3) array is ever formed.

    Args:
        starts_a, ends_a: (..., Ca, 3) segment ends of A's capsules; radii_a: (Ca,) meters.
        starts_b, ends_b: (..., Cb, 3) of B's; radii_b: (Cb,).

    Returns:
        (..., Ca, Cb) float64 gaps in meters (negative where the capsules overlap).
    """
    p1, q1, p2, q2 = (np.ascontiguousarray(x, dtype=np.float64) for x in (starts_a, ends_a, starts_b, ends_b))
    d1, d2 = q1 - p1, q2 - p2                                         # (..., Ca, 3), (..., Cb, 3)
    cross = lambda u, v: u @ np.swapaxes(v, -1, -2)                   # noqa: E731  (..., Ca, Cb)
    p1_d1, p2_d2 = _dot(p1, d1)[..., :, None], _dot(p2, d2)[..., None, :]
    dist = _segment_distance_from_dots(
        a=_dot(d1, d1)[..., :, None],
        e=_dot(d2, d2)[..., None, :],
        b=cross(d1, d2),
        c=p1_d1 - cross(d1, p2),                                      # d1 . (p1 - p2)
        f=cross(p1, d2) - p2_d2,                                      # d2 . (p1 - p2)
        rr=_dot(p1, p1)[..., :, None] + _dot(p2, p2)[..., None, :] - 2.0 * cross(p1, p2),
    )
    return dist - np.asarray(radii_a, np.float64)[:, None] - np.asarray(radii_b, np.float64)[None, :]


# --- contact ------------------------------------------------------------------------------

def contact_frames(gaps: np.ndarray, threshold: float = CONTACT_THRESHOLD) -> np.ndarray:
    """Frames on which the two people touch.

    Args:
        gaps: (..., T, Ca, Cb) capsule gaps between the two people.
        threshold: gap in meters at or under which two capsules touch.

    Returns:
        (..., T) bool.
    """
    return np.any(np.asarray(gaps) <= threshold, axis=(-2, -1))


def contact_scores(pred: np.ndarray, ref: np.ndarray) -> dict[str, float]:
    """Precision, recall and F1 of predicted contact frames against reference contact frames.

    Counts are pooled over every element given (pass one sequence's (T,) for a
    per-sequence score, or a stack for a pooled one). When neither has any
    contact, all three are 1 (perfect agreement); otherwise a 0/0 ratio is 0.

    Args:
        pred, ref: (...) bool, same shape.

    Returns:
        {"precision", "recall", "f1"} floats in [0, 1].
    """
    p, r = np.asarray(pred, bool), np.asarray(ref, bool)
    if p.shape != r.shape:
        raise UsageError(f"contact frames differ in shape: {p.shape} vs {r.shape}")
    tp, fp, fn = np.sum(p & r), np.sum(p & ~r), np.sum(~p & r)
    if tp + fp + fn == 0:
        return {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    ratio = lambda num, den: float(num / den) if den else 0.0  # noqa: E731
    return {"precision": ratio(tp, tp + fp), "recall": ratio(tp, tp + fn),
            "f1": ratio(2 * tp, 2 * tp + fp + fn)}


def contact_ratio(contact: np.ndarray) -> float:
    """Share of frames in contact, pooled over every frame given ((..., T) bool)."""
    c = np.asarray(contact, bool)
    if c.size == 0:
        raise UsageError("contact ratio of no frames")
    return float(c.mean())


def contact_map(gaps: np.ndarray, parts_a: np.ndarray, parts_b: np.ndarray, num_parts: int,
                threshold: float = CONTACT_THRESHOLD, symmetric: bool = True) -> np.ndarray:
    """Body-part contact map: how often each part of one person touches each part of the other.

    Args:
        gaps: (..., Ca, Cb) capsule gaps; every leading index is one frame (stack the
            frames of a whole set of motions to get the set's map).
        parts_a: (Ca,) part id of each of A's capsules; parts_b: (Cb,) of B's.
        num_parts: P.
        threshold: contact gap in meters.
        symmetric: count part i of either person touching part j of the other (the
            map then does not depend on who is P1); False keeps rows for A, columns for B.

    Returns:
        (P, P) float64, the share of frames in which the two parts touch.
    """
    g = np.asarray(gaps)
    touch = (g <= threshold).reshape(-1, g.shape[-2], g.shape[-1]).astype(np.float64)  # (F, Ca, Cb)
    if touch.shape[0] == 0:
        raise UsageError("contact map of no frames")
    onehot_a = np.eye(num_parts)[np.asarray(parts_a)]                  # (Ca, P)
    onehot_b = np.eye(num_parts)[np.asarray(parts_b)]                  # (Cb, P)
    parts = (onehot_a.T @ touch @ onehot_b) > 0                       # (F, P, P)
    if symmetric:
        parts = parts | np.swapaxes(parts, -1, -2)
    return parts.mean(axis=0)


def contact_map_distance(map_a: np.ndarray, map_b: np.ndarray) -> float:
    """L1 distance between two (P, P) contact maps (sum of absolute differences)."""
    a, b = np.asarray(map_a, np.float64), np.asarray(map_b, np.float64)
    if a.shape != b.shape:
        raise UsageError(f"contact maps differ in shape: {a.shape} vs {b.shape}")
    return float(np.abs(a - b).sum())


# --- penetration --------------------------------------------------------------------------

def penetration_depth(gaps: np.ndarray) -> np.ndarray:
    """Per-frame depth by which the two bodies overlap.

    Args:
        gaps: (..., T, Ca, Cb) capsule gaps between the two people.

    Returns:
        (..., T) meters, max over capsule pairs of max(0, -gap); 0 where nothing overlaps.
    """
    return np.maximum(-np.asarray(gaps, np.float64), 0.0).max(axis=(-2, -1))


def penetration_stats(depth: np.ndarray, threshold: float = PENETRATION_THRESHOLD) -> dict[str, float]:
    """Summary of per-frame penetration depths, pooled over every frame given.

    Args:
        depth: (..., T) meters from `penetration_depth`.
        threshold: depth in meters over which a frame counts as penetrating.

    Returns:
        {"mean_depth": mean over frames (0 where none), "max_depth", "frame_share": share of
         frames deeper than threshold}.
    """
    d = np.asarray(depth, np.float64)
    if d.size == 0:
        raise UsageError("penetration statistics of no frames")
    return {"mean_depth": float(d.mean()), "max_depth": float(d.max()),
            "frame_share": float(np.mean(d > threshold))}


# --- synchronisation ----------------------------------------------------------------------

def motion_energy(joints: np.ndarray, fps: float) -> np.ndarray:
    """Per-frame motion energy: the sum over joints of the joint speed.

    Args:
        joints: (..., T, J, 3) meters at `fps` (select the joints first, e.g. the body).
        fps: frame rate.

    Returns:
        (..., T - 1) m/s, from frames t and t + 1.
    """
    x = np.asarray(joints, np.float64)
    return np.linalg.norm(np.diff(x, axis=-3), axis=-1).sum(axis=-1) * fps


def lagged_correlation(a: np.ndarray, b: np.ndarray, max_lag: int) -> tuple[np.ndarray, np.ndarray]:
    """Pearson correlation of a[t] with b[t + lag] over the overlapping samples, for each lag.

    Args:
        a, b: (..., N) signals of equal length.
        max_lag: lags -max_lag .. max_lag samples (at most N - 2).

    Returns:
        lags (2 * max_lag + 1,) int64 and correlations (..., 2 * max_lag + 1) float64;
        a lag where either signal is constant on the overlap has correlation 0.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    n = a.shape[-1]
    if b.shape != a.shape or not 0 <= max_lag <= n - 2:
        raise UsageError(f"lagged correlation needs equal-length signals and 0 <= max_lag <= N - 2, "
                         f"got {a.shape}, {b.shape}, max_lag {max_lag}")
    pad = [(0, 0)] * (b.ndim - 1) + [(max_lag, max_lag)]
    # Window w holds b[t + lag] for lag = w - max_lag (zeros off the ends); mask marks valid t.
    bw = np.lib.stride_tricks.sliding_window_view(np.pad(b, pad), n, axis=-1)            # (..., L, N)
    mask = np.lib.stride_tricks.sliding_window_view(np.pad(np.ones(n), (max_lag, max_lag)), n)  # (L, N)
    x = a[..., None, :] * mask
    count = mask.sum(axis=-1)                                                             # (L,)
    mx, my = x.sum(-1) / count, bw.sum(-1) / count
    cov = (x * bw).sum(-1) / count - mx * my
    var_x = (x * x).sum(-1) / count - mx * mx
    var_y = (bw * bw).sum(-1) / count - my * my
    den = np.sqrt(np.maximum(var_x, 0.0) * np.maximum(var_y, 0.0))
    ok = den > 1e-9 * np.maximum(np.abs(mx * my), 1.0)
    corr = np.where(ok, cov / np.where(ok, den, 1.0), 0.0)
    return np.arange(-max_lag, max_lag + 1), np.clip(corr, -1.0, 1.0)


@dataclass(frozen=True)
class Sync:
    """Synchronisation of two people: positive lag = P2 follows P1."""

    lag_frames: int
    lag_s: float
    peak: float
    """Pearson correlation of the energies at that lag, in [-1, 1]."""


def synchronisation(pair_joints: np.ndarray, fps: float, max_lag: float = 1.0,
                    joints: Sequence[int] = BODY) -> Sync:
    """Lag and peak of the cross-correlation of the two people's motion energy.

    Args:
        pair_joints: (T, 2, J, 3) meters at `fps`, J the full joint set (55).
        fps: frame rate.
        max_lag: largest lag searched, seconds; capped at half the energy length so
            every lag is judged on at least half the frames.
        joints: the joints whose speeds make the energy (default: the 22 body joints).

    Returns:
        `Sync`; among equal correlations the lag nearest 0 wins.
    """
    x = np.asarray(pair_joints)
    if x.ndim != 4 or x.shape[1] != 2 or x.shape[0] < 4:
        raise UsageError(f"synchronisation needs (T >= 4, 2, J, 3) joints, got shape {x.shape}")
    energy = motion_energy(np.swapaxes(x[:, :, list(joints)], 0, 1), fps)   # (2, T - 1)
    k = min(int(round(max_lag * fps)), energy.shape[1] // 2)
    lags, corr = lagged_correlation(energy[0], energy[1], k)
    order = np.argsort(np.abs(lags) * 2 - (lags > 0), kind="stable")  # 0, +1, -1, +2, -2, ...
    best = order[np.argmax(corr[order])]
    return Sync(lag_frames=int(lags[best]), lag_s=float(lags[best] / fps), peak=float(corr[best]))


def sync_error(pred: Sync, ref: Sync) -> dict[str, float]:
    """Absolute lag error (seconds) and peak error of a synchronisation against a reference."""
    return {"lag_error_s": abs(pred.lag_s - ref.lag_s), "peak_error": abs(pred.peak - ref.peak)}


# --- single-person plausibility -----------------------------------------------------------

def foot_skating(joints: np.ndarray, fps: float,
                 feet: Sequence[int] = (JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"]),
                 height: float = FOOT_HEIGHT, floor: float | None = None,
                 slide_speed: float = SLIDE_SPEED) -> dict[str, np.ndarray]:
    """Horizontal foot speed while the foot is on the ground.

    A foot joint is grounded between frames t and t + 1 when it is less than
    `height` above the floor on both; its skating speed is then its horizontal
    (x, z) displacement times fps.

    Args:
        joints: (..., T, J, 3) meters at `fps`, y up.
        fps: frame rate.
        feet: foot joint indices (default: the two toe-base joints, `left_foot`, `right_foot`).
        height: grounded height above the floor, meters.
        floor: floor height; None takes each sequence's lowest foot-joint height.
        slide_speed: grounded speed (m/s) above which a step counts as skating.

    Returns:
        {"speed": (...) mean grounded horizontal speed in m/s (0 when never grounded),
         "ratio": (...) share of grounded foot steps faster than slide_speed (0 when never grounded)}.
    """
    x = np.asarray(joints, np.float64)[..., list(feet), :]            # (..., T, F, 3)
    y = x[..., 1]
    base = y.min(axis=(-2, -1), keepdims=True) if floor is None else floor
    low = (y - base) < height                                         # (..., T, F)
    grounded = low[..., 1:, :] & low[..., :-1, :]                     # (..., T-1, F)
    speed = np.linalg.norm(np.diff(x[..., [0, 2]], axis=-3), axis=-1) * fps
    n = grounded.sum(axis=(-2, -1))
    safe_n = np.maximum(n, 1)
    return {"speed": np.where(n > 0, (speed * grounded).sum(axis=(-2, -1)) / safe_n, 0.0),
            "ratio": np.where(n > 0, (grounded & (speed > slide_speed)).sum(axis=(-2, -1)) / safe_n, 0.0)}


def jitter(joints: np.ndarray, fps: float) -> np.ndarray:
    """Mean jerk magnitude (third time derivative by finite differences).

    Args:
        joints: (..., T, J, 3) meters at `fps`, T >= 4.
        fps: frame rate.

    Returns:
        (...) m/s^3, mean over the T - 3 jerk samples and the joints.
    """
    x = np.asarray(joints, np.float64)
    if x.shape[-3] < 4:
        raise UsageError(f"jitter needs at least 4 frames, got {x.shape[-3]}")
    return np.linalg.norm(np.diff(x, n=3, axis=-3), axis=-1).mean(axis=(-2, -1)) * fps ** 3


def bone_length_variation(joints: np.ndarray, subset: Sequence[int] = BODY,
                          parents: np.ndarray = PARENTS) -> np.ndarray:
    """Bone-length consistency: per bone std / mean of its length over time, averaged over bones.

    Args:
        joints: (..., T, J, 3) meters (J the full joint set the parents index).
        subset: joints whose bones (to a parent also in the subset) are measured;
            default the 22 body joints.
        parents: parent index of each joint.

    Returns:
        (...) dimensionless; 0 for a rigid skeleton. Bones of zero mean length are skipped.
    """
    x = np.asarray(joints, np.float64)
    members = set(subset)
    child = np.array([j for j in subset if parents[j] in members], dtype=np.int64)
    length = np.linalg.norm(x[..., child, :] - x[..., parents[child], :], axis=-1)  # (..., T, B)
    mean = length.mean(axis=-2)
    keep = mean > 1e-9
    cv = np.where(keep, length.std(axis=-2) / np.where(keep, mean, 1.0), 0.0)
    return cv.sum(axis=-1) / np.maximum(keep.sum(axis=-1), 1)


# --- on posed joints, with the body's capsules ---------------------------------------------

def pair_capsule_gaps(pair_joints: np.ndarray) -> np.ndarray:
    """Gaps between the two people's body capsules (`interx.body.capsules`).

    Args:
        pair_joints: (..., 2, 55, 3) meters, P1 then P2.

    Returns:
        (..., C, C) float64 gaps in meters, rows P1's capsules, columns P2's (CAPSULES order).
    """
    starts, ends, radii = capsule_segments(np.asarray(pair_joints, np.float64))
    return capsule_gaps(starts[..., 0, :, :], ends[..., 0, :, :], radii,
                        starts[..., 1, :, :], ends[..., 1, :, :], radii)


def interaction_metrics(pairs: Sequence[np.ndarray], fps: float,
                        references: Sequence[np.ndarray] | None = None,
                        contact_threshold: float = CONTACT_THRESHOLD,
                        max_lag: float = 1.0) -> dict:
    """Every interaction metric for a set of two-person motions.

    Contact uses the contact-capable capsules (hands, forearms, head, torso,
    feet; `CONTACT_CAPABLE`); penetration and the contact map use them all.
    Frame-based numbers (contact ratio, penetration, the contact map, contact
    precision/recall/F1) pool every frame of the set; synchronisation and the
    single-person numbers (22 body joints; both people) are means over sequences.
    The result does not depend on the order of the sequences.

    Args:
        pairs: N motions, each (T_i, 2, 55, 3) meters at `fps`.
        fps: frame rate.
        references: None, or N real motions with comparable timing (reaction,
            forecasting), each the same shape as its motion: adds contact
            precision/recall/F1 against them and the synchronisation errors.
        contact_threshold: capsule gap in meters counted as touching.
        max_lag: largest synchronisation lag searched, seconds.

    Returns:
        JSON-ready dict: "contact_ratio", "penetration_mean_depth" (m), "penetration_max_depth" (m),
        "penetration_frame_share" (> 1 cm), "sync_lag_s" (mean signed lag, + = P2 follows P1),
        "sync_abs_lag_s", "sync_peak", "foot_skating_speed" (m/s), "foot_skating_ratio",
        "jitter" (m/s^3), "bone_length_variation", "contact_map" ((P, P) nested lists over
        `interx.body.capsules.PARTS`, symmetric); with references also "contact_precision",
        "contact_recall", "contact_f1", "sync_lag_error_s", "sync_peak_error".
    """
    if len(pairs) == 0:
        raise UsageError("interaction metrics of an empty set")
    if references is not None and len(references) != len(pairs):
        raise UsageError(f"{len(pairs)} motions but {len(references)} references")
    capable = np.flatnonzero(CONTACT_CAPABLE)
    body = list(BODY)
    contact, ref_contact, depth, maps, frames, syncs, sync_errs, per_person = [], [], [], [], [], [], [], []
    for i, pair in enumerate(pairs):
        x = np.asarray(pair, np.float64)
        if x.ndim != 4 or x.shape[1:] != (2, len(PARENTS), 3):
            raise UsageError(f"motion {i} must be (T, 2, {len(PARENTS)}, 3) joints, got shape {x.shape}")
        gaps = pair_capsule_gaps(x)                                   # (T, C, C)
        contact.append(contact_frames(gaps[:, capable][:, :, capable], contact_threshold))
        depth.append(penetration_depth(gaps))
        maps.append(contact_map(gaps, CAPSULE_PART, CAPSULE_PART, len(PARTS), contact_threshold))
        frames.append(x.shape[0])
        syncs.append(synchronisation(x, fps, max_lag))
        people = np.swapaxes(x, 0, 1)                                 # (2, T, 55, 3)
        skate = foot_skating(people, fps)
        per_person.append([skate["speed"].mean(), skate["ratio"].mean(),
                           jitter(people[:, :, body], fps).mean(), bone_length_variation(people).mean()])
        if references is not None:
            ref = np.asarray(references[i], np.float64)
            if ref.shape != x.shape:
                raise UsageError(f"motion {i} has shape {x.shape} but its reference {ref.shape}")
            ref_gaps = pair_capsule_gaps(ref)
            ref_contact.append(contact_frames(ref_gaps[:, capable][:, :, capable], contact_threshold))
            sync_errs.append(sync_error(syncs[-1], synchronisation(ref, fps, max_lag)))
    all_contact, all_depth = np.concatenate(contact), np.concatenate(depth)
    pen = penetration_stats(all_depth)
    lags = np.array([s.lag_s for s in syncs])
    person = np.mean(per_person, axis=0)
    out = {
        "contact_ratio": contact_ratio(all_contact),
        "penetration_mean_depth": pen["mean_depth"],
        "penetration_max_depth": pen["max_depth"],
        "penetration_frame_share": pen["frame_share"],
        "sync_lag_s": float(lags.mean()),
        "sync_abs_lag_s": float(np.abs(lags).mean()),
        "sync_peak": float(np.mean([s.peak for s in syncs])),
        "foot_skating_speed": float(person[0]),
        "foot_skating_ratio": float(person[1]),
        "jitter": float(person[2]),
        "bone_length_variation": float(person[3]),
        "contact_map": np.average(np.stack(maps), axis=0, weights=frames).tolist(),
    }
    if references is not None:
        scores = contact_scores(all_contact, np.concatenate(ref_contact))
        out.update({f"contact_{k}": v for k, v in scores.items()})
        out["sync_lag_error_s"] = float(np.mean([e["lag_error_s"] for e in sync_errs]))
        out["sync_peak_error"] = float(np.mean([e["peak_error"] for e in sync_errs]))
    return out
