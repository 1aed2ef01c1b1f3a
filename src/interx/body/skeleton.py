"""The built-in, license-free skeleton: rest positions of the 55 SMPL-X joints.

Proportions come from anthropometric tables of adult segment lengths as a
fraction of stature H (Drillis & Contini 1966, as tabulated in Winter,
"Biomechanics and Motor Control of Human Movement", fig. 4.1): hip joint 0.530 H,
knee 0.285 H, ankle 0.039 H, shoulder 0.818 H, eye 0.936 H above the floor;
upper arm 0.186 H and forearm 0.146 H (joint to joint we use 0.170 H and 0.145 H,
centre to centre), hand 0.108 H, foot 0.152 H, shoulder width 0.259 H, hip width
0.191 H (joint centres sit inside the bony landmarks, so narrower). Finger
offsets are from a 1.70 m adult hand, scaled with H.

The rest pose is SMPL-X's: a T-pose facing +z, y up, the person's left on +x,
arms along +-x with palms down. The rest pelvis sits where SMPL-X's neutral
model puts it (about 0.35 m below the model origin for a 1.70 m adult), so a
real file's `trans` places this skeleton within a few centimetres of where the
real model would.

Size from shape: stature H = 1.70 m + 0.075 m * betas[0] (betas clipped to
[-4, 4]): SMPL-X's first shape component is mostly stature, about 7-8 cm per
unit. Other betas are ignored by this skeleton. `interx.body.smplx_model`
replaces it with the real model's joints when the user has the model files.
"""

from __future__ import annotations

import numpy as np

from interx.body.joints import JOINT_INDEX, NUM_JOINTS, PARENTS

REFERENCE_HEIGHT = 1.70    # meters: the stature the table below is written for
HEIGHT_PER_BETA = 0.075    # meters of stature per unit of betas[0]
REST_PELVIS_Y = -0.35      # SMPL-X neutral's rest pelvis height at the reference stature
ANKLE_HEIGHT = 0.039       # ankle joint above the sole, fraction of stature

# Offsets from the parent joint at H = 1.70 m, meters (x left, y up, z forward).
_H = REFERENCE_HEIGHT
_BODY_OFFSETS = {
    "left_hip": (0.035 * _H, -0.050 * _H, -0.005 * _H),
    "spine1": (0.0, 0.060 * _H, -0.008 * _H),
    "left_knee": (0.003 * _H, -0.245 * _H, 0.004 * _H),
    "spine2": (0.0, 0.075 * _H, 0.006 * _H),
    "left_ankle": (-0.002 * _H, -0.246 * _H, -0.022 * _H),
    "spine3": (0.0, 0.030 * _H, 0.002 * _H),
    "left_foot": (0.005 * _H, -0.031 * _H, 0.075 * _H),
    "neck": (0.0, 0.100 * _H, -0.012 * _H),
    "left_collar": (0.040 * _H, 0.065 * _H, -0.006 * _H),
    "head": (0.0, 0.055 * _H, 0.012 * _H),
    "left_shoulder": (0.065 * _H, 0.008 * _H, -0.006 * _H),
    "left_elbow": (0.170 * _H, 0.0, -0.004 * _H),
    "left_wrist": (0.145 * _H, 0.0, 0.002 * _H),
    "jaw": (0.0, -0.015 * _H, 0.025 * _H),
    "left_eye": (0.018 * _H, 0.035 * _H, 0.050 * _H),
}
# Left hand, from the wrist along +x (palm down, thumb forward), meters at 1.70 m.
_FINGER_OFFSETS = {
    "index": ((0.095, -0.004, 0.025), (0.037, 0.0, 0.0), (0.024, 0.0, 0.0)),
    "middle": ((0.098, -0.002, 0.005), (0.041, 0.0, 0.0), (0.027, 0.0, 0.0)),
    "pinky": ((0.082, -0.006, -0.034), (0.026, 0.0, 0.0), (0.019, 0.0, 0.0)),
    "ring": ((0.092, -0.004, -0.015), (0.036, 0.0, 0.0), (0.025, 0.0, 0.0)),
    "thumb": ((0.025, -0.016, 0.026), (0.030, -0.003, 0.022), (0.024, 0.0, 0.013)),
}
# The finger's end beyond its third joint, as a fraction of the third segment:
# used by capsules for fingertip reach (SMPL-X has no fingertip joints).
FINGERTIP_EXTENSION = 0.9


def _reference_rest_joints() -> np.ndarray:
    """(55, 3) rest joints at the reference stature, pelvis at its SMPL-X rest height."""
    offsets = np.zeros((NUM_JOINTS, 3))
    for name, offset in _BODY_OFFSETS.items():
        offsets[JOINT_INDEX[name]] = offset
    for finger, segments in _FINGER_OFFSETS.items():
        for k, offset in enumerate(segments, start=1):
            offsets[JOINT_INDEX[f"left_{finger}{k}"]] = offset
    # mirror every left joint onto its right twin; midline joints (x = 0) stay
    for name, index in JOINT_INDEX.items():
        if name.startswith("left_"):
            offsets[JOINT_INDEX["right_" + name[5:]]] = offsets[index] * (-1.0, 1.0, 1.0)
    rest = np.zeros((NUM_JOINTS, 3))
    rest[0] = (0.0, REST_PELVIS_Y, 0.0)
    for j in range(1, NUM_JOINTS):
        rest[j] = rest[PARENTS[j]] + offsets[j]
    return rest


_REFERENCE_REST = _reference_rest_joints()


def stature(betas: np.ndarray | None = None) -> float:
    """Standing height in meters implied by `betas` (only betas[0] matters)."""
    if betas is None:
        return REFERENCE_HEIGHT
    beta0 = float(np.clip(np.asarray(betas, dtype=np.float64).reshape(-1)[0], -4.0, 4.0))
    return REFERENCE_HEIGHT + HEIGHT_PER_BETA * beta0


def rest_joints(betas: np.ndarray | None = None) -> np.ndarray:
    """(55, 3) float32 rest joints of the built-in skeleton for these shape coefficients.

    The whole skeleton (pelvis height included) scales with stature / 1.70 m.
    """
    scale = stature(betas) / REFERENCE_HEIGHT
    return (_REFERENCE_REST * scale).astype(np.float32)


def floor_y(betas: np.ndarray | None = None) -> float:
    """Height of the floor in the rest frame (meters): the sole, 0.039 H below the ankle joint.

    A standing person has feet on the floor when trans[1] = -floor_y(betas).
    """
    scale = stature(betas) / REFERENCE_HEIGHT
    ankle = _REFERENCE_REST[JOINT_INDEX["left_ankle"], 1]
    return float((ankle - ANKLE_HEIGHT * REFERENCE_HEIGHT) * scale)
