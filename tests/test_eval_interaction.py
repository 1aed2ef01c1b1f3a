"""Interaction metrics on capsules and motions whose answers are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from interx.body.capsules import CAPSULE_NAMES, PARTS, RADII, capsule_segments
from interx.body.joints import JOINT_INDEX, NUM_JOINTS, PARENTS
from interx.body.skeleton import rest_joints
from interx.errors import UsageError
from interx.eval.interaction import (
    bone_length_variation,
    capsule_gaps,
    contact_frames,
    contact_map,
    contact_map_distance,
    contact_ratio,
    contact_scores,
    foot_skating,
    interaction_metrics,
    jitter,
    lagged_correlation,
    motion_energy,
    pair_capsule_gaps,
    penetration_depth,
    penetration_stats,
    segment_distance,
    sync_error,
    synchronisation,
)

FPS = 30.0


# --- geometry -----------------------------------------------------------------------------

def _brute_segment_distance(p1, q1, p2, q2, n=201):
    s = np.linspace(0.0, 1.0, n)
    a = p1[..., None, :] + s[:, None] * (q1 - p1)[..., None, :]      # (..., n, 3)
    b = p2[..., None, :] + s[:, None] * (q2 - p2)[..., None, :]
    return np.linalg.norm(a[..., :, None, :] - b[..., None, :, :], axis=-1).min(axis=(-2, -1))


def test_segment_distance_known_configurations():
    cases = [
        # (p1, q1, p2, q2, distance)
        ((-1, 0, 0), (1, 0, 0), (0, -1, 1), (0, 1, 1), 1.0),            # skew, perpendicular
        ((-1, 0, 0), (1, 0, 0), (0, -1, 0), (0, 1, 0), 0.0),            # crossing
        ((0, 0, 0), (1, 0, 0), (0.5, 0.3, 0), (2, 0.3, 0), 0.3),        # parallel, overlapping
        ((0, 0, 0), (1, 0, 0), (3, 0, 0), (4, 0, 0), 2.0),              # collinear, apart
        ((0, 0, 0), (1, 0, 0), (2, 1, 0), (3, 5, 0), np.sqrt(2.0)),     # end to end
        ((0, 0, 0), (0, 0, 0), (3, 4, 0), (3, 4, 0), 5.0),              # two points
        ((0, 2, 0), (0, 2, 0), (-1, 0, 0), (1, 0, 0), 2.0),             # point to segment interior
        ((-1, 0, 0), (1, 0, 0), (5, 0, 0), (5, 0, 0), 4.0),             # segment to point past its end
    ]
    p1, q1, p2, q2 = (np.array([c[i] for c in cases], dtype=float) for i in range(4))
    np.testing.assert_allclose(segment_distance(p1, q1, p2, q2), [c[4] for c in cases], atol=1e-12)
    # Symmetric in the two segments and in each segment's direction.
    np.testing.assert_allclose(segment_distance(q2, p2, q1, p1), [c[4] for c in cases], atol=1e-12)


def test_segment_distance_against_dense_sampling():
    rng = np.random.default_rng(0)
    p1, q1, p2, q2 = rng.normal(size=(4, 200, 3))
    q1[:20] = p1[:20]                                                 # some points
    q2[10:30] = p2[10:30]
    q2[40:60] = p2[40:60] + 0.7 * (q1[40:60] - p1[40:60])             # some parallel pairs
    exact = segment_distance(p1, q1, p2, q2)
    brute = np.concatenate([_brute_segment_distance(p1[i:i + 10], q1[i:i + 10], p2[i:i + 10], q2[i:i + 10])
                            for i in range(0, 200, 10)])
    step = (np.linalg.norm(q1 - p1, axis=-1) + np.linalg.norm(q2 - p2, axis=-1)) / 200
    assert np.all(exact <= brute + 1e-7)
    assert np.all(brute - exact <= step + 1e-12)


def test_capsule_gaps_equal_pairwise_segment_distances():
    rng = np.random.default_rng(4)
    sa, ea, sb, eb = rng.normal(size=(4, 7, 5, 3))                      # 7 frames, 5 capsules each
    ea[:, 0] = sa[:, 0]                                               # a sphere among them
    ra, rb = rng.random(5) * 0.1, rng.random(5) * 0.1
    direct = segment_distance(sa[:, :, None], ea[:, :, None], sb[:, None], eb[:, None]) - ra[:, None] - rb
    np.testing.assert_allclose(capsule_gaps(sa, ea, ra, sb, eb, rb), direct, atol=1e-7)


def test_capsule_gaps_and_known_penetration_depth():
    # Two capsules of radius 5 cm whose axes are 7 cm apart overlap by 3 cm.
    starts_a = np.array([[0.0, 0.0, 0.0]]); ends_a = np.array([[0.0, 0.3, 0.0]])
    starts_b = np.array([[0.07, -0.1, 0.0], [1.0, 0.0, 0.0]]); ends_b = np.array([[0.07, 0.2, 0.0], [1.0, 0.3, 0.0]])
    gaps = capsule_gaps(starts_a, ends_a, np.array([0.05]), starts_b, ends_b, np.array([0.05, 0.1]))
    np.testing.assert_allclose(gaps, [[-0.03, 1.0 - 0.15]], atol=1e-12)
    assert penetration_depth(gaps[None])[0] == pytest.approx(0.03)


# --- contact ------------------------------------------------------------------------------

def _hands_scene(t=100, touch=(40, 60), offset=0):
    """P1's hand capsule fixed; P2's hand 1 m away except frames touch[0]..touch[1] (inclusive),
    where its surface is 5 mm from P1's. Returns gaps (T, 1, 1) and the capsules."""
    radius = np.array([0.04])
    starts_a = np.tile([[0.0, 1.0, 0.0]], (t, 1, 1)); ends_a = starts_a + [0.0, 0.0, 0.15]
    x = np.full(t, 1.0)
    lo, hi = touch[0] + offset, touch[1] + offset
    x[lo:hi + 1] = 0.085                                             # 8.5 cm between axes, radii 4 + 4
    starts_b = np.stack([x, np.ones(t), np.zeros(t)], axis=-1)[:, None]
    ends_b = starts_b + [0.0, 0.0, 0.15]
    return capsule_gaps(starts_a, ends_a, radius, starts_b, ends_b, radius)


