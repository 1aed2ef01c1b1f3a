"""The generator's representation: exact round trip on cache data, mirroring, re-canonicalising, writing."""

from __future__ import annotations

import numpy as np
import pytest
from generator_fixtures import tiny_cache

from interx.body import rotations
from interx.body.joints import BODY_AND_HANDS, JOINT_INDEX, MIRROR
from interx.features import model_repr as mr
from interx.features.cache import open_cache
from interx.features.frames import facing_yaw


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    return open_cache(tiny_cache(tmp_path_factory.getbasetemp())).split("train")


@pytest.mark.parametrize("hands", [True, False])
def test_decode_of_encode_gives_the_cached_sequence_back(split, hands):
    rep = mr.ModelRepresentation(hands)
    assert rep.dim == (448 if hands else 268)
    for i in range(len(split)):
        item = split.item(i)
        features = mr.encode(item, rep)
        assert features.shape == (split.lengths[i], 2, rep.dim) and features.dtype == np.float32
        pose, trans = mr.decode(features, rep)
        want_pose, want_pelvis = mr.canonical_parameters(item)
        joints = list(rep.rotation_joints)
        np.testing.assert_allclose(rotations.aa_to_mat(pose[:, :, joints]),
                                   rotations.aa_to_mat(want_pose[:, :, joints]), atol=2e-6)
        np.testing.assert_allclose(trans + mr.default_rest_joints()[0], want_pelvis, atol=1e-6)
        if hands:  # the whole body comes back: the cache's canonical joints (neutral bodies)
            np.testing.assert_allclose(mr.decoded_joints(features, rep), split.canonical_joints(i), atol=2e-6)
        else:
            np.testing.assert_allclose(mr.decoded_joints(features, rep)[..., :22, :],
                                       split.canonical_joints(i)[..., :22, :], atol=2e-6)
        np.testing.assert_allclose(features[..., rep.positions].reshape(-1, 2, 22, 3),
                                   split.canonical_joints(i)[..., :22, :], atol=2e-6)


def test_jaw_and_eyes_decode_to_zero(split):
    rep = mr.ModelRepresentation()
    pose, _ = mr.decode(mr.encode(split.item(0), rep), rep)
    assert not pose[..., 22:25, :].any() and pose[..., BODY_AND_HANDS, :].any()


def test_mirroring_twice_is_the_identity_and_mirrors_the_decoded_body(split):
    rep = mr.ModelRepresentation()
    features = mr.encode(split.item(1), rep)
    mirrored = mr.mirror(features, rep)
    np.testing.assert_array_equal(mr.mirror(mirrored, rep), features)
    joints = mr.decoded_joints(features, rep)
    np.testing.assert_allclose(mr.decoded_joints(mirrored, rep), joints[..., MIRROR, :] * [-1, 1, 1], atol=2e-6)
    left, right = JOINT_INDEX["left_wrist"], JOINT_INDEX["right_wrist"]
    positions = mirrored[..., rep.positions].reshape(-1, 2, 22, 3)
    np.testing.assert_allclose(positions[:, :, left, 0], -joints[:, :, right, 0], atol=2e-6)


def test_recanonicalise_puts_person_zero_at_the_origin_facing_forward(split):
    pose, pelvis = mr.canonical_parameters(split.item(2))
    pose, pelvis = pose[5:, ::-1], pelvis[5:, ::-1]                  # P2 first, from frame 5
    new_pose, new_pelvis, transform = mr.recanonicalise(pose, pelvis)
    joints = mr.decoded_joints(mr.encode_parameters(new_pose, new_pelvis, mr.ModelRepresentation()),
                               mr.ModelRepresentation())
    np.testing.assert_allclose(new_pelvis[0, 0, [0, 2]], 0.0, atol=1e-5)
    assert float(facing_yaw(joints[0, 0])) == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(new_pelvis[:, :, 1], pelvis[:, :, 1], atol=1e-6)   # heights kept
    assert transform[2] == 0.0
    gap = np.linalg.norm(pelvis[:, 0] - pelvis[:, 1], axis=-1)     # a rigid move keeps distances
    np.testing.assert_allclose(np.linalg.norm(new_pelvis[:, 0] - new_pelvis[:, 1], axis=-1), gap, atol=1e-5)


def test_to_interaction_at_120_and_30_fps(split):
    rep = mr.ModelRepresentation()
    features = mr.encode(split.item(0), rep)
    frames = len(features)
    slow = mr.to_interaction(features, rep, "G900T000A001R000", ("a text",), 1, fps_out=30)
    fast = mr.to_interaction(features, rep, "G900T000A001R000", ("a text",), 1)
    assert (slow.fps, slow.num_frames, fast.fps, fast.num_frames) == (30, frames, 120, 4 * frames - 3)
    for a, b in zip(slow.persons, fast.persons):                   # every 4th fast frame is a model frame
        np.testing.assert_allclose(b.trans[::4], a.trans, atol=1e-6)
        np.testing.assert_allclose(rotations.aa_to_mat(b.full_pose()[::4]), rotations.aa_to_mat(a.full_pose()),
                                   atol=2e-6)
    mid = 0.5 * (slow.persons[0].trans[0] + slow.persons[0].trans[1])
    np.testing.assert_allclose(fast.persons[0].trans[2], mid, atol=1e-6)   # translation linear in between


