"""The SMPL-X joint table: 55 names, parents and named subsets, defined once.

Order and parents follow SMPL-X (reference: interx-format.md). Subsets are
index lists; import them instead of writing indices anywhere else.
"""

from __future__ import annotations

import numpy as np

_HAND_FINGERS = ("index", "middle", "pinky", "ring", "thumb")

JOINT_NAMES: tuple[str, ...] = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2",
    "left_ankle", "right_ankle", "spine3", "left_foot", "right_foot", "neck",
    "left_collar", "right_collar", "head", "left_shoulder", "right_shoulder",
    "left_elbow", "right_elbow", "left_wrist", "right_wrist", "jaw", "left_eye",
    "right_eye",
) + tuple(
    f"{side}_{finger}{k}"
    for side in ("left", "right")
    for finger in _HAND_FINGERS
    for k in (1, 2, 3)
)

PARENTS: np.ndarray = np.array(
    [-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19, 15, 15, 15,
     20, 25, 26, 20, 28, 29, 20, 31, 32, 20, 34, 35, 20, 37, 38,
     21, 40, 41, 21, 43, 44, 21, 46, 47, 21, 49, 50, 21, 52, 53],
    dtype=np.int64,
)

NUM_JOINTS = 55
JOINT_INDEX: dict[str, int] = {name: i for i, name in enumerate(JOINT_NAMES)}

# Named subsets (index lists into the 55 joints).
BODY = tuple(range(22))                     # pelvis .. right_wrist: the 22-joint body
JAW, LEFT_EYE, RIGHT_EYE = 22, 23, 24
LEFT_HAND = tuple(range(25, 40))
RIGHT_HAND = tuple(range(40, 55))
HANDS = LEFT_HAND + RIGHT_HAND
BODY_AND_HANDS = BODY + HANDS               # 52 joints: everything but jaw and eyes
FEET = (JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"],
        JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"])

# Left/right mirror permutation: MIRROR[i] is the joint that i becomes when the
# body is reflected through its sagittal plane.
MIRROR: np.ndarray = np.array(
    [JOINT_INDEX[n.replace("left_", "\0").replace("right_", "left_").replace("\0", "right_")]
     for n in JOINT_NAMES],
    dtype=np.int64,
)

assert len(JOINT_NAMES) == NUM_JOINTS == len(PARENTS)
assert all(PARENTS[i] < i for i in range(1, NUM_JOINTS))


def children(joint: int) -> list[int]:
    """Indices of the joints whose parent is `joint`."""
    return [int(i) for i in np.flatnonzero(PARENTS == joint)]
