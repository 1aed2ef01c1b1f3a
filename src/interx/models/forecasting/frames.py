"""A person's own frame in torch: root at the origin, facing +z.

Used by the independent forecaster and the recogniser.
"""

from __future__ import annotations

import torch

from interx.body import rotations
from interx.body.joints import JOINT_INDEX

PELVIS, LEFT_HIP, RIGHT_HIP = JOINT_INDEX["pelvis"], JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]


def own_frames(pose: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Each person's own frame at a pose: x' = R (x - origin) puts their root at the origin facing +z.

    Facing as `interx.features.frames.facing_yaw` (forward = up x (right_hip - left_hip),
    on the floor); R is a rotation about +y only.

    Args:
        pose: (..., J, 3) joints in the SMPL-X order (pelvis 0, hips 1 and 2), y up.

    Returns:
        rot (..., 3, 3) and origin (..., 3) (the pelvis).
    """
    across = pose[..., RIGHT_HIP, :] - pose[..., LEFT_HIP, :]
    yaw = -torch.atan2(across[..., 2], -across[..., 0])
    return rotations.axis_mat(yaw, "Y"), pose[..., PELVIS, :]