def test_the_decoded_pelvis_takes_its_detail_from_the_velocity_channel_and_its_place_from_the_positions():
    """A position channel with a 5 cm frame-to-frame jitter and exact velocities decodes to the true track with
    the jitter cut more than 300 times (w = 100: the alternating pattern is damped by ~1 / (1 + 4 w)) and within
    5 mm (what is left near the ends is smooth); a constant offset of the positions, which the velocities cannot
    see, is kept; channels that agree come back unchanged."""
    frames = np.arange(40, dtype=np.float64)
    track = np.stack([np.sin(frames / 7), 0.9 + 0.02 * np.cos(frames / 3), 0.03 * frames], axis=1)  # (T, 3)
    velocity = np.diff(track, axis=0, append=track[-1:] + (track[-1:] - track[-2:-1]))
    jitter = 0.05 * (-1.0) ** frames[:, None]
    fused = mr.fused_track(track + jitter, velocity)
    error = fused - track
    assert np.abs(np.diff(error, 2, axis=0)).max() / 4 < 0.05 / 300 and np.abs(error).max() < 0.005
    np.testing.assert_allclose(mr.fused_track(track + [0.3, 0.0, -0.2], velocity), track + [0.3, 0.0, -0.2],
                               atol=1e-9)
    np.testing.assert_allclose(mr.fused_track(track, velocity), track, atol=1e-9)


def test_the_decoded_height_stands_the_posed_feet_where_the_foot_channels_put_them(split):
    """Foot channels raised by 4 cm (a constant the velocities cannot see) lift the decoded body by 4 cm, so its
    feet land on them; the pelvis's own height channel is not read; the other coordinates do not move."""
    rep = mr.ModelRepresentation()
    features = mr.encode(split.item(0), rep)
    _, trans = mr.decode(features, rep)
    raised = features.copy()
    for joint in mr.INTERGEN_CONTACT_JOINTS:
        raised[..., 3 * mr.POSITION_JOINTS.index(joint) + 1] += 0.04
    _, lifted = mr.decode(raised, rep)
    np.testing.assert_allclose(lifted - trans, np.broadcast_to([0.0, 0.04, 0.0], trans.shape), atol=1e-5)
    feet = [mr.POSITION_JOINTS.index(j) for j in mr.INTERGEN_CONTACT_JOINTS]
    decoded_feet = mr.decoded_joints(raised, rep)[..., list(mr.INTERGEN_CONTACT_JOINTS), :]
    np.testing.assert_allclose(decoded_feet, raised[..., rep.positions].reshape(*raised.shape[:2], 22, 3)[..., feet, :],
                               atol=1e-5)
    moved = features.copy()
    moved[..., 3 * mr.POSITION_JOINTS.index(mr.PELVIS) + 1] += 0.3
    np.testing.assert_allclose(mr.decode(moved, rep)[1], trans, atol=1e-6)


def test_lifting_out_of_the_floor_raises_a_sunken_frame_exactly_and_eases_in_and_out(split):
    """Every frame stood 1 cm above the floor, then frame 10 of person 0 sunk so its deepest joint is 25 cm under
    it: that frame comes back up to the floor exactly; the lift ramps up and down symmetrically over the frames
    around it, in steps of at most a fifth of the depth, and frames more than 2 ramps away and person 1 stay put."""
    rep = mr.ModelRepresentation()
    pose, pelvis = mr.canonical_parameters(split.item(0))
    ramp, sunk_at = 4, 10
    assert len(pose) > sunk_at + 2 * ramp + 1
    standing = pelvis.copy()
    standing[..., 1] -= mr.body_joints(pose, pelvis)[..., 1].min(-1) - 0.01
    sunk = standing.copy()
    sunk[sunk_at, 0, 1] -= 0.26
    np.testing.assert_array_equal(mr.floor_lift(pose, standing, ramp), 0.0)
    lift = mr.floor_lift(pose, sunk, ramp)
    near = np.arange(len(lift)) - sunk_at
    assert lift[sunk_at, 0] == pytest.approx(0.25, abs=1e-5)
    np.testing.assert_array_equal(lift[np.abs(near) > 2 * ramp], 0.0)
    np.testing.assert_array_equal(lift[:, 1], 0.0)
    ramp_up = lift[sunk_at - 2 * ramp:sunk_at + 1, 0]
    np.testing.assert_allclose(ramp_up, lift[sunk_at:sunk_at + 2 * ramp + 1, 0][::-1], atol=1e-6)
    assert (np.diff(ramp_up) > 0).all() and np.abs(np.diff(lift[:, 0])).max() <= 0.25 / 5 + 1e-6
    lifted = mr.decoded_joints(mr.lifted_out_of_floor(mr.encode_parameters(pose, sunk, rep), rep), rep)
    assert lifted[..., 1].min() >= -1e-5
    assert lifted[sunk_at, 0, :, 1].min() == pytest.approx(0.0, abs=1e-5)
    np.testing.assert_allclose(lifted[:, 1], mr.body_joints(pose, standing)[:, 1], atol=1e-5)