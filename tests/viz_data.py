"""Small two-person motions with known geometry for the viz tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interx.body.joints import JOINT_INDEX, NUM_JOINTS
from interx.data.raw import write_release
from interx.data.types import Interaction, PersonMotion

TEXTS = ("One person waves at the other, who waves back.", "Two people greet each other by waving.")


def person(frames: int, fps: float, z: np.ndarray, facing: float, phase: float) -> PersonMotion:
    """A T-posed person at (0, 1.25, z(t)) turned `facing` radians about y, waving both arms
    (shoulders about the forward axis, 1 Hz) and curling the fingers."""
    t = np.arange(frames) / fps
    pose = np.zeros((frames, NUM_JOINTS, 3), np.float32)
    pose[:, 0, 1] = facing
    wave = 0.6 * np.sin(2 * np.pi * t + phase)
    pose[:, JOINT_INDEX["left_shoulder"], 2] = wave
    pose[:, JOINT_INDEX["right_shoulder"], 2] = -wave
    pose[:, 25:55, 2] = 0.3 * (1 + np.sin(2 * np.pi * t))[:, None]
    trans = np.stack([np.zeros(frames), np.full(frames, 1.25), z], axis=1)
    return PersonMotion.from_full_pose(pose, trans, fps=fps)


def interaction(name: str = "G001T000A002R000", frames: int = 60, fps: float = 30.0,
                gap: float | np.ndarray = 1.5, texts=TEXTS) -> Interaction:
    """P1 facing +z and P2 facing -z, pelvises `gap` meters apart along z (scalar or (T,))."""
    gap = np.broadcast_to(np.asarray(gap, np.float64), (frames,))
    p1 = person(frames, fps, -gap / 2, 0.0, 0.0)
    p2 = person(frames, fps, gap / 2, np.pi, 1.0)
    return Interaction(name=name, persons=(p1, p2), texts=tuple(texts), action=int(name[9:12]), familiarity=3)


def write_root(root: Path, interactions, splits: dict[str, list[str]] | None = None) -> Path:
    write_release(root, interactions, splits=splits)
    return root


def write_cache(folder: Path, frames: int = 30) -> tuple[Path, list[str]]:
    """A release of three sequences (one per split) and its cache; returns (cache, names)."""
    from interx.features.cache import build_cache

    names = ["G001T000A002R000", "G002T000A001R000", "G003T000A000R000"]
    root = write_root(folder / "release", [interaction(n, frames=frames) for n in names],
                      splits={"train": names[:1], "val": names[1:2], "test": names[2:]})
    build_cache(root, folder / "cache")
    return folder / "cache", names
