"""Resampling motion to the model rate (30 fps) from whatever rate a file was written at.

Rules (rates in frames per second, `ratio = fps / target`):

- integer ratio (120 -> 30, 60 -> 30, 30 -> 30): keep every `ratio`-th frame
  starting at frame 0, exactly as the official Inter-X processing does
  (`array[::4]` from 120 fps). No value is changed.
- any other ratio (e.g. 50 -> 30, or 20 -> 30): sample at times n / target for
  n = 0, 1, ... up to the last source frame; rotations are interpolated by
  quaternion slerp between the two neighbouring frames, translations (and
  facial expression coefficients) linearly. Shape coefficients are kept.

Frame counts: integer ratio k gives ceil(T / k) frames; otherwise
floor((T - 1) * target / fps) + 1 frames.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from interx.body import rotations
from interx.data.types import MODEL_FPS, Interaction, PersonMotion
from interx.errors import UsageError

_RATIO_TOLERANCE = 1e-6


def integer_ratio(fps: float, target: float = MODEL_FPS) -> int | None:
    """fps / target when it is a whole number >= 1 (the frames to step), else None."""
    if fps <= 0 or target <= 0:
        raise UsageError(f"frame rates must be positive, not {fps:g} -> {target:g}")
    ratio = fps / target
    step = round(ratio)
    return int(step) if step >= 1 and abs(ratio - step) < _RATIO_TOLERANCE else None


def resampled_length(num_frames: int, fps: float, target: float = MODEL_FPS) -> int:
    """Number of frames `num_frames` frames at `fps` become at `target` fps."""
    if num_frames <= 0:
        return 0
    step = integer_ratio(fps, target)
    if step is not None:
        return -(-num_frames // step)
    return int(np.floor((num_frames - 1) * target / fps + _RATIO_TOLERANCE)) + 1


def sample_positions(num_frames: int, fps: float,
                     target: float = MODEL_FPS) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Where each output frame falls in the source: (lower index (N,), upper index (N,), fraction (N,) float32).

    Output frame n sits at source position n * fps / target, between frames
    `lower` and `upper = min(lower + 1, T - 1)` at `fraction` in [0, 1).
    """
    count = resampled_length(num_frames, fps, target)
    position = np.arange(count, dtype=np.float64) * (fps / target)
    lower = np.minimum(np.floor(position + _RATIO_TOLERANCE).astype(np.int64), num_frames - 1)
    fraction = np.clip(position - lower, 0.0, 1.0)
    fraction[fraction < _RATIO_TOLERANCE] = 0.0
    upper = np.minimum(lower + 1, num_frames - 1)
    return lower, upper, fraction.astype(np.float32)


def resample_rotations(aa: np.ndarray, fps: float, target: float = MODEL_FPS) -> np.ndarray:
    """Axis-angle rotations (T, ..., 3) at `fps` -> (T', ..., 3) float32 at `target` (slice or slerp)."""
    aa = np.asarray(aa, dtype=np.float32)
    step = integer_ratio(fps, target)
    if step is not None:
        return aa[::step]
    lower, upper, fraction = sample_positions(aa.shape[0], fps, target)
    q0, q1 = rotations.aa_to_quat(aa[lower]), rotations.aa_to_quat(aa[upper])
    t = fraction.reshape((-1,) + (1,) * (aa.ndim - 2))
    return rotations.quat_to_aa(rotations.quat_slerp(q0, q1, t)).astype(np.float32)


def resample_linear(values: np.ndarray, fps: float, target: float = MODEL_FPS) -> np.ndarray:
    """Values (T, ...) at `fps` -> (T', ...) float32 at `target` (slice or linear interpolation)."""
    values = np.asarray(values, dtype=np.float32)
    step = integer_ratio(fps, target)
    if step is not None:
        return values[::step]
    lower, upper, fraction = sample_positions(values.shape[0], fps, target)
    t = fraction.reshape((-1,) + (1,) * (values.ndim - 1))
    return ((1.0 - t) * values[lower] + t * values[upper]).astype(np.float32)


def resample_person(person: PersonMotion, target: float = MODEL_FPS) -> PersonMotion:
    """The person's motion at `target` fps (unchanged object when already there)."""
    if person.fps == target:
        return person
    step = integer_ratio(person.fps, target)
    if step is not None:
        return person.frames(slice(None, None, step), fps=target)

    def rot(a):
        return None if a is None else resample_rotations(a, person.fps, target)

    def lin(a):
        return None if a is None else resample_linear(a, person.fps, target)

    return PersonMotion(
        root_orient=rot(person.root_orient), pose_body=rot(person.pose_body),
        pose_lhand=rot(person.pose_lhand), pose_rhand=rot(person.pose_rhand),
        trans=lin(person.trans), betas=person.betas, gender=person.gender, fps=float(target),
        pose_jaw=rot(person.pose_jaw), pose_eye=rot(person.pose_eye), face_expr=lin(person.face_expr),
    )


def resample_interaction(interaction: Interaction, target: float = MODEL_FPS) -> Interaction:
    """Both people at `target` fps; texts, action and metadata kept."""
    persons = tuple(resample_person(p, target) for p in interaction.persons)
    return replace(interaction, persons=persons)
