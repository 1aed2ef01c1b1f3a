"""Motion representations, derived from the compact arrays a cache stores.

Glossary: T frames at 30 fps, P = 2 persons (P1 first), J = 55 SMPL-X joints.
Compact arrays (what the cache holds per sequence): `pose` (T, 2, 55, 3)
axis-angle and `trans` (T, 2, 3) in the official frame, `joints` (T, 2, 55, 3)
official-frame joints, `canonical` (4,) the pair's canonicalising transform
(`interx.features.frames`), `rest_pelvis` (2, 3) each body's rest pelvis.

Representations (every 6D rotation is `interx.body.rotations`' sixd: the first
two rows of the matrix, as the official Inter-X code and pytorch3d use):

| name | shape | content |
| --- | --- | --- |
| official_56x6 | (T, 56, 6) | the official processed h5 array: rows 0-54 joint rotations (axis-angle), row 55 translation; channels 0:3 P1, 3:6 P2 |
| evaluator_672 | (T, 672) | the official evaluator input, (T, 56, 12) flattened: rows 0-54 the 6D rotation of P1 (0:6) then P2 (6:12); row 55 the translations, P1 at 0:3 and P2 at 6:9, zeros elsewhere |
| intergen_262 | (T, 2, 262) | InterGen's per-person feature in the canonical frame, below |
| canonical joints | (T, 2, 55, 3) | `joints` moved by `canonical` |

InterGen's 262 (from InterGen's `process_motion_np`), per person, on the 22 body joints:
0:66 joint positions in the canonical frame (floor at y = 0, P1's frame-0
pelvis at the origin facing +z; P2 in P1's frame); 66:132 velocities as frame
differences p[t+1] - p[t] (meters per frame at 30 fps, not per second);
132:258 local 6D rotations of joints 1-21 (root excluded); 258:262 foot
contacts of left ankle, left foot, right ankle, right foot: 1 when the squared
displacement to the next frame is below 0.001 m^2 and the joint is lower than
0.12 m (ankles) or 0.05 m (feet). InterGen's feature has T - 1 rows (the last
frame has no next one); here rows 0..T-2 are InterGen's and the last row
repeats the previous row's velocities and contacts, so every representation
has T rows. InterGen floors each person by its own 22 body joints; here the
floor is the lowest of all 55 joints of both people (the official frame
already puts both people's lowest joints at the same height).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from interx.body import rotations
from interx.body.joints import BODY, JOINT_INDEX, NUM_JOINTS
from interx.features.frames import apply_transform

OFFICIAL_ROWS = NUM_JOINTS + 1     # 55 rotations + the translation row
TRANS_ROW = NUM_JOINTS
EVALUATOR_DIM = OFFICIAL_ROWS * 12  # 672
INTERGEN_JOINTS = BODY             # the 22 body joints
INTERGEN_DIM = 262
INTERGEN_CONTACT_JOINTS = tuple(JOINT_INDEX[n] for n in ("left_ankle", "left_foot", "right_ankle", "right_foot"))
INTERGEN_CONTACT_HEIGHTS = (0.12, 0.05, 0.12, 0.05)  # meters
INTERGEN_CONTACT_SPEED2 = 0.001                      # squared meters per frame (30 fps)


def official_56x6(pose: np.ndarray, trans: np.ndarray) -> np.ndarray:
    """The official (T, 56, 6) float32 array from pose (T, 2, 55, 3) and trans (T, 2, 3)."""
    pose = np.asarray(pose, dtype=np.float32)
    rows = np.concatenate([pose, np.asarray(trans, dtype=np.float32)[:, :, None]], axis=2)  # (T, 2, 56, 3)
    return np.ascontiguousarray(rows.transpose(0, 2, 1, 3)).reshape(len(rows), OFFICIAL_ROWS, 6)


def from_official_56x6(motion: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inverse of `official_56x6`: (T, 56, 6) -> pose (T, 2, 55, 3), trans (T, 2, 3), float32."""
    motion = np.asarray(motion, dtype=np.float32)
    pairs = motion.reshape(len(motion), OFFICIAL_ROWS, 2, 3).transpose(0, 2, 1, 3)  # (T, 2, 56, 3)
    return np.ascontiguousarray(pairs[:, :, :TRANS_ROW]), np.ascontiguousarray(pairs[:, :, TRANS_ROW])


def pose_sixd(pose: np.ndarray) -> np.ndarray:
    """(T, 2, 55, 6) float32 6D rotations of axis-angle poses (T, 2, 55, 3)."""
    return rotations.aa_to_sixd(np.asarray(pose, dtype=np.float32)).astype(np.float32)


