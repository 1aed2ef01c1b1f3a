"""Body-part capsules: a radius around each bone, the body's surface for contact and penetration.

Joint centres of two people touching skin to skin are 10-25 cm apart, so contact
and penetration are measured between capsules, not joints. A capsule is the set
of points within `radius` of the segment from A + t0 (B - A) to A + t1 (B - A),
with A and B two joints (t outside [0, 1] extends past a joint: the skull above
the head joint, the toes past the ball of the foot).

Radii are for an adult of 1.70 m (segment girths from the same anthropometric
tables as the skeleton: upper arm ~30 cm round, forearm ~25, thigh ~50, calf ~35,
chest ~24 cm deep); they do not scale with body size.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from interx.body.joints import JOINT_INDEX as _J


class Capsule(NamedTuple):
    name: str
    a: int          # joint index of the segment's base
    b: int          # joint index giving its direction
    t0: float       # start = A + t0 (B - A)
    t1: float       # end   = A + t1 (B - A)
    radius: float   # meters
    part: str       # body part, for contact maps


def _sided(side: str) -> list[Capsule]:
    s = side
    return [
        Capsule(f"{s}_upper_arm", _J[f"{s}_shoulder"], _J[f"{s}_elbow"], 0.0, 1.0, 0.050, f"{s}_upper_arm"),
        Capsule(f"{s}_forearm", _J[f"{s}_elbow"], _J[f"{s}_wrist"], 0.0, 1.0, 0.040, f"{s}_forearm"),
        Capsule(f"{s}_hand", _J[f"{s}_wrist"], _J[f"{s}_middle3"], 0.0, 1.0, 0.030, f"{s}_hand"),
        Capsule(f"{s}_thigh", _J[f"{s}_hip"], _J[f"{s}_knee"], 0.0, 1.0, 0.080, f"{s}_thigh"),
        Capsule(f"{s}_shin", _J[f"{s}_knee"], _J[f"{s}_ankle"], 0.0, 1.0, 0.055, f"{s}_shin"),
        Capsule(f"{s}_foot", _J[f"{s}_ankle"], _J[f"{s}_foot"], 0.0, 1.6, 0.040, f"{s}_foot"),
    ]


CAPSULES: tuple[Capsule, ...] = tuple([
    Capsule("head", _J["neck"], _J["head"], 0.9, 1.95, 0.090, "head"),
    Capsule("neck", _J["neck"], _J["head"], 0.0, 0.9, 0.050, "head"),
    Capsule("chest", _J["left_shoulder"], _J["right_shoulder"], 0.15, 0.85, 0.085, "torso"),
    Capsule("abdomen", _J["spine1"], _J["spine3"], 0.0, 1.0, 0.125, "torso"),
    Capsule("pelvis", _J["pelvis"], _J["spine1"], 0.0, 1.0, 0.120, "torso"),
    Capsule("hips", _J["left_hip"], _J["right_hip"], 0.0, 1.0, 0.095, "torso"),
] + _sided("left") + _sided("right"))

CAPSULE_NAMES: tuple[str, ...] = tuple(c.name for c in CAPSULES)
RADII: np.ndarray = np.array([c.radius for c in CAPSULES], dtype=np.float32)
PARTS: tuple[str, ...] = tuple(dict.fromkeys(c.part for c in CAPSULES))
CAPSULE_PART: np.ndarray = np.array([PARTS.index(c.part) for c in CAPSULES], dtype=np.int64)
# Parts that can make intentional contact (DESIGN: hands, forearms, head, torso, feet).
CONTACT_PARTS: tuple[str, ...] = ("head", "torso", "left_forearm", "right_forearm", "left_hand",
                                  "right_hand", "left_foot", "right_foot")
CONTACT_CAPABLE: np.ndarray = np.array([c.part in CONTACT_PARTS for c in CAPSULES])

_A = np.array([c.a for c in CAPSULES])
_B = np.array([c.b for c in CAPSULES])
_T0 = np.array([c.t0 for c in CAPSULES], dtype=np.float32)[:, None]
_T1 = np.array([c.t1 for c in CAPSULES], dtype=np.float32)[:, None]


def capsule_segments(joints):
    """Capsule end points for posed joints.

    Args:
        joints: (..., 55, 3) joint positions (numpy or torch).

    Returns:
        starts (..., C, 3), ends (..., C, 3) with C = len(CAPSULES), and RADII (C,) meters.
    """
    a, b = joints[..., _A, :], joints[..., _B, :]
    if isinstance(joints, np.ndarray):
        t0, t1 = _T0, _T1
    else:
        t0 = joints.new_tensor(_T0)
        t1 = joints.new_tensor(_T1)
    d = b - a
    return a + t0 * d, a + t1 * d, RADII
