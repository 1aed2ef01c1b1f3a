"""The data-quality audit and the finger fix, on motion whose answers are known by construction."""

from __future__ import annotations

import json

import numpy as np
import pytest

from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints
from interx.cli_app import main
from interx.data.names import format_name
from interx.data.raw import read_person, write_release
from interx.data.types import Interaction, PersonMotion
from interx.eval.quality import (QualitySettings, audit, high_frequency_rms, lowpass, sequence_quality,
                                 smooth_rotations)

FPS = 120.0


def _smooth_person(rng, frames: int, z: float, finger_noise: float, turn: float = 0.0) -> PersonMotion:
    """Slow sinusoidal body and fingers (0.5 Hz) plus white noise on the finger rotations only."""
    t = np.arange(frames) / FPS
    def wave(*shape):
        phase = rng.uniform(0, 2 * np.pi, shape)
        return (0.2 * np.sin(2 * np.pi * 0.5 * t[:, None, None] + phase)).astype(np.float32)
    hands = [wave(15, 3) + finger_noise * rng.standard_normal((frames, 15, 3)).astype(np.float32) for _ in range(2)]
    root = np.zeros((frames, 3), np.float32)
    root[:, 1] = turn
    return PersonMotion(root_orient=root, pose_body=wave(21, 3), pose_lhand=hands[0], pose_rhand=hands[1],
                        trans=np.tile(np.array([0.0, 0.95, z], np.float32), (frames, 1)),
                        betas=np.zeros(10, np.float32), fps=FPS)


def _release(root, noise: float = 0.15, count: int = 4):
    rng = np.random.default_rng(0)
    names = [format_name(1, k, k % 2, 0) for k in range(count)]
    interactions = [Interaction(name, (_smooth_person(rng, 240, 0.0, noise), _smooth_person(rng, 240, 1.5, noise,
                                                                                            np.pi)),
                                texts=("Two people stand.",), action=int(name[9:12])) for name in names]
    write_release(root, interactions, splits={"train": names[:2], "val": names[2:3], "test": names[3:]})
    return names


def test_lowpass_known_answers():
    t = np.arange(600) / FPS
    slow, fast = np.sin(2 * np.pi * 1.0 * t), np.sin(2 * np.pi * 20.0 * t)
    x = np.stack([slow + fast, np.zeros_like(t), np.zeros_like(t)], axis=-1)[:, None]  # (T, 1, 3)
    filtered = lowpass(x, FPS, 6.0)
    np.testing.assert_allclose(filtered[60:-60, 0, 0], slow[60:-60], atol=0.02)        # 1 Hz passes, 20 Hz goes
    assert high_frequency_rms(x, FPS, 6.0) == pytest.approx(np.sqrt(0.5), rel=0.05)     # RMS of a unit sinusoid
    with pytest.raises(Exception, match="faster than 12 fps"):
        lowpass(x, 10.0, 6.0)


def test_smooth_rotations_keeps_slow_rotation_across_the_sign_flip():
    angle = np.linspace(np.pi - 0.3, np.pi + 0.3, 120)
    wrapped = np.where(angle > np.pi, angle - 2 * np.pi, angle)  # as files store it: the axis flips at pi
    aa = (wrapped[:, None] * np.array([0.0, 0.0, 1.0]))[:, None]  # (T, 1, 3)
    smooth = smooth_rotations(aa.astype(np.float32), FPS, 6.0)
    from interx.body import rotations
    error = np.linalg.norm(rotations.aa_to_mat(smooth.astype(np.float64)) - rotations.aa_to_mat(aa), axis=(-2, -1))
    assert error.max() < 1e-2                                      # a sign flip filtered through would be ~2