def evaluator_672(pose: np.ndarray, trans: np.ndarray, sixd: np.ndarray | None = None) -> np.ndarray:
    """The official evaluator's (T, 672) float32 input (layout in the module doc).

    `sixd` may pass `pose_sixd(pose)` when it is already at hand.
    """
    frames = len(pose)
    sixd = pose_sixd(pose) if sixd is None else sixd                                # (T, 2, 55, 6)
    rows = np.ascontiguousarray(sixd.transpose(0, 2, 1, 3)).reshape(frames, NUM_JOINTS, 12)
    trans_row = np.zeros((frames, 1, 12), dtype=np.float32)
    trans = np.asarray(trans, dtype=np.float32)
    trans_row[:, 0, 0:3], trans_row[:, 0, 6:9] = trans[:, 0], trans[:, 1]
    return np.concatenate([rows, trans_row], axis=1).reshape(frames, EVALUATOR_DIM)


def _forward_difference(values: np.ndarray) -> np.ndarray:
    """v[t] = x[t+1] - x[t] along axis 0, the last row repeating the one before (zeros for T = 1)."""
    diff = np.zeros_like(values)
    if len(values) > 1:
        diff[:-1] = values[1:] - values[:-1]
        diff[-1] = diff[-2]
    return diff


def foot_contacts(positions: np.ndarray) -> np.ndarray:
    """InterGen's foot contacts (T, ..., 4) float32 from joints (T, ..., J, 3) with the floor at y = 0."""
    feet = np.asarray(positions, dtype=np.float32)[..., INTERGEN_CONTACT_JOINTS, :]  # (T, ..., 4, 3)
    speed2 = (_forward_difference(feet) ** 2).sum(-1)
    low = feet[..., 1] < np.asarray(INTERGEN_CONTACT_HEIGHTS, dtype=np.float32)
    contact = (speed2 < INTERGEN_CONTACT_SPEED2) & low
    if len(contact) > 1:
        contact[-1] = contact[-2]
    return contact.astype(np.float32)


def intergen_262(pose: np.ndarray, canonical_joints: np.ndarray, sixd: np.ndarray | None = None) -> np.ndarray:
    """InterGen's per-person feature, (T, 2, 262) float32 (layout in the module doc).

    Args:
        pose: (T, 2, 55, 3) axis-angle (only joints 1-21 are used: local rotations,
            which the canonicalising transform leaves unchanged).
        canonical_joints: (T, 2, 55, 3) joints in the canonical frame.
        sixd: optionally `pose_sixd(pose)`, when already at hand.
    """
    positions = np.asarray(canonical_joints, dtype=np.float32)[:, :, INTERGEN_JOINTS]  # (T, 2, 22, 3)
    frames = len(positions)
    body = slice(1, len(INTERGEN_JOINTS))
    local = pose_sixd(np.asarray(pose)[:, :, body]) if sixd is None else sixd[:, :, body]
    feature = np.concatenate([
        positions.reshape(frames, 2, -1),
        _forward_difference(positions).reshape(frames, 2, -1),
        local.reshape(frames, 2, -1),
        foot_contacts(positions),
    ], axis=-1)
    return feature


@dataclass(frozen=True)
class PairArrays:
    """One sequence's compact arrays (see the module doc); every representation derives from them."""

    pose: np.ndarray         # (T, 2, 55, 3) axis-angle, official frame
    trans: np.ndarray        # (T, 2, 3) meters, official frame
    joints: np.ndarray       # (T, 2, 55, 3) meters, official frame
    canonical: np.ndarray    # (4,) yaw, tx, ty, tz
    rest_pelvis: np.ndarray  # (2, 3) meters

    @property
    def num_frames(self) -> int:
        return int(self.pose.shape[0])

    @cached_property
    def sixd(self) -> np.ndarray:
        """(T, 2, 55, 6) float32 6D rotations of `pose` (computed once)."""
        return pose_sixd(self.pose)

    def canonical_joints(self) -> np.ndarray:
        """(T, 2, 55, 3) float32 joints in the canonical frame."""
        return apply_transform(self.joints, self.canonical)

    def official_56x6(self) -> np.ndarray:
        return official_56x6(self.pose, self.trans)

    def evaluator_672(self) -> np.ndarray:
        return evaluator_672(self.pose, self.trans, self.sixd)

    def intergen_262(self) -> np.ndarray:
        return intergen_262(self.pose, self.canonical_joints(), self.sixd)


# Normalisation statistics: a function PairArrays -> (rows, *feature shape); the
# statistics are the mean and std over the rows (axis 0). Functions must live at
# module level (worker processes import them by name).

def official_56x6_rows(item: PairArrays) -> np.ndarray:
    """(T, 56, 6) rows: statistics per row and channel."""
    return item.official_56x6()


def evaluator_672_rows(item: PairArrays) -> np.ndarray:
    """(T, 672) rows."""
    return item.evaluator_672()


def intergen_262_rows(item: PairArrays) -> np.ndarray:
    """(2T, 262) rows: both people pooled, as InterGen's single mean/std."""
    return item.intergen_262().reshape(-1, INTERGEN_DIM)


def default_stat_features() -> dict:
    """{name: function} of the representations whose train statistics a cache stores.

    Pass an extended copy to `build_cache(stat_features=...)` to add one; a
    representation module that should always be included adds its entry here.
    """
    return {"official_56x6": official_56x6_rows, "evaluator_672": evaluator_672_rows,
            "intergen_262": intergen_262_rows}
