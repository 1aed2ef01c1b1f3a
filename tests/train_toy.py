"""A toy trainable model and dataset for the training machinery's tests (also run as a script under torchrun)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch
from torch import nn


class Regression(nn.Module):
    """y = w . x + b, squared error; noisy targets when `noise` > 0 (uses the step's generator)."""

    def __init__(self, noise: float = 0.0):
        super().__init__()
        self.linear = nn.Linear(3, 1)
        self.noise = noise

    def training_step(self, batch, generator):
        x, y = batch
        if self.noise:
            y = y + self.noise * torch.randn(y.shape, generator=generator, device=y.device)
        return {"loss": ((self.linear(x)[:, 0] - y) ** 2).mean()}

    def validation_step(self, batch, generator):
        return self.training_step(batch, generator)


class Points:
    """Items (x (3,), y) with y = x . (1, 2, 3); `draw` flips the sign of both with probability 1/2."""

    def __init__(self, count: int = 40, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.x = rng.normal(size=(count, 3)).astype(np.float32)
        self.y = (self.x @ np.array([1.0, 2.0, 3.0])).astype(np.float32)
        self.labels = (np.arange(count) % 4 == 0).astype(np.int64)

    def __len__(self):
        return len(self.x)

    def __getitem__(self, i):
        return self.x[i], self.y[i]

    def draw(self, i, rng):
        sign = np.float32(-1.0 if rng.random() < 0.5 else 1.0)
        return sign * self.x[i], sign * self.y[i]


def collate(items):
    return (torch.from_numpy(np.stack([x for x, _ in items])), torch.from_numpy(np.array([y for _, y in items])))


def train_plain(run: Path, batch: int, steps: int):
    """Train the noiseless regression without EMA or clipping (what the DDP test compares)."""
    from interx.train.loop import TrainConfig, fit

    config = TrainConfig(max_steps=steps, batch_size=batch, lr=0.05, warmup_steps=0, checkpoint_every=steps,
                         val_every=steps, log_every=1, ema_decay=0.0, grad_clip=0.0)
    return fit(Regression, Points(), collate, config, run, val_set=Points(8, 1))


if __name__ == "__main__":  # torchrun ... train_toy.py RUN BATCH STEPS: train and dump the weights per rank
    run = Path(sys.argv[1])
    result = train_plain(run, int(sys.argv[2]), int(sys.argv[3]))
    import torch.distributed as dist

    rank = dist.get_rank() if dist.is_available() and dist.is_initialized() else 0
    from interx.train.checkpoint import latest_checkpoint

    weights = latest_checkpoint(run).group("model")
    (run / f"rank{rank}.json").write_text(json.dumps({"step": result.step, "val_loss": result.metrics["val_loss"],
                                                      "weight": weights["linear.weight"].tolist()}))
