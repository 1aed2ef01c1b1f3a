"""The interaction denoiser: two cooperative transformers with shared weights and mutual attention (InterGen).

It maps (x_t, t, conditions) to a prediction of x0 and knows nothing of the
noise schedule. Shapes: B batch, T frames (30 fps), P = 2 persons, D features
per person (the model representation), W the width, L text tokens.

Per person a stream of T tokens (input projection + sinusoidal frame position),
or of ceil(T / P) tokens with `patch_frames` P > 1: each token reads P
consecutive frames (padding frames zeroed) and the head writes P frames back.
Attention and feed-forward then cost P times less, so a CPU buys a wider,
deeper model for what a per-frame one costs (the skip below still works per frame).
Both streams run through the same blocks (stacked along the batch: (2B, T, W));
each block:

1. self-attention over time; the keys also hold the text tokens (projected to
   W), so each frame can read the words (a merged cross-attention to the text);
2. cross-attention to the other person's stream (its input to this block);
3. a feed-forward layer;

each sub-layer pre-normalised with AdaLN-Zero (shift, scale and gate from the
stream's condition vector; gates start at zero so a block starts as identity).

Output: x0 = head(h) + g(t) * (a(t) * x_t), a skip past the network: a learned
per-feature share g of a learned local average of the noisy input (`SmoothingSkip`).
A stream of W tokens cannot carry every one of the D features through its width
(tiny: 64 for 448), so without a skip the low-noise estimates come out worse than
x_t itself. But a plain skip (EDM's c_skip, i.e. v-prediction, or a per-feature
gain) hands the noise of x_t to the estimate at every frequency, and what DDIM
takes from an estimate it keeps: the samples came out jittering at 100 times the
data's joint acceleration. Motion is smooth, so the best linear estimate from x_t
is a low-pass filter whose width grows with the noise: `a(t)` averages over up to
`SKIP_TAPS` frames with positive weights that the timestep chooses.
The condition vector of a stream is the timestep embedding plus the sentence
embedding (projected; with `text_mlp`, by a two-layer MLP) plus the action
embedding, with a learned null vector for each condition left out;
optionally (`roles`) a learned vector per stream, which breaks the two
streams' symmetry where person 0 is the actor, and (`length_condition`) an
embedding of the number of real frames, which tells a short sample that the
whole interaction must fit (training windows of longer sequences are cut from
them). Reaction: when a partner is given, person 0's stream is the partner's
clean motion, at timestep 0, with a learned "given" vector added to its
condition; person 1 is generated.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import torch
import torch.nn.functional as F
from torch import nn

from interx.errors import UsageError

CONDITIONS = ("text", "action", "partner")


@dataclass(frozen=True)
class DenoiserConfig:
    """Sizes of the denoiser."""

    width: int = 256
    """W: hidden width of every stream."""
    layers: int = 4
    """Number of blocks (self-attention, cross-attention, feed-forward)."""
    heads: int = 4
    """Attention heads (width must be divisible by it)."""
    ff_mult: int = 2
    """Feed-forward hidden width as a multiple of W."""
    dropout: float = 0.1
    """Dropout in attention and feed-forward layers."""
    text_tokens: int = 32
    """Text tokens read by self-attention (0: the sentence embedding only)."""
    num_actions: int = 40
    """Action classes (a learned embedding each, plus a null one)."""
    max_frames: int = 300
    """Longest sequence the frame positions cover (frames at 30 fps)."""
    patch_frames: int = 1
    """Frames per token: a stream reads and writes `patch_frames` consecutive frames per token (module doc)."""
    roles: bool = False
    """Add a learned vector per stream to its condition, so the streams can tell person 0 (the actor, where
    the data puts it first) from person 1 (module doc)."""
    length_condition: bool = False
    """Add an embedding of the sequence's length (its real frames) to the condition vectors (module doc)."""
    text_mlp: bool = False
    """Map the sentence embedding into the condition vector with a two-layer MLP instead of one linear layer."""


