"""Known answers for the generator's building blocks: two-bone IK, the rig solve, easing, upsampling."""

from __future__ import annotations

import numpy as np

from interx.body import rotations
from interx.body.joints import JOINT_INDEX, PARENTS
from interx.body.kinematics import forward_kinematics, pose_joints
from interx.data.synth import ik
from interx.data.synth.performer import Performer
from interx.data.synth.resample import upsample_positions, upsample_rotations
from interx.data.synth.rig import ARM_CHAINS, ARM_HINGES, LEG_CHAINS, LEG_HINGE, Rig, solve_chain
from interx.data.synth.timing import minjerk, travel


def test_two_bone_reaches_reachable_targets_and_bends_toward_the_pole():
    rig = Rig.from_betas(np.array([0.7] + [0.0] * 9))
    rng = np.random.default_rng(0)
    shoulder_i, elbow_i, wrist_i = ARM_CHAINS[1]
    root = rig.rest[shoulder_i] + rng.normal(0, 0.1, (50, 3))
    direction = ik.normalize(rng.normal(size=(50, 3)))
    target = root + direction * rng.uniform(0.1, 0.95, (50, 1)) * rig.arm_length
    pole = root + rng.normal(size=(50, 3))
    g1, g2, middle, end, shortfall = ik.two_bone(root, target, pole, rig.bone(shoulder_i, elbow_i),
                                                 rig.bone(elbow_i, wrist_i), ARM_HINGES[1])
    assert np.allclose(end, target, atol=1e-9) and np.all(shortfall == 0)
    assert np.allclose(np.linalg.norm(middle - root, axis=1), np.linalg.norm(rig.bone(shoulder_i, elbow_i)))
    # the rotations put the bones where the positions say
    assert np.allclose(root + g1 @ rig.bone(shoulder_i, elbow_i), middle, atol=1e-9)
    assert np.allclose(middle + g2 @ rig.bone(elbow_i, wrist_i), end, atol=1e-9)
    # the elbow lies on the pole's side of the shoulder-wrist line
    axis = ik.normalize(target - root)
    off = lambda p: p - root - np.sum((p - root) * axis, 1, keepdims=True) * axis  # noqa: E731
    assert np.all(np.sum(off(middle) * off(pole), axis=1) > 0)
    # a target out of reach: the arm points at it, fully stretched
    far = root + direction * 2.0 * rig.arm_length
    *_, end, shortfall = ik.two_bone(root, far, pole, rig.bone(shoulder_i, elbow_i), rig.bone(elbow_i, wrist_i),
                                     ARM_HINGES[1])
    assert np.all(shortfall > 0.9 * rig.arm_length)


def test_local_rotations_from_the_chain_solve_pose_the_skeleton_through_forward_kinematics():
    rig = Rig.from_betas(np.zeros(10))
    frames = 8
    hip_i, knee_i, ankle_i = LEG_CHAINS[0]
    target = rig.rest[ankle_i] + np.array([0.0, 0.25, 0.2]) * np.linspace(0, 1, frames)[:, None]
    foot = rotations.aa_to_mat(np.tile([0.2, 0.1, 0.0], (frames, 1)).astype(np.float64))
    locals_, middle, end, _ = solve_chain(rig, LEG_CHAINS[0], LEG_HINGE, np.tile(rig.rest[hip_i], (frames, 1)),
                                          np.tile(np.eye(3), (frames, 1, 1)), target,
                                          np.tile(rig.rest[knee_i] + [0, 0, 1.0], (frames, 1)), foot)
    mats = np.tile(np.eye(3), (frames, 55, 1, 1))
    mats[:, [hip_i, knee_i, ankle_i]] = locals_
    joints, globals_ = forward_kinematics(mats, rig.rest, PARENTS)
    assert np.allclose(joints[:, ankle_i], target, atol=1e-9)
    assert np.allclose(joints[:, knee_i], middle, atol=1e-9)
    assert np.allclose(globals_[:, ankle_i], foot, atol=1e-9)


def test_fast_joints_of_a_solve_match_the_exact_ones_from_its_parameters():
    rig = Rig.from_betas(np.array([-1.2] + [0.0] * 9))
    t = np.arange(60) / 30.0
    p = Performer(rig, t, 30.0, np.random.default_rng(1))
    p.walk_to(0.2, (0.3, 0.8), 1.0, face=0.5)
    p.lean[:, 0] = 0.3 * minjerk(t / 2.0)
    p.gesture(1, minjerk(t), (0.2, 0.3, 0.12), (0.0, 1.0, 0.1), (0.0, 0.0, 1.0), shape="open")
    p.make_fingers(np.arange(4 * 59 + 1) / 120.0, 4)
    p.solve(exact=True)
    exact = pose_joints(p.pose.astype(np.float32), p.trans.astype(np.float32), rig.rest)
    used = [JOINT_INDEX[n] for n in ("pelvis", "spine1", "spine3", "neck", "head", "left_hip", "right_knee",
                                     "left_ankle", "right_foot", "left_shoulder", "right_elbow", "right_wrist",
                                     "right_middle3", "left_middle3")]
    assert np.abs(exact[:, used] - p.joints[:, used]).max() < 1e-4
    assert abs(exact[0].min(axis=0)[1]) < 0.03          # standing: feet on the floor


def test_travel_covers_the_distance_without_overshoot():
    t = np.arange(0, 6, 1 / 120)
    covered, end = travel(t, 0.5, 2.0, 1.2, 0.4)
    speed = np.diff(covered) * 120
    assert np.isclose(covered[-1], 2.0) and np.all(speed >= -1e-9) and speed.max() <= 1.2 + 1e-6
    assert np.isclose(end, 0.5 + 2.0 / 1.2 + 0.4)
    assert covered[t < 0.5].max() == 0.0 and np.allclose(covered[t >= end], 2.0)


def test_upsampling_passes_through_the_solved_frames():
    rng = np.random.default_rng(2)
    aa, x = rng.normal(0, 0.6, (9, 4, 3)), rng.normal(size=(9, 3))
    up, xs = upsample_rotations(aa, 4), upsample_positions(x, 4)
    assert up.shape == (33, 4, 3) and xs.shape == (33, 3)
    assert np.allclose(rotations.aa_to_mat(up[::4]), rotations.aa_to_mat(aa), atol=1e-9)
    assert np.allclose(xs[::4], x)
