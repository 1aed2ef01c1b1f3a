"""Joint positions -> SMPL-X rotations on a given skeleton: the solve that turns a forecast into a sequence.

The forecasters predict joint positions; an Inter-X file needs axis-angle
rotations and a root translation. `fit_pose` finds them by walking the
kinematic tree once (vectorised over frames), starting from a reference pose
(the last observed frame) so that what positions cannot tell (the twist of a
bone about itself, the rotation of joints whose children are not predicted)
stays as it was:

1. a joint's candidate world rotation is its parent's (already solved) world
   rotation times the joint's reference local rotation;
2. with one predicted child, the candidate is turned by the smallest rotation
   that points the child's rest bone along the predicted direction (swing, no
   twist); with two or more (pelvis, spine3, a wrist with fingers), by the
   rotation that best aligns all its bones with the predicted directions
   (Kabsch, least squares); with none it is kept;
3. the local rotation is the parent's world rotation transposed times the
   joint's world rotation; the translation puts the root joint on the
   predicted root (joints = posed skeleton + trans).

Directions come from the predicted positions, so bone lengths are the
skeleton's: where the prediction's bones have the skeleton's lengths (a model
trained on joints of the same body) the posed joints reproduce it up to its
bone-length error.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.body import rotations
from interx.body.joints import NUM_JOINTS, PARENTS

_TINY = 1e-9


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), _TINY)


def swing(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """(..., 3, 3) smallest rotations taking unit vectors u onto unit vectors v (..., 3)."""
    axis = np.cross(u, v)
    sin = np.linalg.norm(axis, axis=-1)
    angle = np.arctan2(sin, np.sum(u * v, axis=-1))
    # opposite vectors: any axis perpendicular to u
    other = np.where(np.abs(u[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    axis = np.where((sin < 1e-8)[..., None], np.cross(u, other), axis)
    return rotations.aa_to_mat(_unit(axis) * angle[..., None])


def best_rotation(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(..., 3, 3) proper rotations R minimising sum_k |R source_k - target_k|^2 (Kabsch).

    Args:
        source, target: (..., K, 3) vectors, K >= 2 not all parallel.
    """
    h = np.einsum("...ki,...kj->...ij", source, target)               # (..., 3, 3)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.swapaxes(vt, -1, -2) @ np.swapaxes(u, -1, -2)))
    fix = np.ones(h.shape[:-1])
    fix[..., 2] = np.where(d == 0, 1.0, d)
    return np.swapaxes(vt, -1, -2) @ (fix[..., None] * np.swapaxes(u, -1, -2))


def fit_pose(joints: np.ndarray, joint_indices: Sequence[int], rest: np.ndarray,
             reference: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """SMPL-X rotations and translation that pose the skeleton `rest` onto predicted joints.

    Args:
        joints: (T, J, 3) predicted world joints of one person, meters.
        joint_indices: (J,) which SMPL-X joints those are (every joint's parent
            included, the pelvis first), e.g. `interx.body.joints.BODY`.
        rest: (55, 3) the person's rest joints (`BodyModel.rest_joints`).
        reference: (55, 3) axis-angle pose that supplies twist and the rotations of
            joints without predicted children (the last observed frame).

    Returns:
        pose (T, 55, 3) float32 axis-angle and trans (T, 3) float32 meters.
    """
    joints = np.asarray(joints, dtype=np.float64)
    rest = np.asarray(rest, dtype=np.float64)
    position = {int(j): k for k, j in enumerate(joint_indices)}
    if 0 not in position or any(PARENTS[j] >= 0 and int(PARENTS[j]) not in position for j in position):
        raise ValueError("the predicted joints must include the pelvis and every predicted joint's parent")
    frames = joints.shape[0]
    ref_local = rotations.aa_to_mat(np.asarray(reference, dtype=np.float64))          # (55, 3, 3)
    local = np.broadcast_to(ref_local, (frames, NUM_JOINTS, 3, 3)).copy()
    world = np.empty_like(local)
    for j in range(NUM_JOINTS):
        parent = np.eye(3) if PARENTS[j] < 0 else world[:, PARENTS[j]]                 # (T, 3, 3)
        candidate = parent @ ref_local[j]
        kids = [int(c) for c in np.flatnonzero(PARENTS == j) if int(c) in position] if j in position else []
        if kids:
            bones = candidate @ (rest[kids] - rest[j]).T                                # (T, 3, K)
            wanted = joints[:, [position[c] for c in kids]] - joints[:, position[j], None]  # (T, K, 3)
            if len(kids) == 1:
                turn = swing(_unit(bones[..., 0]), _unit(wanted[:, 0]))
            else:
                turn = best_rotation(_unit(np.swapaxes(bones, -1, -2)), _unit(wanted))
            candidate = turn @ candidate
            local[:, j] = np.swapaxes(parent, -1, -2) @ candidate
        world[:, j] = candidate
    trans = joints[:, position[0]] - rest[0]
    return rotations.mat_to_aa(local).astype(np.float32), trans.astype(np.float32)

