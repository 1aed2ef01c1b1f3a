"""The joint-token transformer: one token per joint per person, attention across both people.

Each person is seen in their own frame (`frames.own_frames`: their root at the
origin facing +z at the last observed frame), so a person's own motion looks
the same whoever and wherever they are. For each of the 2J joints (P1's J,
then P2's) of a window:

1. its observed residual trajectory r_t = x_t - x_last (T_obs, 3) relative to
   the last observed pose, in the orthonormal DCT basis (the `dct_in` lowest
   coefficients, siMLPe's code), and its last observed position (3), both in
   its person's own frame;
2. a linear embedding of both (each feature shifted and scaled by its mean and
   standard deviation over training windows, `fit_normalisation`), plus a learned joint embedding (J), a learned
   person embedding (2) and, per person, a linear embedding of where the
   partner is, in the person's own frame: the partner root's observed residual
   track (DCT basis, as in step 1), its last position, and the partner's facing
   relative to the person's (cos, sin);
3. pre-norm transformer encoder layers over the 2J tokens, attending across
   all joints of both people;
4. a zero-initialised linear head to the `dct_out` lowest DCT coefficients of
   the future residual trajectory (T_pred, 3) in the own frame, turned back to
   the window frame and added to the last observed pose (an untrained model is
   the zero-velocity baseline).

With `independent` the attention between the two people's tokens is masked
off and the partner embedding of step 2 is left out, so each person is
forecast from their own joints only; everything else (frames, parameters of
the shared parts) is the same. The comparison shows whether the partner helps.

Shapes: history (B, T_obs, 2, J, 3) window frame -> future (B, T_pred, 2, J, 3);
tokens (B, 2J, width).
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
    """The 'independent' ablation: no attention between the two people, no partner embedding."""


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
        token_features, partner_features = 3 * config.dct_in + 3, 3 * config.dct_in + 5
        for name, size in (("token", token_features), ("partner", partner_features)):
            self.register_buffer(f"{name}_mean", torch.zeros(size))
            self.register_buffer(f"{name}_std", torch.ones(size))
        self.embed = nn.Linear(token_features, w)
        self.joint_embedding = nn.Parameter(0.02 * torch.randn(j, w))
        self.person_embedding = nn.Parameter(0.02 * torch.randn(2, w))
        self.embed_partner = None if config.independent else nn.Linear(partner_features, w)
        layer = nn.TransformerEncoderLayer(w, config.heads, config.ff_mult * w, config.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(w)
        self.head = nn.Linear(w, 3 * config.dct_out)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def partner_features(self, history: torch.Tensor, rot: torch.Tensor, origin: torch.Tensor) -> torch.Tensor:
        """(B, 2, 3 K_in + 5): for each person, in their own frame, the partner root's residual track (DCT
        coefficients) and last position, and the partner's facing relative to theirs (cos, sin)."""
        partner = history[:, :, [1, 0], 0]                                          # (B, T_obs, 2, 3) roots
        track = torch.einsum("bpij,btpj->btpi", rot, partner - origin[:, None])      # in the person's frame
        coeffs = torch.einsum("kt,btpc->bpkc", self.dct_in, track - track[:, -1:]).flatten(2)  # (B, 2, 3 K_in)
        relative = rot @ rot[:, [1, 0]].transpose(-1, -2)                            # R_y(yaw_k - yaw_partner)
        return torch.cat([coeffs, track[:, -1], relative[..., 0, 0:1], relative[..., 0, 2:3]], dim=-1)

    def inputs(self, history: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Raw features of a window: tokens (B, 2, J, 3 K_in + 3), partner (B, 2, 3 K_in + 5), rot (B, 2, 3, 3)."""
        rot, origin = own_frames(history[:, -1])                                    # (B, 2, 3, 3), (B, 2, 3)
        local = torch.einsum("bpij,btpnj->btpni", rot, history - origin[:, None, :, None])
        last = local[:, -1]
        residual = local - last[:, None]                                            # (B, T_obs, 2, J, 3)
        coeffs = torch.einsum("kt,btpjc->bpjkc", self.dct_in, residual)             # (B, 2, J, K_in, 3)
        tokens = torch.cat([coeffs.flatten(3), last], dim=-1)
        return tokens, self.partner_features(history, rot, origin), rot

    def fit_normalisation(self, history: torch.Tensor) -> None:
        """Set the input statistics (mean, std of each feature) from observed training windows (B, T_obs, 2, J, 3)."""
        with torch.no_grad():
            tokens, partner, _ = self.inputs(history)
            for name, values in (("token", tokens.flatten(0, -2)), ("partner", partner.flatten(0, -2))):
                getattr(self, f"{name}_mean").copy_(values.mean(0))
                getattr(self, f"{name}_std").copy_(values.std(0).clamp_min(1e-4))

    def forward(self, history: torch.Tensor) -> torch.Tensor:
        self.check_history(history)
        b, _, _, j, _ = history.shape
        start = history[:, -1]                                                      # (B, 2, J, 3)
        tokens, partner, rot = self.inputs(history)
        x = (self.embed((tokens - self.token_mean) / self.token_std) + self.joint_embedding
             + self.person_embedding[:, None])
        if self.embed_partner is not None:
            x = x + self.embed_partner((partner - self.partner_mean) / self.partner_std)[:, :, None]
        x = self.encoder(x.reshape(b, 2 * j, -1), mask=self.mask)                   # (B, 2J, width)
        out = self.head(self.norm(x)).reshape(b, 2, j, -1, 3)                       # (B, 2, J, K_out, 3)
        delta = torch.einsum("tk,bpjkc->btpjc", self.idct_out, out)                 # (B, T_pred, 2, J, 3) own frame
        delta = torch.einsum("bpji,btpnj->btpni", rot, delta)                       # back: R^T delta
        return start[:, None] + delta
