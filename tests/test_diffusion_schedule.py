"""The noise schedule and DDIM, with known values and dummy denoisers."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from interx.errors import UsageError
from interx.models.diffusion.schedule import NoiseSchedule, cosine_betas


def _f(t, total=1000, s=0.008):
    return math.cos((t / total + s) / (1 + s) * math.pi / 2) ** 2


@pytest.mark.parametrize("spacing, expected", [
    ("trailing", [999, 899, 799, 699, 599, 499, 399, 299, 199, 99]),
    ("leading", [900, 800, 700, 600, 500, 400, 300, 200, 100, 0]),
    ("linspace", [999, 888, 777, 666, 555, 444, 333, 222, 111, 0]),
])
def test_timesteps_for_ten_steps(spacing, expected):
    assert NoiseSchedule(1000).timesteps(10, spacing).tolist() == expected


def test_fifty_trailing_steps_start_at_pure_noise_and_end_near_clean():
    steps = NoiseSchedule(1000).timesteps(50).tolist()
    assert (len(steps), steps[0], steps[1], steps[-1]) == (50, 999, 979, 19)


def test_alphas_cumprod_at_named_steps_follow_the_cosine_formula():
    schedule = NoiseSchedule(1000)
    # telescoping product: alpha-bar_t = f(t + 1) / f(0) while no beta is clipped
    for t in (0, 1, 250, 499, 750, 990):
        assert schedule.alphas_cumprod[t] == pytest.approx(_f(t + 1) / _f(0), rel=1e-9)
    assert schedule.alphas_cumprod[499] == pytest.approx(0.49384, abs=1e-5)  # halfway: about half the signal
    assert cosine_betas(1000)[-1] == 0.999                      # f(1000) = 0: clipped
    assert schedule.alphas_cumprod[999] == pytest.approx(schedule.alphas_cumprod[998] * 0.001)


def test_alpha_bar_lookup_and_add_noise():
    schedule = NoiseSchedule(1000)
    t = torch.tensor([-1, 0, 499])
    assert torch.allclose(schedule.alpha_bar(t), torch.tensor([1.0, _f(1) / _f(0), _f(500) / _f(0)]))
    x0, noise = torch.full((3, 2), 2.0), torch.full((3, 2), -1.0)
    xt = schedule.add_noise(x0, noise, t)
    ab = schedule.alpha_bar(t)[:, None]
    assert torch.allclose(xt, ab.sqrt() * 2.0 - (1 - ab).sqrt())


@pytest.mark.parametrize("eta", [0.0, 0.5, 1.0])
@pytest.mark.parametrize("spacing", ["trailing", "leading", "linspace"])
def test_ddim_with_a_perfect_x0_predictor_returns_x0(eta, spacing):
    schedule = NoiseSchedule(1000)
    gen = torch.Generator().manual_seed(0)
    x0 = torch.randn(4, 5, generator=gen)
    xt = torch.randn(4, 5, generator=gen)
    steps = schedule.timesteps(20, spacing).tolist()
    for i, t in enumerate(steps):
        xt = schedule.ddim_step(x0, t, steps[i + 1] if i + 1 < len(steps) else -1, xt, eta, gen).prev_sample
    assert torch.allclose(xt, x0, atol=1e-5)


def test_ddim_step_matches_the_equations_written_out():
    schedule = NoiseSchedule(1000)
    x0, xt = torch.tensor([0.3, -1.2]), torch.tensor([1.5, 0.25])
    ab_t, ab_p = schedule.alphas_cumprod[600], schedule.alphas_cumprod[400]
    eps = (xt.double() - np.sqrt(ab_t) * x0.double()) / np.sqrt(1 - ab_t)
    expected = np.sqrt(ab_p) * x0.double() + np.sqrt(1 - ab_p) * eps
    out = schedule.ddim_step(x0, 600, 400, xt)
    assert torch.allclose(out.prev_sample.double(), expected, atol=1e-6)
    assert torch.equal(out.pred_x0, x0)


def test_ten_step_loop_of_a_shrinking_denoiser_has_a_known_sum():
    # denoiser x0 = 0.5 x_t; the same loop in float64 numpy is the reference
    schedule = NoiseSchedule(1000)
    x = torch.ones(3, dtype=torch.float64)
    ref = np.ones(3)
    steps = schedule.timesteps(10).tolist()
    for i, t in enumerate(steps):
        t_prev = steps[i + 1] if i + 1 < len(steps) else -1
        x = schedule.ddim_step(0.5 * x, t, t_prev, x).prev_sample
        ab_t, ab_p = schedule.alphas_cumprod[t], (schedule.alphas_cumprod[t_prev] if t_prev >= 0 else 1.0)
        eps = (ref - np.sqrt(ab_t) * 0.5 * ref) / np.sqrt(1 - ab_t)
        ref = np.sqrt(ab_p) * 0.5 * ref + np.sqrt(1 - ab_p) * eps
    assert float(x.sum()) == pytest.approx(float(ref.sum()), rel=1e-12)


def test_bad_requests_are_usage_errors():
    schedule = NoiseSchedule(1000)
    with pytest.raises(UsageError):
        schedule.timesteps(0)
    with pytest.raises(UsageError):
        schedule.timesteps(10, "random")
    with pytest.raises(UsageError):
        schedule.ddim_step(torch.zeros(1), 10, 20, torch.zeros(1))
