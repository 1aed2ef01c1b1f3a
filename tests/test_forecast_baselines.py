"""The two baselines on motion whose answer is known."""

import numpy as np
import torch

from interx.datasets.forecast import ForecastProtocol
from interx.eval.forecast import forecast_metrics
from interx.models.forecasting.run import baseline, forecast

P = ForecastProtocol()


def _linear_motion(seed: int = 0, frames: int = 90) -> tuple[np.ndarray, np.ndarray]:
    """x_t = x_0 + t v per joint: (B, frames, 2, 22, 3) and the velocities (B, 1, 2, 22, 3)."""
    rng = np.random.default_rng(seed)
    start = rng.normal(0.0, 1.0, (3, 1, 2, 22, 3))
    velocity = rng.normal(0.0, 0.02, (3, 1, 2, 22, 3))
    t = np.arange(frames, dtype=np.float64)[None, :, None, None, None]
    return (start + t * velocity).astype(np.float32), velocity


def test_constant_velocity_continues_a_constant_velocity_trajectory_exactly():
    motion, _ = _linear_motion()
    pred = forecast(baseline("constant_velocity", P), motion[:, :30])
    np.testing.assert_allclose(pred, motion[:, 30:], atol=2e-5)
    metrics = forecast_metrics(pred, motion[:, 30:], fps=30.0)
    assert metrics["ade"] < 3e-5 and metrics["mpjpe@2s"] < 3e-5


def test_zero_velocity_repeats_the_last_pose():
    motion, velocity = _linear_motion(1)
    pred = forecast(baseline("zero_velocity", P), motion[:, :30])
    np.testing.assert_array_equal(pred, np.repeat(motion[:, 29:30], 60, axis=1))
    # on linear motion its error at future frame k is k |v| (mean over windows, people, joints)
    metrics = forecast_metrics(pred, motion[:, 30:], fps=30.0)
    speed = np.linalg.norm(velocity, axis=-1).mean()
    np.testing.assert_allclose(metrics["mpjpe@1s"], 30 * speed, rtol=1e-4)
    np.testing.assert_allclose(metrics["fde"], 60 * speed, rtol=1e-4)


def test_baselines_are_exact_on_a_still_pose():
    still = np.repeat(np.random.default_rng(2).normal(size=(2, 1, 2, 22, 3)), 30, axis=1).astype(np.float32)
    for name in ("zero_velocity", "constant_velocity"):
        pred = baseline(name, P).predict(torch.from_numpy(still))
        assert pred.shape == (2, 60, 2, 22, 3)
        np.testing.assert_array_equal(pred.numpy(), np.repeat(still[:, -1:], 60, axis=1))
