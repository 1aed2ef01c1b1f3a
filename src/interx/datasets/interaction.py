"""Torch-ready items for the interaction generator, from a cache split.

An item is a dict (numpy, unnormalised; `collate_generator` batches them):

| key | | |
| --- | --- | --- |
| motion | (T, 2, D) float32 | model representation (`interx.features.model_repr`), T <= max_frames at 30 fps |
| text | str | one of the sequence's descriptions ('' when it has none) |
| action | int | class id 0-39 |
| use_text, use_action, use_partner | bool | which conditions this item trains (per task, below) |

Tasks (which conditions an item carries; classifier-free dropout happens in the model):

| task | conditions |
| --- | --- |
| text | text |
| action | action |
| reaction | partner (the actor, person 0) and text |
| all | text with p = 0.7, action with p = 0.7, partner with p = 0.3, independently (validation: text and action, partner on odd items) |

Person order: the actor first (`CacheSplit.actors`, the release's interaction
order) with `actor_first` (the default); a sequence whose actor is unknown keeps
the cache's order (P1 first) and is swapped with `swap_prob`. Without
`actor_first` only reactions put the actor first (P1 when unknown) and every
other item is swapped with `swap_prob`, as InterGen trains. A description says
who does what ("one person slaps the other"); with the people in random order a
model cannot tell from it which of its two streams is the one slapping, so its
early, noisy estimates average the two roles and the one-limb interactions came
out blurred. Measured (`tiny`, 4,000 steps, 96 test captions, the project's
evaluator): top-3 R-precision 0.43 with random order, 0.59 with the actor first.
Samples of such a model have the actor as P1 (`generator_sampling`). Whenever the order
changes or a window is cut from a longer sequence, the pair is re-canonicalised
so person 0 starts at the origin facing +z (`model_repr.recanonicalise`).

Windows (`draw`, training only): a sequence longer than `max_frames` gives a
random window (as InterGen), or its first window to an item without a partner
with `first_window_prob`. The official protocol compares a sample with the
first 150 frames of its sequence, and a description tells the interaction from
its start, so first windows looked like the better match. On a model with
the people in random order they made no difference (top-3 0.398 against 0.402,
diversity 0.99 against 1.08); on the actor-first model with role vectors they
scored 0.62 and 0.58 in two runs against 0.54 for random windows (about 3,500
steps, within a noise near 0.05), so the `tiny` preset takes them (see
`interx.models.generator`) and the default stays random windows, InterGen's
choice for longer training. Reactions always take random windows: a given
partner fixes the phase, and long reactions are generated window by window.

Augmentation (`draw`, training only): a random description, the two people swapped with
`swap_prob` (only where the person order above leaves it free), mirrored
left/right with `mirror_prob` (the text edited to match: `interx.text.swap_left_right`).
`__getitem__` is the deterministic variant (first window, first text, no augmentation).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import torch

from interx.errors import UsageError
from interx.features import model_repr as mr
from interx.text.edit import swap_left_right

Task = Literal["text", "action", "reaction", "all"]
TASKS: tuple[str, ...] = ("text", "action", "reaction", "all")


def trained_conditions(task: str) -> frozenset[str]:
    """The conditions (`denoiser.CONDITIONS` names) a model trained on `task` has learned to read (table above)."""
    return frozenset({"text": ("text",), "action": ("action",), "reaction": ("text", "partner"),
                      "all": ("text", "action", "partner")}[task])


@dataclass(frozen=True)
class GeneratorDataConfig:
    """How the generator's training items are made."""

    task: Task = "text"
    """Which conditions to train: text, action, reaction or all (see the module doc)."""
    max_frames: int = 300
    """Longest window in frames at 30 fps (longer sequences give windows, see `first_window_prob`)."""
    first_window_prob: float = 0.0
    """Probability that an item without a partner takes a longer sequence's first window (else a random one)."""
    min_frames: int = 24
    """Shorter sequences are skipped (the official processing drops under 24)."""
    actor_first: bool = True
    """Put the actor (`CacheSplit.actors`) first in every item, as reactions always do; `swap_prob` then
    applies only to sequences whose actor is unknown (module doc)."""
    swap_prob: float = 0.5
    """Probability of exchanging the two people where the person order leaves it free (module doc)."""
    mirror_prob: float = 0.5
    """Probability of mirroring left <-> right (text edited to match)."""
    all_text_prob: float = 0.7
    """Task 'all': probability that an item carries its text."""
    all_action_prob: float = 0.7
    """Task 'all': probability that an item carries its action label."""
    all_partner_prob: float = 0.3
    """Task 'all': probability that an item is a reaction (actor given)."""


