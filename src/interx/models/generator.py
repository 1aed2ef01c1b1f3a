"""The interaction generator: denoiser + noise schedule + losses, trainable by `interx.train.fit`.

One model serves text-to-interaction, action-to-interaction and reaction
generation (conditions in any combination, each dropped with `cond_drop` in
training for classifier-free guidance). Diffusion: cosine schedule over
`diffusion_steps`, the denoiser predicts x0, DDPM training, DDIM sampling.

Configs: `GeneratorConfig` (model, losses, data, training loop), presets by
name in `PRESETS` stating only their differences from the defaults:

| preset | width | layers | heads | frames per token | text tokens | parameters | batch | steps | meant for |
| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |
| tiny | 192 | 4 | 4 | 4 | 16 | 4.3 M | 16 | 3000 | CPU demo, trains in minutes (on 5 s windows) |
| small | 256 | 4 | 4 | 1 | 32 | 6.3 M | 32 | 100 k | the defaults: CPU hours or a small GPU |
| paper | 1024 | 8 | 8 | 1 | 32 | 182 M | 32 | 300 k | InterGen's size (182 M), a GPU job |

`tiny` spends a CPU's budget where it counts. Four frames per token make a
192-wide, 4-layer model cost what a 64-wide, 2-layer per-frame one did (0.33 M
parameters), and half its training steps are drawn from the noisiest 40 % of
the schedule (`high_noise_share`), where a sample's coarse structure (who
walks where, what the interaction is) is decided from the text alone. Top-3
R-precision of samples after 1,500 steps (96 short test captions, the
project's evaluator, ground truth 0.99): 0.12 for the per-frame 64-wide model,
0.24 with patches at width 128, 0.28 adding the high-noise share, 0.30 at
width 192 without it; the preset takes both. Guidance stays at InterGen's
3.5: on one `tiny` trained 4,000 steps, 96 test captions (caption 0, one
seed) scored top-3 0.53, 0.55, 0.60 and 0.46 at 2, 3.5, 5 and 7.5, but the
quick protocol on another such model (its own 96 captions, 5 replications)
gave 0.513 at 3.5 and 0.473 at 5, and jerk 337 against 445 m/s^3: a 96-caption
difference of 0.05 is noise. With the role vectors and the length condition
(below), the quick protocol (3 replications) on one model gave 0.52, 0.60, 0.62
and 0.55 at 2, 3.5, 5 and 7.5: 3.5 and 5 are level.

`tiny` also turns on the denoiser's role vectors and length condition
(`DenoiserConfig.roles`, `length_condition`). Trained actor first, the two
streams share weights and only the text says which of them acts; a learned
vector per stream lets the model tell them apart from the first step. On the
quality benchmark's data and budget (4,000 steps) they took top-3 from 0.515 to
0.602 and the bodies that keep their feet on the floor without the sampler's
lift from 72 % to 81 %, for 0.07 M more parameters.

`tiny` also turns on three more things: the decoded-joints loss (`LossConfig.joints`
10), a two-layer MLP from the sentence embedding into the condition vector
(`DenoiserConfig.text_mlp`) and each text item's first window
(`GeneratorDataConfig.first_window_prob` 1: the protocol compares a sample with
its sequence's first 5 s). Together, on the quality benchmark (4,000 steps, 5
replications): top-3 0.602 -> 0.617, FID 0.525 -> 0.382, the two people in
contact on 19 % of frames (the data: 17 %; before: 40 %) and overlapping on 16 %
(the data: 7 %; before: 36 %), feet on the floor without the lift 81 % -> 88 %.
The joints loss is what brought the bodies together right: without it the
decoded wrists sat 30 cm from the model's own position channels. The text MLP
and first windows were chosen by a sweep of 12 runs of about 3,500 steps
(the benchmark's data and evaluator, 3 replications), whose top-3 spread over
0.50-0.65 with a run-to-run noise near 0.05: first windows 0.62 and 0.58
against 0.54 for the preset before, the MLP with first windows 0.65 (the best
of the sweep); width 256, 6 layers or 2 frames per token gave 0.59-0.62 at
1.5-2 times the cost, and 6 layers on top of the three changes gave 0.613 on
the benchmark, so `tiny` stays at 4.

Last, `tiny` trains an action classifier on the text's share of the condition
vector (`LossConfig.text_class` 1). Without it the vectors of different
classes' one-line captions came out nearly parallel, and samples of one class
took another's arm with the same placement (a punch or a slap came out as a pat
on the cheek). With it (4,000 steps, the benchmark's data and evaluator, 3
replications) top-3 went from 0.617 to 0.726 (on the benchmark, 5 replications: 0.717, FID 0.375); training
the same preset without mirroring gave 0.597 (mirroring stays on).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from interx.datasets.interaction import GeneratorDataConfig
from interx.errors import UsageError
from interx.features.model_repr import STD_FLOOR, ModelRepresentation
from interx.models.diffusion.denoiser import Conditions, DenoiserConfig, InteractionDenoiser
from interx.models.diffusion.sampler import sample
from interx.models.diffusion.schedule import NoiseSchedule
from interx.models.generator_loss import LossConfig, generator_losses
from interx.train.loop import TrainConfig


@dataclass(frozen=True)
class GeneratorConfig:
    """Everything that defines a generator run (stored as RUN/config.json and in every checkpoint)."""

    denoiser: DenoiserConfig = field(default_factory=DenoiserConfig)
    """Sizes of the denoiser."""
    loss: LossConfig = field(default_factory=LossConfig)
    """Loss weights and thresholds."""
    data: GeneratorDataConfig = field(default_factory=GeneratorDataConfig)
    """Task, window length, augmentation."""
    train: TrainConfig = field(default_factory=TrainConfig)
    """The training loop."""
    hands: bool = True
    """Model hand rotations too (52 rotation joints) or the body only (22; hands decode flat)."""
    text_encoder: str = "minilm"
    """Text encoder spec (`interx.text.encoder.load_text_encoder`): minilm, sentence:PATH or clip:PATH."""
    diffusion_steps: int = 1000
    """T of the noise schedule."""
    cond_drop: float = 0.1
    """Probability of dropping each condition in training (classifier-free guidance)."""
    high_noise_share: float = 0.0
    """Share of training items noised at a step drawn from [high_noise_from, T) (the rest: uniform over [0, T))."""
    high_noise_from: int = 600
    """Lowest step of the high-noise draws."""
    guidance: float = 3.5
    """Default guidance scale at sampling."""
    sampling_steps: int = 50
    """Default number of DDIM steps at sampling."""

    @property
    def window(self) -> int:
        """Longest sample in frames (30 fps): the training windows' length, within the denoiser's reach.

        Frame positions past the training windows were never trained, so a
        longer request is refused and long reactions go window by window.
        """
        return min(self.denoiser.max_frames, self.data.max_frames)


PRESETS: dict[str, GeneratorConfig] = {
    "tiny": GeneratorConfig(
        denoiser=DenoiserConfig(width=192, layers=4, heads=4, dropout=0.0, text_tokens=16, patch_frames=4,
                                 roles=True, length_condition=True, text_mlp=True),
        # 5 s windows (half the cost of 10 s per step on a CPU), text items on their first one
        data=GeneratorDataConfig(max_frames=150, first_window_prob=1.0),
        loss=LossConfig(joints=10.0, text_class=1.0),
        high_noise_share=0.5,
        train=TrainConfig(max_steps=3000, batch_size=16, lr=1e-3, warmup_steps=100, ema_decay=0.99,
                          checkpoint_every=500, val_every=500, log_every=20),
    ),
    "small": GeneratorConfig(),
    "paper": GeneratorConfig(
        denoiser=DenoiserConfig(width=1024, layers=8, heads=8, dropout=0.1, text_tokens=32),
        train=TrainConfig(max_steps=300_000, checkpoint_every=5000, val_every=5000),
    ),
}


def preset(name: str) -> GeneratorConfig:
    """The named preset (tiny, small, paper)."""
    if name not in PRESETS:
        raise UsageError(f"config must be one of {', '.join(PRESETS)}, not {name!r}")
    return PRESETS[name]


class InteractionGenerator(nn.Module):
    """Denoiser, schedule, normalisation and losses of one generator (see the module doc).

    Args:
        config: the run's config.
        text_dim: the text encoder's feature size.
        mean, std: (D,) normalisation statistics of the representation over the
            train split (default zeros / ones; a checkpoint restores them).
    """

    def __init__(self, config: GeneratorConfig, text_dim: int, mean: np.ndarray | None = None,
                 std: np.ndarray | None = None):
        super().__init__()
        self.config = config
        self.rep = ModelRepresentation(config.hands)
        self.schedule = NoiseSchedule(config.diffusion_steps)
        self.denoiser = InteractionDenoiser(config.denoiser, self.rep.dim, text_dim)
        self.text_classifier = nn.Linear(config.denoiser.width, config.denoiser.num_actions) \
            if config.loss.text_class else None
        d = self.rep.dim
        self.register_buffer("mean", torch.zeros(d) if mean is None else torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.ones(d) if std is None else
                             torch.as_tensor(np.maximum(std, STD_FLOOR), dtype=torch.float32))

    def normalize(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def denormalize(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.std + self.mean

    def conditions(self, batch: dict, partner: torch.Tensor | None) -> Conditions:
        """The batch's conditions (partner: (B, T, D) normalised motion of person 0, or None)."""
        return Conditions(batch=batch["mask"].shape[0], text=batch["text"], tokens=batch["tokens"],
                          token_mask=batch["token_mask"], action=batch["action"], partner=partner,
                          use_text=batch["use_text"], use_action=batch["use_action"],
                          use_partner=batch["use_partner"])

    def _losses(self, batch: dict, generator: torch.Generator, drop_prob: float) -> dict[str, torch.Tensor]:
        x0 = self.normalize(batch["motion"])                                           # (B, T, 2, D)
        b, device = x0.shape[0], x0.device
        t = torch.randint(0, self.schedule.num_steps, (b,), generator=generator, device=device)
        high = torch.randint(self.config.high_noise_from, self.schedule.num_steps, (b,), generator=generator,
                             device=device)
        t = torch.where(torch.rand(b, generator=generator, device=device) < self.config.high_noise_share, high, t)
        noise = torch.randn(x0.shape, generator=generator, device=device, dtype=x0.dtype)
        xt = self.schedule.add_noise(x0, noise, t)
        cond = self.conditions(batch, x0[:, :, 0])
        if drop_prob > 0:
            drop = torch.rand(3, b, generator=generator, device=device) < drop_prob
            cond = cond.without({"text": drop[0], "action": drop[1], "partner": drop[2]})
        pred = self.denoiser(xt, t, batch["mask"], cond)
        partner = cond.uses("partner", device)
        generated = torch.stack([~partner, torch.ones_like(partner)], dim=1)            # (B, 2)
        losses = generator_losses(pred, x0, batch["mask"], t, generated, self.mean, self.std, self.rep,
                                  self.config.loss)
        if self.text_classifier is not None:
            losses["text_class"] = self.text_class_loss(batch)
            losses["loss"] = losses["loss"] + self.config.loss.text_class * losses["text_class"]
        return losses

    def text_class_loss(self, batch: dict) -> torch.Tensor:
        """Cross-entropy of the action label read from each text item's condition vector (items with a label)."""
        labels = batch["action"]
        known = batch["use_text"] & (labels >= 0) & (labels < self.config.denoiser.num_actions)
        logits = self.text_classifier(self.denoiser.text_vectors(batch["text"]))
        ce = F.cross_entropy(logits, labels.clamp(0, self.config.denoiser.num_actions - 1), reduction="none")
        return (ce * known).sum() / known.sum().clamp(min=1)

    def training_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """Losses of one DDPM training step (noise level, noise and condition dropout from `generator`)."""
        return self._losses(batch, generator, self.config.cond_drop)

    def validation_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        """The same losses without condition dropout."""
        return self._losses(batch, generator, 0.0)

    @torch.no_grad()
    def sample(self, cond: Conditions, mask: torch.Tensor, noise: torch.Tensor, *,
               guidance: dict[str, float] | None = None, steps: int | None = None, eta: float = 0.0,
               generator: torch.Generator, known: tuple[torch.Tensor, torch.Tensor] | None = None) -> torch.Tensor:
        """Generate motion features.

        Args:
            cond: conditions of the B items (a partner as normalised (B, T, D) motion).
            mask: (B, T) bool, real frames (each item's length).
            noise: (B, T, 2, D) the starting noise (one generator per item keeps
                samples independent of how they are batched).
            guidance: {condition: scale}; conditions not named are always given.
            steps: DDIM steps (default: the config's).
            eta: DDIM eta (0: deterministic given the noise).
            generator: randomness for eta > 0.
            known: optional (values (B, T, 2, D) unnormalised, mask broadcastable
                to it) pinned at every step: a given partner is pinned automatically.

        Returns:
            (B, T, 2, D) unnormalised features (padded frames hold noise).
        """
        b = mask.shape[0]
        values = torch.zeros_like(noise)
        pinned = torch.zeros(b, noise.shape[1], 2, 1, dtype=torch.bool, device=noise.device)
        if known is not None:
            values = torch.where(known[1], self.normalize(known[0]), values)
            pinned = pinned | known[1]
        if cond.partner is not None:
            given = cond.uses("partner", noise.device)
            values[:, :, 0] = torch.where(given[:, None, None], cond.partner, values[:, :, 0])
            pinned[:, :, 0] = pinned[:, :, 0] | given[:, None, None]

        def denoise(xt, t, drop):
            k = xt.shape[0] // b
            return self.denoiser(xt, t, mask.repeat(k, 1), cond.repeat(k).without(drop))

        out = sample(denoise, self.schedule, tuple(noise.shape), generator=generator, guidance=guidance,
                     steps=steps or self.config.sampling_steps, eta=eta, noise=noise,
                     known=(values, pinned) if bool(pinned.any()) else None)
        return self.denormalize(out)
