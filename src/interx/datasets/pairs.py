"""Joint sets and augmentations of two-person joint arrays, shared by the forecasting and recognition datasets.

Arrays are (..., 2, J, 3) or (..., J, 3) joints in meters, y up, on a named
joint set (index lists into the 55 SMPL-X joints of `interx.body.joints`).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.body.joints import BODY, BODY_AND_HANDS, MIRROR, PARENTS

JOINT_SETS: dict[str, tuple[int, ...]] = {"body": BODY, "body+hands": BODY_AND_HANDS}


def subset_parents(joints: Sequence[int]) -> np.ndarray:
    """(J,) parent of each joint of a subset, as an index into the subset (-1 for the root).

    Every joint's SMPL-X parent must be in the subset (true of `JOINT_SETS`).
    """
    position = {int(j): k for k, j in enumerate(joints)}
    parents = [position[int(PARENTS[j])] if PARENTS[j] >= 0 else -1 for j in joints]
    return np.asarray(parents, dtype=np.int64)


def subset_mirror(joints: Sequence[int]) -> np.ndarray:
    """(J,) permutation of a joint subset exchanging left and right joints (the subset must be closed under it)."""
    position = {int(j): k for k, j in enumerate(joints)}
    return np.array([position[int(MIRROR[j])] for j in joints], dtype=np.int64)


def mirror_pairs(pairs: np.ndarray, permutation: np.ndarray) -> np.ndarray:
    """Reflect (..., J, 3) joints through the x = 0 plane and exchange left and right joints (a new array)."""
    out = pairs[..., permutation, :].copy()
    out[..., 0] *= -1.0
    return out


def augment_pair(pairs: np.ndarray, permutation: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(T, 2, J, 3) joints with the two people swapped (p = 0.5), then mirrored left/right (p = 0.5)."""
    if rng.random() < 0.5:
        pairs = pairs[:, ::-1]
    if rng.random() < 0.5:
        pairs = mirror_pairs(pairs, permutation)
    return np.ascontiguousarray(pairs)
