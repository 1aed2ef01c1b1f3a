"""Resampling to 30 fps: every 4th frame from 120 exactly; slerp/linear for other rates, on known motions."""

import numpy as np
import pytest
from fixtures_release import random_interaction, random_person

from interx.body import rotations
from interx.data.types import PersonMotion
from interx.features.resample import (integer_ratio, resample_interaction, resample_linear, resample_person,
                                      resample_rotations, resampled_length)


def test_120_to_30_takes_every_4th_frame_exactly():
    person = random_person(np.random.default_rng(0), 103, fps=120.0, extras=True)
    out = resample_person(person, 30.0)
    assert out.fps == 30.0 and out.num_frames == 26 == resampled_length(103, 120.0)
    for key in ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans", "pose_jaw", "pose_eye", "face_expr"):
        np.testing.assert_array_equal(getattr(out, key), getattr(person, key)[::4])
    np.testing.assert_array_equal(out.betas, person.betas)


def test_integer_ratios_and_identity():
    assert integer_ratio(120.0) == 4 and integer_ratio(60.0) == 2 and integer_ratio(30.0) == 1
    assert integer_ratio(50.0) is None and integer_ratio(20.0) is None
    person = random_person(np.random.default_rng(1), 10, fps=30.0)
    assert resample_person(person) is person
    np.testing.assert_array_equal(resample_linear(np.arange(10.0), 60.0), np.arange(0, 10, 2))


@pytest.mark.parametrize("fps, frames", [(50.0, 51), (20.0, 21), (100.0, 37)])
def test_non_integer_ratio_interpolates_known_motion(fps, frames):
    """A constant-speed turn about a fixed axis and a constant-velocity translation are sampled exactly."""
    t = np.arange(frames) / fps
    axis = np.array([0.6, 0.0, 0.8])
    aa = (1.5 * t)[:, None] * axis                      # angle grows at 1.5 rad/s, stays below pi
    trans = np.stack([2.0 * t, 0.9 + 0 * t, -t], axis=1)
    count = resampled_length(frames, fps)
    assert count == int(np.floor((frames - 1) * 30.0 / fps)) + 1
    t30 = np.arange(count) / 30.0
    np.testing.assert_allclose(resample_rotations(aa, fps), (1.5 * t30)[:, None] * axis, atol=2e-5)
    np.testing.assert_allclose(resample_linear(trans, fps), np.stack([2.0 * t30, 0.9 + 0 * t30, -t30], 1), atol=1e-5)


def test_slerp_takes_the_shorter_arc_between_frames():
    # two frames 90 degrees apart about y at 20 fps; the 30 fps frame at t = 1/30 s sits 2/3 of the way
    aa = np.array([[0.0, 0.0, 0.0], [0.0, np.pi / 2, 0.0]], np.float32)
    out = resample_rotations(aa, 20.0)
    assert out.shape == (2, 3)
    np.testing.assert_allclose(out[1], [0.0, np.pi / 3, 0.0], atol=1e-5)
    np.testing.assert_allclose(rotations.aa_to_mat(out[1]), rotations.aa_to_mat(np.array([0, np.pi / 3, 0])),
                               atol=1e-5)


def test_resample_person_at_other_rate_keeps_shape_fields_and_interaction_keeps_texts():
    inter = random_interaction(np.random.default_rng(2), "G001T000A004R000", frames=50, fps=50.0)
    out = resample_interaction(inter)
    assert out.fps == 30.0 and out.num_frames == 30 and out.texts == inter.texts and out.action == 4
    p = out.persons[0]
    assert isinstance(p, PersonMotion) and p.pose_body.shape == (30, 21, 3) and p.gender == "male"
    np.testing.assert_array_equal(p.betas, inter.persons[0].betas)
    np.testing.assert_array_equal(p.trans[0], inter.persons[0].trans[0])
