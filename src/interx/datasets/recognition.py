"""Interaction recognition samples: both people's joints over a fixed number of frames, and the class.

Each sequence of a cache split (joints (T, 2, 55, 3) at 30 fps, official frame)
becomes `frames` frames spread evenly over the whole sequence (the usual
skeleton-recognition resize; frames repeat when the sequence is shorter), on
the recogniser's joint set. Evaluation samples are deterministic; training
draws (`draw(index, rng)`) add:

- a random crop keeping 80-100 % of the sequence, then jittered even sampling;
- swapping the two people (p = 0.5): the class never depends on who is P1;
- mirroring left and right (p = 0.5): x -> -x and every left joint exchanged
  with its right twin (no Inter-X class depends on the side).

The recogniser normalises position and facing itself, so samples stay in the
cache's frame.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.datasets.pairs import JOINT_SETS, augment_pair, subset_mirror
from interx.errors import UsageError

CROP_RANGE = (0.8, 1.0)  # share of the sequence a training crop keeps


def even_frames(length: int, count: int, rng: np.random.Generator | None = None, start: float = 0.0,
                span: float | None = None) -> np.ndarray:
    """(count,) int64 frame indices spread evenly over [start, start + span) of a sequence of `length` frames.

    Without `rng` each index is the centre of its slot; with it, a uniform
    random point of the slot (jitter).
    """
    if length <= 0 or count <= 0:
        raise UsageError(f"cannot sample {count} frames from a sequence of {length}")
    span = float(length) if span is None else span
    offset = 0.5 if rng is None else rng.uniform(0.0, 1.0, count)
    position = start + (np.arange(count) + offset) * span / count
    return np.clip(np.floor(position), 0, length - 1).astype(np.int64)


class RecognitionSet:
    """Recognition samples of one cache split, as a map-style dataset with training draws.

    Args:
        split: a `CacheSplit`.
        frames: frames per sample.
        joints: joint set, 'body' (22) or 'body+hands' (52).

    Items are dicts: pairs (frames, 2, J, 3) float32 meters, label (int).
    `labels` holds every sequence's class (for class-balanced sampling).
    """

    def __init__(self, split, frames: int = 32, joints: str = "body"):
        if joints not in JOINT_SETS:
            raise UsageError(f"joints must be one of {', '.join(JOINT_SETS)}, not {joints!r}")
        self.split, self.frames = split, frames
        self.joint_indices = np.asarray(JOINT_SETS[joints])
        self.mirror = subset_mirror(JOINT_SETS[joints])
        self.labels = [int(a) for a in split.actions]

    def __len__(self) -> int:
        return len(self.labels)

    def _pairs(self, index: int, frames: np.ndarray) -> np.ndarray:
        joints = self.split.joints(index)
        return np.asarray(joints[frames][:, :, self.joint_indices], dtype=np.float32)

    def __getitem__(self, index: int) -> dict:
        length = int(self.split.lengths[index])
        return {"pairs": self._pairs(index, even_frames(length, self.frames)), "label": self.labels[index]}

    def draw(self, index: int, rng: np.random.Generator) -> dict:
        """A training sample: random crop, jittered sampling, random swap and mirror (see the module doc)."""
        length = int(self.split.lengths[index])
        span = length * rng.uniform(*CROP_RANGE)
        start = rng.uniform(0.0, length - span)
        pairs = self._pairs(index, even_frames(length, self.frames, rng, start, span))
        return {"pairs": augment_pair(pairs, self.mirror, rng), "label": self.labels[index]}


def collate_recognition(items: Sequence[dict]):
    """List of items -> {"pairs": (B, frames, 2, J, 3) float32 tensor, "label": (B,) int64 tensor}."""
    import torch

    return {"pairs": torch.from_numpy(np.stack([it["pairs"] for it in items])),
            "label": torch.tensor([it["label"] for it in items], dtype=torch.int64)}
