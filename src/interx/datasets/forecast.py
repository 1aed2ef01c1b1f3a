"""The project's two-person forecasting protocol and its windows over a cache split.

Inter-X has no forecasting benchmark; interx defines this one (also in the README):

- Rate: 30 fps (the cache's model rate; every 4th frame of the 120 fps release).
- Input: `observe` = 30 frames (1 s) of both people. Output: the next
  `predict` = 60 frames (2 s) of both people. A window is 90 consecutive frames.
- Joints: the 22 body joints (`interx.body.joints.BODY`) by default; with
  `joints="body+hands"` the 52 joints of `BODY_AND_HANDS` (body then both hands).
- Windows come from the official splits of the cache: training windows start
  every `train_stride` = 5 frames of each train sequence; evaluation windows
  (val, test) are non-overlapping (stride 90), so no frame is scored twice and
  no test frame is ever seen in training (the splits are disjoint sequences).
  A sequence shorter than 90 frames gives no window.
- Frame of a window (canonical window frame): one rigid transform per window,
  x' = R_y(yaw) x + t (yaw about +y, then a translation; the (4,) array
  (yaw, tx, ty, tz) of `interx.features.frames`), chosen so that person 1's
  root (pelvis) at the LAST OBSERVED frame sits at the origin (all three
  coordinates) facing +z (facing from the hips, `facing_yaw`). It uses observed
  frames only, so nothing of the future leaks into the input. Both people are
  moved by the same transform; `from_window_frame` maps predictions back with
  the inverse transform.
- Metrics (`interx.eval.forecast`): MPJPE at 0.5, 1.0, 1.5 and 2.0 s (future
  frames 15, 30, 45, 60), ADE/FDE, root-aligned and per-person rigid-aligned
  errors and the inter-person root distance error, in meters, in the window
  frame (a rigid transform of both people leaves every one of them unchanged).

Glossary: B windows, T frames, P = 2 persons (P1 first), J joints, meters.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from interx.body.joints import JOINT_INDEX
from interx.data.types import MODEL_FPS
from interx.datasets.pairs import JOINT_SETS, augment_pair, subset_mirror
from interx.errors import UsageError
from interx.eval.forecast import DEFAULT_HORIZONS
from interx.features.frames import facing_yaw, yaw_matrix

ROOT = JOINT_INDEX["pelvis"]  # index 0 in every joint set (the sets start with the body)


@dataclass(frozen=True)
class ForecastProtocol:
    """The forecasting protocol's settings (see the module doc); the defaults are the benchmark."""

    observe: int = 30
    """Observed frames (1 s at 30 fps)."""
    predict: int = 60
    """Predicted frames (2 s at 30 fps)."""
    fps: float = MODEL_FPS
    """Frame rate of windows and metrics."""
    joints: Literal["body", "body+hands"] = "body"
    """Joint set: the 22 body joints, or body and both hands (52)."""
    train_stride: int = 5
    """Frames between the starts of consecutive training windows."""
    horizons: tuple[float, ...] = DEFAULT_HORIZONS
    """Seconds at which MPJPE is reported."""

    @property
    def window(self) -> int:
        """Frames in one window (observed + predicted)."""
        return self.observe + self.predict

    @property
    def joint_indices(self) -> tuple[int, ...]:
        """Indices into the 55 SMPL-X joints of the protocol's J joints."""
        return JOINT_SETS[self.joints]

    @property
    def num_joints(self) -> int:
        return len(self.joint_indices)

    def stride(self, split: str) -> int:
        """Window stride on a split: `train_stride` on train, non-overlapping elsewhere."""
        return self.train_stride if split == "train" else self.window


def window_starts(length: int, window: int, stride: int) -> np.ndarray:
    """First frames of the windows of `window` frames every `stride` frames in a sequence of `length`."""
    if window <= 0 or stride <= 0:
        raise UsageError(f"window ({window}) and stride ({stride}) must be positive")
    return np.arange(0, max(length - window + 1, 0), stride, dtype=np.int64)


