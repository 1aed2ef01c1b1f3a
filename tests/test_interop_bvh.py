"""BVH reading and writing, and retargeting onto SMPL-X: known answers and round trips."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from interx.body import rotations, skeleton
from interx.body.joints import JOINT_INDEX, JOINT_NAMES
from interx.body.kinematics import pose_joints
from interx.cli_app import main
from interx.data.bvh import (END_SITE, BvhMotion, format_bvh, parse_bvh, read_bvh, smplx_bvh, smplx_skeleton,
                             write_bvh)
from interx.data.raw import read_interaction, write_interaction
from interx.data.retarget import CONVENTIONS, detect_scale, map_joints, retarget
from interx.data.types import Interaction, PersonMotion
from interx.errors import DataError

# Root with odd channel order and a name with a space, a one-channel joint, an End Site,
# CRLF then LF line ends, a frame time without its leading zero.
SMALL = ("HIERARCHY\r\nROOT Root Bone\r\n{\r\n\tOFFSET 5 5 5\r\n"
         "\tCHANNELS 6 Xposition Zposition Yposition Yrotation Xrotation Zrotation\r\n"
         "\tJOINT Arm\n\t{\n\t\tOFFSET 0 1 0\n\t\tCHANNELS 1 Zrotation\n"
         "\t\tEnd Site\n\t\t{\n\t\t\tOFFSET 2 0 0\n\t\t}\n\t}\n}\n"
         "MOTION\nFrames: 2\nFrame Time: .0333333\n0 0 0 0 0 0 0\n1 3 2 90 0 0 90\n")


def test_parse_known_answer():
    motion = parse_bvh(SMALL)
    sk = motion.skeleton
    assert sk.names == ("Root Bone", "Arm", "Arm" + END_SITE)
    assert sk.parents.tolist() == [-1, 0, 1]
    assert sk.is_end_site.tolist() == [False, False, True]
    assert motion.fps == 30.0 and motion.num_frames == 2
    positions, _ = motion.world()
    # frame 0: the position channels (zero) replace the root's OFFSET
    np.testing.assert_allclose(positions[0], [[0, 0, 0], [0, 1, 0], [2, 1, 0]], atol=1e-12)
    # frame 1: root at (1, 2, 3) turned 90 deg about y; the arm turned 90 deg about z
    np.testing.assert_allclose(positions[1], [[1, 2, 3], [1, 3, 3], [1, 5, 3]], atol=1e-12)


def test_rotation_channels_follow_their_listed_order():
    text = ("HIERARCHY\nROOT a\n{\nOFFSET 0 0 0\nCHANNELS 3 Xrotation Yrotation Zrotation\n"
            "End Site\n{\nOFFSET 0 0 1\n}\n}\nMOTION\nFrames: 1\nFrame Time: 0.01\n10 20 30\n")
    motion = parse_bvh(text)
    expected = rotations.euler_to_mat(np.radians([10.0, 20.0, 30.0]), "XYZ")
    np.testing.assert_allclose(motion.rotations[0, 0], expected, atol=1e-12)
    assert motion.fps == 100.0


@pytest.mark.parametrize("text, words", [
    (SMALL.replace("\t}\n}\n", "\t}\n"), "unbalanced braces"),
    (SMALL.replace("Zrotation\n", "Wrotation\n"), "unknown channel"),
    (SMALL.replace("1 3 2 90 0 0 90\n", "1 3 2 90 0 0\n"), "need 14"),
    (SMALL.replace("1 3 2 90", "1 x 2 90"), "non-number"),
    (SMALL.replace("Frames: 2", "Frames: two"), "frame count"),
    (SMALL.replace("MOTION", "MOTON"), "unexpected"),
    (SMALL.replace("OFFSET 0 1 0", "OFFSET 0 1"), "OFFSET has 2 values"),
])
def test_malformed_files_are_one_line_data_errors(tmp_path, text, words):
    path = tmp_path / "bad.bvh"
    path.write_text(text)
    with pytest.raises(DataError) as info:
        read_bvh(path)
    message = str(info.value)
    assert words in message and str(path) in message and "\n" not in message


def _person(rng: np.random.Generator, frames: int = 12, beta0: float = 0.7) -> PersonMotion:
    pose = rng.normal(0.0, 0.35, (frames, 55, 3)).astype(np.float32)
    pose[:, 22:25] = 0.0
    trans = (rng.normal(0.0, 0.4, (frames, 3)) + [0.0, 1.2, 0.0]).astype(np.float32)
    betas = np.zeros(10, np.float32)
    betas[0] = beta0
    return PersonMotion.from_full_pose(pose, trans, betas)


@pytest.mark.parametrize("joints", ["all", "body_hands"])
@pytest.mark.parametrize("order", ["ZYX", "XYZ"])
def test_smplx_bvh_text_round_trip_gives_the_same_joints(joints, order):
    person = _person(np.random.default_rng(1))
    rest = skeleton.rest_joints(person.betas)
    motion = parse_bvh(format_bvh(smplx_bvh(person.full_pose(), person.trans, rest, 120.0, joints, order)))
    positions, _ = motion.world()
    expected = pose_joints(person.full_pose(), person.trans, rest)
    names = [n for n in JOINT_NAMES if n in motion.skeleton.names]
    assert len(names) == (55 if joints == "all" else 52)
    got = positions[:, [motion.skeleton.index(n) for n in names]]
    np.testing.assert_allclose(got, expected[:, [JOINT_INDEX[n] for n in names]], atol=1e-5)
    assert motion.skeleton.offsets[0].tolist() == [0.0, 0.0, 0.0]
    assert all(len(c) in (0, 3, 6) for c in motion.skeleton.channels)
    leaves = {n[: -len(END_SITE)] for n in motion.skeleton.names if n.endswith(END_SITE)}
    assert "left_foot" in leaves and "right_thumb3" in leaves and ("head" in leaves) == (joints == "body_hands")


def test_retargeting_an_smplx_bvh_gives_back_the_motion():
    person = _person(np.random.default_rng(2))
    rest = skeleton.rest_joints(person.betas)
    motion = parse_bvh(format_bvh(smplx_bvh(person.full_pose(), person.trans, rest, 120.0, "body_hands")))
    result = retarget(motion)
    assert (result.convention, result.unit, result.up) == ("smplx", "meters", "+y")
    assert abs(result.stature - skeleton.stature(person.betas)) < 1e-4
    got = pose_joints(result.person.full_pose(), result.person.trans, skeleton.rest_joints(result.person.betas))
    np.testing.assert_allclose(got, pose_joints(person.full_pose(), person.trans, rest), atol=1e-4)
    assert max(worst for _, worst in result.errors.values()) < 1e-4


_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])  # y up -> z up


def _as_convention(motion: BvhMotion, convention: str, prefix: str, units: float, axes: np.ndarray) -> BvhMotion:
    """The SMPL-X motion renamed to a convention's names, in other units and axes."""
    table = {joint: names[0] for joint, names in CONVENTIONS[convention].items()}
    sk = motion.skeleton

    def rename(name: str) -> str:
        base = name[: -len(END_SITE)] if name.endswith(END_SITE) else name
        new = prefix + table.get(base, "Unmapped_" + base)
        return new + END_SITE if name.endswith(END_SITE) else new

    skel = replace(sk, names=tuple(rename(n) for n in sk.names), offsets=units * sk.offsets @ axes.T)
    return BvhMotion(skel, axes @ motion.rotations @ axes.T, units * motion.translations @ axes.T, motion.fps)


