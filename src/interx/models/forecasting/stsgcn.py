"""STS-GCN (Sofianos et al., ICCV 2021) adapted to two people: both skeletons in one graph.

The graph has V = 2J nodes (P1's J joints, then P2's). Each space-time
separable graph convolution mixes frames with a learnable per-node temporal
adjacency (V, T, T), then nodes with a learnable per-frame spatial adjacency
(T, V, V) (no fixed skeleton: a joint can draw on any joint of either person),
then channels with a 1x1 convolution. A stack of such layers encodes the
observed frames; temporal CNN layers then map the T_obs observed frames to the
T_pred future ones (frames as channels, convolving over (coordinate, node)),
and the output is a residual added to the last observed pose (zero-initialised,
so an untrained model is the zero-velocity baseline).

Shapes: x (B, C, T, V) inside the graph layers, (B, T, C, V) in the temporal CNN.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn

from interx.datasets.forecast import ForecastProtocol
from interx.models.forecasting.base import Forecaster
from interx.models.forecasting.losses import ForecastLossConfig


@dataclass(frozen=True)
class StsGcnConfig:
    """Size of the two-person STS-GCN."""

    channels: tuple[int, ...] = (16, 8, 16)
    """Hidden channels of the graph layers (input and output have 3: x, y, z). The paper's are
    (64, 32, 64) for 22 nodes and 10 frames; with 44 nodes and 30 frames every channel costs
    6x as much memory traffic, so the default is a quarter of the paper's (CPU training)."""
    temporal_layers: int = 2
    """Temporal CNN layers from observed to predicted frames."""
    kernel: int = 3
    """Kernel size (square) of the temporal CNN."""
    dropout: float = 0.1
    """Dropout in the graph and temporal layers."""


class SeparableGraphConv(nn.Module):
    """x (B, C, T, V) -> x (B, C, T, V): temporal adjacency per node, then spatial adjacency per frame."""

    def __init__(self, frames: int, nodes: int):
        super().__init__()
        bound_t, bound_s = 1.0 / math.sqrt(frames), 1.0 / math.sqrt(nodes)
        self.temporal = nn.Parameter(torch.empty(nodes, frames, frames).uniform_(-bound_t, bound_t))
        self.spatial = nn.Parameter(torch.empty(frames, nodes, nodes).uniform_(-bound_s, bound_s))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.einsum("bctv,vtq->bcqv", x, self.temporal)
        return torch.einsum("bctv,tvw->bctw", x, self.spatial)


class GraphLayer(nn.Module):
    """Separable graph convolution, 1x1 channel convolution, batch norm, dropout, residual, PReLU."""

    def __init__(self, c_in: int, c_out: int, frames: int, nodes: int, dropout: float):
        super().__init__()
        self.graph = SeparableGraphConv(frames, nodes)
        self.mix = nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out), nn.Dropout(dropout))
        self.skip = (nn.Identity() if c_in == c_out else
                     nn.Sequential(nn.Conv2d(c_in, c_out, 1), nn.BatchNorm2d(c_out)))
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.mix(self.graph(x)) + self.skip(x))


class TemporalLayer(nn.Module):
    """(B, T_in, C, V) -> (B, T_out, C, V): frames as channels, a 2-D convolution over (C, V)."""

    def __init__(self, t_in: int, t_out: int, kernel: int, dropout: float):
        super().__init__()
        self.conv = nn.Sequential(nn.Conv2d(t_in, t_out, kernel, padding=kernel // 2), nn.BatchNorm2d(t_out),
                                  nn.Dropout(dropout))
        self.act = nn.PReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.act(self.conv(x))


class TwoPersonStsGcn(Forecaster):
    """Two-person STS-GCN forecaster (see the module doc)."""

    def __init__(self, protocol: ForecastProtocol = ForecastProtocol(), config: StsGcnConfig = StsGcnConfig(),
                 loss: ForecastLossConfig = ForecastLossConfig()):
        super().__init__(protocol, loss)
        self.config = config
        t_in, t_out, nodes = protocol.observe, protocol.predict, 2 * protocol.num_joints
        widths = (3, *config.channels, 3)
        self.graph_layers = nn.ModuleList(GraphLayer(a, b, t_in, nodes, config.dropout)
                                          for a, b in zip(widths[:-1], widths[1:]))
        self.temporal_layers = nn.ModuleList(
            TemporalLayer(t_in if i == 0 else t_out, t_out, config.kernel, config.dropout)
            for i in range(config.temporal_layers))
        self.out = nn.Conv2d(t_out, t_out, config.kernel, padding=config.kernel // 2)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        self.check_history(history)
        b, t, _, j, _ = history.shape
        last = history[:, -1]                                               # (B, 2, J, 3)
        x = history.reshape(b, t, 2 * j, 3).permute(0, 3, 1, 2)             # (B, 3, T_obs, V)
        for layer in self.graph_layers:
            x = layer(x)
        x = x.permute(0, 2, 1, 3)                                           # (B, T_obs, 3, V)
        for i, layer in enumerate(self.temporal_layers):
            x = layer(x) if i == 0 else layer(x) + x                        # (B, T_pred, 3, V)
        x = self.out(x)
        delta = x.permute(0, 1, 3, 2).reshape(b, -1, 2, j, 3)               # (B, T_pred, 2, J, 3)
        return last[:, None] + delta
