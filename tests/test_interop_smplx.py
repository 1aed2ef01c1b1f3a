"""SMPL-X files for other tools: AMASS-style npz (Blender add-on, aitviewer) and meshes (OBJ, glTF)."""

from __future__ import annotations

import json
import struct

import numpy as np
import pytest

from interx.body.fake_smplx import write_fake_smplx
from interx.body.joints import BODY_AND_HANDS
from interx.cli_app import main
from interx.data.raw import read_interaction, write_interaction
from interx.data.types import GENDERS, Interaction, PersonMotion

NAME = "G003T002A010R001"
VERTICES, FACES = 330, 120


def _pair(frames: int = 6, fps: float = 60.0) -> Interaction:
    rng = np.random.default_rng(7)
    persons = []
    for gender in ("male", "neutral"):
        pose = rng.normal(0.0, 0.3, (frames, 55, 3)).astype(np.float32)
        trans = rng.normal(0.0, 0.5, (frames, 3)).astype(np.float32)
        pose[0], trans[0] = 0.0, 0.0                        # frame 0: rest pose at the origin
        pose[1], trans[1] = 0.0, (0.25, -0.5, 1.0)           # frame 1: rest pose moved
        persons.append(PersonMotion.from_full_pose(pose, trans, np.zeros(10, np.float32), gender, fps))
    return Interaction(name=NAME, persons=tuple(persons), texts=("Two people slap.",), action=10)


@pytest.fixture(scope="module")
def sequence(tmp_path_factory):
    root = tmp_path_factory.mktemp("smplx") / "root"
    write_interaction(root, _pair())
    return root / "motions" / NAME


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("model")
    for gender in ("NEUTRAL", "MALE"):
        write_fake_smplx(folder / f"SMPLX_{gender}.npz", np.random.default_rng(11), num_dirs=20,
                         num_vertices=VERTICES, num_faces=FACES)
    return folder


def test_amass_npz_has_what_the_blender_addon_and_aitviewer_read(sequence, tmp_path):
    pair = read_interaction(sequence)
    assert main(["export", "amass", str(sequence), "--out", str(tmp_path / "x")]) == 0
    assert main(["export", "amass", str(sequence), "--out", str(tmp_path / "h"), "--layout", "smplh"]) == 0
    for number, person in enumerate(pair.persons, start=1):
        with np.load(tmp_path / "x" / f"{NAME}_P{number}.npz", allow_pickle=False) as data:
            # the SMPL-X Blender add-on's checks and reads ("Add Animation")
            assert {"trans", "gender", "mocap_framerate", "betas", "poses"} <= set(data.files)
            assert str(data["gender"]) == person.gender and str(data["gender"]) in GENDERS
            assert int(data["mocap_framerate"]) == 60 >= 30 and int(data["mocap_frame_rate"]) == 60
            assert data["betas"].ndim == 1 and [float(b) for b in data["betas"]] == person.betas.tolist()
            for frame in range(person.num_frames):
                np.testing.assert_array_equal(data["poses"][frame].reshape(-1, 3), person.full_pose()[frame])
            np.testing.assert_array_equal(data["trans"], person.trans)
        with np.load(tmp_path / "h" / f"{NAME}_P{number}.npz", allow_pickle=False) as data:
            # aitviewer's SMPLSequence.from_amass: root 3 | body 63 | left hand 45 | right hand 45
            poses = data["poses"]
            assert poses.shape == (person.num_frames, 156) and data["betas"][np.newaxis].shape == (1, 10)
            assert data["gender"].item() == person.gender and float(data["mocap_framerate"].tolist()) == 60.0
            np.testing.assert_array_equal(poses[:, :3], person.root_orient)
            np.testing.assert_array_equal(poses[:, 3:66], person.pose_body.reshape(-1, 63))
            np.testing.assert_array_equal(poses[:, 66:111], person.pose_lhand.reshape(-1, 45))
            np.testing.assert_array_equal(poses[:, 111:156], person.pose_rhand.reshape(-1, 45))
            np.testing.assert_array_equal(poses.reshape(-1, 52, 3), person.full_pose()[:, list(BODY_AND_HANDS)])
    assert main(["export", "amass", str(sequence), "--out", str(tmp_path / "y"), "--layout", "smpl"]) == 2


