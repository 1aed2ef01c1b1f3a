"""Rotation conversions: known values, round trips, numpy == torch, batched == single."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from interx.body import rotations as R

finite_aa = arrays(np.float64, (5, 3), elements=st.floats(-3.0, 3.0))


def test_quarter_turn_about_z_maps_x_to_y():
    mat = R.aa_to_mat(np.array([0.0, 0.0, np.pi / 2]))
    np.testing.assert_allclose(mat @ np.array([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0], atol=1e-12)


def test_half_turn_quaternion_and_back():
    quat = R.aa_to_quat(np.array([np.pi, 0.0, 0.0]))
    np.testing.assert_allclose(quat, [0.0, 1.0, 0.0, 0.0], atol=1e-12)
    np.testing.assert_allclose(np.abs(R.quat_to_aa(quat)), [np.pi, 0.0, 0.0], atol=1e-9)


def test_zero_rotation_is_identity_everywhere():
    zero = np.zeros((2, 3))
    np.testing.assert_allclose(R.aa_to_mat(zero), np.broadcast_to(np.eye(3), (2, 3, 3)))
    np.testing.assert_allclose(R.mat_to_aa(np.eye(3)), np.zeros(3), atol=1e-7)
    np.testing.assert_allclose(R.mat_to_sixd(np.eye(3)), [1, 0, 0, 0, 1, 0])


@settings(max_examples=50, deadline=None)
@given(finite_aa)
def test_matrix_round_trips(aa):
    mat = R.aa_to_mat(aa)
    np.testing.assert_allclose(mat @ np.swapaxes(mat, -1, -2), np.broadcast_to(np.eye(3), mat.shape), atol=1e-9)
    np.testing.assert_allclose(R.aa_to_mat(R.mat_to_aa(mat)), mat, atol=1e-6)
    np.testing.assert_allclose(R.quat_to_mat(R.mat_to_quat(mat)), mat, atol=1e-7)
    np.testing.assert_allclose(R.sixd_to_mat(R.mat_to_sixd(mat)), mat, atol=1e-9)
    np.testing.assert_allclose(R.quat_to_mat(R.aa_to_quat(aa)), mat, atol=1e-9)


@settings(max_examples=50, deadline=None)
@given(finite_aa, st.sampled_from(["XYZ", "XZY", "YXZ", "YZX", "ZXY", "ZYX"]))
def test_euler_round_trip_every_order(aa, order):
    mat = R.aa_to_mat(aa)
    np.testing.assert_allclose(R.euler_to_mat(R.mat_to_euler(mat, order), order), mat, atol=1e-6)


@pytest.mark.parametrize("order", ["XYZ", "ZYX", "YZX"])
def test_euler_gimbal_lock_still_round_trips(order):
    angles = np.array([0.3, np.pi / 2, -0.2])
    mat = R.euler_to_mat(angles, order)
    np.testing.assert_allclose(R.euler_to_mat(R.mat_to_euler(mat, order), order), mat, atol=1e-6)


def test_euler_order_is_intrinsic_product():
    angles = np.array([0.1, 0.2, 0.3])
    expected = R.axis_mat(0.1, "Z") @ R.axis_mat(0.2, "Y") @ R.axis_mat(0.3, "X")
    np.testing.assert_allclose(R.euler_to_mat(angles, "ZYX"), expected)


def test_slerp_halfway_is_half_angle():
    q0 = R.aa_to_quat(np.zeros(3))
    q1 = R.aa_to_quat(np.array([0.0, 1.2, 0.0]))
    np.testing.assert_allclose(R.quat_to_aa(R.quat_slerp(q0, q1, 0.5)), [0.0, 0.6, 0.0], atol=1e-9)
    np.testing.assert_allclose(R.quat_slerp(q0, q1, 1.0), q1, atol=1e-9)


def test_quat_mul_composes_like_matrices():
    a, b = np.array([0.3, -0.2, 0.5]), np.array([-1.0, 0.4, 0.2])
    composed = R.quat_to_mat(R.quat_mul(R.aa_to_quat(a), R.aa_to_quat(b)))
    np.testing.assert_allclose(composed, R.aa_to_mat(a) @ R.aa_to_mat(b), atol=1e-9)


def test_torch_matches_numpy_and_keeps_dtype():
    rng = np.random.default_rng(0)
    aa = rng.normal(size=(4, 7, 3))
    t = torch.tensor(aa)
    for fn in (R.aa_to_mat, R.aa_to_quat, R.aa_to_sixd):
        out = fn(t)
        assert isinstance(out, torch.Tensor) and out.dtype == torch.float64
        np.testing.assert_allclose(out.numpy(), fn(aa), atol=1e-10)
    mat = R.aa_to_mat(aa)
    np.testing.assert_allclose(R.mat_to_aa(torch.tensor(mat)).numpy(), R.mat_to_aa(mat), atol=1e-8)
    np.testing.assert_allclose(R.sixd_to_mat(torch.tensor(R.mat_to_sixd(mat))).numpy(), mat, atol=1e-10)
    np.testing.assert_allclose(R.mat_to_euler(torch.tensor(mat), "ZYX").numpy(), R.mat_to_euler(mat, "ZYX"))


def test_batched_equals_one_at_a_time():
    rng = np.random.default_rng(1)
    aa = rng.normal(size=(6, 3))
    batched = R.mat_to_quat(R.aa_to_mat(aa))
    single = np.stack([R.mat_to_quat(R.aa_to_mat(x)) for x in aa])
    np.testing.assert_allclose(batched, single)


def test_torch_gradients_are_finite_at_zero():
    aa = torch.zeros(3, 3, dtype=torch.float64, requires_grad=True)
    R.aa_to_mat(aa).sum().backward()
    assert torch.isfinite(aa.grad).all()
