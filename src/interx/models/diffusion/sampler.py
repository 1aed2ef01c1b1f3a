"""The sampler: composes a denoiser and the noise schedule, and owns classifier-free guidance.

`sample(denoise, schedule, shape, ...)` draws the first noise from the caller's
generator, visits the schedule's timesteps (`NoiseSchedule.timesteps`), asks the
denoiser for x0 at each, combines the guided predictions and takes a DDIM step.

The denoiser is any callable `denoise(xt, t, drop) -> x0` with xt (N, ...),
t (N,) int64 and `drop` a dict {condition name: (N,) bool}, True where that
condition must be left out. For a batch of B, the sampler calls it once on a
batch of k B (k = 1 + number of guided conditions; the callable repeats its own
conditions k times to match).

Guidance with a scale per condition (composable classifier-free guidance,
Ho & Salimans 2022; Liu et al. 2022):

    x0 = x0_u + sum_c s_c (x0_c - x0_u)

where x0_u leaves out every guided condition and x0_c keeps condition c alone
among them; conditions not named in `guidance` are always given. With one
guided condition, s = 1 gives the conditional prediction and s = 0 the
unconditional one. `known` (values, mask) pins parts of x0 (e.g. a given
partner's motion) after guidance, at every step.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import torch

from interx.models.diffusion.schedule import NoiseSchedule, Spacing

Denoise = Callable[[torch.Tensor, torch.Tensor, dict], torch.Tensor]


def guided_x0(denoise: Denoise, xt: torch.Tensor, t: torch.Tensor, guidance: Mapping[str, float]) -> torch.Tensor:
    """x0 from one batched call of the denoiser, combined by the guidance formula (module doc)."""
    batch = xt.shape[0]
    names = list(guidance)
    if not names:
        return denoise(xt, t, {})
    k = 1 + len(names)
    # pass 0 drops every guided condition; pass i + 1 keeps names[i] only
    drop = {}
    for i, name in enumerate(names):
        keep = torch.zeros(k, batch, dtype=torch.bool, device=xt.device)
        keep[i + 1] = True
        drop[name] = (~keep).reshape(k * batch)
    out = denoise(xt.repeat(k, *([1] * (xt.dim() - 1))), t.repeat(k), drop)
    out = out.reshape(k, batch, *xt.shape[1:])
    uncond = out[0]
    x0 = uncond.clone()
    for i, name in enumerate(names):
        x0 = x0 + float(guidance[name]) * (out[i + 1] - uncond)
    return x0


def sample(denoise: Denoise, schedule: NoiseSchedule, shape: tuple[int, ...], *, generator: torch.Generator,
           guidance: Mapping[str, float] | None = None, steps: int = 50, eta: float = 0.0,
           spacing: Spacing = "trailing", known: tuple[torch.Tensor, torch.Tensor] | None = None,
           noise: torch.Tensor | None = None) -> torch.Tensor:
    """Draw samples of `shape` (batch first) by DDIM with guidance.

    Args:
        denoise: the x0 predictor (module doc).
        schedule: the noise schedule it was trained with.
        shape: (B, ...) of the samples.
        generator: the source of all randomness (its device is where sampling runs).
        guidance: {condition name: scale}; empty or None means no guidance (one pass).
        steps: number of denoising steps (DDIM).
        eta: 0 deterministic DDIM; > 0 adds fresh noise each step.
        spacing: how the steps are spread over the schedule.
        known: optional (values, mask) broadcastable to `shape`: where mask is
            True, x0 is replaced by values at every step (and in the result).
        noise: optional starting noise of `shape` (default: drawn from `generator`).

    Returns:
        (B, ...) samples in the denoiser's (normalised) space.
    """
    guidance = dict(guidance or {})
    device = generator.device
    xt = torch.randn(shape, generator=generator, device=device) if noise is None else noise
    timesteps = schedule.timesteps(steps, spacing).tolist()
    x0 = xt
    for i, t in enumerate(timesteps):
        t_prev = timesteps[i + 1] if i + 1 < len(timesteps) else -1
        t_batch = torch.full((shape[0],), t, dtype=torch.int64, device=device)
        with torch.no_grad():
            x0 = guided_x0(denoise, xt, t_batch, guidance)
        if known is not None:
            x0 = torch.where(known[1], known[0], x0)
        xt = schedule.ddim_step(x0, t, t_prev, xt, eta=eta, generator=generator).prev_sample
    return xt if known is None else torch.where(known[1], known[0], xt)
