"""The noise schedule: plain math, no network (diffusers' scheduler, without the copies).

Notation (DDPM, Ho et al. 2020; DDIM, Song et al. 2021):

| name here | paper | meaning |
| --- | --- | --- |
| `betas[t]` | beta_t | noise added at step t |
| `alphas_cumprod[t]` | alpha-bar_t | prod_{s<=t} (1 - beta_s): signal power left at step t |
| `x0` | x_0 | clean sample |
| `xt` | x_t | sqrt(alpha-bar_t) x_0 + sqrt(1 - alpha-bar_t) eps (eq. 4 of DDPM) |

Steps are numbered 0 .. T-1 (T = 1000 by default); step 0 is the least noisy.
The cosine schedule is Nichol & Dhariwal's (2021, eq. 17):
alpha-bar(t) = f(t) / f(0), f(t) = cos^2(((t / T) + s) / (1 + s) * pi / 2), s = 0.008,
with beta_t = min(1 - alpha-bar(t + 1) / alpha-bar(t), 0.999) and alpha-bar_t the
running product of (1 - beta). The schedule is computed in float64 and handed
out as float32 tensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from interx.errors import UsageError

Spacing = Literal["trailing", "leading", "linspace"]


def cosine_betas(num_steps: int, s: float = 0.008, max_beta: float = 0.999) -> np.ndarray:
    """(num_steps,) float64 betas of the cosine schedule (module doc)."""
    def f(t):
        return math.cos((t / num_steps + s) / (1 + s) * math.pi / 2) ** 2

    return np.array([min(1.0 - f(t + 1) / f(t), max_beta) for t in range(num_steps)], dtype=np.float64)


@dataclass(frozen=True)
class DDIMOutput:
    """One DDIM step's result: the less noisy sample and the x0 it was built from."""

    prev_sample: torch.Tensor
    pred_x0: torch.Tensor


class NoiseSchedule:
    """The cosine noise schedule and its three verbs: `timesteps`, `add_noise`, `ddim_step`.

    Args:
        num_steps: T, the number of diffusion steps of training (1000).
    """

    def __init__(self, num_steps: int = 1000):
        if num_steps < 2:
            raise UsageError(f"a noise schedule needs at least 2 steps, not {num_steps}")
        self.num_steps = num_steps
        self.betas = cosine_betas(num_steps)
        self.alphas_cumprod = np.cumprod(1.0 - self.betas)
        self._ab = np.concatenate([[1.0], self.alphas_cumprod])  # index t + 1; step -1 is clean

    def alpha_bar(self, t: torch.Tensor) -> torch.Tensor:
        """alpha-bar at integer steps `t` (any shape); step -1 (before step 0) is 1 (clean)."""
        table = torch.as_tensor(self._ab, dtype=torch.float64, device=t.device)
        return table[t.long() + 1].float()

    def timesteps(self, num_inference_steps: int, spacing: Spacing = "trailing") -> torch.Tensor:
        """The steps a sampler visits, most noisy first, (n,) int64.

        'trailing': round(T - k T / n) - 1 for k = 0 .. n-1 (starts at T - 1, pure noise);
        'leading': k (T // n) for k = n-1 .. 0 (DDIM's original, InterGen's);
        'linspace': round(linspace(0, T - 1, n)) reversed.
        """
        t, n = self.num_steps, num_inference_steps
        if not 1 <= n <= t:
            raise UsageError(f"sampling steps must be between 1 and {t}, not {n}")
        if spacing == "trailing":
            steps = np.round(np.arange(t, 0, -t / n)).astype(np.int64) - 1
        elif spacing == "leading":
            steps = (np.arange(n) * (t // n))[::-1]
        elif spacing == "linspace":
            steps = np.round(np.linspace(0, t - 1, n)).astype(np.int64)[::-1]
        else:
            raise UsageError(f"timestep spacing must be trailing, leading or linspace, not {spacing!r}")
        return torch.as_tensor(steps.copy(), dtype=torch.int64)

    def add_noise(self, x0: torch.Tensor, noise: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        """x_t = sqrt(alpha-bar_t) x0 + sqrt(1 - alpha-bar_t) noise (DDPM eq. 4); t (B,) for x0 (B, ...)."""
        ab = self.alpha_bar(t).to(x0.dtype).reshape(-1, *([1] * (x0.dim() - 1)))
        return ab.sqrt() * x0 + (1.0 - ab).sqrt() * noise

    def ddim_step(self, pred_x0: torch.Tensor, t: int, t_prev: int, xt: torch.Tensor, eta: float = 0.0,
                  generator: torch.Generator | None = None) -> DDIMOutput:
        """One DDIM update from step t to step t_prev < t (t_prev = -1: to the clean sample).

        Stages (DDIM eq. 12, with sigma from eq. 16):
        1. eps = (x_t - sqrt(ab_t) x0) / sqrt(1 - ab_t)                 the noise implied by x0
        2. sigma = eta sqrt((1 - ab_prev) / (1 - ab_t)) sqrt(1 - ab_t / ab_prev)
        3. x_prev = sqrt(ab_prev) x0 + sqrt(1 - ab_prev - sigma^2) eps + sigma z,  z ~ N(0, I)
        eta = 0 is deterministic DDIM, eta = 1 DDPM-like ancestral sampling.
        """
        if not -1 <= t_prev < t < self.num_steps:
            raise UsageError(f"a DDIM step goes from a step t to an earlier t_prev >= -1, not {t} -> {t_prev}")
        ab_t, ab_prev = float(self._ab[t + 1]), float(self._ab[t_prev + 1])
        eps = (xt - math.sqrt(ab_t) * pred_x0) / math.sqrt(1.0 - ab_t)                      # 1.
        sigma = eta * math.sqrt((1.0 - ab_prev) / (1.0 - ab_t)) * math.sqrt(1.0 - ab_t / ab_prev)  # 2.
        prev = math.sqrt(ab_prev) * pred_x0 + math.sqrt(max(1.0 - ab_prev - sigma ** 2, 0.0)) * eps  # 3.
        if sigma > 0:
            prev = prev + sigma * torch.randn(xt.shape, generator=generator, device=xt.device, dtype=xt.dtype)
        return DDIMOutput(prev, pred_x0)
