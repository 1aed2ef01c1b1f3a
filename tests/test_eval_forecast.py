"""Forecast metrics on predictions whose errors are known by construction."""

from __future__ import annotations

import numpy as np
import pytest

from interx.errors import UsageError
from interx.eval.forecast import (
    forecast_metrics,
    horizon_indices,
    mpjpe_per_frame,
    rigid_align,
    rigid_aligned_per_frame,
    root_aligned_per_frame,
    root_distance_error_per_frame,
)


def _motion(rng, b=3, t=60, j=22):
    return rng.normal(size=(b, t, 2, j, 3)).astype(np.float32)


def test_constant_offset_gives_its_length_and_zero_aligned_errors():
    target = _motion(np.random.default_rng(0))
    pred = target + np.array([0.06, 0.0, 0.08], np.float32)          # 10 cm everywhere
    np.testing.assert_allclose(mpjpe_per_frame(pred, target), 0.1, atol=1e-6)
    np.testing.assert_allclose(root_aligned_per_frame(pred, target), 0.0, atol=1e-6)
    np.testing.assert_allclose(rigid_aligned_per_frame(pred, target), 0.0, atol=1e-5)
    np.testing.assert_allclose(root_distance_error_per_frame(pred, target), 0.0, atol=1e-6)
    m = forecast_metrics(pred, target, fps=30)
    assert m["ade"] == pytest.approx(0.1, abs=1e-6) and m["fde"] == pytest.approx(0.1, abs=1e-6)
    assert m["mpjpe@0.5s"] == pytest.approx(0.1, abs=1e-6)
    assert m["root_aligned_mean"] == pytest.approx(0.0, abs=1e-6)


def test_rotated_copy_is_rigid_aligned_but_not_root_aligned():
    rng = np.random.default_rng(1)
    target = _motion(rng)
    rot, _ = np.linalg.qr(rng.normal(size=(3, 3)))                   # random orthogonal matrix
    rot *= np.sign(np.linalg.det(rot))                               # proper rotation (det +1)
    pred = target @ rot.T + np.array([1.0, 0.0, -2.0])               # rigid motion of every person
    np.testing.assert_allclose(rigid_aligned_per_frame(pred, target), 0.0, atol=1e-6)
    assert root_aligned_per_frame(pred, target).min() > 0.1
    np.testing.assert_allclose(rigid_align(pred, target), target, atol=1e-5)


def test_rigid_align_never_reflects():
    rng = np.random.default_rng(2)
    target = rng.normal(size=(10, 3))
    mirrored = target * np.array([-1.0, 1.0, 1.0])                   # a reflection is not a rotation
    aligned = rigid_align(mirrored, target)
    # Distances between points survive (rigid), and the mirror image cannot be matched exactly.
    d = lambda x: np.linalg.norm(x[:, None] - x[None], axis=-1)       # noqa: E731
    np.testing.assert_allclose(d(aligned), d(mirrored), atol=1e-9)
    assert np.linalg.norm(aligned - target) > 1e-3


def test_per_frame_error_growth_and_horizons():
    # Error that grows 1 cm per frame on one joint of 10: MPJPE at frame i is 0.001 * (i + 1).
    t = 60
    target = np.zeros((1, t, 2, 10, 3))
    pred = target.copy()
    pred[:, :, :, 3, 0] = 0.01 * np.arange(1, t + 1)[None, :, None]
    curve = mpjpe_per_frame(pred, target)
    np.testing.assert_allclose(curve, 0.001 * np.arange(1, t + 1), atol=1e-12)
    np.testing.assert_array_equal(horizon_indices((0.5, 1.0, 1.5, 2.0), 30, t), [14, 29, 44, 59])
    m = forecast_metrics(pred, target, fps=30)
    assert m["mpjpe@0.5s"] == pytest.approx(0.015)
    assert m["mpjpe@2s"] == pytest.approx(0.060)
    assert m["ade"] == pytest.approx(0.001 * (t + 1) / 2)
    assert m["fde"] == pytest.approx(0.060)
    with pytest.raises(UsageError):
        horizon_indices((2.5,), 30, t)


def test_root_distance_error_known_value():
    target = np.zeros((2, 5, 2, 4, 3))
    target[:, :, 1, :, 0] = 1.0                                      # people 1 m apart
    pred = target.copy()
    pred[:, :, 1, :, 0] = 1.3                                        # predicted 1.3 m apart
    np.testing.assert_allclose(root_distance_error_per_frame(pred, target), 0.3)
    # Both people shifted together: the distance between them is unchanged.
    np.testing.assert_allclose(root_distance_error_per_frame(target + 5.0, target), 0.0)


def test_metrics_are_invariant_to_window_order_and_reject_bad_shapes():
    rng = np.random.default_rng(3)
    target = _motion(rng, b=4)
    pred = target + 0.1 * rng.normal(size=target.shape)
    perm = rng.permutation(4)
    a, b = forecast_metrics(pred, target, 30), forecast_metrics(pred[perm], target[perm], 30)
    assert a == pytest.approx(b)
    with pytest.raises(UsageError):
        mpjpe_per_frame(pred[:, :, :1], target[:, :, :1])
