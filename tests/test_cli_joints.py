"""`interx joints`: world joints of one person's file, with each body model, and its refusals."""

from dataclasses import replace

import numpy as np

from fixtures_release import random_person
from interx.body.fake_smplx import write_fake_smplx
from interx.body.model import BuiltinBody, person_joints
from interx.body.smplx_model import SmplxBody
from interx.cli_app import main
from interx.data.raw import read_person, write_person

FRAMES = 12


def _person_file(tmp_path, fps=120.0, gender="male"):
    path = tmp_path / f"{gender}.npz"
    write_person(path, random_person(np.random.default_rng(0), FRAMES, fps=fps, gender=gender))
    return path


def test_default_skeleton_at_the_files_own_rate(tmp_path, capsys):
    path = _person_file(tmp_path, fps=30.0)
    out = tmp_path / "joints.npy"
    assert main(["joints", str(path), "--out", str(out)]) == 0
    joints = np.load(out, allow_pickle=False)
    assert joints.shape == (FRAMES, 55, 3) and joints.dtype == np.float32
    np.testing.assert_array_equal(joints, person_joints(read_person(path), BuiltinBody()))
    assert "12 frames x 55 joints at 30 fps" in capsys.readouterr().out


def test_neutral_default_skeleton_ignores_betas(tmp_path):
    path = _person_file(tmp_path)
    out = tmp_path / "joints.npy"
    assert main(["joints", str(path), "--out", str(out), "--neutral"]) == 0
    person = read_person(path)
    still = np.load(out)
    np.testing.assert_allclose(still, person_joints(replace(person, betas=np.zeros(10))), atol=1e-6)
    assert np.abs(still - person_joints(person)).max() > 1e-3


def test_smplx_model_by_gender_and_neutral(tmp_path):
    models = tmp_path / "models"
    write_fake_smplx(models / "SMPLX_NEUTRAL.npz", np.random.default_rng(1), num_vertices=330, num_faces=50)
    write_fake_smplx(models / "SMPLX_MALE.npz", np.random.default_rng(2), num_vertices=330, num_faces=50)
    path = _person_file(tmp_path)
    person = read_person(path)
    for extra, body in (([], SmplxBody(models)), (["--neutral"], SmplxBody(models, neutral=True))):
        out = tmp_path / "joints.npy"
        assert main(["joints", str(path), "--out", str(out), "--smplx-model", str(models), *extra]) == 0
        np.testing.assert_allclose(np.load(out), person_joints(person, body), atol=1e-6)
    assert main(["joints", str(_person_file(tmp_path, gender="female")), "--out", str(out),
                 "--smplx-model", str(models)]) == 1  # no SMPLX_FEMALE.npz


def test_bad_input_is_one_line_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"not a zip file")
    out = tmp_path / "joints.npy"
    assert main(["joints", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(bad) in err and "Traceback" not in err
    assert not out.exists()
    assert main(["joints", str(_person_file(tmp_path)), "--out", str(out), "--smplx-model",
                 str(tmp_path / "missing")]) == 1
    assert "SMPL-X model folder missing" in capsys.readouterr().err
    assert not out.exists()
    assert main(["joints", str(bad)]) == 2  # --out is required
