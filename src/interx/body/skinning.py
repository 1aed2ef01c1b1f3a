"""SMPL-X meshes: linear blend skinning of the real model, vectorised over frames (numpy).

The recipe of the `smplx` package's `lbs` (Loper et al., SMPL, 2015; Pavlakos et
al., SMPL-X, 2019), step by step:

1. shape:  v_shaped = v_template + shape_dirs . betas (+ expr_dirs . expression)
2. joints: rest joints J = J_regressor @ v_shaped (`SmplxSkeleton.rest_joints`)
3. pose blend: v_posed = v_shaped + pose_dirs^T . vec(R_j - I, j = 1..54)
4. rigid chain: forward kinematics gives each joint's world rotation G_j and
   position; its transform is (G_j, p_j - G_j J_j)
5. skinning: each vertex moves by the weights-blended transform, plus `trans`.

Hands are full axis-angle with no mean hand pose added (`flat_hand_mean=True`).
"""

from __future__ import annotations

import numpy as np

from interx.body import rotations
from interx.body.joints import PARENTS
from interx.body.kinematics import forward_kinematics
from interx.body.smplx_model import SmplxBody
from interx.data.types import PersonMotion
from interx.errors import DataError


def lbs(pose_aa: np.ndarray, trans: np.ndarray, v_shaped: np.ndarray, rest_joints: np.ndarray,
        pose_dirs: np.ndarray, weights: np.ndarray, parents: np.ndarray = PARENTS) -> np.ndarray:
    """Posed vertices by linear blend skinning (steps 3-5 of the module docstring).

    Args:
        pose_aa: (T, J, 3) axis-angle per joint (joint 0 the global orientation).
        trans: (T, 3) root translation, meters.
        v_shaped: (V, 3) or (T, V, 3) shaped rest vertices, meters.
        rest_joints: (J, 3) or (T, J, 3) rest joints regressed from v_shaped.
        pose_dirs: ((J - 1) * 9, 3 V) pose blend shapes.
        weights: (V, J) skinning weights.
        parents: (J,) parent indices.

    Returns:
        (T, V, 3) float32 vertices, meters.
    """
    frames, num = pose_aa.shape[0], pose_aa.shape[1]
    rotmats = rotations.aa_to_mat(np.asarray(pose_aa, dtype=np.float64))  # (T, J, 3, 3)
    rest = np.asarray(rest_joints, dtype=np.float64)
    posed, glob = forward_kinematics(rotmats, rest, parents)  # (T, J, 3), (T, J, 3, 3)
    shift = posed - (glob @ rest[..., None])[..., 0]  # (T, J, 3): p_j - G_j J_j
    transforms = np.concatenate([glob.reshape(frames, num, 9), shift], axis=-1).astype(np.float32)  # (T, J, 12)
    feature = (rotmats[:, 1:] - np.eye(3)).reshape(frames, -1).astype(np.float32)  # (T, (J-1) 9)
    v_posed = v_shaped + (feature @ pose_dirs).reshape(frames, -1, 3)  # (T, V, 3)
    blended = np.matmul(weights, transforms)  # (V, J) @ (T, J, 12) -> (T, V, 12)
    # row-major rotation part: column k of the blended matrix is blended[..., k:9:3]
    verts = (blended[..., 0:9:3] * v_posed[..., 0:1] + blended[..., 1:9:3] * v_posed[..., 1:2]
             + blended[..., 2:9:3] * v_posed[..., 2:3] + blended[..., 9:12])
    return (verts + np.asarray(trans, np.float32)[:, None, :]).astype(np.float32)


def person_vertices(person: PersonMotion, body: SmplxBody, chunk: int = 64) -> np.ndarray:
    """Mesh vertices of one person over time, at the person's frame rate.

    Gender and betas select the model and shape as `body` says (`SmplxBody.resolve`);
    a facial expression (`face_expr`) deforms the face unless the body is neutral.
    Frames are skinned `chunk` at a time to bound memory (about 0.5 MB per frame).

    Returns:
        (T, V, 3) float32 vertices, meters; triangles are `body.faces(person.gender)`.
    """
    gender, betas = body.resolve(person.betas, person.gender)
    mesh = body.mesh(gender)
    v_shaped = mesh.v_template + mesh.shape_dirs[..., : betas.shape[0]] @ betas.astype(np.float32)  # (V, 3)
    expression = None if body.neutral or person.face_expr is None else np.asarray(person.face_expr, np.float64)
    if expression is not None and expression.shape[1] > mesh.expr_dirs.shape[2]:
        raise DataError(f"face_expr has {expression.shape[1]} coefficients but the model has "
                        f"{mesh.expr_dirs.shape[2]} expression components", body.model_path(gender))
    pose, trans = person.full_pose(), person.trans
    out = np.empty((person.num_frames, mesh.num_vertices, 3), np.float32)
    for start in range(0, person.num_frames, chunk):
        span = slice(start, start + chunk)
        if expression is None:
            shaped, rest = v_shaped, mesh.skeleton.rest_joints(betas)
        else:
            expr = expression[span]
            shaped = v_shaped + np.einsum("vce,te->tvc", mesh.expr_dirs[..., : expr.shape[1]], expr.astype(np.float32))
            rest = mesh.skeleton.rest_joints(betas, expr)
        out[span] = lbs(pose[span], trans[span], shaped, rest, mesh.pose_dirs, mesh.weights)
    return out