def test_hands_touching_on_frames_40_to_60_only():
    gaps = _hands_scene()
    contact = contact_frames(gaps)
    np.testing.assert_array_equal(np.flatnonzero(contact), np.arange(40, 61))
    assert contact_ratio(contact) == pytest.approx(21 / 100)
    assert contact_scores(contact, contact) == {"precision": 1.0, "recall": 1.0, "f1": 1.0}
    # Shifted by 5 frames: 16 shared frames, 5 false, 5 missed.
    shifted = contact_frames(_hands_scene(offset=5))
    scores = contact_scores(shifted, contact)
    assert scores["precision"] == pytest.approx(16 / 21)
    assert scores["recall"] == pytest.approx(16 / 21)
    assert scores["f1"] == pytest.approx(32 / 42)
    # A stricter threshold than the 5 mm gap sees no contact at all.
    assert not contact_frames(gaps, threshold=0.004).any()
    assert penetration_stats(penetration_depth(gaps))["max_depth"] == 0.0


def test_contact_scores_edge_cases():
    none = np.zeros(10, bool)
    some = np.zeros(10, bool); some[3:5] = True
    assert contact_scores(none, none)["f1"] == 1.0
    assert contact_scores(none, some) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    assert contact_scores(some, none) == {"precision": 0.0, "recall": 0.0, "f1": 0.0}
    with pytest.raises(UsageError):
        contact_scores(none, none[:5])


def test_contact_map_parts_and_symmetry():
    # Capsules: part 0 (hand) and part 1 (torso) for each person. Over 4 frames:
    # frame 0: A-hand touches B-torso; frame 1: A-torso touches B-hand; frame 2: hands touch; frame 3: none.
    far, near = 1.0, 0.0
    gaps = np.full((4, 2, 2), far)
    gaps[0, 0, 1] = near
    gaps[1, 1, 0] = near
    gaps[2, 0, 0] = near
    parts = np.array([0, 1])
    directed = contact_map(gaps, parts, parts, 2, symmetric=False)
    np.testing.assert_allclose(directed, [[0.25, 0.25], [0.25, 0.0]])
    both = contact_map(gaps, parts, parts, 2)
    np.testing.assert_allclose(both, [[0.25, 0.5], [0.5, 0.0]])
    # Swapping the people leaves the symmetric map unchanged.
    np.testing.assert_allclose(contact_map(np.swapaxes(gaps, -1, -2), parts, parts, 2), both)
    assert contact_map_distance(both, np.zeros((2, 2))) == pytest.approx(1.25)
    # Several capsules of one part count once per frame.
    gaps3 = np.full((2, 3, 1), far); gaps3[0, :2, 0] = near
    np.testing.assert_allclose(contact_map(gaps3, np.array([0, 0, 1]), np.array([1]), 2, symmetric=False),
                               [[0.0, 0.5], [0.0, 0.0]])


