"""One interaction -> the compact arrays a cache stores: 30 fps, joints, official frame, canonical transform."""

from __future__ import annotations

import numpy as np

from interx.body.joints import BODY, NUM_JOINTS
from interx.body.kinematics import pose_joints
from interx.body.model import BodyModel, BuiltinBody
from interx.data.types import MODEL_FPS, Interaction
from interx.features.frames import canonical_transform, to_official_frame
from interx.features.representations import PairArrays
from interx.features.resample import resample_interaction

NON_BODY = np.array([j not in BODY for j in range(NUM_JOINTS)])  # jaw, eyes and both hands


def body_rest_joints(body: BodyModel, betas: np.ndarray, gender: str, neutral: bool) -> np.ndarray:
    """(55, 3) float32 rest joints of one person; `neutral` ignores the file's betas and gender
    (the official processing: neutral model, zero betas)."""
    if neutral:
        return np.asarray(body.rest_joints(None, "neutral"), dtype=np.float32)
    return np.asarray(body.rest_joints(betas, gender), dtype=np.float32)


def prepare_pair(interaction: Interaction, body: BodyModel | None = None, neutral: bool = False,
                 body_only: bool = False, fps: float = MODEL_FPS) -> PairArrays:
    """The pair at `fps` in the official frame, its joints and canonicalising transform.

    Args:
        interaction: both people at any frame rate (resampled by `interx.features.resample`).
        body: the body model giving rest joints (default: the built-in skeleton).
        neutral: pose every person on the neutral body with zero betas, as the official processing.
        body_only: zero the jaw, eye and hand rotations first (flat hands: joints
            for models that ignore hands); shapes stay (.., 55, 3).
        fps: the rate to resample to.

    Returns:
        PairArrays with pose (T, 2, 55, 3), trans (T, 2, 3), joints (T, 2, 55, 3)
        (official frame), canonical (4,) and rest_pelvis (2, 3), all float32 (as a cache stores them).
    """
    body = BuiltinBody() if body is None else body
    interaction = resample_interaction(interaction, fps)
    pose = np.stack([p.full_pose() for p in interaction.persons], axis=1)              # (T, 2, 55, 3)
    if body_only:
        pose[:, :, NON_BODY] = 0.0
    trans = np.stack([p.trans for p in interaction.persons], axis=1).astype(np.float32)  # (T, 2, 3)
    rests = np.stack([body_rest_joints(body, p.betas, p.gender, neutral) for p in interaction.persons])
    world = np.stack([pose_joints(pose[:, k], trans[:, k], rests[k]) for k in range(2)], axis=1)
    joints, trans, _ = to_official_frame(world, trans)
    return PairArrays(pose=pose, trans=trans, joints=joints,
                      canonical=canonical_transform(joints).astype(np.float32), rest_pelvis=rests[:, 0].copy())
