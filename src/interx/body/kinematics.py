"""Batched forward kinematics for any tree of joints, on numpy arrays or torch tensors.

One loop over the kinematic tree, vectorised over every leading dimension (all
frames of all sequences at once); frames are never looped. SMPL-X semantics: a
joint's rotation turns its children about the joint's own rest position, and
world joints are the posed skeleton plus the root translation.
"""

from __future__ import annotations

import numpy as np

from interx.body import rotations
from interx.body.joints import PARENTS


def _is_torch(x) -> bool:
    return not isinstance(x, np.ndarray) and type(x).__module__.startswith("torch")


def forward_kinematics(rotmats, rest_joints, parents=PARENTS, need_rotations: bool = True):
    """Pose a skeleton.

    Args:
        rotmats: (..., J, 3, 3) local joint rotations (joint 0 is the global orientation).
        rest_joints: (J, 3) or (..., J, 3) rest-pose joint positions (meters); the
            root's rest position is kept (SMPL-X's rest pelvis is not at the origin).
        parents: (J,) parent index of each joint, -1 for the root, parents before children.
        need_rotations: also return the global rotations (skipping them saves time).

    Returns:
        joints (..., J, 3) posed positions without translation, and global rotations
        (..., J, 3, 3) (None when need_rotations is False).
    """
    torch_mode = _is_torch(rotmats)
    stack = (lambda xs, d: __import__("torch").stack(xs, d)) if torch_mode else (lambda xs, d: np.stack(xs, d))
    num = rotmats.shape[-3]
    parents = [int(p) for p in parents[:num]]
    offsets = rest_joints[..., 1:, :] - rest_joints[..., [parents[j] for j in range(1, num)], :]
    batch = rotmats.shape[:-3]
    root = rest_joints[..., 0, :]
    if torch_mode:
        root = root.expand(*batch, 3) if root.dim() == 1 else root
    else:
        root = np.broadcast_to(root, batch + (3,))
    is_parent = set(parents)
    global_rot = [rotmats[..., 0, :, :]] + [None] * (num - 1)
    positions = [root] + [None] * (num - 1)
    for j in range(1, num):
        p = parents[j]
        parent_rot = global_rot[p]
        # (..., 3, 3) @ (..., 3) -> (..., 3): the bone turned by the parent's world rotation
        bone = (parent_rot @ offsets[..., j - 1, :, None])[..., 0]
        positions[j] = positions[p] + bone
        if need_rotations or j in is_parent:
            global_rot[j] = parent_rot @ rotmats[..., j, :, :]
    joints = stack(positions, -2)
    if not need_rotations:
        return joints, None
    return joints, stack(global_rot, -3)


def pose_joints(pose_aa, trans, rest_joints, parents=PARENTS):
    """World joints from axis-angle poses: FK on the rest skeleton plus the root translation.

    Args:
        pose_aa: (..., J, 3) axis-angle per joint (joint 0 the global orientation).
        trans: (..., 3) root translation, meters.
        rest_joints: (J, 3) rest joints shared by all items, or (..., J, 3) per item.
        parents: (J,) parent indices.

    Returns:
        (..., J, 3) world joints. numpy in: float32 out, computed by a compiled kernel
        parallel over frames. torch in: same dtype and device, differentiable.
    """
    if _is_torch(pose_aa):
        joints, _ = forward_kinematics(rotations.aa_to_mat(pose_aa), rest_joints, parents, need_rotations=False)
        return joints + trans[..., None, :]
    from interx.body._fk_kernel import fk_kernel, rest_to_offsets

    pose_aa = np.asarray(pose_aa)
    batch, num = pose_aa.shape[:-2], pose_aa.shape[-2]
    parents = np.ascontiguousarray(np.asarray(parents, dtype=np.int64)[:num])
    rest = np.asarray(rest_joints, dtype=np.float64)[..., :num, :]
    flat_pose = np.ascontiguousarray(pose_aa.reshape(-1, num, 3), dtype=np.float32)
    flat_trans = np.ascontiguousarray(np.broadcast_to(np.asarray(trans, np.float32), batch + (3,)).reshape(-1, 3))
    if rest.ndim == 2:
        offsets = rest_to_offsets(rest, parents)[None]
    else:
        offsets = rest_to_offsets(np.broadcast_to(rest, batch + (num, 3)).reshape(-1, num, 3), parents)
    out = np.empty(flat_pose.shape, dtype=np.float32)
    if flat_pose.shape[0]:
        fk_kernel(flat_pose, flat_trans, np.ascontiguousarray(offsets), parents, out)
    return out.reshape(batch + (num, 3))