def test_penetration_known_answers():
    rest = rest_joints()
    pose = np.zeros((10, 55, 3), np.float32)
    person = pose_joints(pose, np.zeros((10, 3), np.float32), rest)
    apart = np.stack([person, person + np.array([0.0, 0.0, 3.0], np.float32)], axis=1)
    together = np.stack([person, person + np.array([0.05, 0.0, 0.0], np.float32)], axis=1)
    far, near = sequence_quality(apart, 30.0), sequence_quality(together, 30.0)
    assert far["penetration_frame_share"] == 0.0 and far["penetration_mean_depth"] == 0.0
    assert near["penetration_frame_share"] == 1.0 and near["penetration_max_depth"] > 0.05
    assert near["finger_jitter_mm"] == pytest.approx(0.0, abs=1e-6)  # a still body has no jitter


def test_audit_and_fix_fingers(tmp_path):
    names = _release(tmp_path / "release")
    before = audit(tmp_path / "release")
    assert before["count"] == 4 and not before["errors"]
    assert set(before["sequences"]) == set(names)
    assert list(before["classes"]) == ["Hug", "Handshake"] and before["classes"]["Hug"]["count"] == 2
    assert before["summary"]["finger_jitter_ratio"] > 1.0            # noisy fingers, smooth body
    assert len(before["worst"]["finger_jitter"]) == 4
    ranked = [e["finger_jitter_ratio"] for e in before["worst"]["finger_jitter"]]
    assert ranked == sorted(ranked, reverse=True)

    assert main(["quality", str(tmp_path / "release"), "--fix", "fingers", "--out", str(tmp_path / "fixed")]) == 0
    after = audit(tmp_path / "fixed")
    assert after["summary"]["finger_jitter_mm"] < 0.2 * before["summary"]["finger_jitter_mm"]
    for name in names:
        assert after["sequences"][name]["body_jitter_mm"] == pytest.approx(before["sequences"][name]["body_jitter_mm"])
        for p in ("P1", "P2"):
            old = read_person(tmp_path / "release" / "motions" / name / f"{p}.npz")
            new = read_person(tmp_path / "fixed" / "motions" / name / f"{p}.npz")
            for key in ("root_orient", "pose_body", "trans", "betas"):
                np.testing.assert_array_equal(getattr(new, key), getattr(old, key))
            assert not np.array_equal(new.pose_lhand, old.pose_lhand)
        assert (tmp_path / "fixed" / "texts" / f"{name}.txt").read_text() == \
            (tmp_path / "release" / "texts" / f"{name}.txt").read_text()
    assert (tmp_path / "fixed" / "splits" / "test.txt").read_text() == \
        (tmp_path / "release" / "splits" / "test.txt").read_text()


def test_quality_command(tmp_path, capsys):
    names = _release(tmp_path / "release", count=2)
    (tmp_path / "release" / "motions" / names[1] / "P2.npz").write_bytes(b"not an npz")
    report = tmp_path / "quality.json"
    assert main(["quality", str(tmp_path / "release"), "--json", str(report), "--worst", "1"]) == 1
    out = capsys.readouterr().out
    assert f"{names[1]}: " in out and "1 sequences audited, 1 unreadable" in out
    data = json.loads(report.read_text())
    assert data["count"] == 1 and data["errors"][0]["name"] == names[1] and len(data["worst"]["penetration"]) == 1
    assert main(["quality", str(tmp_path / "release"), "--fix", "fingers"]) == 2
    assert main(["quality", str(tmp_path / "release"), "--fix", "toes", "--out", str(tmp_path / "x")]) == 2
    assert main(["quality", str(tmp_path / "release"), "--fix", "fingers", "--out", str(tmp_path / "y")]) == 1
    assert f"{names[1]}: copied unchanged" in capsys.readouterr().out
    assert (tmp_path / "y" / "motions" / names[1] / "P2.npz").read_bytes() == b"not an npz"


def test_audit_of_a_cache(tmp_path):
    from interx.features.cache import build_cache

    _release(tmp_path / "release")
    build_cache(tmp_path / "release", tmp_path / "cache")
    result = audit(tmp_path / "cache", QualitySettings(worst=2))
    assert result["kind"] == "cache" and result["count"] == 4 and len(result["worst"]["foot_skating"]) == 2
