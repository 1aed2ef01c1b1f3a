"""The official frame and the canonicalising transform on hand-built motion with known answers."""

import numpy as np
from fixtures_release import random_interaction

from interx.body import rotations
from interx.body.joints import JOINT_INDEX, NUM_JOINTS
from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints
from interx.features.frames import (apply_transform, canonical_transform, facing_yaw, floor_heights,
                                    invert_transform, official_shift, to_official_frame, transform_smplx)
from interx.features.sequence import prepare_pair

PELVIS = JOINT_INDEX["pelvis"]


def _tpose_pair(trans1, trans2, yaw2=0.0):
    """Two people in the rest T-pose (P2 turned by yaw2 about y) at the given translations (T, 3)."""
    rest = rest_joints()
    frames = len(trans1)
    pose = np.zeros((frames, 2, NUM_JOINTS, 3), np.float32)
    pose[:, 1, 0] = (0.0, yaw2, 0.0)
    trans = np.stack([trans1, trans2], axis=1).astype(np.float32)
    joints = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
    return pose, trans, joints, rest


def test_official_frame_floors_each_person_then_subtracts_p1_frame0_translation():
    trans1 = np.array([[0.5, 1.2, -2.0], [0.6, 1.0, -2.0], [0.7, 1.1, -2.0]])
    trans2 = np.array([[3.0, 0.8, 1.0], [3.0, 0.9, 1.0], [3.0, 1.3, 1.0]])
    _, trans, joints, rest = _tpose_pair(trans1, trans2)
    lowest_rest = rest[:, 1].min()
    floors = floor_heights(joints)
    np.testing.assert_allclose(floors, [lowest_rest + 1.0, lowest_rest + 0.8], atol=1e-6)
    joints_o, trans_o, shift = to_official_frame(joints, trans)
    base = trans1[0] - [0.0, floors[0], 0.0]                  # P1's frame-0 translation after flooring
    np.testing.assert_allclose(trans_o[:, 0], trans1 - [0, floors[0], 0] - base, atol=1e-6)
    np.testing.assert_allclose(trans_o[:, 1], trans2 - [0, floors[1], 0] - base, atol=1e-6)
    np.testing.assert_array_equal(trans_o[0, 0], [0.0, 0.0, 0.0])
    np.testing.assert_allclose(shift, official_shift(joints, trans))
    # joints move with the translations; both people's lowest joint sits at -(floor-aligned P1 frame-0 y)
    np.testing.assert_allclose(joints_o, joints - shift[None, :, None], atol=1e-6)
    np.testing.assert_allclose(floor_heights(joints_o), [-base[1], -base[1]], atol=1e-6)
    # no facing change: x and z differences between the people are kept
    np.testing.assert_allclose(trans_o[:, 1, [0, 2]] - trans_o[:, 0, [0, 2]], (trans2 - trans1)[:, [0, 2]], atol=1e-6)


def test_official_frame_is_idempotent():
    rng = np.random.default_rng(0)
    _, trans, joints, _ = _tpose_pair(rng.normal(size=(5, 3)), rng.normal(size=(5, 3)))
    joints_o, trans_o, _ = to_official_frame(joints, trans)
    again_j, again_t, shift = to_official_frame(joints_o, trans_o)
    np.testing.assert_allclose(shift, 0.0, atol=1e-6)
    np.testing.assert_allclose(again_t, trans_o, atol=1e-6)


def test_facing_of_the_rest_pose_is_plus_z_and_a_quarter_turn_is_known():
    rest = rest_joints()
    assert abs(facing_yaw(rest)) < 1e-9                      # the rest pose faces +z
    turned = rest @ rotations.axis_mat(np.float64(np.pi / 2), "Y").T   # now facing +x
    np.testing.assert_allclose(facing_yaw(turned), -np.pi / 2, atol=1e-9)


def test_canonical_puts_p1_at_origin_facing_plus_z_on_the_floor():
    _, trans, joints, _ = _tpose_pair(np.array([[1.0, 1.0, 2.0], [1.1, 1.0, 2.0]]),
                                      np.array([[1.0, 1.0, 3.0], [1.0, 1.0, 3.0]]))
    # turn the whole pair by 30 degrees about y so the answer is not trivial
    turn = rotations.axis_mat(np.float64(np.pi / 6), "Y")
    joints = joints @ turn.T.astype(np.float32)
    transform = canonical_transform(joints)
    np.testing.assert_allclose(transform[0], -np.pi / 6, atol=1e-6)
    canon = apply_transform(joints, transform)
    np.testing.assert_allclose(canon[0, 0, PELVIS, [0, 2]], 0.0, atol=1e-6)
    assert abs(facing_yaw(canon[0, 0])) < 1e-6
    assert abs(canon[..., 1].min()) < 1e-6
    # P2 stood 1 m in front of P1 (along P1's facing) before the turn: still in front after canonicalising
    np.testing.assert_allclose(canon[0, 1, PELVIS] - canon[0, 0, PELVIS], [0.0, 0.0, 1.0], atol=1e-5)


def test_transform_round_trip_is_identity():
    rng = np.random.default_rng(1)
    points = rng.normal(size=(7, 2, 5, 3))
    transform = np.array([0.7, 1.0, -0.2, 3.0])
    moved = apply_transform(points, transform)
    np.testing.assert_allclose(apply_transform(moved, invert_transform(transform)), points, atol=1e-12)
    np.testing.assert_allclose(invert_transform(invert_transform(transform)), transform, atol=1e-12)


def test_smplx_transform_agrees_with_moving_the_joints():
    """FK of the transformed parameters == the transformed FK joints (the rest pelvis is not at the origin)."""
    rng = np.random.default_rng(2)
    rest = rest_joints([1.0])
    assert abs(rest[0, 1]) > 0.1
    pose = (0.4 * rng.standard_normal((6, NUM_JOINTS, 3))).astype(np.float32)
    trans = rng.normal(size=(6, 3)).astype(np.float32)
    transform = np.array([2.5, 0.3, -0.1, -1.2])
    orient, new_trans = transform_smplx(pose[:, 0], trans, rest[0], transform)
    new_pose = pose.copy()
    new_pose[:, 0] = orient
    np.testing.assert_allclose(pose_joints(new_pose, new_trans, rest),
                               apply_transform(pose_joints(pose, trans, rest), transform), atol=2e-5)


def test_prepare_pair_canonical_frame_of_real_sequence():
    inter = random_interaction(np.random.default_rng(3), "G001T000A001R000", frames=40)
    item = prepare_pair(inter)
    np.testing.assert_array_equal(item.trans[0, 0], 0.0)
    canon = item.canonical_joints()
    np.testing.assert_allclose(canon[0, 0, PELVIS, [0, 2]], 0.0, atol=1e-5)
    assert abs(facing_yaw(canon[0, 0])) < 1e-5 and abs(canon[..., 1].min()) < 1e-5
    np.testing.assert_allclose(item.rest_pelvis, [rest_joints(p.betas)[0] for p in inter.persons], atol=1e-6)
