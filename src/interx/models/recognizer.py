"""The two-person interaction recogniser: a temporal transformer over both people, symmetric in the two.

Design (swap invariance by construction, not only by augmentation):

1. Two views of a pair, one per person k: both people expressed in person k's
   own frame at the first frame (k's root at x = z = 0 facing +z, heights above
   the clip's floor, the lowest joint of both people), person k first. The
   views exchange exactly when P1 and P2 are swapped, and neither depends on
   where the pair stands or which way it faces.
2. Each view, frame by frame: positions and frame-to-frame displacements of
   both people's J joints -> a linear token; learned frame embeddings;
   pre-norm transformer encoder layers over time; mean over frames.
3. The two views' features are averaged (a symmetric function), then
   LayerNorm -> Linear -> GELU gives the embedding (B, D): the penultimate
   features, `embed(pairs)`, used by the action-to-interaction protocol
   (accuracy, FID, diversity on these features); a final linear layer gives
   the logits of the classes.

So the logits of a pair and of the same pair with P1 and P2 swapped are equal
(up to floating-point rounding). Input: joints (B, T, 2, J, 3) meters, y up,
30 fps, J = 55 (the recogniser's joint set is taken) or the set's own J;
`embed` and `forward` resample any T to the configured frame count.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from interx.body.joints import NUM_JOINTS
from interx.datasets.pairs import JOINT_SETS
from interx.datasets.recognition import even_frames
from interx.models.forecasting.frames import own_frames


@dataclass(frozen=True)
class RecognizerConfig:
    """Size and input of the recogniser."""

    num_classes: int = 40
    """Classes (the 40 Inter-X actions)."""
    frames: int = 32
    """Frames a sequence is resampled to (evenly over its length)."""
    joints: Literal["body", "body+hands"] = "body"
    """Joint set: the 22 body joints, or body and both hands (52)."""
    width: int = 64
    """Token width."""
    layers: int = 2
    """Transformer encoder layers."""
    heads: int = 4
    """Attention heads."""
    ff_mult: int = 2
    """Feed-forward width as a multiple of `width`."""
    dropout: float = 0.1
    """Dropout in the encoder and before the classifier."""
    embed_dim: int = 128
    """D, the size of the embedding (penultimate features)."""
    label_smoothing: float = 0.1
    """Label smoothing of the cross-entropy loss."""


def person_views(pairs: torch.Tensor) -> torch.Tensor:
    """(B, T, 2, J, 3) -> (B, 2, T, 2, J, 3): view k holds both people in person k's frame at frame 0, k first."""
    floor = pairs[..., 1].amin(dim=(1, 2, 3))                                     # (B,)
    rot, origin = own_frames(pairs[:, 0])                                          # (B, 2, 3, 3), (B, 2, 3)
    origin = torch.stack([origin[..., 0], floor[:, None].expand(-1, 2), origin[..., 2]], dim=-1)
    ordered = torch.stack([pairs, pairs.flip(2)], dim=1)                           # (B, 2, T, 2, J, 3)
    shifted = ordered - origin[:, :, None, None, None, :]
    return torch.einsum("bkij,bktpnj->bktpni", rot, shifted)


class InteractionRecognizer(nn.Module):
    """Two-person skeleton classifier (see the module doc)."""

    def __init__(self, config: RecognizerConfig = RecognizerConfig()):
        super().__init__()
        self.config = config
        self.joint_indices = JOINT_SETS[config.joints]
        j, w = len(self.joint_indices), config.width
        self.embed_frame = nn.Linear(2 * 2 * j * 3, w)
        self.frame_embedding = nn.Parameter(0.02 * torch.randn(config.frames, w))
        layer = nn.TransformerEncoderLayer(w, config.heads, config.ff_mult * w, config.dropout,
                                           activation="gelu", batch_first=True, norm_first=True)
        self.encoder = nn.TransformerEncoder(layer, config.layers, enable_nested_tensor=False)
        self.project = nn.Sequential(nn.LayerNorm(w), nn.Linear(w, config.embed_dim), nn.GELU())
        self.classify = nn.Sequential(nn.Dropout(config.dropout), nn.Linear(config.embed_dim, config.num_classes))

    def prepare(self, pairs: torch.Tensor, lengths: Sequence[int] | None = None) -> torch.Tensor:
        """Any (B, T, 2, J, 3) input -> (B, frames, 2, J_set, 3): the joint set, frames spread evenly.

        Args:
            pairs: joints, J = 55 or the joint set's size.
            lengths: valid frames of each item (default: all T).
        """
        j = pairs.shape[3]
        if j == NUM_JOINTS:
            pairs = pairs[:, :, :, list(self.joint_indices)]
        elif j != len(self.joint_indices):
            raise ValueError(f"pairs must have {NUM_JOINTS} or {len(self.joint_indices)} joints, got {j}")
        b, t = pairs.shape[:2]
        if t == self.config.frames and lengths is None:
            return pairs
        lengths = [t] * b if lengths is None else list(lengths)
        index = torch.from_numpy(np.stack([even_frames(int(n), self.config.frames) for n in lengths]))
        return pairs[torch.arange(b)[:, None], index.to(pairs.device)]

    def embed(self, pairs: torch.Tensor, lengths: Sequence[int] | None = None) -> torch.Tensor:
        """(B, T, 2, J, 3) joints -> (B, D) embedding (penultimate features); symmetric in the two people."""
        views = person_views(self.prepare(pairs, lengths))                          # (B, 2, F, 2, J, 3)
        b, _, f = views.shape[:3]
        steps = torch.diff(views, dim=2, prepend=views[:, :, :1])                   # displacements, first 0
        tokens = torch.cat([views.reshape(b, 2, f, -1), steps.reshape(b, 2, f, -1)], dim=-1)
        x = self.embed_frame(tokens).reshape(b * 2, f, -1) + self.frame_embedding
        x = self.encoder(x).mean(dim=1).reshape(b, 2, -1).mean(dim=1)              # (B, width)
        return self.project(x)

    def forward(self, pairs: torch.Tensor, lengths: Sequence[int] | None = None) -> torch.Tensor:
        """(B, T, 2, J, 3) joints -> (B, num_classes) logits."""
        return self.classify(self.embed(pairs, lengths))

    def _loss(self, batch: dict) -> dict[str, torch.Tensor]:
        logits = self(batch["pairs"])
        loss = F.cross_entropy(logits, batch["label"], label_smoothing=self.config.label_smoothing)
        accuracy = (logits.argmax(dim=1) == batch["label"]).float().mean()
        return {"loss": loss, "accuracy": accuracy}

    def training_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._loss(batch)

    def validation_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._loss(batch)
