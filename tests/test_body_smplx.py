"""SMPL-X joints and meshes against the `smplx` package, on made-up model files of the real sizes."""

import functools
from dataclasses import replace

import numpy as np
import pytest

from interx.body.fake_smplx import write_fake_smplx
from interx.body.model import person_joints
from interx.body.skinning import person_vertices
from interx.body.smplx_model import SmplxBody
from interx.data.types import PersonMotion
from interx.errors import DataError

smplx = pytest.importorskip("smplx")
torch = pytest.importorskip("torch")

FRAMES = 5


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """SMPLX_NEUTRAL.npz in the v1.1 layout (400 shape+expression columns), SMPLX_FEMALE.npz in v1.0's (20)."""
    folder = tmp_path_factory.mktemp("smplx_models")
    write_fake_smplx(folder / "SMPLX_NEUTRAL.npz", np.random.default_rng(10))
    write_fake_smplx(folder / "SMPLX_FEMALE.npz", np.random.default_rng(11), num_dirs=20)
    return folder


def _person(seed: int, gender: str, expression: bool = False) -> PersonMotion:
    rng = np.random.default_rng(seed)
    pose = (0.6 * rng.standard_normal((FRAMES, 55, 3))).astype(np.float32)
    pose[1, 0] = (0.0, 3.5, 0.0)  # a root turned by more than pi
    trans = rng.normal(0.0, 1.0, (FRAMES, 3)).astype(np.float32)
    person = PersonMotion.from_full_pose(pose, trans, rng.standard_normal(10), gender=gender)
    if expression:
        person = replace(person, face_expr=rng.standard_normal((FRAMES, 10)).astype(np.float32))
    return person


@functools.cache
def _smplx_model(model_dir, gender: str):
    return smplx.create(str(model_dir / f"SMPLX_{gender.upper()}.npz"), model_type="smplx", gender=gender,
                        use_pca=False, flat_hand_mean=True, num_betas=10, num_expression_coeffs=10,
                        batch_size=FRAMES)


@functools.cache
def _body(model_dir, neutral: bool = False) -> SmplxBody:
    return SmplxBody(model_dir, neutral=neutral)


def _smplx_output(model_dir, gender: str, person: PersonMotion, betas=None):
    """The smplx package's joints (T, 55, 3) and vertices (T, V, 3) for a person."""
    model = _smplx_model(model_dir, gender)
    pose = torch.tensor(person.full_pose())
    betas = person.betas if betas is None else betas
    expression = np.zeros((FRAMES, 10)) if person.face_expr is None else person.face_expr
    with torch.no_grad():
        out = model(
            betas=torch.tensor(np.tile(betas, (FRAMES, 1)), dtype=torch.float32),
            global_orient=pose[:, 0], body_pose=pose[:, 1:22].reshape(FRAMES, -1),
            jaw_pose=pose[:, 22], leye_pose=pose[:, 23], reye_pose=pose[:, 24],
            left_hand_pose=pose[:, 25:40].reshape(FRAMES, -1), right_hand_pose=pose[:, 40:55].reshape(FRAMES, -1),
            transl=torch.tensor(person.trans), expression=torch.tensor(expression, dtype=torch.float32),
        )
    return out.joints[:, :55].numpy(), out.vertices.numpy(), model.faces


def test_joints_and_vertices_match_the_smplx_package(model_dir):
    person = _person(0, "neutral")
    joints, vertices, faces = _smplx_output(model_dir, "neutral", person)
    body = _body(model_dir)
    ours = person_joints(person, body)
    assert ours.shape == (FRAMES, 55, 3) and ours.dtype == np.float32
    np.testing.assert_allclose(ours, joints, atol=1e-5)
    np.testing.assert_allclose(person_vertices(person, body, chunk=2), vertices, atol=1e-5)
    np.testing.assert_array_equal(body.faces(), faces.astype(np.int64))


def test_facial_expression_deforms_the_mesh_as_in_the_smplx_package(model_dir):
    person = _person(1, "neutral", expression=True)
    _, vertices, _ = _smplx_output(model_dir, "neutral", person)
    np.testing.assert_allclose(person_vertices(person, _body(model_dir)), vertices, atol=1e-5)


def test_gender_picks_its_file_in_the_v10_layout(model_dir):
    person = _person(2, "female")
    joints, vertices, _ = _smplx_output(model_dir, "female", person)
    body = _body(model_dir)
    np.testing.assert_allclose(person_joints(person, body), joints, atol=1e-5)
    np.testing.assert_allclose(person_vertices(person, body), vertices, atol=1e-5)
    assert np.abs(person_joints(replace(person, gender="neutral"), body) - joints).max() > 1e-3
    expressive = _person(2, "female", expression=True)  # v1.0 keeps expression in columns 10-19
    _, vertices, _ = _smplx_output(model_dir, "female", expressive)
    np.testing.assert_allclose(person_vertices(expressive, body), vertices, atol=1e-5)


def test_neutral_uses_the_neutral_model_and_zero_betas_whatever_the_file_says(model_dir):
    person = _person(3, "female")
    joints, vertices, _ = _smplx_output(model_dir, "neutral", person, betas=np.zeros(10))
    body = _body(model_dir, neutral=True)
    np.testing.assert_allclose(person_joints(person, body), joints, atol=1e-5)
    np.testing.assert_allclose(person_vertices(person, body), vertices, atol=1e-5)
    shaped, _, _ = _smplx_output(model_dir, "neutral", person)
    assert np.abs(shaped - joints).max() > 1e-3  # the betas would have mattered


def test_a_missing_gender_file_is_an_error_naming_it(model_dir):
    with pytest.raises(DataError, match="SMPLX_MALE.npz"):
        SmplxBody(model_dir).rest_joints(np.zeros(10), "male")
