"""Retargeting BVH skeletons onto SMPL-X, and importing a two-person BVH capture as an Inter-X sequence.

Recipe (`retarget`), vectorised over frames, one loop over the SMPL-X tree:

1. Map names. Each source joint name is normalised (text after the last ':',
   a prefix shared by every joint such as `mixamorig:` or `Skeleton1_`
   dropped, case and non-alphanumerics ignored) and looked up in the name
   table of a convention (below); `convention="auto"` picks the table that
   maps the most joints. Pelvis, hips, knees, ankles, shoulders, elbows,
   wrists, one spine joint and the neck or head must be found.
2. Units and axes. `scale` is meters per file unit; without it the unit is
   recognised from the rest skeleton's height H (file units, highest minus
   lowest joint of the rest pose): the first of meters, centimeters,
   millimeters, inches, CMU units (0.0564 m: 2.54 / 0.45 / 100) and feet
   that puts H in 1.1-2.2 m is taken, else H is taken as 1.70 m. The up axis
   is the axis closest to the ankles-to-head direction of the rest pose (or
   given); a z-up file is turned to y up. Both files of a pair are judged
   together, so both people share one world frame, unit and axes.
3. Targets. Per frame, source world joints (FK of the BVH) give a target
   position for every mapped SMPL-X joint; an unmapped joint lying on a chain
   between two mapped ones (e.g. spine2 between CMU's Spine and Spine1) is
   placed along it by the SMPL-X rest proportions.
4. Size. Stature H from a least-squares fit of the SMPL-X bone lengths to
   the source's (rest pose, body joints): betas[0] = (H - 1.70) / 0.075 for
   the built-in skeleton (`interx.body.skeleton.stature`), clipped to [-4, 4].
5. Pelvis. The SMPL-X pelvis goes on the source's pelvis joint (so the root
   trajectory is the source's), moved along the pelvis's own up axis by the
   difference in leg reach (hip drop plus hip-knee-ankle length, rest pose)
   so that a body with shorter or longer legs than the source still stands on
   the source's floor.
6. Rotations, parents first, with the posed SMPL-X joints tracked. Joint j's
   global rotation turns its SMPL-X rest bone onto the target bone (to its
   primary child). The twist about that bone comes from a second direction
   where one exists: across the hips for the pelvis, across the collars (else
   the shoulders) for spine3, across the knuckles for the wrists (a
   two-direction frame fit: the primary direction exactly, the second in its
   plane). Otherwise the twist is the source joint's own rotation: its world
   rotation times the constant correction that takes the SMPL-X rest onto the
   source rest (so an A-pose or a T-pose rest both work), swung by the
   smallest rotation onto the target bone. Leaves (feet, head, last finger
   joints) take the source joint's rotation (same correction), unmapped
   leaves keep their parent's. This two-direction fit is used instead of a
   least-squares (Kabsch) fit over all children, so that a source whose hip
   joints sit forward of its hips joint (CMU) does not tip the pelvis forward.
   Arms and legs are two-bone chains solved for position: from the posed
   SMPL-X shoulder (hip), the elbow (knee) and wrist (ankle) are placed so the
   wrist (ankle) lands on the source's, bending in the plane of the source's
   elbow (knee); out of reach, the limb stretches towards it. So hands and
   feet, where people touch each other and the floor, follow the source
   exactly whatever the proportions.
7. Local axis-angle from the global rotations; translation from the pelvis.
8. Error: per mapped joint, the distance between the posed SMPL-X joint and
   its source joint (mean and max over frames). It includes the differences
   of joint placement between the two skeletons (e.g. CMU's collar joints sit
   at the chest centre, SMPL-X's at the collar bones; CMU's torso is shorter).

Name tables (SMPL-X joint: source name; left side shown, right alike):

| SMPL-X | cmu (MotionBuilder-style) | mixamo (also HumanIK) | daz (Poser/DAZ) | motive (OptiTrack) |
| --- | --- | --- | --- | --- |
| pelvis | Hips | Hips | hip | Hips |
| left_hip | LeftUpLeg | LeftUpLeg | lThigh, lThighBend | LThigh |
| left_knee | LeftLeg | LeftLeg | lShin | LShin |
| left_ankle | LeftFoot | LeftFoot | lFoot | LFoot |
| left_foot | LeftToeBase | LeftToeBase | lToe | LToe |
| spine1 | Spine | Spine | abdomen, abdomenLower | Ab |
| spine2 | (between) | Spine1 | abdomenUpper, chestLower | (between) |
| spine3 | Spine1 | Spine2 | chest, chestUpper | Chest |
| neck | Neck1 | Neck | neck, neckLower | Neck |
| head | Head | Head | head | Head |
| left_collar | LeftShoulder | LeftShoulder | lCollar | LShoulder |
| left_shoulder | LeftArm | LeftArm | lShldr, lShldrBend | LUArm |
| left_elbow | LeftForeArm | LeftForeArm | lForeArm, lForearmBend | LFArm |
| left_wrist | LeftHand | LeftHand | lHand | LHand |
| left_index1-3 | LeftHandIndex1 (1 only) | LeftHandIndex1-3 | lIndex1-3 | LIndex1-3 |
| left_middle1-3 | | LeftHandMiddle1-3 | lMid1-3 | LMiddle1-3 |
| left_ring1-3 | | LeftHandRing1-3 | lRing1-3 | LRing1-3 |
| left_pinky1-3 | | LeftHandPinky1-3 | lPinky1-3 | LPinky1-3 |
| left_thumb1-3 | LThumb (1 only) | LeftHandThumb1-3 | lThumb1-3 | LThumb1-3 |

plus `smplx`: the SMPL-X names themselves (what `interx export bvh` writes),
so an exported file comes back unchanged. Jaw and eyes are never mapped (zero).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from interx.body import rotations, skeleton
from interx.body.joints import BODY, JOINT_INDEX, JOINT_NAMES, NUM_JOINTS, PARENTS
from interx.body.kinematics import pose_joints
from interx.data.bvh import BvhMotion, BvhSkeleton, read_bvh
from interx.data.types import RAW_FPS, PersonMotion
from interx.errors import DataError, UsageError

# ---------------------------------------------------------------------------------------
# Name tables: SMPL-X joint -> candidate source names, with side placeholders
# {Side} Left/Right, {S} L/R, {s} l/r, {side} left/right.

_FINGERS = ("index", "middle", "ring", "pinky", "thumb")


def _fingers(pattern: str, names: dict[str, str], joints: Sequence[int] = (1, 2, 3)) -> dict[str, tuple[str, ...]]:
    return {f"{{side}}_{finger}{k}": (pattern.format(finger=names[finger], k=k),)
            for finger in _FINGERS for k in joints if finger in names}


_CMU = {
    "pelvis": ("Hips",), "{side}_hip": ("{Side}UpLeg",), "{side}_knee": ("{Side}Leg",),
    "{side}_ankle": ("{Side}Foot",), "{side}_foot": ("{Side}ToeBase",),
    "spine1": ("Spine",), "spine3": ("Spine1",), "neck": ("Neck1",), "head": ("Head",),
    "{side}_collar": ("{Side}Shoulder",), "{side}_shoulder": ("{Side}Arm",), "{side}_elbow": ("{Side}ForeArm",),
    "{side}_wrist": ("{Side}Hand",), "{side}_index1": ("{Side}HandIndex1",), "{side}_thumb1": ("{S}Thumb",),
}
_MIXAMO = {
    "pelvis": ("Hips",), "{side}_hip": ("{Side}UpLeg",), "{side}_knee": ("{Side}Leg",),
    "{side}_ankle": ("{Side}Foot",), "{side}_foot": ("{Side}ToeBase",),
    "spine1": ("Spine",), "spine2": ("Spine1",), "spine3": ("Spine2",), "neck": ("Neck",), "head": ("Head",),
    "{side}_collar": ("{Side}Shoulder",), "{side}_shoulder": ("{Side}Arm",), "{side}_elbow": ("{Side}ForeArm",),
    "{side}_wrist": ("{Side}Hand",),
    **_fingers("{{Side}}Hand{finger}{k}", {f: f.capitalize() for f in _FINGERS}),
}
_DAZ = {
    "pelvis": ("hip",), "{side}_hip": ("{s}Thigh", "{s}ThighBend"), "{side}_knee": ("{s}Shin",),
    "{side}_ankle": ("{s}Foot",), "{side}_foot": ("{s}Toe",),
    "spine1": ("abdomen", "abdomenLower"), "spine2": ("abdomenUpper", "chestLower"),
    "spine3": ("chest", "chestUpper"), "neck": ("neck", "neckLower"), "head": ("head",),
    "{side}_collar": ("{s}Collar",), "{side}_shoulder": ("{s}Shldr", "{s}ShldrBend"),
    "{side}_elbow": ("{s}ForeArm", "{s}ForearmBend"), "{side}_wrist": ("{s}Hand",),
    **_fingers("{{s}}{finger}{k}", {"index": "Index", "middle": "Mid", "ring": "Ring", "pinky": "Pinky",
                                   "thumb": "Thumb"}),
}
_MOTIVE = {
    "pelvis": ("Hips",), "{side}_hip": ("{S}Thigh",), "{side}_knee": ("{S}Shin",), "{side}_ankle": ("{S}Foot",),
    "{side}_foot": ("{S}Toe",), "spine1": ("Ab",), "spine3": ("Chest",), "neck": ("Neck",), "head": ("Head",),
    "{side}_collar": ("{S}Shoulder",), "{side}_shoulder": ("{S}UArm",), "{side}_elbow": ("{S}FArm",),
    "{side}_wrist": ("{S}Hand",),
    **_fingers("{{S}}{finger}{k}", {f: f.capitalize() for f in _FINGERS}),
}
_SMPLX = {name: (name,) for name in JOINT_NAMES if name not in ("jaw", "left_eye", "right_eye")}


def _expand(table: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out = {}
    for key, names in table.items():
        sides = (("left", "Left", "L", "l"), ("right", "Right", "R", "r")) if "{side}" in key else ((None,) * 4,)
        for side, Side, S, s in sides:
            joint = key.format(side=side) if side else key
            out[joint] = tuple(n.format(side=side, Side=Side, S=S, s=s) if side else n for n in names)
    return out


CONVENTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    name: _expand(table) for name, table in
    (("cmu", _CMU), ("mixamo", _MIXAMO), ("daz", _DAZ), ("motive", _MOTIVE), ("smplx", _SMPLX))
}
REQUIRED = ("pelvis", "left_hip", "right_hip", "left_knee", "right_knee", "left_ankle", "right_ankle",
            "left_shoulder", "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist")
REQUIRED_ANY = (("spine1", "spine2", "spine3"), ("neck", "head"))

# Solve rules. Primary child candidates (first with a target wins) and second directions
# (pairs a -> b across the body) per joint; every other joint's primary is its only child.
_PRIMARY = {"pelvis": ("spine1",), "spine3": ("neck",), "head": ()}
for _side in ("left", "right"):
    _PRIMARY[f"{_side}_wrist"] = tuple(f"{_side}_{f}1" for f in ("middle", "index", "ring", "pinky"))
_SECONDARY = {
    "pelvis": (("right_hip", "left_hip"),),
    "spine3": (("right_collar", "left_collar"), ("right_shoulder", "left_shoulder")),
    "left_wrist": (("left_pinky1", "left_index1"), ("left_ring1", "left_index1"), ("left_pinky1", "left_middle1")),
    "right_wrist": (("right_index1", "right_pinky1"), ("right_index1", "right_ring1"),
                    ("right_middle1", "right_pinky1")),
}

# Units recognised from a rest skeleton's height: (name, meters per unit).
UNITS = (("meters", 1.0), ("centimeters", 0.01), ("millimeters", 0.001), ("inches", 0.0254),
         ("CMU units", 0.0254 / 0.45), ("feet", 0.3048))
PLAUSIBLE_HEIGHT = (1.1, 2.2)   # meters: the rest skeleton's joint height span of an adult
ASSUMED_HEIGHT = 1.70
UP_AXES = {"x": 0, "y": 1, "z": 2}


def _normalise(name: str) -> str:
    return re.sub(r"[^0-9a-z]", "", name.rsplit(":", 1)[-1].lower())


def _strip_shared_prefix(names: Sequence[str]) -> list[str]:
    """Drop a prefix every name shares when it ends at a separator (`Skeleton1_Hips` -> `Hips`)."""
    base = [n.rsplit(":", 1)[-1] for n in names]
    prefix = base[0]
    for n in base[1:]:
        while not n.startswith(prefix):
            prefix = prefix[:-1]
    cut = max(prefix.rfind(sep) for sep in "_ .|-") + 1 if prefix else 0
    return [n[cut:] for n in base] if cut and all(len(n) > cut for n in base) else base


def map_joints(bvh: BvhSkeleton, convention: str = "auto") -> tuple[str, dict[int, int]]:
    """(convention, {SMPL-X joint index: source joint index}) for a BVH skeleton.

    Raises DataError naming the missing joints when no table maps the required set.
    """
    if convention != "auto" and convention not in CONVENTIONS:
        raise UsageError(f"unknown convention {convention!r}; expected auto or one of {', '.join(CONVENTIONS)}")
    real = [j for j in range(bvh.num_joints) if not bvh.is_end_site[j]]
    lookup = {}
    for j, stripped in zip(real, _strip_shared_prefix([bvh.names[j] for j in real])):
        lookup.setdefault(_normalise(stripped), j)
        lookup.setdefault(_normalise(bvh.names[j]), j)
    results = []
    for name in ([convention] if convention != "auto" else list(CONVENTIONS)):
        mapping = {}
        for joint, candidates in CONVENTIONS[name].items():
            found = [lookup[_normalise(c)] for c in candidates if _normalise(c) in lookup]
            if found:
                mapping[JOINT_INDEX[joint]] = found[0]
        missing = [j for j in REQUIRED if JOINT_INDEX[j] not in mapping]
        missing += ["/".join(group) for group in REQUIRED_ANY if not any(JOINT_INDEX[j] in mapping for j in group)]
        results.append((len(missing), -len(mapping), name, mapping, missing))
    results.sort(key=lambda r: r[:2])
    _, _, name, mapping, missing = results[0]
    if missing:
        raise DataError(f"cannot map the skeleton onto SMPL-X ({name} names): no joint for {', '.join(missing)}")
    return name, mapping


# ---------------------------------------------------------------------------------------
# Units and axes


def _height_span(bvh: BvhSkeleton, up: int) -> float:
    rest = bvh.rest_positions()
    return float(rest[:, up].max() - rest[:, up].min())


def detect_up(bvh: BvhSkeleton, mapping: dict[int, int]) -> str:
    """The signed axis ('+y', '+z', '-x', ...) closest to the mean-ankle-to-head (or neck) direction at rest."""
    rest = bvh.rest_positions()
    top = mapping.get(JOINT_INDEX["head"], mapping.get(JOINT_INDEX["neck"]))
    ankles = [mapping[JOINT_INDEX[n]] for n in ("left_ankle", "right_ankle")]
    direction = rest[top] - rest[ankles].mean(axis=0)
    axis = int(np.argmax(np.abs(direction)))
    return ("+" if direction[axis] > 0 else "-") + "xyz"[axis]


def up_matrix(up: str) -> np.ndarray:
    """(3, 3) proper rotation taking the signed axis `up` ('+z', '-y', 'z', ...) onto +y."""
    sign = -1.0 if up.startswith("-") else 1.0
    axis = np.zeros(3)
    axis[UP_AXES[up.lstrip("+-")]] = sign
    return _rotation_between(axis, np.array([0.0, 1.0, 0.0]))


def detect_scale(spans: Sequence[float]) -> tuple[float, str]:
    """(meters per unit, unit name) for rest heights `spans` (file units) of the people of one capture."""
    spans = np.asarray(spans, dtype=np.float64)
    for name, meters in UNITS:
        heights = spans * meters
        if np.all((heights >= PLAUSIBLE_HEIGHT[0]) & (heights <= PLAUSIBLE_HEIGHT[1])):
            return meters, name
    return ASSUMED_HEIGHT / float(spans.mean()), f"assumed {ASSUMED_HEIGHT:.2f} m tall"


# ---------------------------------------------------------------------------------------
# Geometry helpers (vectorised over leading dimensions)


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)


def _rotation_between(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(..., 3, 3) smallest rotations taking directions a (..., 3) onto b (..., 3)."""
    a, b = np.broadcast_arrays(_unit(np.asarray(a, np.float64)), _unit(np.asarray(b, np.float64)))
    axis = np.cross(a, b)
    sin, cos = np.linalg.norm(axis, axis=-1), np.sum(a * b, axis=-1)
    # opposite directions: any axis perpendicular to a
    helper = np.where(np.abs(a[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    fallback = _unit(np.cross(a, helper))
    axis = np.where((sin < 1e-9)[..., None], fallback, axis / np.maximum(sin, 1e-300)[..., None])
    return rotations.aa_to_mat(axis * np.arctan2(sin, cos)[..., None])


def _frame(primary: np.ndarray, secondary: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Orthonormal frames (..., 3, 3) with columns (p, s orthogonalised, p x s), and |s orthogonalised|."""
    p = _unit(primary)
    s = secondary - np.sum(secondary * p, axis=-1, keepdims=True) * p
    size = np.linalg.norm(s, axis=-1)
    s = _unit(s)
    return np.stack([p, s, np.cross(p, s)], axis=-1), size


def _swing(prior: np.ndarray, rest_bone: np.ndarray, target: np.ndarray) -> np.ndarray:
    """prior (..., 3, 3) turned by the smallest rotation that puts prior @ rest_bone along target."""
    return _rotation_between(prior @ rest_bone, target) @ prior


# ---------------------------------------------------------------------------------------
# Retargeting


@dataclass(frozen=True)
class RetargetResult:
    """One person retargeted onto SMPL-X.

    Attributes:
        person: the SMPL-X motion (built-in skeleton sized by betas[0]) at the BVH's rate.
        convention: the name table used.
        joint_map: SMPL-X joint name -> source joint name.
        scale: meters per file unit; unit: how it was chosen.
        up: the file's up axis ('+y', '+z', ...).
        stature: meters (from the fitted bone lengths).
        errors: SMPL-X joint name -> (mean, max) distance over frames to its source joint, meters.
    """

    person: PersonMotion
    convention: str
    joint_map: dict[str, str]
    scale: float
    unit: str
    up: str
    stature: float
    errors: dict[str, tuple[float, float]] = field(default_factory=dict)


def _children(j: int) -> list[int]:
    return [int(c) for c in np.flatnonzero(PARENTS == j)]


def _chain_targets(points: np.ndarray, defined: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fill unmapped joints lying on a primary chain between two mapped joints (see module doc, step 3).

    points: (..., 55, 3) with rows of mapped joints set; defined: (55,) bool. Returns (points, defined).
    """
    points, defined = points.copy(), defined.copy()
    for j in range(NUM_JOINTS):
        if defined[j]:
            continue
        ancestor, length_up = int(PARENTS[j]), np.linalg.norm(rest[j] - rest[PARENTS[j]])
        while ancestor >= 0 and not defined[ancestor]:
            length_up += np.linalg.norm(rest[ancestor] - rest[PARENTS[ancestor]]) if PARENTS[ancestor] >= 0 else 0
            ancestor = int(PARENTS[ancestor])
        descendant, length_down = j, 0.0
        while not defined[descendant]:
            candidates = _PRIMARY.get(JOINT_NAMES[descendant], tuple(JOINT_NAMES[c] for c in _children(descendant)))
            if len(candidates) == 0:
                break
            child = JOINT_INDEX[candidates[0]]
            length_down += np.linalg.norm(rest[child] - rest[descendant])
            descendant = child
        if ancestor < 0 or not defined[descendant]:
            continue
        t = length_up / max(length_up + length_down, 1e-12)
        points[..., j, :] = (1 - t) * points[..., ancestor, :] + t * points[..., descendant, :]
        defined[j] = True
    return points, defined


def fit_stature(points: np.ndarray, mapped: set[int] | Sequence[int]) -> float:
    """Least-squares stature (meters) of the built-in skeleton whose bones best match `points`.

    points: (..., 55, 3) joint positions (rows of joints not in `mapped` ignored);
    a bone joins a mapped body joint to its nearest mapped ancestor; lengths are
    averaged over the leading dimensions.
    """
    mapped = set(int(j) for j in mapped)
    reference = skeleton.rest_joints(None).astype(np.float64)
    pairs = []
    for j in BODY:
        a = int(PARENTS[j])
        while a >= 0 and a not in mapped:
            a = int(PARENTS[a])
        if j in mapped and j != 0 and a >= 0:
            pairs.append((a, j))
    pairs = np.array(pairs)
    points = np.asarray(points, dtype=np.float64)
    src = np.linalg.norm(points[..., pairs[:, 1], :] - points[..., pairs[:, 0], :], axis=-1)
    src = src.reshape(-1, len(pairs)).mean(axis=0)
    ref = np.linalg.norm(reference[pairs[:, 1]] - reference[pairs[:, 0]], axis=-1)
    return skeleton.REFERENCE_HEIGHT * float(src @ ref) / float(ref @ ref)


def betas_for_stature(stature: float) -> np.ndarray:
    """(10,) float32 betas giving the built-in skeleton this stature (betas[0] clipped to [-4, 4])."""
    betas = np.zeros(10, np.float32)
    betas[0] = np.clip((stature - skeleton.REFERENCE_HEIGHT) / skeleton.HEIGHT_PER_BETA, -4.0, 4.0)
    return betas


def retarget(motion: BvhMotion, scale: float | None = None, up: str = "auto", convention: str = "auto",
             unit: str | None = None) -> RetargetResult:
    """Retarget one BVH motion onto the SMPL-X skeleton (recipe in the module doc).

    Args:
        motion: the source motion.
        scale: meters per file unit (None: recognised from the skeleton's height).
        up: 'auto', or the file's up axis: 'y', 'z', '-z', ...
        convention: 'auto' or a key of CONVENTIONS.
        unit: how `scale` was chosen, for the report (defaults to 'given' / the detected unit).
    """
    bvh = motion.skeleton
    convention, mapping = map_joints(bvh, convention)
    up_name = detect_up(bvh, mapping) if up == "auto" else _check_up(up)
    axes = up_matrix(up_name)
    if scale is None:
        scale, unit = detect_scale([_height_span(bvh, UP_AXES[up_name[-1]])])
    elif not (np.isfinite(scale) and scale > 0):
        raise UsageError(f"scale must be a positive number of meters per file unit, not {scale}")
    unit = unit or "given"

    positions, globals_ = motion.world()
    positions = scale * positions @ axes.T                         # (T, Js, 3) meters, y up
    globals_ = axes @ globals_ @ axes.T                            # (T, Js, 3, 3) world
    rest_src = scale * bvh.rest_positions() @ axes.T               # (Js, 3)
    frames = motion.num_frames
    defined = np.zeros(NUM_JOINTS, bool)
    targets = np.zeros((frames, NUM_JOINTS, 3))
    targets_rest = np.zeros((NUM_JOINTS, 3))
    for j, s in mapping.items():
        defined[j] = True
        targets[:, j], targets_rest[j] = positions[:, s], rest_src[s]
    reference = skeleton.rest_joints(None).astype(np.float64)
    targets, _ = _chain_targets(targets, defined, reference)
    targets_rest, defined = _chain_targets(targets_rest, defined, reference)
    stature = fit_stature(targets_rest, mapping)
    betas = betas_for_stature(stature)
    rest = skeleton.rest_joints(betas).astype(np.float64)
    global_rot, posed = _solve(rest, targets, targets_rest, defined, mapping, globals_, stature)

    parents = PARENTS[1:]
    local = np.concatenate([global_rot[:, :1], np.swapaxes(global_rot[:, parents], -1, -2) @ global_rot[:, 1:]], 1)
    pose = rotations.mat_to_aa(local).astype(np.float32)
    trans = (posed[:, 0] - rest[0]).astype(np.float32)
    person = PersonMotion.from_full_pose(pose, trans, betas, fps=motion.fps)
    joints = pose_joints(pose, trans, rest.astype(np.float32))
    errors = {}
    for j in sorted(mapping):
        distance = np.linalg.norm(joints[:, j] - targets[:, j], axis=-1)
        errors[JOINT_NAMES[j]] = (float(distance.mean()), float(distance.max()))
    return RetargetResult(person=person, convention=convention,
                          joint_map={JOINT_NAMES[j]: bvh.names[s] for j, s in sorted(mapping.items())},
                          scale=float(scale), unit=unit, up=up_name, stature=skeleton.stature(betas), errors=errors)


def _check_up(up: str) -> str:
    name = up.strip().lower()
    if name.lstrip("+-") not in UP_AXES or len(name.lstrip("+-")) != 1 or name.count("-") + name.count("+") > 1:
        raise UsageError(f"up axis must be auto, x, y, z, -x, -y or -z, not {up!r}")
    return name if name[0] in "+-" else "+" + name


def _pelvis_offset(rest: np.ndarray, targets_rest: np.ndarray) -> np.ndarray:
    """(3,) offset, in the SMPL-X pelvis frame, from the source's pelvis joint to where SMPL-X's pelvis goes.

    Straight down (pelvis frame) by how much lower the source's ankles reach below
    its pelvis joint than SMPL-X's do (hip drop plus hip-knee-ankle length, both
    sides averaged), so a standing SMPL-X body reaches the source's floor whatever
    the two leg lengths. The horizontal place of the root is the source's.
    """
    def reach(points, pelvis):
        return np.mean([pelvis[1] - points[JOINT_INDEX[f"{s}_hip"], 1]
                        + np.linalg.norm(points[JOINT_INDEX[f"{s}_knee"]] - points[JOINT_INDEX[f"{s}_hip"]])
                        + np.linalg.norm(points[JOINT_INDEX[f"{s}_ankle"]] - points[JOINT_INDEX[f"{s}_knee"]])
                        for s in ("left", "right")])

    return np.array([0.0, reach(rest, rest[0]) - reach(targets_rest, targets_rest[0]), 0.0])


def _two_bone(root: np.ndarray, target: np.ndarray, bend: np.ndarray, upper: float, lower: float) -> tuple:
    """Middle and end joint goals (..., 3) of a two-bone chain from `root` reaching for `target`.

    The chain bends towards `bend` (a point; its offset from the root-target line
    picks the bending plane); an unreachable target is approached as near as the
    bone lengths allow, along the root-target line.
    """
    along = target - root
    distance = np.linalg.norm(along, axis=-1, keepdims=True)
    direction = along / np.maximum(distance, 1e-12)
    distance = np.clip(distance, abs(upper - lower) * 1.0001 + 1e-9, (upper + lower) * 0.9999)
    side = bend - root
    side = side - np.sum(side * direction, axis=-1, keepdims=True) * direction
    helper = np.where(np.abs(direction[..., :1]) < 0.9, [1.0, 0.0, 0.0], [0.0, 1.0, 0.0])
    side = np.where(np.linalg.norm(side, axis=-1, keepdims=True) > 1e-9, side, np.cross(direction, helper))
    along_middle = (upper ** 2 - lower ** 2 + distance ** 2) / (2 * distance)
    height = np.sqrt(np.maximum(upper ** 2 - along_middle ** 2, 0.0))
    middle = root + along_middle * direction + height * _unit(side)
    return middle, root + distance * direction


_LIMBS = tuple((f"{s}_{a}", f"{s}_{b}", f"{s}_{c}") for s in ("left", "right")
               for a, b, c in (("hip", "knee", "ankle"), ("shoulder", "elbow", "wrist")))


def _solve(rest: np.ndarray, targets: np.ndarray, targets_rest: np.ndarray, defined: np.ndarray,
           mapping: dict[int, int], source_globals: np.ndarray, stature: float) -> tuple[np.ndarray, np.ndarray]:
    """Global rotations (T, 55, 3, 3) and posed joints (T, 55, 3) of SMPL-X (steps 5-6 of the module doc)."""
    frames = targets.shape[0]
    eps = 1e-3 * stature

    def usable(a: int, b: int) -> bool:
        return bool(defined[a] and defined[b] and np.linalg.norm(targets_rest[b] - targets_rest[a]) > eps
                    and np.linalg.norm(rest[b] - rest[a]) > eps)

    global_rot = np.zeros((frames, NUM_JOINTS, 3, 3))
    posed = np.zeros((frames, NUM_JOINTS, 3))
    goals: dict[int, np.ndarray] = {}
    limbs = {JOINT_INDEX[a]: (JOINT_INDEX[b], JOINT_INDEX[c]) for a, b, c in _LIMBS}
    correction = np.zeros((NUM_JOINTS, 3, 3))
    for j in range(NUM_JOINTS):
        name, parent = JOINT_NAMES[j], int(PARENTS[j])
        if parent >= 0:
            posed[:, j] = posed[:, parent] + global_rot[:, parent] @ (rest[j] - rest[parent])
        if j in limbs and all(usable(*bone) for bone in ((j, limbs[j][0]), limbs[j])):
            middle, end = limbs[j]
            upper, lower = (np.linalg.norm(rest[b] - rest[a]) for a, b in ((j, middle), (middle, end)))
            bend = posed[:, j] + upper * _unit(targets[:, middle] - targets[:, j])
            goals[middle], goals[end] = _two_bone(posed[:, j], targets[:, end], bend, upper, lower)
        candidates = _PRIMARY.get(name, tuple(JOINT_NAMES[c] for c in _children(j)))
        primary = next((JOINT_INDEX[c] for c in candidates if usable(j, JOINT_INDEX[c])), None)
        secondary = None
        if primary is not None:
            for a, b in _SECONDARY.get(name, ()):
                a, b = JOINT_INDEX[a], JOINT_INDEX[b]
                if usable(a, b):
                    frame_ref, size = _frame(rest[primary] - rest[j], rest[b] - rest[a])
                    frame_src, size_src = _frame(targets_rest[primary] - targets_rest[j],
                                                 targets_rest[b] - targets_rest[a])
                    if size > eps and size_src > eps:
                        secondary = (a, b, frame_ref)
                        correction[j] = frame_src @ frame_ref.T
                        break
            if secondary is None:
                correction[j] = _rotation_between(rest[primary] - rest[j], targets_rest[primary] - targets_rest[j])
        else:
            correction[j] = correction[parent] if parent >= 0 else np.eye(3)
        if j in mapping:
            prior = source_globals[:, mapping[j]] @ correction[j]
        elif parent >= 0:
            prior = global_rot[:, parent]
        else:
            prior = np.broadcast_to(correction[j], (frames, 3, 3))
        if primary is None:
            global_rot[:, j] = prior
        else:
            bone = goals[primary] - posed[:, j] if primary in goals else targets[:, primary] - targets[:, j]
            swung = _swing(prior, rest[primary] - rest[j], bone)
            if secondary is None:
                global_rot[:, j] = swung
            else:
                a, b, frame_ref = secondary
                frame_now, size = _frame(bone, targets[:, b] - targets[:, a])
                global_rot[:, j] = np.where((size > eps)[:, None, None], frame_now @ frame_ref.T, swung)
        if parent < 0:
            posed[:, j] = targets[:, j] + global_rot[:, j] @ _pelvis_offset(rest, targets_rest)
    return global_rot, posed


# ---------------------------------------------------------------------------------------
# Importing a two-person capture


@dataclass(frozen=True)
class ImportReport:
    """What `import_bvh_pair` did: the sequence name and one RetargetResult per person (at the output rate)."""

    name: str
    people: tuple[RetargetResult, RetargetResult]
    frames: int
    fps: float
    notes: tuple[str, ...] = ()


def import_bvh_pair(paths: Sequence[Path | str], root: Path | str, name: str, texts: Sequence[str],
                    action: int | None = None, fps_out: float = RAW_FPS, scale: float | None = None,
                    skip_frames: int = 0, up: str = "auto", convention: str = "auto",
                    split: str | None = "test", append: bool = False) -> ImportReport:
    """Turn two BVH files of one capture (P1, P2) into the Inter-X sequence `name` under `root`.

    Both files are read, their leading `skip_frames` frames dropped, retargeted
    with one shared unit and up axis (module doc), resampled to `fps_out`
    (`interx.features.resample`) and written with `interx.data.raw.write_release`
    (a non-empty `root` is refused unless `append`), listed in the official
    `split` ('train', 'val', 'test'; None lists it nowhere but splits/all.txt).
    `action`, when given, must agree with the name's. Returns the report with
    per-joint errors.
    """
    from dataclasses import replace

    from interx.data.names import parse_name
    from interx.data.raw import write_release
    from interx.data.splits import SPLITS
    from interx.data.types import Interaction
    from interx.features.resample import resample_person

    if len(paths) != 2:
        raise UsageError(f"a pair needs two BVH files, not {len(paths)}")
    seq = parse_name(name)
    if action is not None and action != seq.action:
        raise UsageError(f"--action {action} disagrees with the name {name} (action {seq.action})")
    if split is not None and split not in SPLITS:
        raise UsageError(f"split must be one of {', '.join(SPLITS)} or none, not {split!r}")
    if skip_frames < 0:
        raise UsageError(f"skip-frames must be >= 0, not {skip_frames}")
    if not (np.isfinite(fps_out) and fps_out > 0):
        raise UsageError(f"fps-out must be positive, not {fps_out}")
    motions = [read_bvh(p) for p in paths]
    notes = []
    for path, motion in zip(paths, motions):
        if motion.num_frames <= skip_frames:
            raise DataError(f"has {motion.num_frames} frames; nothing is left after skipping {skip_frames}", path)
    if motions[0].fps != motions[1].fps:
        raise DataError(f"the two files run at {motions[0].fps:g} and {motions[1].fps:g} fps", paths[1])
    frames = min(m.num_frames for m in motions) - skip_frames
    if motions[0].num_frames != motions[1].num_frames:
        notes.append(f"frame counts differ ({motions[0].num_frames}, {motions[1].num_frames}): "
                     f"both cut to the shorter")
    motions = [m.frames(slice(skip_frames, skip_frames + frames)) for m in motions]
    maps = [map_joints(m.skeleton, convention)[1] for m in motions]
    ups = [detect_up(m.skeleton, mp) if up == "auto" else _check_up(up) for m, mp in zip(motions, maps)]
    if ups[0] != ups[1]:
        raise DataError(f"the two files have different up axes ({ups[0]}, {ups[1]})", paths[1])
    unit = "given"
    if scale is None:
        scale, unit = detect_scale([_height_span(m.skeleton, UP_AXES[ups[0][-1]]) for m in motions])
    results = []
    for path, motion in zip(paths, motions):
        try:
            result = retarget(motion, scale=scale, up=ups[0], convention=convention, unit=unit)
        except DataError as exc:
            raise DataError(str(exc), path) from None
        results.append(replace(result, person=resample_person(result.person, fps_out)))
    interaction = Interaction(name=name, persons=(results[0].person, results[1].person),
                              texts=tuple(t.strip() for t in texts), action=seq.action)
    splits = None if split is None else {s: [name] if s == split else [] for s in SPLITS}
    write_release(root, [interaction], splits=splits, append=append)
    return ImportReport(name=name, people=(results[0], results[1]), frames=interaction.num_frames,
                        fps=float(fps_out), notes=tuple(notes))