def split_windows(lengths: Sequence[int], window: int, stride: int) -> np.ndarray:
    """(N, 2) int64 rows (sequence index, first frame) of every window of a split, sequence by sequence."""
    rows = [np.stack([np.full(len(s), i), s], axis=1)
            for i, s in enumerate(window_starts(int(n), window, stride) for n in lengths)]
    return np.concatenate(rows).astype(np.int64) if rows else np.zeros((0, 2), np.int64)


# ---------------------------------------------------------------------------------------
# The window frame


def window_transform(history: np.ndarray) -> np.ndarray:
    """The transform of each window: P1's root at the last observed frame to the origin, facing +z.

    Args:
        history: (..., T_obs, 2, J, 3) observed joints (J >= 22, the SMPL-X order's first joints).

    Returns:
        (..., 4) float64 (yaw, tx, ty, tz) with x' = R_y(yaw) x + t.
    """
    last = np.asarray(history, dtype=np.float64)[..., -1, 0, :, :]       # (..., J, 3) P1 at the last frame
    yaw = facing_yaw(last)                                                 # (...)
    root = np.einsum("...ij,...j->...i", yaw_matrix(yaw), last[..., ROOT, :])
    return np.concatenate([yaw[..., None], -root], axis=-1)


def _moved(points: np.ndarray, yaw: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """points (B, ..., 3) rotated by R_y(yaw[b]) then shifted by shift[b] (B, 3), float64."""
    b = points.shape[0]
    flat = points.reshape(b, -1, 3).astype(np.float64)
    out = np.einsum("bij,bnj->bni", yaw_matrix(yaw), flat) + shift[:, None, :]
    return out.reshape(points.shape)


def to_window_frame(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Points (B, ..., 3) of B windows moved by their transforms (B, 4): x' = R_y(yaw) x + t; float32."""
    points, transform = np.asarray(points), np.asarray(transform, dtype=np.float64)
    return _moved(points, transform[:, 0], transform[:, 1:]).astype(np.float32)


def from_window_frame(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """Inverse of `to_window_frame`: x = R_y(-yaw) (x' - t), points (B, ..., 3), transforms (B, 4); float32."""
    points, transform = np.asarray(points, dtype=np.float64), np.asarray(transform, dtype=np.float64)
    shifted = points - transform[:, 1:].reshape((-1,) + (1,) * (points.ndim - 2) + (3,))
    return _moved(shifted, -transform[:, 0], np.zeros_like(transform[:, 1:])).astype(np.float32)


def canonical_windows(motion: np.ndarray, observe: int) -> tuple[np.ndarray, np.ndarray]:
    """Windows (B, T, 2, J, 3) in any frame -> the same windows in their window frames, and the transforms.

    Args:
        motion: (B, T, 2, J, 3) joints; the first `observe` frames are the observed ones.
        observe: observed frames (the transform looks at frame observe - 1 only).

    Returns:
        (B, T, 2, J, 3) float32 moved windows and (B, 4) float64 transforms.
    """
    transform = window_transform(np.asarray(motion)[:, :observe])
    return to_window_frame(motion, transform), transform


# ---------------------------------------------------------------------------------------
# Windows of a cache split


@dataclass(frozen=True)
class WindowArrays:
    """A set of windows in their window frames, in one block.

    Attributes:
        history: (B, observe, 2, J, 3) float32 observed joints.
        future: (B, predict, 2, J, 3) float32 true future joints.
        transform: (B, 4) float64 official frame -> window frame.
        sequence: (B,) int64 sequence index in the split; start: (B,) int64 first frame.
        actor: (B,) int64 index (0/1) of the sequence's actor, -1 when unknown.
    """

    history: np.ndarray
    future: np.ndarray
    transform: np.ndarray
    sequence: np.ndarray
    start: np.ndarray
    actor: np.ndarray

    def __len__(self) -> int:
        return len(self.sequence)


class ForecastWindows:
    """The protocol's windows of one cache split, as a map-style dataset.

    Args:
        split: a `CacheSplit` (joints (T, 2, 55, 3) per sequence, official frame, 30 fps).
        protocol: the forecasting protocol.
        stride: frames between window starts (default: `protocol.stride(split.name)`).
        augment: training draws (`draw(index, rng)`) swap the two people and mirror
            left/right, each with p = 0.5, before the window frame is taken (P1 of
            the drawn window is whoever comes first after the swap).

    Item i is a dict: history (observe, 2, J, 3) and future (predict, 2, J, 3)
    float32 in the window frame, transform (4,), sequence and start (ints).
    """

    def __init__(self, split, protocol: ForecastProtocol = ForecastProtocol(), stride: int | None = None,
                 augment: bool = False):
        if abs(float(split.fps) - protocol.fps) > 1e-6:
            raise UsageError(f"the cache runs at {split.fps:g} fps, the protocol at {protocol.fps:g}")
        self.split, self.protocol = split, protocol
        self.stride = protocol.stride(split.name) if stride is None else stride
        self.windows = split_windows(split.lengths, protocol.window, self.stride)
        self._joints = np.asarray(protocol.joint_indices)
        self.augment = augment
        self._mirror = subset_mirror(protocol.joint_indices)

    def __len__(self) -> int:
        return len(self.windows)

    def raw(self, index: int) -> np.ndarray:
        """(window, 2, J, 3) float32 joints of window `index` in the cache's official frame."""
        seq, start = (int(v) for v in self.windows[index])
        return np.asarray(self.split.joints(seq)[start:start + self.protocol.window][:, :, self._joints],
                          dtype=np.float32)

    def __getitem__(self, index: int) -> dict:
        return self._item(index, self.raw(index))

    def draw(self, index: int, rng: np.random.Generator) -> dict:
        """A training item: window `index`, augmented when `augment` (see the class doc)."""
        raw = self.raw(index)
        return self._item(index, augment_pair(raw, self._mirror, rng) if self.augment else raw)

    def _item(self, index: int, raw: np.ndarray) -> dict:
        moved, transform = canonical_windows(raw[None], self.protocol.observe)
        seq, start = (int(v) for v in self.windows[index])
        return {"history": moved[0, :self.protocol.observe], "future": moved[0, self.protocol.observe:],
                "transform": transform[0], "sequence": seq, "start": start}

    def arrays(self, indices: Sequence[int] | None = None) -> WindowArrays:
        """The windows (all, or `indices`) in one block (for evaluation)."""
        indices = np.arange(len(self)) if indices is None else np.asarray(indices, dtype=np.int64)
        count, obs = len(indices), self.protocol.observe
        raw = (np.stack([self.raw(int(i)) for i in indices]) if count else
               np.zeros((0, self.protocol.window, 2, self.protocol.num_joints, 3), np.float32))
        moved, transform = canonical_windows(raw, obs) if count else (raw, np.zeros((0, 4)))
        sequence, start = self.windows[indices, 0], self.windows[indices, 1]
        actors = np.array([-1 if a is None else int(a) for a in self.split.actors], dtype=np.int64)
        return WindowArrays(history=moved[:, :obs], future=moved[:, obs:], transform=transform,
                            sequence=sequence, start=start, actor=actors[sequence] if count else sequence)


def collate_windows(items: Sequence[dict]):
    """List of window items -> dict of batched torch tensors (history, future, transform (B, 4) float32)."""
    import torch

    return {
        "history": torch.from_numpy(np.stack([it["history"] for it in items])),
        "future": torch.from_numpy(np.stack([it["future"] for it in items])),
        "transform": torch.from_numpy(np.stack([it["transform"] for it in items]).astype(np.float32)),
    }