def test_obj_meshes_known_answers(sequence, model_dir, tmp_path):
    assert main(["export", "mesh", str(sequence), "--out", str(tmp_path / "obj"),
                 "--smplx-model", str(model_dir)]) == 0
    files = sorted((tmp_path / "obj").glob("*.obj"))
    assert len(files) == 2 * 6 and files[0].name == f"{NAME}_P1_000000.obj"
    with np.load(model_dir / "SMPLX_MALE.npz") as model:
        template, faces = model["v_template"], model["f"]

    def read_obj(path):
        lines = path.read_text().splitlines()
        verts = np.array([[float(x) for x in line.split()[1:]] for line in lines if line.startswith("v ")])
        tris = np.array([[int(x) for x in line.split()[1:]] for line in lines if line.startswith("f ")])
        return verts, tris

    verts, tris = read_obj(tmp_path / "obj" / f"{NAME}_P1_000000.obj")
    assert verts.shape == (VERTICES, 3) and np.array_equal(tris - 1, faces)
    np.testing.assert_allclose(verts, template, atol=1e-5)                      # rest pose: the template
    verts, _ = read_obj(tmp_path / "obj" / f"{NAME}_P1_000001.obj")
    np.testing.assert_allclose(verts, template + [0.25, -0.5, 1.0], atol=1e-5)  # moved by trans only


def test_gltf_animation_plays_the_frames(sequence, model_dir, tmp_path):
    from interx.body.skinning import person_vertices
    from interx.body.smplx_model import SmplxBody

    assert main(["export", "mesh", str(sequence), "--out", str(tmp_path / "g"), "--smplx-model", str(model_dir),
                 "--format", "gltf", "--every", "2"]) == 0
    data = (tmp_path / "g" / f"{NAME}.glb").read_bytes()
    magic, version, total = struct.unpack("<4sII", data[:12])
    assert (magic, version, total) == (b"glTF", 2, len(data))
    json_length, kind = struct.unpack("<I4s", data[12:20])
    document = json.loads(data[20:20 + json_length])
    binary_length, kind2 = struct.unpack("<I4s", data[20 + json_length:28 + json_length])
    blob = data[28 + json_length:28 + json_length + binary_length]
    assert kind == b"JSON" and kind2 == b"BIN\0" and document["buffers"][0]["byteLength"] == binary_length

    def array(index, width):
        accessor = document["accessors"][index]
        view = document["bufferViews"][accessor["bufferView"]]
        dtype = np.float32 if accessor["componentType"] == 5126 else np.uint32
        raw = np.frombuffer(blob, dtype, count=accessor["count"] * width, offset=view["byteOffset"])
        return raw.reshape(accessor["count"], width)

    pair = read_interaction(sequence)
    body = SmplxBody(model_dir)
    animation = document["animations"][0]
    for index, (node, person) in enumerate(zip(document["nodes"], pair.persons)):
        expected = person_vertices(person.frames(np.arange(0, 6, 2)), body)          # (3, V, 3)
        primitive = document["meshes"][node["mesh"]]["primitives"][0]
        base = array(primitive["attributes"]["POSITION"], 3)
        np.testing.assert_allclose(base, expected[0], atol=1e-6)
        for k, target in enumerate(primitive["targets"]):
            np.testing.assert_allclose(base + array(target["POSITION"], 3), expected[k], atol=1e-5)
        assert np.array_equal(array(primitive["indices"], 1).reshape(-1, 3), body.faces(person.gender))
        sampler = animation["samplers"][animation["channels"][index]["sampler"]]
        np.testing.assert_allclose(array(sampler["input"], 1)[:, 0], [0.0, 2 / 60, 4 / 60], atol=1e-7)
        assert np.array_equal(array(sampler["output"], 1).reshape(3, 3), np.eye(3))
        assert sampler["interpolation"] == "STEP"


def test_mesh_export_needs_a_model(sequence, tmp_path, capsys):
    assert main(["export", "mesh", str(sequence), "--out", str(tmp_path / "m"),
                 "--smplx-model", str(tmp_path / "missing")]) == 1
    assert "missing" in capsys.readouterr().err
    assert main(["export", "mesh", str(sequence), "--out", str(tmp_path / "n")]) == 2   # --smplx-model required
