"""The joint-token transformer: one token per joint per person, attention across both people.

For each of the 2J joints (P1's J, then P2's) of a window:

1. its observed residual trajectory r_t = x_t - x_last (T_obs, 3), relative to
   the last observed pose, in the orthonormal DCT basis (the `dct_in` lowest
   coefficients, siMLPe's code), and its last observed position (3) in the
   window frame (which places every joint relative to P1's root, so the
   partner's tokens say where the partner is);
2. a linear embedding of both, plus a learned joint embedding (J) and a
   learned person embedding (2);
3. pre-norm transformer encoder layers over the 2J tokens;
   with `independent` the attention between the two people's tokens is masked
   off AND each person is expressed in their own frame (their root at the
   origin facing +z at the last observed frame; the prediction is turned back
   after), so each person is forecast from their own joints only: masking alone
   would leak the partner through the shared window frame, in which P2's
   coordinates are relative to P1's root. The ablation shows whether the
   partner helps; the parameters are the same;
4. a zero-initialised linear head to the `dct_out` lowest DCT coefficients of
   the future residual trajectory (T_pred, 3), added to the last observed pose
   (so an untrained model is the zero-velocity baseline).

Shapes: history (B, T_obs, 2, J, 3) -> future (B, T_pred, 2, J, 3); tokens (B, 2J, width).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from interx.datasets.forecast import ForecastProtocol
from interx.models.forecasting.base import Forecaster
from interx.models.forecasting.dct import dct_matrix
from interx.models.forecasting.frames import own_frames
from interx.models.forecasting.losses import ForecastLossConfig


@dataclass(frozen=True)
class TransformerConfig:
    """Size and switches of the joint-token transformer."""

    width: int = 64
    """Token width."""
    layers: int = 3
    """Encoder layers."""
    heads: int = 4
    """Attention heads."""
    ff_mult: int = 2
    """Feed-forward width as a multiple of `width`."""
    dropout: float = 0.1
    """Dropout in attention and feed-forward."""
    dct_in: int = 30
    """DCT coefficients of the observed residual trajectory fed in (at most the observed frames)."""
    dct_out: int = 30
    """DCT coefficients of the future residual trajectory predicted (at most the predicted frames)."""
    independent: bool = False
    """Mask attention between the two people (the 'independent' ablation)."""


def person_mask(num_joints: int) -> torch.Tensor:
    """(2J, 2J) bool attention mask, True where a token may NOT attend: across the two people."""
    person = torch.arange(2 * num_joints) // num_joints
    return person[:, None] != person[None, :]


class JointTokenTransformer(Forecaster):
    """Joint-token transformer forecaster (see the module doc)."""

    def __init__(self, protocol: ForecastProtocol = ForecastProtocol(),
                 config: TransformerConfig = TransformerConfig(), loss: ForecastLossConfig = ForecastLossConfig()):
        super().__init__(protocol, loss)
        self.config = config
        j, w = protocol.num_joints, config.width
        self.register_buffer("dct_in", dct_matrix(protocol.observe, config.dct_in), persistent=False)
        self.register_buffer("idct_out", dct_matrix(protocol.predict, config.dct_out).T.contiguous(),
                             persistent=False)
        self.register_buffer("mask", person_mask(j) if config.independent else None, persistent=False)
        self.embed = nn.Linear(3 * config.dct_in + 3, w)
        self.joint_embedding = nn.Parameter(0.02 * torch.randn(j, w))
        self.person_embedding = nn.Parameter(0.02 * torch.randn(2, w))
        layer = nn.TransformerEncoderLayer(w, config.heads, config.ff_mult * w, config.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, 3 * config.dct_out)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        self.check_history(history)
        b, _, _, j, _ = history.shape
        start = history[:, -1]                                                      # (B, 2, J, 3)
        if self.config.independent:
            rot, origin = own_frames(start)
            history = torch.einsum("bpij,btpnj->btpni", rot, history - origin[:, None, :, None])
        last = history[:, -1]
        residual = history - last[:, None]                                          # (B, T_obs, 2, J, 3)
        coeffs = torch.einsum("kt,btpjc->bpjkc", self.dct_in, residual)             # (B, 2, J, K_in, 3)
        tokens = torch.cat([coeffs.flatten(3), last], dim=-1)                       # (B, 2, J, 3 K_in + 3)
        x = self.embed(tokens) + self.joint_embedding + self.person_embedding[:, None]
        x = self.encoder(x.reshape(b, 2 * j, -1), mask=self.mask)                   # (B, 2J, width)
        out = self.head(self.norm(x)).reshape(b, 2, j, -1, 3)                       # (B, 2, J, K_out, 3)
        delta = torch.einsum("tk,bpjkc->btpjc", self.idct_out, out)                 # (B, T_pred, 2, J, 3)
        if self.config.independent:
            delta = torch.einsum("bpji,btpnj->btpni", rot, delta)                   # back: R^T delta
        return start[:, None] + delta
