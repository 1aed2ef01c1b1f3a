"""Forward kinematics and the built-in skeleton against hand-computed answers."""

import numpy as np
import torch

from interx.body import rotations
from interx.body.joints import JOINT_INDEX, MIRROR, NUM_JOINTS, PARENTS
from interx.body.kinematics import forward_kinematics, pose_joints
from interx.body.model import person_joints
from interx.body.skeleton import floor_y, rest_joints, stature
from interx.data.types import PersonMotion

ELBOW, WRIST, SHOULDER = JOINT_INDEX["left_elbow"], JOINT_INDEX["left_wrist"], JOINT_INDEX["left_shoulder"]


def test_zero_pose_returns_rest_plus_translation():
    rest = rest_joints()
    trans = np.array([[1.0, 2.0, 3.0]], np.float32)
    out = pose_joints(np.zeros((1, NUM_JOINTS, 3), np.float32), trans, rest)
    np.testing.assert_allclose(out[0], rest + trans[0], atol=1e-6)


def test_bending_the_elbow_moves_only_the_forearm_by_hand_computed_amount():
    rest = rest_joints()
    pose = np.zeros((1, NUM_JOINTS, 3), np.float32)
    pose[0, ELBOW] = (0.0, np.pi / 2, 0.0)  # left forearm along +x, turned +90 deg about y -> along -z
    out = pose_joints(pose, np.zeros((1, 3), np.float32), rest)[0]
    forearm = rest[WRIST] - rest[ELBOW]
    expected_wrist = rest[ELBOW] + np.array([forearm[2], forearm[1], -forearm[0]])
    np.testing.assert_allclose(out[WRIST], expected_wrist, atol=1e-6)
    np.testing.assert_allclose(out[SHOULDER], rest[SHOULDER], atol=1e-7)
    np.testing.assert_allclose(out[JOINT_INDEX["right_wrist"]], rest[JOINT_INDEX["right_wrist"]], atol=1e-7)


def test_root_rotation_turns_everything_about_the_rest_pelvis():
    rest = rest_joints()
    pose = np.zeros((1, NUM_JOINTS, 3), np.float32)
    pose[0, 0] = (0.0, np.pi, 0.0)
    out = pose_joints(pose, np.zeros((1, 3), np.float32), rest)[0]
    rel = rest - rest[0]
    np.testing.assert_allclose(out - rest[0], rel * (-1, 1, -1), atol=1e-6)


def test_compiled_kernel_matches_generic_fk_numpy_and_torch():
    rng = np.random.default_rng(0)
    pose = (rng.normal(size=(3, 17, NUM_JOINTS, 3)) * 0.5).astype(np.float32)
    trans = rng.normal(size=(3, 17, 3)).astype(np.float32)
    rest = rest_joints([0.5])
    fast = pose_joints(pose, trans, rest)
    generic, glob = forward_kinematics(rotations.aa_to_mat(pose.astype(np.float64)), rest.astype(np.float64))
    np.testing.assert_allclose(fast, generic + trans[..., None, :], atol=2e-6)
    via_torch = pose_joints(torch.tensor(pose, dtype=torch.float64), torch.tensor(trans, dtype=torch.float64),
                            torch.tensor(rest, dtype=torch.float64))
    np.testing.assert_allclose(via_torch.numpy(), fast, atol=2e-6)
    assert glob.shape == (3, 17, NUM_JOINTS, 3, 3)


def test_per_item_rest_joints():
    pose = np.zeros((2, NUM_JOINTS, 3), np.float32)
    rests = np.stack([rest_joints([-2.0]), rest_joints([2.0])])
    out = pose_joints(pose, np.zeros((2, 3), np.float32), rests)
    np.testing.assert_allclose(out, rests, atol=1e-6)


def test_skeleton_proportions_and_symmetry():
    rest = rest_joints()
    floor = floor_y()
    assert abs(rest[JOINT_INDEX["head"], 1] - floor - 0.90 * 1.70) < 0.01
    assert abs(rest[JOINT_INDEX["left_hip"], 1] - floor - 0.53 * 1.70) < 0.01
    assert abs(rest[JOINT_INDEX["left_knee"], 1] - floor - 0.285 * 1.70) < 0.01
    np.testing.assert_allclose(rest[MIRROR] * (-1, 1, 1), rest, atol=1e-6)
    assert rest[JOINT_INDEX["left_wrist"], 0] > 0.5  # T-pose: the left arm along +x
    tall, short = rest_joints([2.0]), rest_joints([-2.0])
    assert abs(stature([2.0]) - stature([-2.0]) - 0.3) < 1e-9
    assert tall[JOINT_INDEX["head"], 1] - floor_y([2.0]) > short[JOINT_INDEX["head"], 1] - floor_y([-2.0]) + 0.25


def test_person_joints_of_a_standing_person_touch_the_floor():
    t = 4
    person = PersonMotion(
        root_orient=np.zeros((t, 3), np.float32), pose_body=np.zeros((t, 21, 3), np.float32),
        pose_lhand=np.zeros((t, 15, 3), np.float32), pose_rhand=np.zeros((t, 15, 3), np.float32),
        trans=np.tile([0.0, -floor_y(), 0.0], (t, 1)).astype(np.float32), betas=np.zeros(10, np.float32))
    joints = person_joints(person)
    assert joints.shape == (t, NUM_JOINTS, 3) and joints.dtype == np.float32
    lowest = joints[..., 1].min()
    assert 0.0 < lowest < 0.03  # the ball of the foot, just above the sole
    assert PARENTS.shape == (NUM_JOINTS,)
