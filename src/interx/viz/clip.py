"""A motion clip to look at: both people's joints over time, plus what to show beside them.

Glossary: T frames, P = 2 persons, J = 55 joints (SMPL-X order). Joints are
world positions in meters, y up, at the clip's `fps`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from interx.body.joints import NUM_JOINTS
from interx.errors import UsageError

SYNC_MODES = ("pad", "trim")


@dataclass(frozen=True)
class MotionClip:
    """Two people's joints and their annotations.

    Attributes:
        joints: (T, 2, 55, 3) float32 world joints, meters, y up, at `fps`.
        fps: frames per second.
        title: shown above the clip's panel (e.g. "truth", "generated").
        texts: descriptions of the interaction, shown as the caption.
        contact: optional (T,) bool, frames on which the two people touch; None
            means "compute it from the joints" (`interx.viz.contact`).
    """

    joints: np.ndarray
    fps: float
    title: str = ""
    texts: tuple[str, ...] = ()
    contact: np.ndarray | None = None

    def __post_init__(self) -> None:
        joints = np.asarray(self.joints, dtype=np.float32)
        if joints.ndim != 4 or joints.shape[1:] != (2, NUM_JOINTS, 3):
            raise UsageError(f"clip {self.title!r}: joints have shape {joints.shape}, expected (T, 2, 55, 3)")
        if joints.shape[0] == 0:
            raise UsageError(f"clip {self.title!r} has no frames")
        if not self.fps > 0:
            raise UsageError(f"clip {self.title!r}: fps must be positive, got {self.fps}")
        object.__setattr__(self, "joints", joints)
        object.__setattr__(self, "fps", float(self.fps))
        object.__setattr__(self, "texts", tuple(self.texts))
        if self.contact is not None:
            contact = np.asarray(self.contact, dtype=bool)
            if contact.shape != (joints.shape[0],):
                raise UsageError(f"clip {self.title!r}: contact has shape {contact.shape}, expected ({len(joints)},)")
            object.__setattr__(self, "contact", contact)

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])

    @property
    def duration(self) -> float:
        """Seconds from the first to one frame past the last."""
        return self.num_frames / self.fps

    def take(self, index: np.ndarray, fps: float | None = None) -> "MotionClip":
        """A clip of the frames at `index` (T',) int, optionally at a new rate."""
        index = np.asarray(index, dtype=np.int64)
        return replace(self, joints=self.joints[index], fps=self.fps if fps is None else fps,
                       contact=None if self.contact is None else self.contact[index])


def resample_index(num_frames: int, fps_in: float, fps_out: float) -> np.ndarray:
    """Source frame of each output frame: the nearest earlier-or-equal frame in time.

    Output frame k shows time k / fps_out; there are as many as fit in the
    source's span (frame 0 to frame T - 1). 120 -> 30 fps takes every 4th frame.

    Returns:
        (T_out,) int64 indices into the source frames.
    """
    if not fps_out > 0:
        raise UsageError(f"fps must be positive, got {fps_out}")
    span = (num_frames - 1) / fps_in
    count = int(np.floor(span * fps_out + 1e-6)) + 1
    return np.minimum(np.floor(np.arange(count) * fps_in / fps_out + 1e-6).astype(np.int64), num_frames - 1)


def at_fps(clip: MotionClip, fps: float) -> MotionClip:
    """The clip resampled to `fps` (nearest earlier frame; exact when fps divides the source rate)."""
    if fps == clip.fps:
        return clip
    return clip.take(resample_index(clip.num_frames, clip.fps, fps), fps=fps)


def parse_seconds(text: str) -> tuple[float | None, float | None]:
    """Parse 'A:B', 'A:' or ':B' (seconds) into (start, end); None is open."""
    parts = text.split(":")
    if len(parts) != 2:
        raise UsageError(f"--seconds {text!r}: expected START:END in seconds, e.g. 1.5:4")
    try:
        start, end = (float(p) if p.strip() else None for p in parts)
    except ValueError:
        raise UsageError(f"--seconds {text!r}: START and END must be numbers") from None
    if (start is not None and start < 0) or (start is not None and end is not None and end <= start):
        raise UsageError(f"--seconds {text!r}: need 0 <= START < END")
    return start, end


def cut(clip: MotionClip, start: float | None, end: float | None) -> MotionClip:
    """The frames whose time t = k / fps lies in [start, end) seconds (None: open)."""
    times = np.arange(clip.num_frames) / clip.fps
    keep = np.ones(clip.num_frames, dtype=bool)
    if start is not None:
        keep &= times >= start - 1e-9
    if end is not None:
        keep &= times < end - 1e-9
    if not keep.any():
        raise UsageError(f"clip {clip.title!r} ({clip.duration:.2f} s) has no frames in {start}:{end} s")
    return clip.take(np.flatnonzero(keep))


def synchronise(clips: Sequence[MotionClip], mode: str = "pad") -> list[MotionClip]:
    """Give every clip the same frame count: 'pad' repeats each clip's last frame up to the
    longest, 'trim' cuts every clip to the shortest. Clips must share one fps."""
    if mode not in SYNC_MODES:
        raise UsageError(f"sync mode {mode!r}: expected one of {', '.join(SYNC_MODES)}")
    if len({c.fps for c in clips}) > 1:
        raise UsageError("clips to synchronise must share one frame rate")
    lengths = [c.num_frames for c in clips]
    target = max(lengths) if mode == "pad" else min(lengths)
    return [c.take(np.minimum(np.arange(target), c.num_frames - 1)) for c in clips]