@dataclass
class Conditions:
    """What a denoiser is conditioned on, per batch item; absent fields are left out for every item.

    text: (B, Dt) sentence embeddings; tokens (B, L, Dt) and token_mask (B, L)
    token features; action: (B,) int64 class ids; partner: (B, T, D) the given
    person's clean (normalised) motion. use_text / use_action / use_partner:
    (B,) bool, False where that item leaves the condition out (absent from the
    data or dropped for classifier-free guidance).
    """

    batch: int
    text: torch.Tensor | None = None
    tokens: torch.Tensor | None = None
    token_mask: torch.Tensor | None = None
    action: torch.Tensor | None = None
    partner: torch.Tensor | None = None
    use_text: torch.Tensor | None = None
    use_action: torch.Tensor | None = None
    use_partner: torch.Tensor | None = None

    def uses(self, name: str, device: torch.device) -> torch.Tensor:
        """(B,) bool: items that use condition `name` (False everywhere when it is absent)."""
        value = getattr(self, name)
        flag = getattr(self, f"use_{name}")
        if value is None:
            return torch.zeros(self.batch, dtype=torch.bool, device=device)
        return torch.ones(self.batch, dtype=torch.bool, device=device) if flag is None else flag.to(device)

    def without(self, drop: dict[str, torch.Tensor]) -> "Conditions":
        """A copy where `drop[name]` (B,) True leaves that condition out too."""
        changes = {}
        for name, mask in drop.items():
            if name not in CONDITIONS:
                raise UsageError(f"unknown condition {name!r}; expected one of {', '.join(CONDITIONS)}")
            changes[f"use_{name}"] = self.uses(name, mask.device) & ~mask
        return replace(self, **changes)

    def repeat(self, k: int) -> "Conditions":
        """The conditions of a batch repeated k times along the batch (for batched guidance)."""
        changes = {"batch": self.batch * k}
        for f in fields(self):
            value = getattr(self, f.name)
            if torch.is_tensor(value):
                changes[f.name] = value.repeat(k, *([1] * (value.dim() - 1)))
        return replace(self, **changes)


def sinusoid(positions: torch.Tensor, dim: int) -> torch.Tensor:
    """Sinusoidal embeddings (..., dim) of positions (...) (Vaswani et al. 2017)."""
    half = dim // 2
    freq = torch.exp(-math.log(10000.0) * torch.arange(half, device=positions.device, dtype=torch.float32) / half)
    angle = positions.float()[..., None] * freq
    emb = torch.cat([torch.sin(angle), torch.cos(angle)], dim=-1)
    return F.pad(emb, (0, dim - 2 * half))


def _modulate(x: torch.Tensor, shift: torch.Tensor, scale: torch.Tensor) -> torch.Tensor:
    return x * (1.0 + scale[:, None]) + shift[:, None]


