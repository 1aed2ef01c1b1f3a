"""The project's own text-motion evaluator: contrastive (InterCLIP-style), symmetric in the two people.

For data without the official evaluator's files (the synthetic release, other
datasets), `interx train evaluator` trains this one; the embedding protocols
load it with `--evaluator RUN`.

Motion features (`pair_features`, numpy): from the pair's joints (any frame:
the features are invariant to a rotation about the vertical and a horizontal
shift of the whole pair), the first `max_frames` frames (150 = 5 s, as the
official evaluator) taken every `stride` frames (4: 7.5 per second); the floor (lowest joint of
both people over the clip) moved to y = 0; then for each person k its own
frame: its pelvis at frame 0 on the vertical axis, its frame-0 facing
(`interx.features.frames.facing_yaw`) turned to +z. Person k's stream per
frame is [own 22 body joints (66), their velocities in m/s (66), the partner's
22 body joints (66)] in person k's frame: (T', 2, 198). Swapping P1 and P2 swaps
the two streams exactly.

Network (`TextMotionEncoder`):
- motion: a linear layer on the normalised stream + sinusoidal time encoding;
  `layers` blocks of [self-attention over time, cross-attention to the other
  person's stream, feed-forward] (pre-norm, weights shared by both people);
  masked mean over time per person; the mean and the element-wise max over the
  two people (both symmetric) -> MLP -> `embed_dim`, unit length. Swapping the
  people therefore leaves the embedding unchanged by construction (to rounding),
  so training needs no swap augmentation.
- text: the frozen sentence embedding of the bundled offline encoder
  (`interx.text`, all-MiniLM-L6-v2, 384-d) -> trainable MLP -> `embed_dim`, unit length.
- loss: symmetric InfoNCE over the batch with a learned temperature; items of
  the same caption are all positives of each other (soft targets), so repeated
  captions are not pushed apart.

Embeddings have unit length: Euclidean distances are in [0, 2], so FID,
MM-Dist and Diversity under this evaluator are on a different scale from the
official evaluator's and must not be compared with published numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from interx.body.joints import BODY
from interx.errors import UsageError
from interx.features.frames import PELVIS, facing_yaw, yaw_matrix
from interx.models.evaluator import TextRef
from interx.train.config import config_from_dict
from interx.train.loop import TrainConfig

NUM_BODY = len(BODY)
assert BODY == tuple(range(NUM_BODY))  # the body joints are the first 22
FEATURE_DIM = 3 * NUM_BODY * 3   # own joints, own velocities, partner joints
TEXT_STORE = "texts.safetensors"


@dataclass(frozen=True)
class EvaluatorConfig:
    """The contrastive evaluator's network and inputs."""

    max_frames: int = 150
    """Frames (30 fps) of each motion the evaluator sees, from the start."""
    stride: int = 4
    """Take every stride-th frame (4: 7.5 per second, the rate of the official evaluator's movement features)."""
    width: int = 128
    """Transformer width."""
    heads: int = 4
    """Attention heads."""
    layers: int = 3
    """Blocks of self-attention, cross-attention and feed-forward."""
    ff: int = 256
    """Feed-forward hidden size."""
    dropout: float = 0.1
    """Dropout in the transformer and the text head."""
    embed_dim: int = 256
    """Size of the shared embedding."""
    text_encoder: str = "minilm"
    """Sentence encoder spec (`interx.text.load_text_encoder`); frozen."""
    text_dim: int = 384
    """Size of that encoder's sentence embedding."""
    text_hidden: int = 512
    """Hidden size of the trainable text head."""
    temperature: float = 0.07
    """Initial InfoNCE temperature (learned)."""


@dataclass(frozen=True)
class EvaluatorRunConfig:
    """Everything a run of `interx train evaluator` needs (stored as RUN/config.json and in checkpoints)."""

    model: EvaluatorConfig = field(default_factory=EvaluatorConfig)
    """The network."""
    train: TrainConfig = field(default_factory=lambda: TrainConfig(
        max_steps=3000, batch_size=64, lr=3e-4, weight_decay=1e-2, warmup_steps=100, grad_clip=1.0,
        ema_decay=0.99, checkpoint_every=500, val_every=500, val_batches=8, log_every=50))
    """The training loop (defaults for this small model)."""
    mirror_prob: float = 0.5
    """Probability of mirroring a training item left <-> right (its caption edited to match)."""
    random_window: bool = True
    """Train on a random window of `max_frames` of longer sequences (evaluation takes the first)."""
    stats_items: int = 512
    """Train items whose features give the normalisation statistics."""


