"""Hand shapes (finger flexion presets) and the noise of real finger tracking.

A shape gives each finger joint a flexion angle (radians) about its own hinge
axis, which is perpendicular to the rest finger bone and the palm normal, so a
positive angle curls the finger toward the palm. Fingers in SMPL-X order:
index, middle, pinky, ring, thumb; three joints each.
"""

from __future__ import annotations

import functools

import numpy as np

from interx.body import skeleton
from interx.body.joints import JOINT_INDEX, PARENTS
from interx.data.synth.rig import PALM_NORMAL, SIDES, Rig
from interx.data.synth.resample import upsample_positions
from interx.data.synth.timing import smooth_noise

FINGERS = ("index", "middle", "pinky", "ring", "thumb")
_CURL = (0.25, 0.3, 0.2)
_FIST = (1.3, 1.5, 1.1)
_FIST_THUMB = (0.5, 0.6, 0.6)
_OPEN = (0.05, 0.05, 0.05)

# name -> (5 fingers, 3 joints) flexion angles in radians
SHAPES: dict[str, np.ndarray] = {name: np.array(rows, dtype=np.float64) for name, rows in {
    "relaxed": (_CURL, (0.3, 0.35, 0.25), (0.4, 0.4, 0.3), (0.35, 0.4, 0.3), (0.1, 0.15, 0.1)),
    "open": (_OPEN, _OPEN, _OPEN, _OPEN, (0.0, 0.0, 0.0)),
    "fist": (_FIST, _FIST, _FIST, _FIST, _FIST_THUMB),
    "grip": ((0.7, 0.8, 0.5), (0.75, 0.8, 0.5), (0.8, 0.8, 0.5), (0.8, 0.8, 0.5), (0.3, 0.3, 0.2)),
    "point": (_OPEN, _FIST, _FIST, _FIST, _FIST_THUMB),
    "thumb_up": (_FIST, _FIST, _FIST, _FIST, (-0.2, 0.0, 0.0)),
    "victory": (_OPEN, _OPEN, _FIST, _FIST, _FIST_THUMB),
    "cup": ((0.45, 0.5, 0.35), (0.45, 0.5, 0.35), (0.5, 0.5, 0.35), (0.5, 0.5, 0.35), (0.2, 0.2, 0.1)),
}.items()}

FINGER_NOISE = 0.04   # radians, slow drift std per finger joint
FINGER_JITTER = 0.008  # radians, frame-to-frame tracking jitter std


@functools.cache
def flexion_axes(side: int) -> np.ndarray:
    """(15, 3) unit hinge axis of each hand joint of `side` in its local (rest-aligned) frame.

    Directions only, so the same for every body size (taken from the reference skeleton).
    """
    rest = skeleton.rest_joints().astype(np.float64)
    axes = np.empty((15, 3))
    for f, finger in enumerate(FINGERS):
        for k in range(3):
            joint = JOINT_INDEX[f"{SIDES[side]}_{finger}{k + 1}"]
            # bone leaving the joint (the last joint reuses the bone that reaches it)
            bone = rest[joint + 1] - rest[joint] if k < 2 else rest[joint] - rest[PARENTS[joint]]
            axis = np.cross(bone, PALM_NORMAL)
            axes[3 * f + k] = axis / np.linalg.norm(axis)
    axes.setflags(write=False)
    return axes


def finger_pose(side: int, weights: dict[str, np.ndarray], rng: np.random.Generator, t: np.ndarray) -> np.ndarray:
    """Axis-angle (T, 15, 3) of one hand: a blend of shapes plus tracking noise.

    Args:
        weights: shape name -> (T,) weight; normalised per frame (all-zero frames are 'relaxed').
        t: (T,) seconds, evenly spaced.
    """
    frames = t.shape[0]
    total = np.zeros(frames)
    flex = np.zeros((frames, 15))
    for name, w in weights.items():
        flex += w[:, None] * SHAPES[name].reshape(1, 15)
        total += w
    relaxed = np.maximum(1.0 - total, 0.0)
    flex = (flex + relaxed[:, None] * SHAPES["relaxed"].reshape(1, 15)) / np.maximum(total + relaxed, 1e-9)[:, None]
    pose = flex[:, :, None] * flexion_axes(side)[None]
    # slow drift made at a quarter of the rate and splined up (it holds nothing faster than 1.5 Hz)
    step = t[1] - t[0] if frames > 1 else 1.0
    coarse = t[0] + 4 * step * np.arange((frames + 2) // 4 + 1)
    drift = upsample_positions(smooth_noise(rng, coarse, FINGER_NOISE, 45, low=0.2, high=1.5), 4)
    pose += drift[:frames].reshape(frames, 15, 3)
    pose += rng.normal(0.0, FINGER_JITTER, size=pose.shape)
    return pose


def shape_tip(rig: Rig, side: int, shape: str) -> np.ndarray:
    """(3,) wrist -> middle3 vector in the hand's rest-aligned frame with hand shape `shape` (no noise)."""
    from interx.data.synth.rig import middle_tip

    pose = SHAPES[shape].reshape(15, 1) * flexion_axes(side)
    return middle_tip(rig, side, pose[None])[0]