@pytest.mark.parametrize("convention, prefix, units, unit_name, up", [
    ("mixamo", "mixamorig:", 100.0, "centimeters", "+z"),
    ("daz", "", 1 / 0.0254, "inches", "+y"),
    ("motive", "Skeleton1_", 1000.0, "millimeters", "+z"),
])
def test_conventions_units_and_axes_are_recognised(convention, prefix, units, unit_name, up):
    person = _person(np.random.default_rng(3), beta0=0.0)
    rest = skeleton.rest_joints(person.betas)
    axes = _Z_UP if up == "+z" else np.eye(3)
    source = _as_convention(smplx_bvh(person.full_pose(), person.trans, rest, 120.0, "body_hands"),
                            convention, prefix, units, axes)
    motion = parse_bvh(format_bvh(source))
    assert map_joints(motion.skeleton)[0] == convention
    result = retarget(motion)
    assert (result.unit, result.up) == (unit_name, up)
    assert result.joint_map["left_wrist"].endswith(CONVENTIONS[convention]["left_wrist"][0])
    got = pose_joints(result.person.full_pose(), result.person.trans, skeleton.rest_joints(result.person.betas))
    want = pose_joints(person.full_pose(), person.trans, rest)
    ends = [JOINT_INDEX[n] for n in ("left_wrist", "right_wrist", "left_ankle", "right_ankle", "pelvis")]
    np.testing.assert_allclose(got[:, ends], want[:, ends], atol=1e-3)
    # motive has no spine2: it is placed between Ab and Chest, so the torso bends a little
    np.testing.assert_allclose(got, want, atol=1e-3 if convention != "motive" else 0.03)