class InteractionDataset(torch.utils.data.Dataset):
    """Generator items from one cache split (module doc).

    Args:
        split: an opened `CacheSplit`.
        rep: the model representation.
        config: task, window length and augmentation.
    """

    def __init__(self, split, rep: mr.ModelRepresentation, config: GeneratorDataConfig):
        if config.task not in TASKS:
            raise UsageError(f"task must be one of {', '.join(TASKS)}, not {config.task!r}")
        self.split, self.rep, self.config = split, rep, config
        lengths = np.asarray(split.lengths)
        self.indices = np.flatnonzero(lengths >= config.min_frames)
        self.labels = np.asarray(split.actions)[self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def texts(self) -> list[str]:
        """Every description an item can carry (with their mirrored versions when mirroring is on)."""
        texts = [t for i in self.indices for t in self.split.texts[i]]
        if self.config.mirror_prob > 0:
            texts += [swap_left_right(t) for t in texts]
        return list(dict.fromkeys(texts))

    def _conditions(self, position: int, rng: np.random.Generator | None) -> tuple[bool, bool, bool]:
        task, cfg = self.config.task, self.config
        if task != "all":
            trained = trained_conditions(task)
            return "text" in trained, "action" in trained, "partner" in trained
        if rng is None:
            return True, True, position % 2 == 1
        u = rng.random(3)
        return bool(u[0] < cfg.all_text_prob), bool(u[1] < cfg.all_action_prob), bool(u[2] < cfg.all_partner_prob)

    def _item(self, position: int, rng: np.random.Generator | None) -> dict:
        index = int(self.indices[position])
        split, cfg = self.split, self.config
        use_text, use_action, use_partner = self._conditions(position, rng)
        texts = split.texts[index]
        text = (texts[int(rng.integers(len(texts)))] if rng is not None else texts[0]) if texts else ""
        frames = int(split.lengths[index])
        start = 0
        if rng is not None and frames > cfg.max_frames and (use_partner or rng.random() >= cfg.first_window_prob):
            start = int(rng.integers(frames - cfg.max_frames + 1))
        first = self._actor_index(index, use_partner)
        if first is None:
            first = 1 if rng is not None and rng.random() < cfg.swap_prob else 0
        motion = self._window(mr.canonical_parameters(split.item(index)), start, first)
        if rng is not None and rng.random() < cfg.mirror_prob:
            motion = mr.mirror(motion, self.rep)
            text = swap_left_right(text)
        return {"motion": motion, "text": text if use_text and texts else "", "action": int(split.actions[index]),
                "use_text": bool(use_text and texts), "use_action": use_action, "use_partner": use_partner}

    def _actor_index(self, index: int, use_partner: bool) -> int | None:
        """The person that goes first when the person order fixes it (module doc), else None (free to swap)."""
        actor = self.split.actors[index]
        if use_partner or (self.config.actor_first and actor is not None):
            return 1 if actor == 1 else 0
        return None

    def _window(self, parameters: tuple[np.ndarray, np.ndarray], start: int, first: int) -> np.ndarray:
        """Features (T, 2, D) of the window at `start`, person `first` first (re-canonicalised if cut or swapped)."""
        pose, pelvis = (a[start:start + self.config.max_frames] for a in parameters)
        if first:
            pose, pelvis = pose[:, ::-1], pelvis[:, ::-1]
        if first or start:
            pose, pelvis, _ = mr.recanonicalise(pose, pelvis)
        return mr.encode_parameters(pose, pelvis, self.rep)

    def windows(self, position: int) -> list[np.ndarray]:
        """Features (T, 2, D) of the windows training draws from item `position`, in every person order it uses.

        Windows start every `max_frames // 2` frames (and one ends on the last
        frame), or at frame 0 alone where training takes only first windows; both
        orders when people are swapped or a partner (either person) may be given.
        Normalisation statistics come from these: the frame a window is
        re-canonicalised in bounds its positions, while a whole long
        sequence (a 30 m chase) would spread them over the room.
        """
        cfg = self.config
        index = int(self.indices[position])
        frames = int(self.split.lengths[index])
        last = max(frames - cfg.max_frames, 0)
        starts = sorted({*range(0, last + 1, max(cfg.max_frames // 2, 1)), last})
        if cfg.first_window_prob >= 1 and cfg.task in ("text", "action"):
            starts = [0]
        orders = (0, 1) if cfg.swap_prob > 0 or cfg.task in ("reaction", "all") else (0,)
        actor = self._actor_index(index, False)
        if actor is not None:
            orders = (actor,)
        parameters = mr.canonical_parameters(self.split.item(index))
        return [self._window(parameters, start, first) for start in starts for first in orders]

    def __getitem__(self, position: int) -> dict:
        return self._item(position, None)

    def draw(self, position: int, rng: np.random.Generator) -> dict:
        return self._item(position, rng)


class GeneratorCollate:
    """Batches generator items: pads motion to the longest, adds masks and text encodings.

    Args:
        text_encoder: a `TextEncoder` (normally a `CachedTextEncoder` that already
            knows every text, so batching never runs the encoder).

    Batch (torch): motion (B, T, 2, D) float32, mask (B, T) bool, text (B, Dt),
    tokens (B, L, Dt), token_mask (B, L) bool (zeros for items without text),
    action (B,) int64, use_text / use_action / use_partner (B,) bool, texts (list of B str).
    """

    def __init__(self, text_encoder):
        self.text_encoder = text_encoder

    def __call__(self, items: Sequence[dict]) -> dict:
        b = len(items)
        frames = max(len(it["motion"]) for it in items)
        dim = items[0]["motion"].shape[-1]
        motion = np.zeros((b, frames, 2, dim), dtype=np.float32)
        mask = np.zeros((b, frames), dtype=bool)
        for i, it in enumerate(items):
            motion[i, :len(it["motion"])] = it["motion"]
            mask[i, :len(it["motion"])] = True
        with_text = [i for i, it in enumerate(items) if it["use_text"]]
        dt = self.text_encoder.dim
        text, tokens, token_mask = torch.zeros(b, dt), torch.zeros(b, 1, dt), torch.zeros(b, 1, dtype=torch.bool)
        if with_text:
            enc = self.text_encoder.encode([items[i]["text"] for i in with_text])
            tokens = torch.zeros(b, max(enc.tokens.shape[1], 1), dt)
            token_mask = torch.zeros(b, tokens.shape[1], dtype=torch.bool)
            rows = torch.as_tensor(with_text)
            text[rows] = enc.sentence
            tokens[rows, :enc.tokens.shape[1]] = enc.tokens
            token_mask[rows, :enc.mask.shape[1]] = enc.mask
        flags = {k: torch.as_tensor([it[k] for it in items], dtype=torch.bool)
                 for k in ("use_text", "use_action", "use_partner")}
        return {"motion": torch.from_numpy(motion), "mask": torch.from_numpy(mask), "text": text, "tokens": tokens,
                "token_mask": token_mask, "action": torch.as_tensor([it["action"] for it in items], dtype=torch.int64),
                "texts": [it["text"] for it in items], **flags}
