"""Body models behind one small interface, and world joints for people and pairs.

A body model answers `rest_joints(betas, gender) -> (55, 3)`; the same forward
kinematics poses every model. `BuiltinBody` (the license-free skeleton) is the
default; `interx.body.smplx_model.SmplxBody` reads the user's SMPL-X files.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from interx.body import skeleton
from interx.body.kinematics import pose_joints
from interx.data.types import Interaction, PersonMotion


class BodyModel(Protocol):
    name: str

    def rest_joints(self, betas: np.ndarray | None = None, gender: str = "neutral") -> np.ndarray:
        """(55, 3) float32 rest joints for a shape (betas) and gender."""


class BuiltinBody:
    """The built-in skeleton (`interx.body.skeleton`): stature from betas[0], gender ignored."""

    name = "builtin"

    def rest_joints(self, betas: np.ndarray | None = None, gender: str = "neutral") -> np.ndarray:
        return skeleton.rest_joints(betas)


def person_joints(person: PersonMotion, body: BodyModel | None = None) -> np.ndarray:
    """World joints (T, 55, 3) float32 of one person at the person's own frame rate."""
    body = BuiltinBody() if body is None else body
    rest = body.rest_joints(person.betas, person.gender)
    return pose_joints(person.full_pose(), person.trans, rest)


def interaction_joints(interaction: Interaction, body: BodyModel | None = None) -> np.ndarray:
    """World joints (T, 2, 55, 3) float32 of both people."""
    return np.stack([person_joints(p, body) for p in interaction.persons], axis=1)