PRESETS: dict[str, EvaluatorRunConfig] = {
    "default": EvaluatorRunConfig(),
    "tiny": EvaluatorRunConfig(model=EvaluatorConfig(width=64, heads=4, layers=2, ff=128, embed_dim=128,
                                                     text_hidden=256)),
}


def preset(name: str) -> EvaluatorRunConfig:
    if name not in PRESETS:
        raise UsageError(f"unknown evaluator config {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[name]


# ---------------------------------------------------------------------------------------
# Features


def pair_features(joints: np.ndarray, max_frames: int = 150, stride: int = 4, start: int = 0,
                  fps: float = 30.0) -> np.ndarray:
    """Both people's streams (module doc).

    Args:
        joints: (T, 2, 55, 3) meters at `fps`, any frame, y up.
        max_frames: frames used, from `start`.
        stride: frame step.
        start: first frame used.
        fps: frame rate of `joints`.

    Returns:
        (T', 2, 198) float32, T' = ceil(min(T - start, max_frames) / stride).
    """
    x = np.asarray(joints, dtype=np.float64)
    if x.ndim != 4 or x.shape[1:] != (2, 55, 3) or x.shape[0] <= start:
        raise UsageError(f"pair features need (T, 2, 55, 3) joints with T > {start}, got shape {x.shape}")
    x = x[start:start + max_frames:stride]                                            # (T', 2, 55, 3)
    yaw = facing_yaw(x[0])                                                            # (2,)
    rot = yaw_matrix(yaw)                                                             # (2, 3, 3)
    origin = x[0, :, PELVIS] * np.array([1.0, 0.0, 1.0])                              # (2, 3)
    origin[:, 1] = x[..., 1].min()                                                    # the floor
    body = x[:, :, :NUM_BODY]                                                         # (T', 2, 22, 3)
    # view[k] = both people's joints in person k's frame: R_k (x - origin_k)
    view = np.stack([(body - origin[k]) @ rot[k].T for k in range(2)])                # (2, T', 2, 22, 3)
    own = view[[0, 1], :, [0, 1]]                                                     # (2, T', 22, 3)
    other = view[[0, 1], :, [1, 0]]
    velocity = np.zeros_like(own)
    if own.shape[1] > 1:
        velocity[:, 1:] = np.diff(own, axis=1) * (fps / stride)
        velocity[:, 0] = velocity[:, 1]
    frames = own.shape[1]
    stream = np.concatenate([own.reshape(2, frames, -1), velocity.reshape(2, frames, -1),
                             other.reshape(2, frames, -1)], axis=-1)                  # (2, T', 198)
    return np.ascontiguousarray(stream.transpose(1, 0, 2)).astype(np.float32)


# ---------------------------------------------------------------------------------------
# Network


def _sinusoid(length: int, width: int) -> torch.Tensor:
    position = torch.arange(length, dtype=torch.float32)[:, None]
    div = torch.exp(torch.arange(0, width, 2, dtype=torch.float32) * (-math.log(10000.0) / width))
    table = torch.zeros(length, width)
    table[:, 0::2] = torch.sin(position * div)
    table[:, 1::2] = torch.cos(position * div)
    return table


class _Block(nn.Module):
    """Self-attention over time, cross-attention to the other person, feed-forward (pre-norm)."""

    def __init__(self, width: int, heads: int, ff: int, dropout: float):
        super().__init__()
        self.norm_self, self.norm_cross, self.norm_ff = nn.LayerNorm(width), nn.LayerNorm(width), nn.LayerNorm(width)
        self.self_attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.cross_attn = nn.MultiheadAttention(width, heads, dropout=dropout, batch_first=True)
        self.ff = nn.Sequential(nn.Linear(width, ff), nn.GELU(), nn.Dropout(dropout), nn.Linear(ff, width))
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, pad: torch.Tensor) -> torch.Tensor:
        """x (B, 2, T, W); pad (B, T) True on padded frames -> (B, 2, T, W)."""
        b, p, t, w = x.shape
        flat_pad = pad.repeat_interleave(p, dim=0)                                    # (2B, T)
        h = self.norm_self(x).reshape(b * p, t, w)
        x = x + self.drop(self.self_attn(h, h, h, key_padding_mask=flat_pad, need_weights=False)[0]).reshape(x.shape)
        h = self.norm_cross(x)
        q, kv = h.reshape(b * p, t, w), h.flip(1).reshape(b * p, t, w)                # other person's stream
        x = x + self.drop(self.cross_attn(q, kv, kv, key_padding_mask=flat_pad, need_weights=False)[0]).reshape(
            x.shape)
        return x + self.drop(self.ff(self.norm_ff(x)))