def test_units_are_chosen_by_plausible_height():
    assert detect_scale([170.0, 160.0])[1] == "centimeters"
    assert detect_scale([1.7, 1.8])[1] == "meters"
    assert detect_scale([30.0, 28.0])[1] == "CMU units"
    meters, unit = detect_scale([10.0, 10.0])     # 10 units fits no unit: assumed an adult
    assert unit.startswith("assumed") and meters == pytest.approx(1.7 / 10.0)


def test_a_skeleton_without_arms_is_refused():
    text = ("HIERARCHY\nROOT Hips\n{\nOFFSET 0 0 0\nCHANNELS 6 Xposition Yposition Zposition Zrotation Yrotation "
            "Xrotation\nJOINT Spine\n{\nOFFSET 0 10 0\nCHANNELS 3 Zrotation Yrotation Xrotation\nEnd Site\n{\n"
            "OFFSET 0 10 0\n}\n}\n}\nMOTION\nFrames: 1\nFrame Time: 0.01\n0 0 0 0 0 0 0 0 0\n")
    with pytest.raises(DataError, match="no joint for .*left_wrist"):
        retarget(parse_bvh(text))


def test_export_and_import_commands_round_trip(tmp_path, capsys):
    rng = np.random.default_rng(4)
    pair = Interaction(name="G002T001A005R002", persons=(_person(rng, beta0=0.5), _person(rng, beta0=-1.0)),
                       texts=("Two people kick.",), action=5)
    write_interaction(tmp_path / "root", pair)
    motion_dir = tmp_path / "root" / "motions" / pair.name
    assert main(["export", "bvh", str(motion_dir), "--out", str(tmp_path / "bvh")]) == 0
    files = [tmp_path / "bvh" / f"{pair.name}_P{k}.bvh" for k in (1, 2)]
    assert all(f.is_file() for f in files)
    assert main(["export", "bvh", str(motion_dir), "--out", str(tmp_path / "bvh")]) == 2   # not empty
    assert main(["import", "bvh", *map(str, files), "--out", str(tmp_path / "back"), "--name", pair.name,
                 "--text", "Two people kick.", "--action", "5"]) == 0
    output = capsys.readouterr().out
    assert "smplx names, meters" in output and "left_wrist" in output
    back = read_interaction(tmp_path / "back" / "motions" / pair.name)
    assert back.texts == pair.texts and back.fps == 120.0
    for before, after in zip(pair.persons, back.persons):
        np.testing.assert_allclose(
            pose_joints(after.full_pose(), after.trans, skeleton.rest_joints(after.betas)),
            pose_joints(before.full_pose(), before.trans, skeleton.rest_joints(before.betas)), atol=1e-3)
    # a disagreeing action and a bad file are refused with one line
    args = ["import", "bvh", *map(str, files), "--out", str(tmp_path / "x"), "--name", pair.name, "--text", "t"]
    assert main(args + ["--action", "6"]) == 2
    (tmp_path / "bad.bvh").write_text("HIERARCHY\nROOT a\n{\n")
    assert main(["import", "bvh", str(tmp_path / "bad.bvh"), str(files[1]), "--out", str(tmp_path / "y"),
                 "--name", pair.name, "--text", "t"]) == 1
    assert "bad.bvh" in capsys.readouterr().err


def test_write_bvh_never_overwrites(tmp_path):
    motion = smplx_bvh(np.zeros((2, 55, 3)), np.zeros((2, 3)), skeleton.rest_joints(None), 30.0)
    write_bvh(tmp_path / "a.bvh", motion)
    with pytest.raises(DataError, match="already exists"):
        write_bvh(tmp_path / "a.bvh", motion)
    assert smplx_skeleton(skeleton.rest_joints(None)).num_joints == 55 + 15  # feet, jaw, eyes, 10 fingertips


def test_import_resamples_and_lists_the_split(tmp_path):
    from interx.data.raw import RawRelease
    from interx.data.retarget import import_bvh_pair

    rng = np.random.default_rng(5)
    files = []
    for k in (1, 2):
        person = _person(rng, frames=13)
        files.append(tmp_path / f"p{k}.bvh")
        write_bvh(files[-1], smplx_bvh(person.full_pose(), person.trans, skeleton.rest_joints(person.betas), 120.0))
    report = import_bvh_pair(files, tmp_path / "root", "G001T001A001R001", ["Hello."], fps_out=30.0,
                             skip_frames=1, split="train")
    assert report.frames == 3 and report.fps == 30.0                     # frames 1, 5, 9 of 12 left
    release = RawRelease(tmp_path / "root")
    assert release.split("train") == ["G001T001A001R001"] and release.split("test") == []
    assert release.read("G001T001A001R001").fps == 30.0
