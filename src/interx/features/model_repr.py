"""The generator's motion representation: per person per frame, in the pair's canonical frame.

Glossary: T frames at 30 fps, P = 2 persons, R rotation joints (52: the 22 body
joints and both hands, or 22 with `hands=False`), D features per person.

| slice | size | content |
| --- | --- | --- |
| positions | 66 | the 22 body joints of the default body (built-in skeleton, zero betas), canonical frame, meters |
| velocities | 66 | positions[t+1] - positions[t], meters per frame (the last row repeats the one before) |
| rotations | 6 R | 6D rotations (`interx.body.rotations` sixd): joint 0 the global orientation in the canonical frame, the others local |
| contacts | 4 | InterGen's foot contacts of left ankle, left foot, right ankle, right foot (`representations.foot_contacts`) |

D = 448 with hands (the default), 268 without. Jaw and eyes are not modelled
(zero, as the official processing sets them); without hands, hands decode flat
(zero rotations).

Canonical frame: the cache's (P1's pelvis at x = z = 0 facing +z at frame 0,
floor at y = 0), both people moved by the same rigid transform. The positions
are the default body posed by the rotations with its pelvis at the data's
pelvis: for data on the default body (a cache built with `neutral`, the official
processing's choice) they are the cache's canonical joints; for other bodies the
rotations and the pelvis trajectory are exact and the limbs are the default
skeleton's.

Decoding (`decode`, frames first) uses the rotations and the pelvis: SMPL-X
parameters of the default body, root translation = pelvis - rest pelvis. The
pelvis track is the least-squares fit to both of its channels, the positions
and the velocities, the velocities weighted `PELVIS_VELOCITY_WEIGHT` times more:
the pelvis position is normalised by metres (its spread over the pair frame),
its velocity by centimetres per frame, so a model's per-frame error in the
position channel is a jitter of centimetres that the velocity channel does not
have, while the positions still pin the track's place. The weight (100: a
smoothing length of ~10 frames) damps a frame-to-frame jitter ~400 times; a
heavier one (1e4) let the integrated velocity drift the body through the floor.
The height the fit reads is the one the foot channels imply
(`foot_implied_height`: the pelvis height that puts the posed feet where the
position channels put them), not the pelvis's own channel: a small error in
each leg rotation adds up to centimetres at the feet, and the feet are what
stand on the floor (a CPU-trained model's samples: 69 % with the lowest joint
within 5 cm of the floor from the pelvis channel, 94 % from the feet). For
consistent channels (any encoded motion) the fit is the track itself, so
decode(encode(x)) gives back x's rotations, its pelvis and (for the default
body) its joints. The other channels (the other joints' positions, all but the
pelvis's velocities, the contacts) are redundant ones that only the losses use.

Normalisation statistics: the per-feature mean and std over the train split's
training windows (`InteractionDataset.windows`: each re-canonicalised, both
people pooled, like InterGen; mirrored copies included when training mirrors),
from `representation_moments`; a std below `STD_FLOOR` (0.01: 1 cm,
1 cm per frame, 0.01 of a rotation-matrix entry) is raised to it, so a channel
that is nearly constant in the data cannot blow a small deviation up.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.linalg import solve_banded

from interx.body import rotations, skeleton
from interx.body.joints import BODY, BODY_AND_HANDS, JOINT_INDEX, MIRROR, NUM_JOINTS, PARENTS
from interx.body.kinematics import forward_kinematics, pose_joints
from interx.data.types import MODEL_FPS, RAW_FPS, Interaction, PersonMotion
from interx.errors import UsageError
from interx.features.frames import apply_transform, canonical_transform, transform_smplx
from interx.features.normalize import Moments
from interx.features.representations import INTERGEN_CONTACT_JOINTS, PairArrays, _forward_difference, \
    foot_contacts
from interx.features.resample import resample_person

POSITION_JOINTS = BODY
POSITION_FEET = [POSITION_JOINTS.index(j) for j in INTERGEN_CONTACT_JOINTS]  # where the 4 foot joints sit in them
PELVIS = JOINT_INDEX["pelvis"]
STD_FLOOR = 1e-2  # no feature is divided by less: near-constant channels would blow small deviations up
FLOOR_RAMP = 5  # frames over which a floor lift eases in and out (1/6 s at 30 fps)
PELVIS_VELOCITY_WEIGHT = 100.0  # decode: 1 cm/frame of pelvis velocity error costs as much as 10 cm of position error
_SIXD_MIRROR = np.array([1, -1, -1, -1, 1, 1], dtype=np.float32)  # M R M on the first two rows, M = diag(-1,1,1)
_X_MIRROR = np.array([-1, 1, 1], dtype=np.float32)


@dataclass(frozen=True)
class ModelRepresentation:
    """The layout of the representation (module doc); `hands` selects 52 or 22 rotation joints."""

    hands: bool = True

    @cached_property
    def rotation_joints(self) -> tuple[int, ...]:
        return BODY_AND_HANDS if self.hands else BODY

    @property
    def positions(self) -> slice:
        return slice(0, 3 * len(POSITION_JOINTS))

    @property
    def velocities(self) -> slice:
        return slice(self.positions.stop, self.positions.stop + 3 * len(POSITION_JOINTS))

    @property
    def rotations(self) -> slice:
        return slice(self.velocities.stop, self.velocities.stop + 6 * len(self.rotation_joints))

    @property
    def contacts(self) -> slice:
        return slice(self.rotations.stop, self.rotations.stop + len(INTERGEN_CONTACT_JOINTS))

    @cached_property
    def root_channels(self) -> list[int]:
        """Channels of the pelvis position and velocity and of the root rotation."""
        at = 3 * POSITION_JOINTS.index(PELVIS)
        return [*range(at, at + 3), *range(self.velocities.start + at, self.velocities.start + at + 3),
                *range(self.rotations.start, self.rotations.start + 6)]

    @cached_property
    def finger_channels(self) -> list[int]:
        """Channels of the 30 finger joints' rotations (none without hands)."""
        start = self.rotations.start + 6 * len(BODY)
        return list(range(start, self.rotations.stop))

    @property
    def dim(self) -> int:
        return self.contacts.stop

    @cached_property
    def _mirror_perms(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Index permutations (positions, rotations, contacts) that exchange left and right."""
        rot = list(self.rotation_joints)
        contacts = list(INTERGEN_CONTACT_JOINTS)
        return (np.asarray([POSITION_JOINTS.index(MIRROR[j]) for j in POSITION_JOINTS]),
                np.asarray([rot.index(MIRROR[j]) for j in rot]),
                np.asarray([contacts.index(MIRROR[j]) for j in contacts]))


def default_rest_joints() -> np.ndarray:
    """(55, 3) rest joints of the default body (built-in skeleton, zero betas)."""
    return skeleton.rest_joints()


def body_joints(pose: np.ndarray, pelvis: np.ndarray) -> np.ndarray:
    """Joints (..., J, 3) float32 of the default body posed by `pose` (..., J, 3) with its pelvis at `pelvis` (..., 3).

    J may be fewer than 55 (the first J joints: parents come first). Plain numpy
    forward kinematics, no compiled parallel kernel: data loading calls this for
    every training item, and a parallel kernel's idle threads keep competing
    with torch's for the cores for seconds after each call.
    """
    return _posed(rotations.aa_to_mat(np.asarray(pose, np.float32)), pelvis)


def _posed(mats: np.ndarray, pelvis: np.ndarray) -> np.ndarray:
    """`body_joints` from rotation matrices (..., J, 3, 3)."""
    rest = default_rest_joints()[:mats.shape[-3]]
    joints, _ = forward_kinematics(mats, rest, PARENTS, need_rotations=False)
    return (joints + (np.asarray(pelvis, np.float32) - rest[PELVIS])[..., None, :]).astype(np.float32)


def canonical_parameters(item: PairArrays) -> tuple[np.ndarray, np.ndarray]:
    """The pair's SMPL-X rotations and pelvis positions in its canonical frame.

    Returns:
        pose (T, 2, 55, 3) axis-angle (root orientation turned by the canonical yaw,
        the rest unchanged) and pelvis (T, 2, 3) meters, float32.
    """
    pose = np.array(item.pose, dtype=np.float32)
    root, trans = transform_smplx(pose[:, :, 0], item.trans, np.asarray(item.rest_pelvis)[None], item.canonical)
    pose[:, :, 0] = root
    return pose, (trans + np.asarray(item.rest_pelvis, dtype=np.float32)[None]).astype(np.float32)


def recanonicalise(pose: np.ndarray, pelvis: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Turn and shift a pair about y so person 0's pelvis is at x = z = 0 facing +z at frame 0.

    Heights are kept (the floor stays at y = 0). Used when the people are
    reordered or a window is cut out of a sequence.

    Args:
        pose: (T, 2, 55, 3) axis-angle; pelvis: (T, 2, 3) meters.

    Returns:
        pose and pelvis in the new frame (float32), and the (4,) transform applied
        (yaw, tx, 0, tz) as `interx.features.frames` defines it.
    """
    first = body_joints(pose[:1, :1], pelvis[:1, :1])                              # (1, 1, 55, 3)
    transform = canonical_transform(first)
    transform[2] = 0.0
    return (*move_parameters(pose, pelvis, transform), transform)


def move_parameters(pose: np.ndarray, pelvis: np.ndarray, transform: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotations (..., 55, 3) and pelvis positions (..., 3) moved rigidly by x' = R_y(yaw) x + t (float32)."""
    pose = np.array(pose, dtype=np.float32)
    zero = np.zeros(3, np.float32)
    pose[..., 0, :], _ = transform_smplx(pose[..., 0, :], np.zeros_like(pelvis, dtype=np.float32), zero, transform)
    return pose, apply_transform(np.asarray(pelvis, np.float32), transform)


def encode_parameters(pose: np.ndarray, pelvis: np.ndarray, rep: ModelRepresentation) -> np.ndarray:
    """Features (T, P, D) float32 from canonical-frame rotations (T, P, 55, 3) and pelvis positions (T, P, 3)."""
    pose = np.asarray(pose, dtype=np.float32)
    frames, persons = pose.shape[:2]
    mats = rotations.aa_to_mat(pose[:, :, list(rep.rotation_joints)])              # (T, P, R, 3, 3)
    positions = _posed(mats[:, :, :len(POSITION_JOINTS)], pelvis)                  # (T, P, 22, 3): R starts with them
    sixd = rotations.mat_to_sixd(mats)                                              # (T, P, R, 6)
    features = np.concatenate([
        positions.reshape(frames, persons, -1),
        _forward_difference(positions).reshape(frames, persons, -1),
        np.asarray(sixd, dtype=np.float32).reshape(frames, persons, -1),
        foot_contacts(positions),
    ], axis=-1)
    return features.astype(np.float32)


def encode(item: PairArrays, rep: ModelRepresentation) -> np.ndarray:
    """Features (T, 2, D) float32 of one cached sequence (module doc)."""
    pose, pelvis = canonical_parameters(item)
    return encode_parameters(pose, pelvis, rep)


def fused_track(position: np.ndarray, velocity: np.ndarray, weight: float = PELVIS_VELOCITY_WEIGHT) -> np.ndarray:
    """The track p (T, ...) minimising sum_t |p_t - P_t|^2 + weight sum_t |p_t+1 - p_t - V_t|^2.

    position P (T, ...) and velocity V (T, ...) (forward differences; the last
    row is not used). Solved exactly (a tridiagonal system per coordinate); a
    track whose channels agree comes back unchanged.
    """
    frames = len(position)
    if frames < 2:
        return np.asarray(position)
    p = np.asarray(position, dtype=np.float64).reshape(frames, -1)
    v = np.asarray(velocity, dtype=np.float64).reshape(frames, -1)[:-1]
    rhs = p.copy()
    rhs[:-1] -= weight * v
    rhs[1:] += weight * v
    bands = np.zeros((3, frames))
    bands[0, 1:] = bands[2, :-1] = -weight
    bands[1] = 1.0 + weight * np.r_[1.0, np.full(frames - 2, 2.0), 1.0]
    return solve_banded((1, 1), bands, rhs).reshape(np.shape(position)).astype(np.asarray(position).dtype)


def foot_implied_height(positions: np.ndarray, pose: np.ndarray) -> np.ndarray:
    """Pelvis heights (...) that put the posed feet where the position channels put them (mean over the 4 foot joints).

    positions (..., 22, 3) the position channels; pose (..., 55, 3) axis-angle.
    Consistent channels give back their own pelvis height.
    """
    local = body_joints(pose[..., :len(POSITION_JOINTS), :], np.zeros(3, np.float32))   # pelvis at the origin
    return (positions[..., POSITION_FEET, 1] - local[..., POSITION_FEET, 1]).mean(-1)


def decode(features: np.ndarray, rep: ModelRepresentation) -> tuple[np.ndarray, np.ndarray]:
    """SMPL-X parameters of the default body from features (T, ..., D), frames first.

    Returns:
        pose (T, ..., 55, 3) axis-angle (jaw and eyes zero; hands zero without
        `rep.hands`) and trans (T, ..., 3) meters, float32, in the canonical
        frame; the pelvis fused from its position and velocity channels (module doc).
    """
    features = np.asarray(features, dtype=np.float32)
    if features.shape[-1] != rep.dim:
        raise UsageError(f"features have {features.shape[-1]} channels; this representation has {rep.dim}")
    lead = features.shape[:-1]
    sixd = features[..., rep.rotations].reshape(*lead, len(rep.rotation_joints), 6)
    pose = np.zeros((*lead, NUM_JOINTS, 3), dtype=np.float32)
    pose[..., list(rep.rotation_joints), :] = rotations.sixd_to_aa(sixd)
    at = POSITION_JOINTS.index(PELVIS)
    positions = features[..., rep.positions].reshape(*lead, len(POSITION_JOINTS), 3)
    observed = positions[..., at, :].copy()
    observed[..., 1] = foot_implied_height(positions, pose)
    pelvis = fused_track(observed, features[..., rep.velocities].reshape(*lead, len(POSITION_JOINTS), 3)[..., at, :])
    return pose, (pelvis - default_rest_joints()[PELVIS]).astype(np.float32)


def floor_lift(pose: np.ndarray, pelvis: np.ndarray, ramp: int = FLOOR_RAMP) -> np.ndarray:
    """Heights (T, ...) to raise each posed default body by so that none of its joints is under the floor (y = 0).

    pose (T, ..., 55, 3) axis-angle, pelvis (T, ..., 3), frames first. A frame
    needs at least the depth of its deepest joint under the floor. The lift is
    that need's running maximum over +-`ramp` frames, then averaged with
    triangular weights over +-`ramp` frames: never less than a frame's need
    (every value averaged is at least it), zero more than 2 `ramp` frames from
    any sunken frame, and eased in and out. A lift that stepped from one frame
    to the next (a few cm) is a jerk of hundreds of m/s^3, more than the
    data's mean jerk twenty times over.
    """
    need = np.maximum(-body_joints(pose, pelvis)[..., 1].min(-1), 0.0)                   # (T, ...)
    if ramp == 0 or not need.any():
        return need.astype(np.float32)
    frames_first = [(ramp, ramp)] + [(0, 0)] * (need.ndim - 1)
    window = 2 * ramp + 1
    reach = sliding_window_view(np.pad(need, frames_first), window, axis=0).max(-1)      # zeros pad: need >= 0
    weights = ramp + 1.0 - np.abs(np.arange(-ramp, ramp + 1))
    # edge padding: the first (last) value is the maximum over every frame a missing one could reach
    lift = sliding_window_view(np.pad(reach, frames_first, mode="edge"), window, axis=0) @ (weights / weights.sum())
    return np.maximum(lift, need).astype(np.float32)


def lifted_out_of_floor(features: np.ndarray, rep: ModelRepresentation) -> np.ndarray:
    """Features (T, P, D) re-encoded from their decoded bodies, each raised frame by frame out of the floor.

    A denoiser's estimate can push a kneeling leg or a planted foot through
    the floor; the lift (`floor_lift`) moves the whole body up by at least the
    depth of its deepest joint on those frames, eased in and out over the
    frames around them, and leaves every other frame as decoded.
    """
    pose, trans = decode(features, rep)
    pelvis = trans + default_rest_joints()[PELVIS]
    pelvis[..., 1] += floor_lift(pose, pelvis)
    return encode_parameters(pose, pelvis, rep)


def decoded_joints(features: np.ndarray, rep: ModelRepresentation) -> np.ndarray:
    """World joints (..., 55, 3) of the decoded parameters (default body), canonical frame."""
    pose, trans = decode(features, rep)
    return pose_joints(pose, trans, default_rest_joints(), PARENTS)


def mirror(features: np.ndarray, rep: ModelRepresentation) -> np.ndarray:
    """Features (..., D) of the motion reflected through the canonical x = 0 plane (left <-> right).

    Positions and velocities: x negated and left/right joints exchanged (the
    default skeleton is symmetric); rotations: R -> M R M with M = diag(-1, 1, 1)
    on exchanged joints; contacts exchanged.
    """
    features = np.asarray(features, dtype=np.float32)
    lead = features.shape[:-1]
    pos_perm, rot_perm, contact_perm = rep._mirror_perms
    out = np.empty_like(features)
    for part in (rep.positions, rep.velocities):
        xyz = features[..., part].reshape(*lead, len(POSITION_JOINTS), 3)
        out[..., part] = (xyz[..., pos_perm, :] * _X_MIRROR).reshape(*lead, -1)
    sixd = features[..., rep.rotations].reshape(*lead, len(rep.rotation_joints), 6)
    out[..., rep.rotations] = (sixd[..., rot_perm, :] * _SIXD_MIRROR).reshape(*lead, -1)
    out[..., rep.contacts] = features[..., rep.contacts][..., contact_perm]
    return out


def swap_persons(features: np.ndarray) -> np.ndarray:
    """Features (T, 2, D) with the two people exchanged (frame unchanged)."""
    return np.ascontiguousarray(np.asarray(features)[:, ::-1])


def to_interaction(features: np.ndarray, rep: ModelRepresentation, name: str, texts: tuple[str, ...] = (),
                   action: int = -1, fps_out: float = RAW_FPS, meta: dict | None = None) -> Interaction:
    """An `Interaction` from features (T, 2, D) at 30 fps (unnormalised), written at `fps_out`.

    At 120 fps (the default, what every Inter-X tool expects) rotations are
    upsampled by slerp and translations linearly between the model's frames
    (`interx.features.resample`): 4 T - 3 frames ending on the last model frame.
    Bodies are the default one (neutral, zero betas).
    """
    pose, trans = decode(features, rep)
    persons = []
    for k in range(2):
        person = PersonMotion.from_full_pose(pose[:, k], trans[:, k], np.zeros(10, np.float32), "neutral",
                                             fps=MODEL_FPS)
        persons.append(resample_person(person, float(fps_out)))
    return Interaction(name=name, persons=(persons[0], persons[1]), texts=tuple(texts), action=action,
                       meta=dict(meta or {}))


def representation_moments(windows, rep: ModelRepresentation, mirrored: bool = False) -> Moments:
    """Moments of the features over every frame of both people of `windows` (an iterable of (T, 2, D) features).

    With `mirrored`, the mirrored features count too (what training sees when it
    mirrors): a channel that is nearly constant in the data but changes sign
    under mirroring (a 6D component of a joint that never turns) then gets the
    spread it has in training instead of a near-zero std.
    """
    total = Moments(0, np.zeros(rep.dim), np.zeros(rep.dim))
    for window in windows:
        features = np.asarray(window).reshape(-1, rep.dim)
        total = total.merge(Moments.of(features))
        if mirrored:
            total = total.merge(Moments.of(mirror(features, rep)))
    return total
