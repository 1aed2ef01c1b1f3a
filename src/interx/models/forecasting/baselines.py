"""The two baselines every forecast table shows: zero velocity and constant velocity.

Both are exact rules with no parameters (shapes as in `interx.models.forecasting.base`).
"""

from __future__ import annotations

import torch

from interx.models.forecasting.base import Forecaster


class ZeroVelocity(Forecaster):
    """Repeat the last observed pose for every future frame."""

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        self.check_history(history)
        last = history[:, -1:]                                            # (B, 1, 2, J, 3)
        return last.expand(-1, self.protocol.predict, -1, -1, -1).clone()


class ConstantVelocity(Forecaster):
    """Continue each joint with its last observed per-frame displacement: x_{t+k} = x_t + k (x_t - x_{t-1})."""

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        self.check_history(history)
        last, step = history[:, -1:], history[:, -1:] - history[:, -2:-1]  # (B, 1, 2, J, 3)
        k = torch.arange(1, self.protocol.predict + 1, dtype=history.dtype, device=history.device)
        return last + k[None, :, None, None, None] * step
