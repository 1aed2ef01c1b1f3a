"""SMPL-X model files read directly: known answers on tiny hand-made models, and every refusal."""

from dataclasses import replace

import numpy as np
import pytest

from interx.body.fake_smplx import fake_smplx_arrays
from interx.body.joints import JOINT_INDEX, NUM_JOINTS, PARENTS
from interx.body.model import BuiltinBody
from interx.body.skeleton import rest_joints as builtin_rest
from interx.body.skinning import person_vertices
from interx.body.smplx_model import SmplxBody, body_model
from interx.data.safe_io import write_npz
from interx.data.types import PersonMotion
from interx.errors import DataError

V = 2 * NUM_JOINTS  # two vertices per joint: vertex v belongs to joint v mod 55
ELBOW = JOINT_INDEX["left_elbow"]


def _tiny(rng_seed: int = 0, num_dirs: int = 20, dtype=np.float64) -> dict[str, np.ndarray]:
    """A tiny model with known joints: vertex pairs at joint +- (0.01, 0, 0), the regressor averaging each pair,
    shape component 0 = +0.1 m along y everywhere, one-hot skinning weights, no pose blend shapes."""
    arrays = fake_smplx_arrays(np.random.default_rng(rng_seed), num_dirs=num_dirs, num_vertices=V, num_faces=40,
                               dtype=dtype)
    owner = np.arange(V) % NUM_JOINTS
    side = np.where(np.arange(V) < NUM_JOINTS, -1.0, 1.0)
    arrays["v_template"] = builtin_rest().astype(np.float64)[owner] + 0.01 * side[:, None] * (1, 0, 0)
    regressor = np.zeros((NUM_JOINTS, V))
    regressor[owner, np.arange(V)] = 0.5
    arrays["J_regressor"] = regressor
    arrays["shapedirs"][:] = 0.0
    arrays["shapedirs"][:, 1, 0] = 0.1
    arrays["weights"] = np.eye(NUM_JOINTS)[owner]
    arrays["posedirs"][:] = 0.0
    return {key: value.astype(dtype) if value.dtype.kind == "f" else value for key, value in arrays.items()}


def _write(folder, arrays, gender="neutral"):
    folder.mkdir(exist_ok=True)
    write_npz(folder / f"SMPLX_{gender.upper()}.npz", arrays)
    return folder


def _still(frames=1, betas=None, gender="neutral") -> PersonMotion:
    return PersonMotion.from_full_pose(np.zeros((frames, NUM_JOINTS, 3), np.float32), np.zeros((frames, 3)),
                                       betas, gender=gender)


def test_rest_joints_regress_the_shaped_template(tmp_path):
    folder = _write(tmp_path / "m", _tiny())
    body = SmplxBody(folder)
    np.testing.assert_allclose(body.rest_joints(), builtin_rest(), atol=1e-6)
    lifted = body.rest_joints(np.array([2.0, 0.0, 0.0]))
    np.testing.assert_allclose(lifted, builtin_rest() + (0.0, 0.2, 0.0), atol=1e-6)
    (folder / "SMPLX_NEUTRAL.npz").unlink()  # cached: the file is not read again
    np.testing.assert_allclose(body.rest_joints(np.array([2.0, 0.0, 0.0])), lifted)
    np.testing.assert_allclose(body.rest_joints(np.array([2.0])), lifted)


