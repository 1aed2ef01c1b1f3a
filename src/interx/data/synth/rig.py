"""One performer's skeleton (the built-in one, sized by betas) and the solve from targets to SMPL-X pose.

The solve runs in three vectorised steps per person: trunk forward kinematics
(pelvis, spine, neck, head, collars), two-bone IK for the legs (ankle targets,
flat or tilted feet) and for the arms (wrist targets and hand orientations).
Sides are indexed 0 = left, 1 = right. World: y up, the floor at y = 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.body import rotations, skeleton
from interx.body.joints import JOINT_INDEX, NUM_JOINTS, PARENTS
from interx.body.kinematics import forward_kinematics
from interx.data.synth import ik
from interx.data.synth._ik_kernel import two_bone_chain
from interx.data.synth._rot_kernel import mat_to_aa

SIDES = ("left", "right")
BODY_JOINTS = 22            # pelvis .. right_wrist
TRUNK_JOINTS = 18            # joints 0..17: pelvis, hips, spine, knees, ankles, feet, neck, collars, head, shoulders
_J = JOINT_INDEX
PALM_NORMAL = np.array([0.0, -1.0, 0.0])        # rest palms face down
LEG_HINGE = np.array([1.0, 0.0, 0.0])          # knees flex about +x
ARM_HINGES = (np.array([0.0, -1.0, 0.0]), np.array([0.0, 1.0, 0.0]))  # left, right elbows
# Legs reach at most this share of their length (a fully straight knee has no bending direction).
LEG_REACH = 0.985


def _chain(side: str, names: tuple[str, str, str]) -> tuple[int, int, int]:
    return tuple(_J[f"{side}_{n}"] for n in names)


ARM_CHAINS = tuple(_chain(s, ("shoulder", "elbow", "wrist")) for s in SIDES)
LEG_CHAINS = tuple(_chain(s, ("hip", "knee", "ankle")) for s in SIDES)
COLLARS = (_J["left_collar"], _J["right_collar"])


@dataclass(frozen=True)
class Rig:
    """A performer's rest skeleton and the lengths the choreography plans with (meters).

    Attributes:
        betas: (10,) shape coefficients written to the files (only betas[0], stature, shapes this skeleton).
        rest: (55, 3) float64 rest joints (`interx.body.skeleton.rest_joints(betas)`).
        floor: rest-frame height of the soles; the pelvis stands at `pelvis_height` above the floor.
    """

    betas: np.ndarray
    rest: np.ndarray
    height: float
    floor: float

    @classmethod
    def from_betas(cls, betas: np.ndarray) -> "Rig":
        betas = np.asarray(betas, dtype=np.float32).reshape(-1)
        return cls(betas=betas, rest=skeleton.rest_joints(betas).astype(np.float64),
                   height=skeleton.stature(betas), floor=skeleton.floor_y(betas))

    @property
    def scale(self) -> float:
        """Stature relative to the 1.70 m reference."""
        return self.height / skeleton.REFERENCE_HEIGHT

    @property
    def pelvis_height(self) -> float:
        """Pelvis joint above the floor when standing straight."""
        return float(self.rest[0, 1] - self.floor)

    @property
    def ankle_height(self) -> float:
        """Ankle joint above the floor with the foot flat."""
        return float(self.rest[_J["left_ankle"], 1] - self.floor)

    def bone(self, parent: int, child: int) -> np.ndarray:
        return self.rest[child] - self.rest[parent]

    def chain_length(self, chain: tuple[int, int, int]) -> float:
        a, b, c = chain
        return float(np.linalg.norm(self.bone(a, b)) + np.linalg.norm(self.bone(b, c)))

    @property
    def arm_length(self) -> float:
        return self.chain_length(ARM_CHAINS[0])

    @property
    def leg_length(self) -> float:
        return self.chain_length(LEG_CHAINS[0])

    def hand_point(self, side: int) -> np.ndarray:
        """(3,) rest direction from the wrist along the hand (to the middle finger's base)."""
        wrist = ARM_CHAINS[side][2]
        return ik.normalize(self.rest[_J[f"{SIDES[side]}_middle1"]] - self.rest[wrist])

    def hand_rotation(self, side: int, point: np.ndarray, palm: np.ndarray) -> np.ndarray:
        """World rotation (..., 3, 3) of a hand pointing along `point` with its palm facing `palm`."""
        return ik.align(self.hand_point(side), PALM_NORMAL, point, palm)


@dataclass
class Trunk:
    """Pelvis placement and trunk rotations of one person over T frames.

    Attributes:
        pelvis: (T, 3) world position of the pelvis joint.
        root: (T, 3, 3) world rotation of the pelvis.
        spine: (T, 3, 3, 3) local rotations of spine1, spine2, spine3.
        neck, head: (T, 3, 3) local rotations.
        collars: (T, 2, 3, 3) local rotations (left, right).
    """

    pelvis: np.ndarray
    root: np.ndarray
    spine: np.ndarray
    neck: np.ndarray
    head: np.ndarray
    collars: np.ndarray


def trunk_kinematics(rig: Rig, trunk: Trunk) -> tuple[np.ndarray, np.ndarray]:
    """World positions (T, 18, 3) and rotations (T, 18, 3, 3) of joints 0..17 with straight legs and arms.

    Hips and shoulders (the roots of the IK chains) and the collars' and pelvis'
    rotations are final; the legs' and arms' own joints are placeholders.
    """
    frames = trunk.pelvis.shape[0]
    rot = np.broadcast_to(np.eye(3), (frames, TRUNK_JOINTS, 3, 3)).copy()
    rot[:, 0] = trunk.root
    rot[:, [_J["spine1"], _J["spine2"], _J["spine3"]]] = trunk.spine
    rot[:, _J["neck"]] = trunk.neck
    rot[:, _J["head"]] = trunk.head
    rot[:, list(COLLARS)] = trunk.collars
    joints, globals_ = forward_kinematics(rot, rig.rest[:TRUNK_JOINTS], PARENTS[:TRUNK_JOINTS])
    return joints + (trunk.pelvis - rig.rest[0])[:, None, :], globals_


def solve_chain(rig: Rig, chain: tuple[int, int, int], hinge: np.ndarray, root_pos: np.ndarray,
                parent_rot: np.ndarray, target: np.ndarray, pole: np.ndarray, end_rot: np.ndarray,
                rotations: bool = True):
    """Reach `target` with a chain whose end joint takes the world rotation `end_rot`.

    The two-bone solve of `ik.two_bone` and the locals parent^T G1, G1^T G2, G2^T end_rot, compiled
    (`_ik_kernel`).

    Returns:
        locals (T, 3, 3, 3) of (root, middle, end) (None unless `rotations`); middle and end
        world positions (T, 3); shortfall (T,) meters out of reach.
    """
    a, b, c = chain
    return two_bone_chain(root_pos, target, pole, rig.bone(a, b), rig.bone(b, c), hinge, parent_rot, end_rot,
                          rotations)


def middle_tip(rig: Rig, side: int, fingers: np.ndarray | None = None) -> np.ndarray:
    """Wrist -> middle3 vector in the hand's rest-aligned frame: (3,) straight, or (T, 3) for hand poses.

    Args:
        fingers: optional (T, 15, 3) axis-angle of that hand's joints (SMPL-X hand order).
    """
    name = SIDES[side]
    wrist, m1, m2, m3 = (_J[f"{name}_{j}"] for j in ("wrist", "middle1", "middle2", "middle3"))
    o1, o2, o3 = rig.bone(wrist, m1), rig.bone(m1, m2), rig.bone(m2, m3)
    if fingers is None:
        return o1 + o2 + o3
    r = rotations.aa_to_mat(np.asarray(fingers[:, 3:5], dtype=np.float64))  # middle1, middle2
    return o1 + np.einsum("tij,tj->ti", r[:, 0], o2 + np.einsum("tij,j->ti", r[:, 1], o3))


def assemble_pose(trunk: Trunk, legs: np.ndarray, arms: np.ndarray, fingers: np.ndarray) -> np.ndarray:
    """All 55 local rotations as axis-angle (T, 55, 3) float64 (jaw and eyes zero).

    Args:
        trunk: the trunk rotations.
        legs: (T, 2, 3, 3, 3) local (hip, knee, ankle) rotations per side.
        arms: (T, 2, 3, 3, 3) local (shoulder, elbow, wrist) rotations per side.
        fingers: (T, 2, 15, 3) axis-angle of the left and right hand joints.
    """
    frames = trunk.pelvis.shape[0]
    mats = np.broadcast_to(np.eye(3), (frames, BODY_JOINTS, 3, 3)).copy()
    mats[:, 0] = trunk.root
    mats[:, [_J["spine1"], _J["spine2"], _J["spine3"]]] = trunk.spine
    mats[:, _J["neck"]] = trunk.neck
    mats[:, _J["head"]] = trunk.head
    mats[:, list(COLLARS)] = trunk.collars
    for side in range(2):
        mats[:, list(LEG_CHAINS[side])] = legs[:, side]
        mats[:, list(ARM_CHAINS[side])] = arms[:, side]
    pose = np.zeros((frames, NUM_JOINTS, 3))
    pose[:, :BODY_JOINTS] = mat_to_aa(mats)
    pose[:, 25:40] = fingers[:, 0]
    pose[:, 40:55] = fingers[:, 1]
    return pose
