"""The compiled FK kernel against the generic float64 forward kinematics, on its special paths."""

import numpy as np

from interx.body import rotations
from interx.body.joints import NUM_JOINTS
from interx.body.kinematics import forward_kinematics, pose_joints
from interx.body.skeleton import rest_joints


def _reference(pose, trans, rest):
    joints, _ = forward_kinematics(rotations.aa_to_mat(pose.astype(np.float64)), rest.astype(np.float64),
                                   need_rotations=False)
    return joints + trans[..., None, :]


def test_angles_beyond_pi_take_the_exact_path():
    rng = np.random.default_rng(1)
    pose = (rng.normal(size=(70, NUM_JOINTS, 3)) * 0.4).astype(np.float32)
    axis = rng.normal(size=(70, NUM_JOINTS, 3))
    axis /= np.linalg.norm(axis, axis=-1, keepdims=True)
    big = rng.uniform(np.pi, 4 * np.pi, size=(70, NUM_JOINTS, 1))
    pose[::3] = (axis * big)[::3]  # every third frame: every joint turned by more than pi
    trans = rng.normal(size=(70, 3)).astype(np.float32)
    rest = rest_joints([1.0])
    np.testing.assert_allclose(pose_joints(pose, trans, rest), _reference(pose, trans, rest), atol=2e-6)


def test_a_full_turn_is_the_identity():
    pose = np.zeros((1, NUM_JOINTS, 3), np.float32)
    pose[0, :, 1] = 2 * np.pi
    rest = rest_joints()
    np.testing.assert_allclose(pose_joints(pose, np.zeros((1, 3), np.float32), rest)[0], rest, atol=2e-6)


def test_per_item_rest_joints_with_poses_and_odd_frame_counts():
    rng = np.random.default_rng(2)
    for frames in (0, 1, 63, 64, 65, 200):
        pose = (rng.normal(size=(frames, NUM_JOINTS, 3)) * 0.6).astype(np.float32)
        trans = rng.normal(size=(frames, 3)).astype(np.float32)
        rest = np.array([rest_joints([b]) for b in rng.uniform(-2, 2, size=frames)]).reshape(frames, NUM_JOINTS, 3)
        out = pose_joints(pose, trans, rest)
        assert out.shape == (frames, NUM_JOINTS, 3) and out.dtype == np.float32
        np.testing.assert_allclose(out, _reference(pose, trans, rest), atol=2e-6)


def test_fewer_joints_than_the_full_tree():
    rng = np.random.default_rng(3)
    pose = (rng.normal(size=(5, 22, 3)) * 0.6).astype(np.float32)
    trans = np.zeros((5, 3), np.float32)
    rest = rest_joints()
    np.testing.assert_allclose(pose_joints(pose, trans, rest), _reference(pose, trans, rest[:22]), atol=2e-6)
