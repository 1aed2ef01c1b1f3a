"""Tiny, structurally valid Inter-X folders for tests (random content, written with the toolkit's writers)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interx.data.names import format_name
from interx.data.processed import write_processed
from interx.data.raw import write_release
from interx.data.splits import make_split
from interx.data.types import MODEL_FPS, RAW_FPS, Interaction, PersonMotion

GROUPS = (1, 2, 3, 4)
ACTIONS = (0, 1, 2)
FRAMES = 100  # 25 frames at 30 fps: long enough for the official processing


def random_person(rng: np.random.Generator, frames: int, fps: float = RAW_FPS, gender: str = "neutral",
                  extras: bool = False) -> PersonMotion:
    """Small random axis-angle, translation near the origin (pelvis ~0.9 m up), random betas."""
    def aa(*shape):
        return (0.2 * rng.standard_normal((frames, *shape))).astype(np.float32)

    trans = (np.array([0.0, 0.9, 0.0]) + 0.3 * rng.standard_normal((frames, 3))).astype(np.float32)
    return PersonMotion(
        root_orient=aa(3), pose_body=aa(21, 3), pose_lhand=aa(15, 3), pose_rhand=aa(15, 3), trans=trans,
        betas=rng.standard_normal(10).astype(np.float32), gender=gender, fps=fps,
        pose_jaw=aa(3) if extras else None, pose_eye=aa(2, 3) if extras else None,
        face_expr=aa(10) if extras else None,
    )


def random_interaction(rng: np.random.Generator, name: str, frames: int = FRAMES, fps: float = RAW_FPS,
                       familiarity: int | None = None, actor: int | None = None) -> Interaction:
    action = int(name[9:12])
    persons = (random_person(rng, frames, fps, "male"), random_person(rng, frames, fps, "female"))
    texts = (f"Two people perform action {action}.", "One person starts, the other answers.")
    return Interaction(name=name, persons=persons, texts=texts, action=action, familiarity=familiarity, actor=actor)


def release_names(groups=GROUPS, actions=ACTIONS) -> list[str]:
    return [format_name(g, 0, a, 0) for g in groups for a in actions]


def write_tiny_release(root: Path, seed: int = 0, groups=GROUPS, actions=ACTIONS, frames: int = FRAMES) -> list[str]:
    """A complete raw release: motions, texts, official and cross-group splits, all annotations."""
    rng = np.random.default_rng(seed)
    names = release_names(groups, actions)
    interactions = (
        random_interaction(rng, name, frames, familiarity=1 + int(name[1:4]) % 4, actor=int(name[13:16]) % 2)
        for name in names
    )
    return write_release(
        root, interactions,
        splits=make_split(names, fractions=(1, 1, 1), seed=seed),
        cross_group=make_split(names, fractions=(0.5, 0.25, 0.25), seed=seed, by_group=True),
        big_five=rng.uniform(1, 5, (2 * max(groups), 5)).astype(np.float32),
    )


def write_tiny_processed(root: Path, seed: int = 0, frames: int = 30) -> dict[str, list[str]]:
    """A processed release (30 fps) with the tiny release's names spread over train/val/test."""
    rng = np.random.default_rng(seed)
    names = release_names()
    splits = make_split(names, fractions=(1, 1, 1), seed=seed)
    return write_processed(root, {
        split: [random_interaction(rng, name, frames, fps=MODEL_FPS) for name in split_names]
        for split, split_names in splits.items()
    })