def test_penetration_stats_known_values():
    depth = np.array([0.0, 0.005, 0.02, 0.03])
    assert penetration_stats(depth) == {"mean_depth": pytest.approx(0.01375), "max_depth": pytest.approx(0.03),
                                        "frame_share": pytest.approx(0.5)}


# --- synchronisation ----------------------------------------------------------------------

def _smooth_random_walk(rng, t, j=22):
    """(T, J, 3) joints moving with a smoothly varying, non-periodic speed."""
    steps = rng.normal(size=(t, 1, 3)) * (0.5 + rng.random((t, 1, 1)) * 2.0)
    kernel = np.ones(5) / 5
    steps = np.apply_along_axis(lambda v: np.convolve(v, kernel, mode="same"), 0, steps) * 0.02
    return np.cumsum(steps, axis=0) + rng.normal(size=(1, j, 3)) * 0.3


def test_reactor_copying_the_actor_9_frames_late_has_lag_9():
    rng = np.random.default_rng(1)
    t = 200
    actor = _smooth_random_walk(rng, t + 9, NUM_JOINTS)
    reactor = actor[:t] + np.array([1.5, 0.0, 0.0])                  # reactor(t) = actor(t - 9)
    pair = np.stack([actor[9:], reactor], axis=1)                    # (T, 2, 55, 3)
    sync = synchronisation(pair, FPS)
    assert sync.lag_frames == 9
    assert sync.lag_s == pytest.approx(0.3)
    assert sync.peak == pytest.approx(1.0, abs=1e-9)
    # Roles swapped: P2 leads, negative lag.
    swapped = synchronisation(pair[:, ::-1], FPS)
    assert swapped.lag_frames == -9
    assert sync_error(swapped, sync) == {"lag_error_s": pytest.approx(0.6), "peak_error": pytest.approx(0.0)}


def test_lagged_correlation_against_direct_pearson():
    rng = np.random.default_rng(2)
    a, b = rng.random(40), rng.random(40)
    lags, corr = lagged_correlation(a, b, 6)
    for lag, c in zip(lags, corr):
        x, y = (a[: 40 - lag], b[lag:]) if lag >= 0 else (a[-lag:], b[: 40 + lag])
        assert c == pytest.approx(np.corrcoef(x, y)[0, 1], abs=1e-10)
    # Batched over leading dims, equal to one at a time; constant signals give 0.
    _, both = lagged_correlation(np.stack([a, np.ones(40)]), np.stack([b, b]), 6)
    np.testing.assert_allclose(both[0], corr)
    np.testing.assert_array_equal(both[1], 0.0)


def test_motion_energy_of_constant_speed():
    # Every joint moves 1 cm per frame: energy = J * 0.01 * fps.
    x = np.zeros((10, 4, 3)); x[:, :, 2] = 0.01 * np.arange(10)[:, None]
    np.testing.assert_allclose(motion_energy(x, FPS), 4 * 0.01 * FPS)


# --- single-person plausibility -----------------------------------------------------------

def test_jitter_constant_velocity_zero_and_cubic_known():
    t = np.arange(40) / FPS
    x = np.zeros((40, 2, 3))
    x[:, 0, 0] = 2.0 * t                                             # constant velocity
    assert jitter(x, FPS) == pytest.approx(0.0, abs=1e-9)
    x[:, 1, 1] = t ** 3                                              # jerk exactly 6 m/s^3
    assert jitter(x, FPS) == pytest.approx(3.0)                      # mean over the 2 joints
    assert jitter(np.stack([x, x * 2]), FPS) == pytest.approx([3.0, 6.0])   # batched