def test_extra_pickled_members_are_skipped_unread(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    np.savez(folder / "SMPLX_NEUTRAL.npz", joint2num=np.array({"pelvis": 0}, dtype=object), **_tiny())
    np.testing.assert_allclose(SmplxBody(folder).rest_joints(), builtin_rest(), atol=1e-6)


def test_bending_the_elbow_turns_its_subtree_about_the_elbow_and_nothing_else(tmp_path):
    arrays = _tiny()
    body = SmplxBody(_write(tmp_path / "m", arrays))
    pose = np.zeros((1, NUM_JOINTS, 3), np.float32)
    pose[0, ELBOW] = (0.0, np.pi / 2, 0.0)
    trans = np.array([[1.0, 2.0, 3.0]], np.float32)
    verts = person_vertices(PersonMotion.from_full_pose(pose, trans), body)[0]
    rest, v = builtin_rest(), arrays["v_template"]
    owner = np.arange(V) % NUM_JOINTS
    subtree = {ELBOW}
    for j in range(NUM_JOINTS):
        if PARENTS[j] in subtree:
            subtree.add(j)
    moved = np.isin(owner, sorted(subtree))
    rel = v[moved] - rest[ELBOW]
    turned = np.stack([rel[:, 2], rel[:, 1], -rel[:, 0]], axis=1)  # +90 degrees about y
    np.testing.assert_allclose(verts[moved], rest[ELBOW] + turned + trans[0], atol=1e-5)
    np.testing.assert_allclose(verts[~moved], v[~moved] + trans[0], atol=1e-6)


def test_pose_blend_shapes_add_their_hand_computed_offset(tmp_path):
    arrays = _tiny()
    foot = JOINT_INDEX["left_foot"]  # a leaf: turning it moves only its own vertices, rigidly
    arrays["posedirs"][0, 1, (foot - 1) * 9 + 0] = 1.0  # vertex 0 (the pelvis's) moves in y by (R_foot - I)[0, 0]
    body = SmplxBody(_write(tmp_path / "m", arrays))
    pose = np.zeros((1, NUM_JOINTS, 3), np.float32)
    pose[0, foot] = (0.0, 0.5, 0.0)
    verts = person_vertices(PersonMotion.from_full_pose(pose, np.zeros((1, 3))), body)[0]
    np.testing.assert_allclose(verts[0], arrays["v_template"][0] + (0.0, np.cos(0.5) - 1.0, 0.0), atol=1e-6)
    others = np.arange(1, V)[np.arange(1, V) % NUM_JOINTS != foot]
    np.testing.assert_allclose(verts[others], arrays["v_template"][others], atol=1e-6)


def test_neutral_ignores_gender_and_betas(tmp_path):
    folder = _write(tmp_path / "m", _tiny())
    body = SmplxBody(folder, neutral=True)
    assert body.name == "smplx-neutral"
    np.testing.assert_allclose(body.rest_joints(np.array([3.0]), "female"), builtin_rest(), atol=1e-6)
    verts = person_vertices(_still(betas=np.array([3.0]), gender="male"), body)[0]
    np.testing.assert_allclose(verts, _tiny()["v_template"], atol=1e-6)


def test_body_model_follows_the_command_line_options(tmp_path):
    assert isinstance(body_model(), BuiltinBody)
    neutral = body_model(neutral=True)
    np.testing.assert_allclose(neutral.rest_joints(np.array([2.0]), "male"), builtin_rest())
    folder = _write(tmp_path / "m", _tiny())
    assert isinstance(body_model(folder), SmplxBody) and body_model(folder, neutral=True).neutral


def _refused(tmp_path, arrays, match, gender="neutral", betas=None):
    folder = _write(tmp_path / "m", arrays, gender)
    with pytest.raises(DataError, match=match):
        SmplxBody(folder).rest_joints(betas, gender)


def test_refusals_name_the_file_and_the_problem(tmp_path):
    with pytest.raises(DataError, match="folder missing"):
        SmplxBody(tmp_path / "nowhere")
    arrays = _tiny()
    with pytest.raises(DataError, match="SMPLX_MALE.npz: SMPL-X model file missing"):
        SmplxBody(_write(tmp_path / "m", arrays)).rest_joints(None, "male")
    broken = dict(arrays, J_regressor=arrays["J_regressor"][:54])
    _refused(tmp_path, broken, r"SMPLX_NEUTRAL.npz: SMPL-X key J_regressor has shape \(54, 110\)")
    tree = arrays["kintree_table"].copy()
    tree[0, 5] = 1
    _refused(tmp_path, dict(arrays, kintree_table=tree), "not the SMPL-X joint tree")
    _refused(tmp_path, {k: v for k, v in arrays.items() if k != "shapedirs"}, "lacks keys shapedirs")
    nan = arrays["v_template"].copy()
    nan[3, 1] = np.nan
    _refused(tmp_path, dict(arrays, v_template=nan), "v_template holds NaN")
    _refused(tmp_path, dict(arrays, shapedirs=arrays["shapedirs"][:5]), r"shapedirs has shape \(5, 3, 20\)")
    _refused(tmp_path, arrays, "betas has 11 values but the model has 10 shape components", betas=np.ones(11))
    _refused(tmp_path, dict(arrays, v_template=arrays["v_template"].astype(np.complex64)), "dtype complex64")


def test_mesh_refusals(tmp_path):
    arrays = _tiny()
    folder = _write(tmp_path / "m", dict(arrays, posedirs=arrays["posedirs"][:, :, :485]))
    with pytest.raises(DataError, match=r"posedirs has shape \(110, 3, 485\)"):
        SmplxBody(folder).mesh()
    faces = arrays["f"].astype(np.int64)
    faces[0, 0] = V
    folder = _write(tmp_path / "m", dict(arrays, f=faces))
    with pytest.raises(DataError, match="faces f are not integer indices below 110"):
        SmplxBody(folder).faces()
    person = PersonMotion.from_full_pose(np.zeros((2, NUM_JOINTS, 3)), np.zeros((2, 3)))
    folder = _write(tmp_path / "m", arrays)
    with pytest.raises(DataError, match="face_expr has 11 coefficients but the model has 10"):
        person_vertices(replace(person, face_expr=np.ones((2, 11), np.float32)), SmplxBody(folder))