class TextMotionEncoder(nn.Module):
    """Motion and text towers and the contrastive loss (module doc).

    Args:
        config: the network.
        mean, std: (198,) feature statistics (None: zeros and ones, set later by loading).
    """

    def __init__(self, config: EvaluatorConfig, mean: np.ndarray | None = None, std: np.ndarray | None = None):
        super().__init__()
        self.config = config
        w = config.width
        self.register_buffer("feature_mean", torch.zeros(FEATURE_DIM) if mean is None
                             else torch.as_tensor(mean, dtype=torch.float32))
        self.register_buffer("feature_std", torch.ones(FEATURE_DIM) if std is None
                             else torch.as_tensor(std, dtype=torch.float32))
        frames = -(-config.max_frames // config.stride)
        self.register_buffer("time_code", _sinusoid(frames, w), persistent=False)
        self.input = nn.Linear(FEATURE_DIM, w)
        self.blocks = nn.ModuleList(_Block(w, config.heads, config.ff, config.dropout) for _ in range(config.layers))
        self.norm = nn.LayerNorm(w)
        self.motion_head = nn.Sequential(nn.Linear(2 * w, w), nn.GELU(), nn.Linear(w, config.embed_dim))
        self.text_head = nn.Sequential(nn.Linear(config.text_dim, config.text_hidden), nn.GELU(),
                                       nn.Dropout(config.dropout), nn.Linear(config.text_hidden, config.embed_dim))
        self.log_scale = nn.Parameter(torch.tensor(math.log(1.0 / config.temperature)))

    def embed_motion(self, features: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """features (B, T, 2, 198), mask (B, T) True on real frames -> (B, embed_dim) unit vectors."""
        x = (features - self.feature_mean) / self.feature_std
        x = self.input(x.transpose(1, 2)) + self.time_code[:x.shape[1]]               # (B, 2, T, W)
        pad = ~mask
        for block in self.blocks:
            x = block(x, pad)
        x = self.norm(x)
        weights = mask[:, None, :, None].to(x.dtype)                                  # (B, 1, T, 1)
        pooled = (x * weights).sum(2) / weights.sum(2).clamp_min(1.0)                 # (B, 2, W)
        both = torch.cat([pooled.mean(1), pooled.amax(1)], dim=-1)                    # (B, 2W), symmetric
        return F.normalize(self.motion_head(both), dim=-1)

    def embed_text(self, sentence: torch.Tensor) -> torch.Tensor:
        """sentence (B, text_dim) frozen encoder output -> (B, embed_dim) unit vectors."""
        return F.normalize(self.text_head(sentence), dim=-1)

    def _losses(self, batch: dict) -> dict[str, torch.Tensor]:
        motion = self.embed_motion(batch["features"], batch["mask"])
        text = self.embed_text(batch["text"])
        scale = self.log_scale.clamp(max=math.log(100.0)).exp()
        logits = scale * text @ motion.T                                               # (B, B) text x motion
        same = (batch["text_id"][:, None] == batch["text_id"][None, :]).to(logits.dtype)
        targets = same / same.sum(1, keepdim=True)
        loss = 0.5 * (F.cross_entropy(logits, targets) + F.cross_entropy(logits.T, targets.T))
        hit = same[torch.arange(len(same)), logits.argmax(1)]
        return {"loss": loss, "acc": hit.mean(), "scale": scale.detach()}

    def training_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._losses(batch)

    def validation_step(self, batch: dict, generator: torch.Generator) -> dict[str, torch.Tensor]:
        return self._losses(batch)


def collate_features(streams: Sequence[np.ndarray]) -> tuple[torch.Tensor, torch.Tensor]:
    """[(T_i, 2, 198)] -> features (B, max T, 2, 198) zero-padded and mask (B, max T) True on real frames."""
    length = max(len(s) for s in streams)
    features = torch.zeros(len(streams), length, 2, FEATURE_DIM)
    mask = torch.zeros(len(streams), length, dtype=torch.bool)
    for i, s in enumerate(streams):
        features[i, :len(s)] = torch.from_numpy(s)
        mask[i, :len(s)] = True
    return features, mask


# ---------------------------------------------------------------------------------------
# The evaluator


class ContrastiveEvaluator:
    """The trained (or freshly initialised) network on the `interx.models.evaluator.Evaluator` interface.

    Args:
        model: the network (put in eval mode here).
        texts: a `interx.text.CachedTextEncoder` for the config's sentence encoder.
        name: the spec it was loaded from.
        device: where the network runs.
        batch_size: items per forward pass.
    """

    stochastic = False

    def __init__(self, model: TextMotionEncoder, texts, name: str = "contrastive", device: str = "cpu",
                 batch_size: int = 128):
        self.model = model.to(device).eval()
        self.texts = texts
        self.name = name
        self.device = device
        self.batch_size = batch_size
        self.dim = model.config.embed_dim

    def embed_texts(self, texts: Sequence[TextRef]) -> np.ndarray:
        """(N, embed_dim) float32 unit vectors."""
        captions = [t.caption for t in texts]
        if not captions:
            return np.zeros((0, self.dim), np.float32)
        self.texts.add(captions)
        sentence = torch.stack([self.texts.entry(c)[0] for c in captions])
        out = []
        with torch.no_grad():
            for k in range(0, len(captions), self.batch_size):
                out.append(self.model.embed_text(sentence[k:k + self.batch_size].to(self.device)).cpu().numpy())
        return np.concatenate(out).astype(np.float32)

    def embed_streams(self, streams: Sequence[np.ndarray]) -> np.ndarray:
        """(N, embed_dim) float32 unit vectors of `pair_features` streams."""
        out = []
        with torch.no_grad():
            for k in range(0, len(streams), self.batch_size):
                features, mask = collate_features(streams[k:k + self.batch_size])
                out.append(self.model.embed_motion(features.to(self.device), mask.to(self.device)).cpu().numpy())
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.dim), np.float32)

    def embed_motions(self, motions: Sequence, rng: np.random.Generator | None = None) -> np.ndarray:
        """(N, embed_dim) float32 unit vectors of PairArrays-like items (`joints` (T, 2, 55, 3)); rng unused."""
        cfg = self.model.config
        return self.embed_streams([pair_features(m.joints, cfg.max_frames, cfg.stride) for m in motions])


