"""Forecasting losses: MPJPE plus velocity, with optional bone-length and inter-person distance terms.

Glossary: B windows, T predicted frames, P = 2 persons, J joints, meters in the
window frame. Every term is a mean Euclidean (or absolute) error in meters.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class ForecastLossConfig:
    """Weights of the loss terms (MPJPE always has weight 1)."""

    velocity: float = 1.0
    """Error of frame-to-frame displacements (the first one from the last observed pose)."""
    bone_length: float = 0.0
    """Error of each bone's length against the truth's."""
    distance: float = 0.0
    """Error of the distances between every joint of P1 and every joint of P2."""


def mpjpe(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean per-joint position error of (..., J, 3) positions (scalar, meters)."""
    return torch.linalg.vector_norm(pred - target, dim=-1).mean()


def forecast_loss(pred: torch.Tensor, target: torch.Tensor, last: torch.Tensor, parents: torch.Tensor,
                  config: ForecastLossConfig) -> dict[str, torch.Tensor]:
    """The training loss of a forecast and its named terms.

    Args:
        pred, target: (B, T, 2, J, 3) predicted and true future joints.
        last: (B, 2, J, 3) the last observed pose (start of the velocity term).
        parents: (J,) int64 parent of each joint within the J (-1 for the root).
        config: term weights.

    Returns:
        {"loss": weighted sum, "mpjpe": ..., and every term with a non-zero weight}.
    """
    terms = {"mpjpe": mpjpe(pred, target)}
    if config.velocity:
        def steps(x):
            return torch.diff(torch.cat([last[:, None], x], dim=1), dim=1)
        terms["velocity"] = mpjpe(steps(pred), steps(target))
    if config.bone_length:
        child = torch.nonzero(parents >= 0).flatten()
        def bones(x):
            return torch.linalg.vector_norm(x[..., child, :] - x[..., parents[child], :], dim=-1)
        terms["bone_length"] = (bones(pred) - bones(target)).abs().mean()
    if config.distance:
        def gaps(x):
            return torch.cdist(x[:, :, 0], x[:, :, 1])                   # (B, T, J, J)
        terms["distance"] = (gaps(pred) - gaps(target)).abs().mean()
    weights = {"mpjpe": 1.0, "velocity": config.velocity, "bone_length": config.bone_length,
               "distance": config.distance}
    terms["loss"] = sum(weights[name] * value for name, value in terms.items())
    return terms
