"""Coordinate frames of a pair: the official Inter-X frame and the canonical (person-1-centred) frame.

Official frame (what the official processing writes into its h5 files; read
from its `1_prepare_data.py`, which this reproduces, not the shorter prose of
the format notes):

1. each person separately is floor-aligned along y: the minimum joint height of
   THAT person over all frames and all 55 joints is subtracted from the
   person's translation (`trans[:, 1] -= min(joints[:, :, 1])`, per person);
2. P1's frame-0 translation (after step 1, all three components, y included)
   is subtracted from both people's translations.

No rotation is applied (no facing change). Consequences: P1's `trans` at
frame 0 is exactly (0, 0, 0); both people's lowest joint sits at the same
height, y = -(P1's floor-aligned frame-0 trans y), not at 0. Joints follow the
translations (joints = posed skeleton + trans), so the same per-person shift
applies to them. Applied to data already in the official frame with the same
body model, the procedure changes nothing (it is idempotent).

Canonical frame (InterGen's convention, both people moved together): one rigid
transform per sequence, a rotation about y by `yaw` then a translation t,
x' = R_y(yaw) x + t, that puts person 1's root (pelvis joint) at x = z = 0
facing +z at frame 0 and the floor (the lowest joint of the clip, both people)
at y = 0. Facing is InterGen's: across = right_hip - left_hip,
forward = up x across, projected on the floor. A transform is stored as a
(4,) array (yaw in radians, tx, ty, tz in meters).

Rotating an SMPL-X body is not rotating its `trans`: the model turns about its
rest pelvis, which is not at the origin. For x' = R x + t applied to the whole
body: root_orient' = R root_orient and
trans' = R (trans + rest_pelvis) + t - rest_pelvis (`transform_smplx`).
"""

from __future__ import annotations

import numpy as np

from interx.body import rotations
from interx.body.joints import JOINT_INDEX

PELVIS, LEFT_HIP, RIGHT_HIP = JOINT_INDEX["pelvis"], JOINT_INDEX["left_hip"], JOINT_INDEX["right_hip"]


# ---------------------------------------------------------------------------------------
# Official frame


def floor_heights(joints: np.ndarray) -> np.ndarray:
    """Per-person floor: the minimum joint height (y) over all frames and joints.

    Args:
        joints: (T, P, J, 3) world joints, meters.

    Returns:
        (P,) float64 heights.
    """
    return np.asarray(joints, dtype=np.float64)[..., 1].min(axis=(0, 2))


def official_shift(joints: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """(P, 3) float64 offsets to subtract from each person to reach the official frame (see module doc).

    Args:
        joints: (T, P, J, 3) world joints of the clip (same frames as `trans`).
        trans: (T, P, 3) SMPL-X root translations, meters.
    """
    floors = floor_heights(joints)
    lift = np.zeros((floors.shape[0], 3))
    lift[:, 1] = floors
    base = np.asarray(trans, dtype=np.float64)[0, 0] - lift[0]  # P1's frame-0 translation, floor-aligned
    return lift + base


def to_official_frame(joints: np.ndarray, trans: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Joints and translations moved into the official frame.

    Args:
        joints: (T, P, J, 3) world joints; trans: (T, P, 3) root translations.

    Returns:
        joints (T, P, J, 3) float32, trans (T, P, 3) float32, and the (P, 3)
        float64 shift that was subtracted from each person.
    """
    shift = official_shift(joints, trans)
    joints = (np.asarray(joints, dtype=np.float64) - shift[None, :, None, :]).astype(np.float32)
    trans = (np.asarray(trans, dtype=np.float64) - shift[None]).astype(np.float32)
    return joints, trans, shift


# ---------------------------------------------------------------------------------------
# Canonical frame


def facing_yaw(joints: np.ndarray) -> np.ndarray:
    """Yaw (radians) that turns a person's facing to +z, from the hips.

    Args:
        joints: (..., J, 3) joints of one pose.

    Returns:
        (...) float64 angle a such that R_y(a) maps forward = up x (right_hip - left_hip)
        onto +z. A degenerate pose (hips on a vertical line) gives 0.
    """
    joints = np.asarray(joints, dtype=np.float64)
    across = joints[..., RIGHT_HIP, :] - joints[..., LEFT_HIP, :]
    # up x across with up = +y: (across_z, 0, -across_x)
    forward_x, forward_z = across[..., 2], -across[..., 0]
    return -np.arctan2(forward_x, forward_z)


def yaw_matrix(yaw) -> np.ndarray:
    """(..., 3, 3) float64 rotation about +y by `yaw` radians."""
    return rotations.axis_mat(np.asarray(yaw, dtype=np.float64), "Y")


def canonical_transform(joints: np.ndarray) -> np.ndarray:
    """The (4,) transform (yaw, tx, ty, tz) that canonicalises a pair (see module doc).

    Args:
        joints: (T, P, J, 3) joints of the pair in any frame, person 1 first.

    Returns:
        (4,) float64: x' = R_y(yaw) x + (tx, ty, tz) puts person 1's pelvis at
        x = z = 0 facing +z at frame 0 and the lowest joint of the clip at y = 0.
    """
    joints = np.asarray(joints, dtype=np.float64)
    yaw = float(facing_yaw(joints[0, 0]))
    root = yaw_matrix(yaw) @ joints[0, 0, PELVIS]
    return np.array([yaw, -root[0], -joints[..., 1].min(), -root[2]])


def apply_transform(points: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """x' = R_y(yaw) x + t for points (..., 3); returns float32 (float64 in, float64 out)."""
    points = np.asarray(points)
    transform = np.asarray(transform, dtype=np.float64)
    out = points.reshape(-1, 3).astype(np.float64) @ yaw_matrix(transform[0]).T + transform[1:]  # (N, 3)
    out = out.reshape(points.shape)
    return out if points.dtype == np.float64 else out.astype(np.float32)


def invert_transform(transform: np.ndarray) -> np.ndarray:
    """The (4,) transform that undoes `transform`: x = R_y(-yaw) (x' - t)."""
    transform = np.asarray(transform, dtype=np.float64)
    back = -(yaw_matrix(-transform[0]) @ transform[1:])
    return np.array([-transform[0], *back])


def transform_smplx(root_orient: np.ndarray, trans: np.ndarray, rest_pelvis: np.ndarray,
                    transform: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Move SMPL-X bodies rigidly by x' = R_y(yaw) x + t.

    Args:
        root_orient: (..., 3) global orientations, axis-angle.
        trans: (..., 3) root translations, meters.
        rest_pelvis: (..., 3) or (3,) rest pelvis of each body (broadcast against trans).
        transform: (4,) (yaw, tx, ty, tz).

    Returns:
        root_orient' (..., 3) = R root_orient and trans' (..., 3) =
        R (trans + rest_pelvis) + t - rest_pelvis, both float32; the posed joints
        of the new parameters are the old joints moved by the transform.
    """
    transform = np.asarray(transform, dtype=np.float64)
    rot = yaw_matrix(transform[0])
    new_orient = rotations.mat_to_aa(rot @ rotations.aa_to_mat(np.asarray(root_orient, dtype=np.float64)))
    pelvis = np.asarray(rest_pelvis, dtype=np.float64)
    new_trans = (np.asarray(trans, dtype=np.float64) + pelvis) @ rot.T + transform[1:] - pelvis
    return new_orient.astype(np.float32), new_trans.astype(np.float32)