def build_evaluator(config: EvaluatorConfig, mean: np.ndarray | None = None, std: np.ndarray | None = None,
                    device: str = "cpu", name: str = "contrastive (untrained)") -> ContrastiveEvaluator:
    """A freshly initialised evaluator (for timing, tests; train it with `interx train evaluator`)."""
    from interx.text import CachedTextEncoder

    return ContrastiveEvaluator(TextMotionEncoder(config, mean, std), CachedTextEncoder(config.text_encoder),
                                name=name, device=device)


def load_contrastive_evaluator(run_dir: Path | str, device: str = "cpu") -> ContrastiveEvaluator:
    """The evaluator of a training run: its last complete checkpoint, EMA weights when kept."""
    from interx.text import CachedTextEncoder
    from interx.train.checkpoint import latest_checkpoint

    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise UsageError(f"{run_dir}: no such evaluator run (train one with `interx train evaluator`, "
                         "or give official:DIR)")
    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise UsageError(f"{run_dir}: no complete checkpoint (train with `interx train evaluator --out {run_dir}`)")
    config = config_from_dict(EvaluatorRunConfig, checkpoint.record.get("config", {}), "evaluator config")
    model = TextMotionEncoder(config.model)
    tensors = checkpoint.tensors()
    state = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    state.update({k[len("ema/"):]: v for k, v in tensors.items() if k.startswith("ema/")})
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise UsageError(f"{checkpoint.tensors_path}: not an evaluator checkpoint "
                         f"({len(missing)} missing, {len(unexpected)} unexpected tensors)")
    texts = CachedTextEncoder(config.model.text_encoder)
    if (run_dir / TEXT_STORE).is_file():
        texts.load(run_dir / TEXT_STORE)
    return ContrastiveEvaluator(model, texts, name=str(run_dir), device=device)