class Attention(nn.Module):
    """Multi-head attention of queries (N, Tq, W) over keys/values (N, Tk, W) with a key mask (N, Tk)."""

    def __init__(self, width: int, heads: int, dropout: float):
        super().__init__()
        if width % heads:
            raise UsageError(f"width {width} is not divisible by {heads} heads")
        self.heads, self.dropout = heads, dropout
        self.q = nn.Linear(width, width)
        self.kv = nn.Linear(width, 2 * width)
        self.out = nn.Linear(width, width)

    def forward(self, x: torch.Tensor, context: torch.Tensor, key_mask: torch.Tensor) -> torch.Tensor:
        n, tq, w = x.shape
        h = self.heads
        q = self.q(x).reshape(n, tq, h, w // h).transpose(1, 2)                        # (N, h, Tq, W/h)
        k, v = self.kv(context).reshape(n, -1, 2, h, w // h).permute(2, 0, 3, 1, 4)    # 2 x (N, h, Tk, W/h)
        attn_mask = key_mask[:, None, None, :]                                          # (N, 1, 1, Tk)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                           dropout_p=self.dropout if self.training else 0.0)
        return self.out(y.transpose(1, 2).reshape(n, tq, w))


class Block(nn.Module):
    """Self-attention (+ text tokens), cross-attention to the other person, feed-forward; AdaLN-Zero each."""

    def __init__(self, cfg: DenoiserConfig):
        super().__init__()
        w = cfg.width
        self.norms = nn.ModuleList(nn.LayerNorm(w, elementwise_affine=False) for _ in range(3))
        self.other_norm = nn.LayerNorm(w)
        self.self_attn = Attention(w, cfg.heads, cfg.dropout)
        self.cross_attn = Attention(w, cfg.heads, cfg.dropout)
        self.ff = nn.Sequential(nn.Linear(w, cfg.ff_mult * w), nn.GELU(), nn.Dropout(cfg.dropout),
                                nn.Linear(cfg.ff_mult * w, w))
        self.modulation = nn.Linear(w, 9 * w)
        nn.init.zeros_(self.modulation.weight)
        nn.init.zeros_(self.modulation.bias)

    def forward(self, h: torch.Tensor, other: torch.Tensor, cond: torch.Tensor, tokens: torch.Tensor,
                token_mask: torch.Tensor, frame_mask: torch.Tensor) -> torch.Tensor:
        """h, other (2B, T, W); cond (2B, W); tokens (2B, L, W); token_mask (2B, L); frame_mask (2B, T)."""
        mods = self.modulation(F.silu(cond)).chunk(9, dim=-1)
        a = _modulate(self.norms[0](h), mods[0], mods[1])
        h = h + mods[2][:, None] * self.self_attn(a, torch.cat([tokens, a], 1), torch.cat([token_mask, frame_mask], 1))
        b = _modulate(self.norms[1](h), mods[3], mods[4])
        h = h + mods[5][:, None] * self.cross_attn(b, self.other_norm(other), frame_mask)
        c = _modulate(self.norms[2](h), mods[6], mods[7])
        return h + mods[8][:, None] * self.ff(c)


SKIP_TAPS = 9  # frames the skip may average over (4 each side: 0.27 s at 30 fps)


class SmoothingSkip(nn.Module):
    """g(t) * (a(t) * x) per stream (module doc): a(t) positive taps summing to one over the real frames.

    The taps start as (nearly) the identity and the gain at zero, so a fresh
    denoiser's output is its head's alone.
    """

    def __init__(self, width: int, feature_dim: int, taps: int = SKIP_TAPS):
        super().__init__()
        if taps % 2 != 1:
            raise UsageError(f"the skip's taps must be odd (centred), not {taps}")
        self.gain = nn.Linear(width, feature_dim)
        self.taps = nn.Linear(width, taps)
        for layer in (self.gain, self.taps):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)
        with torch.no_grad():
            self.taps.bias[taps // 2] = 4.0

    def forward(self, x: torch.Tensor, time: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """x (B, T, 2, D), time (B, 2, W) the streams' timestep embeddings, mask (B, T) -> (B, T, 2, D)."""
        b, frames, persons, dim = x.shape
        k = self.taps.out_features
        weights = torch.softmax(self.taps(time), dim=-1)                                # (B, 2, K)
        real = mask.to(x.dtype)                                                         # (B, T)
        # one grouped convolution (a channel per item, person and feature) instead of a pass per tap
        channels = (x * real[:, :, None, None]).permute(0, 2, 3, 1).reshape(1, b * persons * dim, frames)
        kernels = weights[:, :, None, :].expand(b, persons, dim, k).reshape(b * persons * dim, 1, k)
        total = F.conv1d(channels, kernels, padding=k // 2, groups=b * persons * dim)
        total = total.reshape(b, persons, dim, frames).permute(0, 3, 1, 2)              # (B, T, 2, D)
        norm = F.conv1d(real.repeat_interleave(persons, dim=0)[None], weights.reshape(b * persons, 1, k),
                        padding=k // 2, groups=b * persons)                             # (1, B * 2, T)
        norm = norm.reshape(b, persons, frames).transpose(1, 2)                         # (B, T, 2)
        return self.gain(time)[:, None] * total / norm.clamp_min(1e-6)[..., None]


class InteractionDenoiser(nn.Module):
    """x0 predictor for two people (module doc). forward(xt, t, mask, cond) -> x0.

    Args:
        cfg: sizes.
        feature_dim: D, features per person per frame (the model representation's).
        text_dim: Dt, the text encoder's feature size.
    """

    def __init__(self, cfg: DenoiserConfig, feature_dim: int, text_dim: int):
        super().__init__()
        self.cfg, self.feature_dim, self.text_dim = cfg, feature_dim, text_dim
        w = cfg.width
        self.patch = cfg.patch_frames
        if self.patch < 1:
            raise UsageError(f"patch_frames must be at least 1, not {self.patch}")
        self.input = nn.Linear(self.patch * feature_dim, w)
        self.register_buffer("positions", sinusoid(torch.arange(cfg.max_frames), w), persistent=False)
        self.time_mlp = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w))
        self.text_proj = nn.Linear(text_dim, w)
        self.text_mlp = nn.Sequential(nn.SiLU(), nn.Linear(w, w)) if cfg.text_mlp else None
        self.token_proj = nn.Sequential(nn.Linear(text_dim, w), nn.LayerNorm(w)) if cfg.text_tokens else None
        self.action_emb = nn.Embedding(cfg.num_actions + 1, w)    # the last row is "no action"
        self.null_text = nn.Parameter(torch.zeros(w))
        self.given = nn.Parameter(torch.zeros(w))
        self.roles = nn.Parameter(torch.zeros(2, w)) if cfg.roles else None
        self.length_mlp = nn.Sequential(nn.Linear(w, w), nn.SiLU(), nn.Linear(w, w)) if cfg.length_condition else None
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.final_norm = nn.LayerNorm(w, elementwise_affine=False)
        self.final_modulation = nn.Linear(w, 2 * w)
        self.output = nn.Linear(w, self.patch * feature_dim)
        self.skip = SmoothingSkip(w, feature_dim)
        for layer in (self.final_modulation, self.output):
            nn.init.zeros_(layer.weight)
            nn.init.zeros_(layer.bias)

    def time_vectors(self, t: torch.Tensor, cond: Conditions, device: torch.device) -> torch.Tensor:
        """(B, 2, W) timestep embedding per stream (a given partner's stream is at step 0)."""
        partner = cond.uses("partner", device)                                          # (B,)
        t_streams = torch.stack([torch.where(partner, torch.zeros_like(t), t), t], dim=1)  # (B, 2)
        return self.time_mlp(sinusoid(t_streams, self.cfg.width))

    def text_vectors(self, sentence: torch.Tensor) -> torch.Tensor:
        """(B, W) the sentence embeddings' (B, text_dim) share of the condition vector."""
        text = self.text_proj(sentence)
        return self.text_mlp(text) if self.text_mlp is not None else text

    def condition_vectors(self, time: torch.Tensor, cond: Conditions, mask: torch.Tensor) -> torch.Tensor:
        """(B, 2, W) condition vector per stream (module doc) from the streams' timestep embeddings."""
        device = mask.device
        partner = cond.uses("partner", device)                                          # (B,)
        c = time + partner[:, None, None].float() * torch.stack([self.given, torch.zeros_like(self.given)])
        if self.roles is not None:
            c = c + self.roles
        if self.length_mlp is not None:
            c = c + self.length_mlp(sinusoid(mask.sum(1), self.cfg.width))[:, None]
        use_text = cond.uses("text", device)
        sentence = cond.text if cond.text is not None else c.new_zeros(cond.batch, self.text_dim)
        text = torch.where(use_text[:, None], self.text_vectors(sentence.to(c.dtype)), self.null_text)
        use_action = cond.uses("action", device)
        action = cond.action.clamp(0, self.cfg.num_actions - 1) if cond.action is not None else \
            torch.zeros(cond.batch, dtype=torch.int64, device=device)
        action = torch.where(use_action, action, torch.full_like(action, self.cfg.num_actions))
        return c + (text + self.action_emb(action))[:, None]

    def forward(self, xt: torch.Tensor, t: torch.Tensor, mask: torch.Tensor, cond: Conditions) -> torch.Tensor:
        """Predict x0.

        Args:
            xt: (B, T, 2, D) noisy motion of both people (normalised features).
            t: (B,) int64 diffusion steps.
            mask: (B, T) bool, True on real frames (False on padding).
            cond: the conditions.

        Returns:
            (B, T, 2, D) predicted clean motion.
        """
        b, frames, persons, d = xt.shape
        if frames > self.cfg.max_frames:
            raise UsageError(f"{frames} frames is longer than the model's {self.cfg.max_frames}")
        device = xt.device
        partner = cond.uses("partner", device)
        if cond.partner is not None:
            given = cond.partner.to(xt.dtype)
            xt = torch.cat([torch.where(partner[:, None, None], given, xt[:, :, 0])[:, :, None], xt[:, :, 1:]], 2)
        tokens_per_stream = -(-frames // self.patch)
        real = torch.where(mask[:, :, None, None], xt, 0.0)                  # padding never leaks into a patch
        padded = F.pad(real, (0, 0, 0, 0, 0, tokens_per_stream * self.patch - frames))  # (B, N P, 2, D)
        patches = padded.reshape(b, tokens_per_stream, self.patch, persons, d).transpose(2, 3)
        h = self.input(patches.reshape(b, tokens_per_stream, persons, -1)).permute(0, 2, 1, 3)
        h = (h + self.positions[:tokens_per_stream]).reshape(b * persons, tokens_per_stream, -1)  # (2B, N, W)
        time = self.time_vectors(t, cond, device)                                       # (B, 2, W)
        cond_vec = self.condition_vectors(time, cond, mask).reshape(b * persons, -1)  # (2B, W)
        patch_mask = F.pad(mask, (0, tokens_per_stream * self.patch - frames)).reshape(b, tokens_per_stream, -1).any(-1)
        frame_mask = patch_mask.repeat_interleave(persons, dim=0)                       # (2B, N)
        if self.token_proj is not None:
            if cond.tokens is not None:
                raw, token_mask = cond.tokens[:, :self.cfg.text_tokens], cond.token_mask[:, :self.cfg.text_tokens]
            else:  # no tokens at all: one masked-out placeholder keeps every parameter in use
                raw = h.new_zeros(b, 1, self.text_dim)
                token_mask = torch.zeros(b, 1, dtype=torch.bool, device=device)
            tokens = self.token_proj(raw.to(h.dtype)).repeat_interleave(persons, dim=0)   # (2B, L, W)
            token_mask = (token_mask & cond.uses("text", device)[:, None]).repeat_interleave(persons, dim=0)
        else:
            tokens = h.new_zeros(b * persons, 0, h.shape[-1])
            token_mask = frame_mask.new_zeros(b * persons, 0)
        for block in self.blocks:
            other = h.reshape(b, persons, tokens_per_stream, -1).flip(1).reshape(b * persons, tokens_per_stream, -1)
            h = block(h, other, cond_vec, tokens, token_mask, frame_mask)
        shift, scale = self.final_modulation(F.silu(cond_vec)).chunk(2, dim=-1)
        out = self.output(_modulate(self.final_norm(h), shift, scale))                # (2B, N, P D)
        out = out.reshape(b, persons, tokens_per_stream * self.patch, d)[:, :, :frames].permute(0, 2, 1, 3)
        return out + self.skip(xt, time, mask)