def _feet_only(y_left, x_left, t):
    joints = np.zeros((t, NUM_JOINTS, 3))
    joints[:, :, 1] = 1.0                                            # everything else high up
    lf, rf = JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"]
    joints[:, lf, 0], joints[:, lf, 1] = x_left, y_left
    joints[:, rf, 1] = 0.0                                           # right foot planted, still
    return joints


def test_foot_skating_measured():
    t = 31
    slide = np.arange(t) / FPS                                       # 1 m/s along x
    out = foot_skating(_feet_only(np.full(t, 0.01), slide, t), FPS)
    # Both feet grounded on every step; left slides at 1 m/s, right is still.
    assert out["speed"] == pytest.approx(0.5)
    assert out["ratio"] == pytest.approx(0.5)
    lifted = foot_skating(_feet_only(np.full(t, 0.3), slide, t), FPS)   # moving foot in the air
    assert lifted["speed"] == pytest.approx(0.0) and lifted["ratio"] == pytest.approx(0.0)
    # A floor given explicitly: everything above it, nothing grounded.
    assert foot_skating(_feet_only(np.full(t, 0.01), slide, t), FPS, floor=-1.0)["speed"] == 0.0


def test_bone_length_variation_rigid_zero_and_known_stretch():
    rng = np.random.default_rng(3)
    rest = rng.normal(size=(NUM_JOINTS, 3)) * 0.2
    angles = np.linspace(0, 3, 20)
    rot = np.zeros((20, 3, 3))
    rot[:, 0, 0] = rot[:, 2, 2] = np.cos(angles)
    rot[:, 0, 2], rot[:, 2, 0] = np.sin(angles), -np.sin(angles)
    rot[:, 1, 1] = 1.0
    moving = rest @ np.swapaxes(rot, -1, -2) + rng.normal(size=(20, 1, 3))   # rigid motion
    assert bone_length_variation(moving) == pytest.approx(0.0, abs=1e-12)
    # One of the 21 body bones alternates 1.0 / 1.2 m long: cv = 0.1 / 1.1 for it.
    x = np.zeros((20, NUM_JOINTS, 3))
    x[:, :, 0] = np.arange(NUM_JOINTS)                               # every bone has length > 0
    x[:, :, 1] = 0.0
    j = JOINT_INDEX["left_knee"]
    x = x - x[:, [PARENTS[j]]]                                       # parent at the origin
    subset = (PARENTS[j], j)
    x[:, j] = [1.0, 0.0, 0.0]
    x[1::2, j] = [1.2, 0.0, 0.0]
    assert bone_length_variation(x, subset=subset) == pytest.approx(0.1 / 1.1)


# --- on posed joints with the body's capsules -------------------------------------------

HAND = CAPSULE_NAMES.index("left_hand")


def _straight_hand_rest():
    """Rest joints with the left hand capsule (wrist -> middle3) exactly along +x."""
    rest = rest_joints().astype(np.float64)
    wrist, tip = JOINT_INDEX["left_wrist"], JOINT_INDEX["left_middle3"]
    rest[tip] = rest[wrist] + [0.166, 0.0, 0.0]
    return rest


def _facing_pair(t, distance, lateral=0.0):
    """(T, 2, 55, 3): two T-pose skeletons facing each other along x, left hands pointing
    at each other on one line (parallel lines `lateral` m apart in z).

    P1 at the origin; P2 turned 180 degrees about y and moved `distance[t]` along +x, so the
    left-hand tips are distance - 2 * tip_x apart along x."""
    rest = _straight_hand_rest()
    turned = rest * np.array([-1.0, 1.0, -1.0])                       # 180 degrees about y
    z_line = rest[JOINT_INDEX["left_wrist"], 2]
    p1 = np.broadcast_to(rest, (t, NUM_JOINTS, 3))
    p2 = turned[None] + np.array([0.0, 0.0, 2 * z_line + lateral])
    p2 = p2 + np.asarray(distance, np.float64)[:, None, None] * np.array([1.0, 0.0, 0.0])
    return np.stack([p1, p2], axis=1)


def _tip_x():
    return capsule_segments(_straight_hand_rest())[1][HAND, 0]


