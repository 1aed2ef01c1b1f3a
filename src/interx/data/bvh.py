"""BVH (Biovision Hierarchy) motion files: read any skeleton, write the SMPL-X one.

Reading (`read_bvh`, `parse_bvh`) accepts what motion-capture tools write:
any root name, any number of joints, CRLF or LF line ends (mixed too), tabs
or spaces, any channel list per joint (position channels in any order, one
to three rotation channels in any order), `End Site` blocks, names with
spaces, and a frame count or rate written as `.0083333`. What comes back is
a `BvhMotion`: the skeleton (names, parents, rest offsets, channel lists;
End Sites included as channel-less joints named `<parent>/End`) and per
frame the local rotation matrix and local translation of every joint, in the
file's own units and axes.

Conventions (the common reading, and Blender's for the root):

- A joint's local rotation is the product of its rotation channels in the
  order listed: channels `Zrotation Yrotation Xrotation` with values
  (a, b, c) degrees give R = R_Z(a) R_Y(b) R_X(c)
  (`interx.body.rotations.euler_to_mat(angles, "ZYX")`).
- A joint's local translation is its OFFSET, or, when the joint has position
  channels, the channel values (they replace the OFFSET; for the root they are
  its position in the world).
- World positions: child = parent + parent's world rotation @ child's local
  translation (`interx.body.kinematics.forward_kinematics`), exactly the
  SMPL-X rule, so a BVH written on the SMPL-X rest skeleton carries SMPL-X's
  local rotations unchanged.

Writing (`write_bvh`, `smplx_bvh`, `export_sequence_bvh`): the SMPL-X skeleton,
55 joints (`joints="all"`) or the 52 without jaw and eyes (`"body_hands"`),
named as `interx.body.joints.JOINT_NAMES`, offsets from the person's rest joints
in meters, y up, ROOT `pelvis` at OFFSET 0 with position channels holding the
pelvis's world position (so importers that add the OFFSET and importers that
do not, Blender's among them, agree), three rotation channels per joint in
`ZYX` or `XYZ` order, an End Site at every leaf, values in degrees.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interx.body import rotations
from interx.body.joints import BODY_AND_HANDS, JOINT_NAMES, NUM_JOINTS, PARENTS
from interx.body.kinematics import forward_kinematics
from interx.errors import DataError, UsageError

MAX_BVH_BYTES = 256 * 2**20
END_SITE = "/End"                       # End Site of joint P is named P + END_SITE
ROTATION_CHANNELS = {"xrotation": "X", "yrotation": "Y", "zrotation": "Z"}
POSITION_CHANNELS = {"xposition": 0, "yposition": 1, "zposition": 2}
WRITE_ORDERS = ("ZYX", "XYZ")
JOINT_SETS = {"all": tuple(range(NUM_JOINTS)), "body_hands": BODY_AND_HANDS}


@dataclass(frozen=True)
class BvhSkeleton:
    """A BVH hierarchy.

    Attributes:
        names: (J,) joint names in file order; End Sites are `<parent>/End`.
        parents: (J,) int64 parent index, -1 for the root; parents come first.
        offsets: (J, 3) float64 rest offsets from the parent, file units.
        channels: per joint, its channel names as written (End Sites: ()).
    """

    names: tuple[str, ...]
    parents: np.ndarray
    offsets: np.ndarray
    channels: tuple[tuple[str, ...], ...]

    @property
    def num_joints(self) -> int:
        return len(self.names)

    @property
    def num_channels(self) -> int:
        return sum(len(c) for c in self.channels)

    @property
    def is_end_site(self) -> np.ndarray:
        """(J,) bool: True for End Sites."""
        return np.array([name.endswith(END_SITE) and not ch for name, ch in zip(self.names, self.channels)])

    def index(self, name: str) -> int:
        return self.names.index(name)

    def rest_positions(self) -> np.ndarray:
        """(J, 3) float64 joint positions with every rotation zero, file units (root at its OFFSET)."""
        rest = np.zeros((self.num_joints, 3))
        for j, p in enumerate(self.parents):
            rest[j] = self.offsets[j] + (rest[p] if p >= 0 else 0.0)
        return rest


@dataclass(frozen=True)
class BvhMotion:
    """A skeleton and its motion.

    Attributes:
        skeleton: the hierarchy.
        rotations: (T, J, 3, 3) float64 local rotations (identity for End Sites and
            joints without rotation channels).
        translations: (T, J, 3) float64 local translations, file units (see the module doc).
        fps: frames per second (1 / Frame Time, rounded to a whole number when within 0.1 %).
    """

    skeleton: BvhSkeleton
    rotations: np.ndarray
    translations: np.ndarray
    fps: float

    @property
    def num_frames(self) -> int:
        return int(self.rotations.shape[0])

    def frames(self, index: slice | np.ndarray) -> "BvhMotion":
        """A motion holding the selected frames."""
        return BvhMotion(self.skeleton, self.rotations[index], self.translations[index], self.fps)

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        """World joint positions (T, J, 3) in file units and global rotations (T, J, 3, 3), float64."""
        return forward_kinematics(self.rotations, _cumulate(self.translations, self.skeleton.parents),
                                  self.skeleton.parents)


def _cumulate(local: np.ndarray, parents: np.ndarray) -> np.ndarray:
    """Local translations (..., J, 3) -> rest positions (..., J, 3) along the tree."""
    out = np.empty_like(local)
    for j, p in enumerate(parents):
        out[..., j, :] = local[..., j, :] + (out[..., p, :] if p >= 0 else 0.0)
    return out


def _fps_from_frame_time(frame_time: float) -> float:
    fps = 1.0 / frame_time
    whole = round(fps)
    return float(whole) if whole >= 1 and abs(fps - whole) <= 1e-3 * fps else fps


# ---------------------------------------------------------------------------------------
# Reading


class _Parser:
    """Line-by-line reader of the HIERARCHY section."""

    def __init__(self, source: Path | str | None):
        self.source = source
        self.names: list[str] = []
        self.parents: list[int] = []
        self.offsets: list[tuple[float, float, float]] = []
        self.channels: list[tuple[str, ...]] = []
        self.stack: list[int] = []
        self.pending: int | None = None
        self.line_number = 0

    def fail(self, message: str) -> DataError:
        return DataError(f"line {self.line_number}: {message}", self.source)

    def add_joint(self, name: str, root: bool) -> None:
        if not name:
            raise self.fail("a joint without a name")
        if root and self.names:
            raise self.fail("a second ROOT (one skeleton per file is supported)")
        if not root and not self.stack:
            raise self.fail(f"joint {name!r} outside the ROOT's braces")
        if name in self.names:
            raise self.fail(f"joint name {name!r} used twice")
        self.names.append(name)
        self.parents.append(self.stack[-1] if self.stack else -1)
        self.offsets.append((0.0, 0.0, 0.0))
        self.channels.append(())
        self.pending = len(self.names) - 1

    def current(self, keyword: str) -> int:
        if not self.stack:
            raise self.fail(f"{keyword} outside a joint's braces")
        return self.stack[-1]

    def numbers(self, tokens: list[str], count: int, what: str) -> list[float]:
        if len(tokens) != count:
            raise self.fail(f"{what} has {len(tokens)} values, expected {count}")
        try:
            values = [float(t) for t in tokens]
        except ValueError:
            raise self.fail(f"{what} holds a non-number: {' '.join(tokens)!r}") from None
        if not all(np.isfinite(values)):
            raise self.fail(f"{what} holds NaN or Inf")
        return values

    def line(self, text: str) -> None:
        tokens = text.split()
        opens = tokens[-1] == "{" and len(tokens) > 1
        if opens:
            tokens = tokens[:-1]
        keyword = tokens[0].upper()
        if keyword in ("ROOT", "JOINT"):
            self.add_joint(text.split(None, 1)[1].rstrip("{ \t") if len(tokens) > 1 else "", keyword == "ROOT")
        elif keyword == "END":
            parent = self.current("End Site")
            self.add_joint(self.names[parent] + END_SITE, root=False)
        elif keyword == "{":
            if self.pending is None:
                raise self.fail("'{' without a joint before it")
            self.stack.append(self.pending)
            self.pending = None
        elif keyword == "}":
            if not self.stack:
                raise self.fail("'}' without a matching '{'")
            self.stack.pop()
        elif keyword == "OFFSET":
            joint = self.current("OFFSET")
            self.offsets[joint] = tuple(self.numbers(tokens[1:], 3, "OFFSET"))
        elif keyword == "CHANNELS":
            self.channel_line(tokens)
        elif keyword != "HIERARCHY":
            raise self.fail(f"unexpected {tokens[0]!r} in the HIERARCHY section")
        if opens:
            self.line("{")

    def channel_line(self, tokens: list[str]) -> None:
        joint = self.current("CHANNELS")
        if self.names[joint].endswith(END_SITE) and self.parents[joint] >= 0:
            raise self.fail("an End Site with CHANNELS")
        try:
            count = int(tokens[1])
        except (IndexError, ValueError):
            raise self.fail("CHANNELS without a channel count") from None
        names = tuple(tokens[2:])
        if count != len(names):
            raise self.fail(f"CHANNELS says {count} but lists {len(names)}")
        for name in names:
            if name.lower() not in ROTATION_CHANNELS and name.lower() not in POSITION_CHANNELS:
                raise self.fail(f"unknown channel {name!r} (expected X/Y/Z position or rotation)")
        if len({n.lower() for n in names}) != len(names):
            raise self.fail(f"a channel listed twice in {' '.join(names)}")
        self.channels[joint] = names

    def skeleton(self) -> BvhSkeleton:
        if not self.names:
            raise DataError("no ROOT joint in the HIERARCHY section", self.source)
        if self.stack or self.pending is not None:
            raise DataError("unbalanced braces in the HIERARCHY section", self.source)
        return BvhSkeleton(tuple(self.names), np.array(self.parents, dtype=np.int64),
                           np.array(self.offsets, dtype=np.float64), tuple(self.channels))


def _header_value(line: str, label: str, line_number: int, source) -> str:
    head, _, value = line.partition(":")
    if " ".join(head.split()).lower() != label.lower() or not value.strip():
        raise DataError(f"line {line_number}: expected '{label}: <value>', found {line.strip()[:40]!r}", source)
    return value.strip()


def parse_bvh(text: str, source: Path | str | None = None) -> BvhMotion:
    """Parse BVH text (see the module doc); every malformation is a one-line DataError."""
    lines = text.splitlines()
    parser = _Parser(source)
    index = 0
    while index < len(lines):
        parser.line_number = index + 1
        stripped = lines[index].strip()
        index += 1
        if not stripped:
            continue
        if stripped.upper() == "MOTION":
            break
        parser.line(stripped)
    else:
        raise DataError("no MOTION section", source)
    skeleton = parser.skeleton()
    header = [(i, line) for i, line in enumerate(lines[index:], start=index) if line.strip()][:2]
    if len(header) < 2:
        raise DataError("MOTION section without 'Frames:' and 'Frame Time:' lines", source)
    (frames_at, frames_line), (time_at, time_line) = header
    try:
        frames = int(_header_value(frames_line, "Frames", frames_at + 1, source))
        frame_time = float(_header_value(time_line, "Frame Time", time_at + 1, source))
    except ValueError:
        raise DataError(f"lines {frames_at + 1}-{time_at + 1}: unreadable frame count or frame time", source) from None
    if frames < 1 or not (np.isfinite(frame_time) and frame_time > 0):
        raise DataError(f"{frames} frames at frame time {frame_time:g} (expected >= 1 frame and a positive time)",
                        source)
    width = skeleton.num_channels
    with warnings.catch_warnings():
        warnings.simplefilter("error")           # numpy warns, and stops, at the first non-number
        try:
            values = np.fromstring("\n".join(lines[time_at + 1:]), dtype=np.float64, sep=" ")
        except (ValueError, DeprecationWarning):
            raise DataError("the motion data holds a non-number", source) from None
    if values.size < frames * width or (width and values.size % width):
        raise DataError(f"the motion data holds {values.size} numbers; {frames} frames of {width} channels "
                        f"need {frames * width}", source)
    if not np.all(np.isfinite(values)):
        raise DataError("the motion data holds NaN or Inf", source)
    return _motion(skeleton, values[: frames * width].reshape(frames, width), _fps_from_frame_time(frame_time))


def _motion(skeleton: BvhSkeleton, data: np.ndarray, fps: float) -> BvhMotion:
    """Channel values (T, C) -> local rotations and translations."""
    frames = data.shape[0]
    rots = np.broadcast_to(np.eye(3), (frames, skeleton.num_joints, 3, 3)).copy()
    trans = np.broadcast_to(skeleton.offsets, (frames, skeleton.num_joints, 3)).copy()
    column = 0
    for j, names in enumerate(skeleton.channels):
        values = data[:, column:column + len(names)]
        column += len(names)
        lower = [n.lower() for n in names]
        rot_cols = [k for k, n in enumerate(lower) if n in ROTATION_CHANNELS]
        pos_cols = [k for k, n in enumerate(lower) if n in POSITION_CHANNELS]
        if pos_cols:
            trans[:, j] = 0.0
            for k in pos_cols:
                trans[:, j, POSITION_CHANNELS[lower[k]]] = values[:, k]
        if rot_cols:
            order = "".join(ROTATION_CHANNELS[lower[k]] for k in rot_cols)
            angles = np.radians(values[:, rot_cols])
            if len(order) == 3:
                rots[:, j] = rotations.euler_to_mat(angles, order)
            else:
                mat = rotations.axis_mat(angles[:, 0], order[0])
                for k in range(1, len(order)):
                    mat = mat @ rotations.axis_mat(angles[:, k], order[k])
                rots[:, j] = mat
    return BvhMotion(skeleton, rots, trans, fps)


def read_bvh(path: Path | str, max_bytes: int = MAX_BVH_BYTES) -> BvhMotion:
    """Read a BVH file (UTF-8 or Latin-1 text); see `parse_bvh`."""
    from interx.data.safe_io import read_text_bytes

    data = read_text_bytes(path, max_bytes=max_bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    return parse_bvh(text, source=path)


# ---------------------------------------------------------------------------------------
# Writing


def _rotation_order(names: Sequence[str]) -> str:
    order = "".join(ROTATION_CHANNELS[n.lower()] for n in names if n.lower() in ROTATION_CHANNELS)
    if order and sorted(order) != ["X", "Y", "Z"]:
        raise UsageError(f"cannot write rotation channels {' '.join(names)}: three distinct axes are needed")
    return order


def format_bvh(motion: BvhMotion, precision: int = 6) -> str:
    """BVH text for a motion whose joints have three rotation channels (or none) each."""
    sk = motion.skeleton
    children = [[] for _ in sk.names]
    for j, p in enumerate(sk.parents):
        if p >= 0:
            children[p].append(j)
    out = io.StringIO()
    out.write("HIERARCHY\n")
    fmt = f"%.{precision}f"

    def emit(j: int, depth: int) -> None:
        pad = "\t" * depth
        if sk.names[j].endswith(END_SITE) and not sk.channels[j]:
            out.write(f"{pad}End Site\n")
        else:
            out.write(f"{pad}{'ROOT' if sk.parents[j] < 0 else 'JOINT'} {sk.names[j]}\n")
        out.write(f"{pad}{{\n{pad}\tOFFSET {' '.join(fmt % v for v in sk.offsets[j])}\n")
        if sk.channels[j]:
            out.write(f"{pad}\tCHANNELS {len(sk.channels[j])} {' '.join(sk.channels[j])}\n")
        for c in children[j]:
            emit(c, depth + 1)
        out.write(f"{pad}}}\n")

    emit(0, 0)
    columns = []
    for j, names in enumerate(sk.channels):
        order = _rotation_order(names)
        angles = np.degrees(rotations.mat_to_euler(motion.rotations[:, j], order)) if order else None
        for name in names:
            lower = name.lower()
            if lower in POSITION_CHANNELS:
                columns.append(motion.translations[:, j, POSITION_CHANNELS[lower]])
            else:
                columns.append(angles[:, order.index(ROTATION_CHANNELS[lower])])
    out.write(f"MOTION\nFrames: {motion.num_frames}\nFrame Time: {1.0 / motion.fps:.8f}\n")
    data = np.stack(columns, axis=1) if columns else np.zeros((motion.num_frames, 0))
    data = np.where(np.abs(data) < 0.5 * 10.0 ** -precision, 0.0, data)  # no "-0.000000"
    np.savetxt(out, data, fmt=fmt, delimiter=" ")
    return out.getvalue()


def write_bvh(path: Path | str, motion: BvhMotion, overwrite: bool = False, precision: int = 6) -> None:
    """Write `format_bvh(motion)` to `path` atomically (LF line ends)."""
    from interx.data.safe_io import write_text

    write_text(path, format_bvh(motion, precision), overwrite=overwrite)


# ---------------------------------------------------------------------------------------
# The SMPL-X skeleton

# Each leaf's End Site: its bone (from the parent) times this factor.
_END_FACTORS = {"foot": 0.6, "jaw": 1.0, "eye": 0.5, "head": 1.6}


def _end_factor(name: str) -> float:
    from interx.body.skeleton import FINGERTIP_EXTENSION

    for key, factor in _END_FACTORS.items():
        if key in name:
            return factor
    return FINGERTIP_EXTENSION


def smplx_skeleton(rest_joints: np.ndarray, joints: str = "all", order: str = "ZYX") -> BvhSkeleton:
    """The SMPL-X hierarchy as a BvhSkeleton.

    Args:
        rest_joints: (55, 3) rest joint positions in meters (the person's body model).
        joints: "all" (55 joints) or "body_hands" (52: no jaw and eyes).
        order: rotation channel order, "ZYX" or "XYZ".
    """
    if joints not in JOINT_SETS:
        raise UsageError(f"joints must be one of {', '.join(JOINT_SETS)}, not {joints!r}")
    if order not in WRITE_ORDERS:
        raise UsageError(f"rotation order must be one of {', '.join(WRITE_ORDERS)}, not {order!r}")
    rest = np.asarray(rest_joints, dtype=np.float64)
    keep = JOINT_SETS[joints]
    position = {j: k for k, j in enumerate(keep)}
    rot = tuple(f"{axis}rotation" for axis in order)
    names, parents, offsets, channels = [], [], [], []
    for j in keep:
        p = int(PARENTS[j])
        names.append(JOINT_NAMES[j])
        parents.append(position[p] if p >= 0 else -1)
        offsets.append(rest[j] - rest[p] if p >= 0 else np.zeros(3))
        channels.append(("Xposition", "Yposition", "Zposition") + rot if p < 0 else rot)
    kept = set(keep)
    for j in keep:
        if not any(int(PARENTS[c]) == j for c in kept):
            names.append(JOINT_NAMES[j] + END_SITE)
            parents.append(position[j])
            offsets.append((rest[j] - rest[PARENTS[j]]) * _end_factor(JOINT_NAMES[j]))
            channels.append(())
    order_index = _topological(parents)
    remap = {old: new for new, old in enumerate(order_index)}
    return BvhSkeleton(tuple(names[i] for i in order_index),
                       np.array([remap[parents[i]] if parents[i] >= 0 else -1 for i in order_index], np.int64),
                       np.array([offsets[i] for i in order_index], np.float64),
                       tuple(channels[i] for i in order_index))


def _topological(parents: list[int]) -> list[int]:
    """Depth-first order (children after their parent, siblings in index order) as BVH nests them."""
    children = [[] for _ in parents]
    for j, p in enumerate(parents):
        if p >= 0:
            children[p].append(j)
    order, stack = [], [0]
    while stack:
        j = stack.pop()
        order.append(j)
        stack.extend(reversed(children[j]))
    return order


def smplx_bvh(pose: np.ndarray, trans: np.ndarray, rest_joints: np.ndarray, fps: float,
              joints: str = "all", order: str = "ZYX") -> BvhMotion:
    """A motion on the SMPL-X skeleton from SMPL-X parameters.

    Args:
        pose: (T, 55, 3) axis-angle, joint 0 the global orientation.
        trans: (T, 3) SMPL-X translation, meters (the root channels get trans + rest pelvis).
        rest_joints: (55, 3) rest joints of the person's body model, meters.
        fps: frames per second.
        joints, order: see `smplx_skeleton`.
    """
    skeleton = smplx_skeleton(rest_joints, joints, order)
    frames = pose.shape[0]
    index = {name: j for j, name in enumerate(JOINT_NAMES)}
    rots = np.broadcast_to(np.eye(3), (frames, skeleton.num_joints, 3, 3)).copy()
    translations = np.broadcast_to(skeleton.offsets, (frames, skeleton.num_joints, 3)).copy()
    mats = rotations.aa_to_mat(np.asarray(pose, dtype=np.float64))
    for k, name in enumerate(skeleton.names):
        if name in index:
            rots[:, k] = mats[:, index[name]]
    translations[:, 0] = np.asarray(trans, np.float64) + np.asarray(rest_joints, np.float64)[0]
    return BvhMotion(skeleton, rots, translations, float(fps))


def export_sequence_bvh(motion_dir: Path | str, out: Path | str, body=None, joints: str = "all",
                        order: str = "ZYX", overwrite: bool = False) -> list[Path]:
    """Write `SEQ_P1.bvh` and `SEQ_P2.bvh` for the sequence in `motion_dir` (ROOT/motions/SEQ) into `out`.

    `body` (an `interx.body.model.BodyModel`, the built-in skeleton by default)
    gives each person's rest joints. Returns the two paths.
    """
    from interx.body.model import BuiltinBody
    from interx.data.raw import read_interaction

    interaction = read_interaction(motion_dir)
    body = BuiltinBody() if body is None else body
    out = Path(out)
    paths = []
    for number, person in enumerate(interaction.persons, start=1):
        rest = body.rest_joints(person.betas, person.gender)
        motion = smplx_bvh(person.full_pose(), person.trans, rest, person.fps, joints, order)
        path = out / f"{interaction.name}_P{number}.bvh"
        write_bvh(path, motion, overwrite=overwrite)
        paths.append(path)
    return paths
