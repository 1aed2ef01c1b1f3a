"""`interx preprocess` and `interx stats` end to end on tiny releases."""

import numpy as np
from fixtures_release import random_interaction, write_tiny_processed, write_tiny_release

from interx.cli_app import main
from interx.data import raw
from interx.data.classes import ACTION_NAMES
from interx.data.names import format_name
from interx.features.cache import open_cache
from interx.features.dataset_stats import dataset_stats, npz_length_seconds


def test_preprocess_then_stats_of_cache_and_release(tmp_path, capsys):
    names = write_tiny_release(tmp_path / "rel")
    assert main(["preprocess", str(tmp_path / "rel"), "--out", str(tmp_path / "cache"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "0 bad sequences skipped" in out
    assert len(open_cache(tmp_path / "cache").split("test")) == 4
    assert main(["stats", str(tmp_path / "cache")]) == 0
    out = capsys.readouterr().out
    assert "train: 4 sequences" in out and ACTION_NAMES[2] in out and "median 0.83" in out
    assert main(["stats", str(tmp_path / "rel")]) == 0
    out = capsys.readouterr().out
    assert "test: 4 sequences (0 unreadable)" in out and "mean 2.00" in out
    assert len(names) == 12


def test_preprocess_reports_bad_sequence_and_strict_fails(tmp_path, capsys):
    names = write_tiny_release(tmp_path / "rel")
    raw.sequence_paths(tmp_path / "rel", names[0])["P1"].write_bytes(b"not a zip")
    assert main(["preprocess", str(tmp_path / "rel"), "--out", str(tmp_path / "cache"), "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert f"{names[0]}  motions/{names[0]}/P1.npz" in out and "1 bad sequences skipped" in out
    assert main(["preprocess", str(tmp_path / "rel"), "--out", str(tmp_path / "strict"), "--strict"]) == 1
    assert names[0] in capsys.readouterr().err
    assert not (tmp_path / "strict").exists()
    assert main(["preprocess", str(tmp_path / "rel"), "--out", str(tmp_path / "x"), "--split-set", "nope"]) == 2


def test_stats_of_processed_release_and_lengths_from_headers(tmp_path):
    write_tiny_processed(tmp_path / "proc")
    result = dataset_stats(tmp_path / "proc")
    assert result.kind == "processed" and sum(s.sequences for s in result.splits.values()) == 12
    assert result.splits["train"].lengths()["max"] == 1.0
    rng = np.random.default_rng(0)
    name = format_name(1, 0, 0, 0)
    raw.write_release(tmp_path / "rel", [random_interaction(rng, name, frames=75, fps=50.0)],
                      splits={"train": [name], "val": [], "test": []})
    assert npz_length_seconds(raw.sequence_paths(tmp_path / "rel", name)["P1"]) == 1.5
    train = dataset_stats(tmp_path / "rel").splits["train"]
    assert train.per_class()[0] == 1 and train.texts_per_sequence()["mean"] == 2.0


def test_preprocess_with_smplx_model_folder(tmp_path, capsys):
    from interx.body.fake_smplx import write_fake_smplx
    from interx.body.kinematics import pose_joints
    from interx.body.smplx_model import SmplxBody
    from interx.features.frames import to_official_frame

    write_tiny_release(tmp_path / "rel", groups=(1, 2), actions=(0,))
    write_fake_smplx(tmp_path / "model" / "SMPLX_NEUTRAL.npz", np.random.default_rng(0), num_dirs=20,
                     num_vertices=220, num_faces=50)
    assert main(["preprocess", str(tmp_path / "rel"), "--out", str(tmp_path / "cache"), "--workers", "1",
                 "--smplx-model", str(tmp_path / "model"), "--neutral"]) == 0
    cache = open_cache(tmp_path / "cache")
    assert cache.options.neutral and cache.options.body.startswith("smplx-neutral")
    rest = SmplxBody(tmp_path / "model", neutral=True).rest_joints(None, "neutral")
    split = next(cache.split(s) for s in cache.splits if len(cache.split(s)))
    pose, trans = np.asarray(split.pose(0)), np.asarray(split.trans(0))
    world = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
    np.testing.assert_allclose(split.joints(0), to_official_frame(world, trans)[0], atol=1e-5)
    np.testing.assert_allclose(split.rest_pelvis(0), np.stack([rest[0], rest[0]]), atol=1e-6)