def test_skeleton_hands_touching_on_frames_40_to_60_only():
    t = 100
    touch = 2 * _tip_x() + 2 * RADII[HAND] + 0.005                   # tips 5 mm apart (surfaces)
    distance = np.full(t, 4.0)
    distance[40:61] = touch
    pair = _facing_pair(t, distance)
    gaps = pair_capsule_gaps(pair)
    assert gaps.shape == (t, len(CAPSULE_NAMES), len(CAPSULE_NAMES))
    assert gaps[50].min() == pytest.approx(0.005, abs=1e-6)
    assert np.unravel_index(np.argmin(gaps[50]), gaps[50].shape) == (HAND, HAND)

    m = interaction_metrics([pair], FPS, references=[pair])
    assert m["contact_ratio"] == pytest.approx(21 / 100)
    assert m["contact_f1"] == 1.0 and m["contact_precision"] == 1.0 and m["contact_recall"] == 1.0
    assert m["penetration_max_depth"] == 0.0 and m["penetration_frame_share"] == 0.0
    cmap = np.array(m["contact_map"])
    h = PARTS.index("left_hand")
    assert cmap[h, h] == pytest.approx(21 / 100)
    assert cmap.sum() == pytest.approx(21 / 100)                      # nothing else touches
    # Contact 5 frames later than the reference: 16 of 21 frames shared.
    late = np.full(t, 4.0)
    late[45:66] = touch
    m_late = interaction_metrics([_facing_pair(t, late)], FPS, references=[pair])
    assert m_late["contact_f1"] == pytest.approx(32 / 42)
    # Rigid people: no bone-length change (P2's jumps in and out of contact are jitter and skating).
    assert m["bone_length_variation"] == pytest.approx(0.0, abs=1e-9)
    assert m["jitter"] > 0 and m["foot_skating_speed"] > 0


def test_skeleton_hands_overlapping_by_3_cm():
    # Antiparallel hand axes 3 cm apart, overlapping 5 cm in length: depth 2 r - 3 cm = 3 cm.
    pair = _facing_pair(10, np.full(10, 2 * _tip_x() - 0.05), lateral=0.03)
    assert 2 * RADII[HAND] - 0.03 == pytest.approx(0.03)
    m = interaction_metrics([pair], FPS)
    assert m["penetration_max_depth"] == pytest.approx(0.03, abs=1e-6)
    assert m["penetration_mean_depth"] == pytest.approx(0.03, abs=1e-6)
    assert m["penetration_frame_share"] == 1.0
    assert m["contact_ratio"] == 1.0
    assert "contact_f1" not in m


def test_interaction_metrics_sliding_person_and_late_copy():
    rng = np.random.default_rng(5)
    t = 120
    # P1 slides rigidly along z at 0.5 m/s with the feet on the floor; P2 stands still.
    slide = _facing_pair(t, np.full(t, 3.0))
    slide[:, 0] += (np.arange(t) / FPS * 0.5)[:, None, None] * np.array([0.0, 0.0, 1.0])
    m = interaction_metrics([slide], FPS)
    assert m["foot_skating_speed"] == pytest.approx(0.25)            # mean of 0.5 and 0 m/s
    assert m["foot_skating_ratio"] == pytest.approx(0.5)
    assert m["jitter"] == pytest.approx(0.0, abs=1e-6)               # constant velocity
    assert m["contact_ratio"] == 0.0
    # A reactor that copies the actor 9 frames late, on the full skeleton.
    actor = _smooth_random_walk(rng, t + 9, 1) + rest_joints().astype(np.float64)
    pair = np.stack([actor[9:], actor[:t] + np.array([2.0, 0.0, 0.0])], axis=1)
    m = interaction_metrics([pair], FPS, references=[pair[:, ::-1]])
    assert m["sync_lag_s"] == pytest.approx(0.3) and m["sync_peak"] == pytest.approx(1.0)
    assert m["sync_lag_error_s"] == pytest.approx(0.6)


def test_interaction_metrics_ignore_sequence_order():
    t = 60
    a = _facing_pair(t, np.linspace(4.0, 1.7, t))
    b = _facing_pair(t + 20, np.linspace(1.5, 3.0, t + 20))
    first = interaction_metrics([a, b], FPS, references=[b[:t], b[::-1]])
    second = interaction_metrics([b, a], FPS, references=[b[::-1], b[:t]])
    np.testing.assert_allclose(first.pop("contact_map"), second.pop("contact_map"), atol=1e-12)
    assert first == pytest.approx(second)
    with pytest.raises(UsageError):
        interaction_metrics([a], FPS, references=[b])
    with pytest.raises(UsageError):
        interaction_metrics([], FPS)
