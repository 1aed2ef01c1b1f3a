"""What every forecaster is: an nn.Module with `predict(history) -> future` and its loss beside it.

Glossary: B windows, P = 2 persons, J joints, meters in the window frame of
`interx.datasets.forecast` (P1's root at the origin facing +z at the last
observed frame), 30 fps.

- `forward(history)`: history (B, observe, 2, J, 3) -> future (B, predict, 2, J, 3).
- `predict(history)`: the same without gradients, in evaluation mode.
- `fit_normalisation(history)`: input statistics from training windows, set
  once before training (a no-op for models without normalised inputs).
- `training_step(batch, generator)` / `validation_step`: the loss of
  `interx.models.forecasting.losses` on a batch {"history", "future"} (what
  `interx.train.fit` calls).
"""

from __future__ import annotations

import torch
from torch import nn

from interx.datasets.forecast import ForecastProtocol
from interx.datasets.pairs import subset_parents
from interx.models.forecasting.losses import ForecastLossConfig, forecast_loss


class Forecaster(nn.Module):
    """Base of every forecaster (learned or baseline).

    Args:
        protocol: window sizes and joint set.
        loss: loss weights (used by training_step / validation_step).
    """

    def __init__(self, protocol: ForecastProtocol, loss: ForecastLossConfig = ForecastLossConfig()):
        super().__init__()
        self.protocol, self.loss_config = protocol, loss
        self.register_buffer("parents", torch.from_numpy(subset_parents(protocol.joint_indices)), persistent=False)

    def check_history(self, history: torch.Tensor) -> None:
        p = self.protocol
        expected = (p.observe, 2, p.num_joints, 3)
        if history.ndim != 5 or tuple(history.shape[1:]) != expected:
            raise ValueError(f"history must be (B, {', '.join(map(str, expected))}), got {tuple(history.shape)}")

    def fit_normalisation(self, history: torch.Tensor) -> None:
        """Learn input statistics from observed training windows (B, observe, 2, J, 3); models whose inputs
        are normalised override this (the statistics are buffers, saved with the weights)."""

    def predict(self, history: torch.Tensor) -> torch.Tensor:
        """(B, observe, 2, J, 3) -> (B, predict, 2, J, 3), no gradients, evaluation mode (restored after)."""
        was_training = self.training
        self.eval()
        try:
            with torch.no_grad():
                return self(history)
        finally:
            self.train(was_training)

    def _loss(self, batch: dict) -> dict[str, torch.Tensor]:
        pred = self(batch["history"])
        return forecast_loss(pred, batch["future"], batch["history"][:, -1], self.parents, self.loss_config)

    def training_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._loss(batch)

    def validation_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._loss(batch)
