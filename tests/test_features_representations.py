"""Representations derived from the compact arrays: layouts and known values."""

import numpy as np
from fixtures_release import random_interaction

from interx.body import rotations
from interx.body.joints import JOINT_INDEX, NUM_JOINTS
from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints
from interx.features.normalize import Moments
from interx.features.representations import (EVALUATOR_DIM, INTERGEN_DIM, evaluator_672, from_official_56x6,
                                             intergen_262, official_56x6)
from interx.features.sequence import prepare_pair

IDENTITY_6D = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0]


def _pose_trans(frames=4, seed=0):
    rng = np.random.default_rng(seed)
    pose = (0.3 * rng.standard_normal((frames, 2, NUM_JOINTS, 3))).astype(np.float32)
    trans = rng.normal(size=(frames, 2, 3)).astype(np.float32)
    return pose, trans


def test_official_56x6_rows_and_channels():
    pose, trans = _pose_trans()
    motion = official_56x6(pose, trans)
    assert motion.shape == (4, 56, 6) and motion.dtype == np.float32
    np.testing.assert_array_equal(motion[:, :55, 0:3], pose[:, 0])
    np.testing.assert_array_equal(motion[:, :55, 3:6], pose[:, 1])
    np.testing.assert_array_equal(motion[:, 55, 0:3], trans[:, 0])
    np.testing.assert_array_equal(motion[:, 55, 3:6], trans[:, 1])
    back_pose, back_trans = from_official_56x6(motion)
    np.testing.assert_array_equal(back_pose, pose)
    np.testing.assert_array_equal(back_trans, trans)


def test_evaluator_672_layout_identity_rotations_and_translation_row():
    pose = np.zeros((3, 2, NUM_JOINTS, 3), np.float32)
    pose[:, 1, 5] = (0.0, 0.0, np.pi / 2)                   # P2's joint 5 turned 90 degrees about z
    trans = np.array([[[1, 2, 3], [4, 5, 6]]] * 3, np.float32)
    feature = evaluator_672(pose, trans)
    assert feature.shape == (3, EVALUATOR_DIM) == (3, 672)
    rows = feature.reshape(3, 56, 12)
    for joint in range(NUM_JOINTS):
        np.testing.assert_allclose(rows[:, joint, 0:6], np.tile(IDENTITY_6D, (3, 1)), atol=1e-7)
        if joint != 5:
            np.testing.assert_allclose(rows[:, joint, 6:12], np.tile(IDENTITY_6D, (3, 1)), atol=1e-7)
    # first two rows of Rz(90) = [[0,-1,0],[1,0,0],...]
    np.testing.assert_allclose(rows[0, 5, 6:12], [0, -1, 0, 1, 0, 0], atol=1e-6)
    np.testing.assert_array_equal(rows[:, 55, 0:3], trans[:, 0])
    np.testing.assert_array_equal(rows[:, 55, 6:9], trans[:, 1])
    np.testing.assert_array_equal(rows[:, 55, 3:6], 0.0)
    np.testing.assert_array_equal(rows[:, 55, 9:12], 0.0)


def test_evaluator_672_matches_sixd_of_random_pose():
    pose, trans = _pose_trans(seed=1)
    rows = evaluator_672(pose, trans).reshape(4, 56, 12)
    sixd = rotations.aa_to_sixd(pose)
    np.testing.assert_allclose(rows[:, :55, :6], sixd[:, 0], atol=1e-6)
    np.testing.assert_allclose(rows[:, :55, 6:], sixd[:, 1], atol=1e-6)


def test_intergen_262_known_values_on_a_walking_tpose():
    """T-pose sliding along +z at 2 cm per frame, feet on the floor; P2 raised 0.5 m and still."""
    rest = rest_joints()
    frames = 6
    pose = np.zeros((frames, 2, NUM_JOINTS, 3), np.float32)
    trans = np.zeros((frames, 2, 3), np.float32)
    trans[:, 0, 2] = 0.02 * np.arange(frames)
    trans[:, 1] = (1.0, 0.5, 0.0)
    joints = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
    joints[..., 1] -= joints[:, 0, :, 1].min()              # P1's lowest joint on the floor
    feature = intergen_262(pose, joints)
    assert feature.shape == (frames, 2, INTERGEN_DIM)
    np.testing.assert_allclose(feature[:, :, :66].reshape(frames, 2, 22, 3), joints[:, :, :22], atol=1e-6)
    velocity = feature[:, :, 66:132].reshape(frames, 2, 22, 3)
    np.testing.assert_allclose(velocity[:, 0], np.broadcast_to([0, 0, 0.02], (frames, 22, 3)), atol=1e-6)
    np.testing.assert_allclose(velocity[:, 1], 0.0, atol=1e-7)  # the last row repeats the previous one
    np.testing.assert_allclose(feature[:, :, 132:258].reshape(frames, 2, 21, 6),
                               np.broadcast_to(IDENTITY_6D, (frames, 2, 21, 6)), atol=1e-7)
    contacts = feature[:, :, 258:]
    lowest = joints[0, 0, [JOINT_INDEX[n] for n in ("left_ankle", "left_foot", "right_ankle", "right_foot")], 1]
    expected_p1 = (lowest < np.array([0.12, 0.05, 0.12, 0.05])).astype(np.float32)  # slow enough: 0.0004 m^2
    assert expected_p1.any()
    np.testing.assert_array_equal(contacts[:, 0], np.broadcast_to(expected_p1, (frames, 4)))
    np.testing.assert_array_equal(contacts[:, 1], 0.0)       # 0.5 m above the floor


def test_intergen_contacts_off_when_feet_move_fast():
    rest = rest_joints()
    pose = np.zeros((4, 2, NUM_JOINTS, 3), np.float32)
    trans = np.zeros((4, 2, 3), np.float32)
    trans[:, :, 0] = 0.1 * np.arange(4)[:, None]             # 0.01 m^2 per frame > 0.001
    joints = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
    joints[..., 1] -= joints[..., 1].min()
    np.testing.assert_array_equal(intergen_262(pose, joints)[..., 258:], 0.0)


def test_pair_arrays_methods_agree_with_functions_and_moments_merge():
    item = prepare_pair(random_interaction(np.random.default_rng(4), "G002T000A003R000", frames=60))
    np.testing.assert_array_equal(item.intergen_262(), intergen_262(item.pose, item.canonical_joints()))
    np.testing.assert_array_equal(item.evaluator_672(), evaluator_672(item.pose, item.trans))
    rows = item.intergen_262().reshape(-1, INTERGEN_DIM)
    merged = Moments.of(rows[:7]).merge(Moments.of(rows[7:]))
    np.testing.assert_allclose(merged.mean, rows.astype(np.float64).mean(0), atol=1e-10)
    np.testing.assert_allclose(merged.std, rows.astype(np.float64).std(0), atol=1e-10)
