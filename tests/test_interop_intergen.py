"""InterGen / InterHuman folders: what InterGen's loader reads from them, and the round trip back."""

from __future__ import annotations

import os

import numpy as np
import pytest

from fixtures_release import write_tiny_release
from interx.body import rotations
from interx.body.joints import BODY, LEFT_HAND
from interx.body.model import interaction_joints
from interx.cli_app import main
from interx.data.intergen import (REDUCED_ROW, ROW, columns6d_to_mat, export_intergen, import_intergen,
                                  mat_to_columns6d)
from interx.data.raw import RawRelease
from interx.errors import DataError
from interx.features.resample import resample_interaction

GROUPS, ACTIONS = (1, 2), (0, 3)


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    base = tmp_path_factory.mktemp("intergen")
    names = write_tiny_release(base / "root", seed=5, groups=GROUPS, actions=ACTIONS)
    result = export_intergen(base / "root", base / "ig")
    return base, names, result


def _intergen_loader(data_root, mode):
    """What InterGen's InterHumanDataset does with a folder (its file walk, text path and load_motion)."""
    data_list = open(os.path.join(data_root, f"{mode}.txt")).readlines()
    ignore_list = open(os.path.join(data_root, "ignore_list.txt")).readlines()
    items = {}
    for root, _, files in os.walk(data_root):
        for file in files:
            if file.endswith(".npy") and "person1" in root:
                name = file.split(".")[0]
                if name + "\n" in ignore_list or name + "\n" not in data_list:
                    continue
                path1 = os.path.join(root, file)
                path2 = os.path.join(root.replace("person1", "person2"), file)
                text_path = path1.replace("motions_processed", "annots").replace("person1", "").replace("npy", "txt")
                texts = [line.replace("\n", "") for line in open(text_path).readlines()]
                motions = []
                for path in (path1, path2):
                    motion = np.load(path).astype(np.float32)
                    motions.append(np.concatenate([motion[:, :22 * 3], motion[:, 62 * 3:62 * 3 + 21 * 6]], axis=1))
                items[name] = (motions, texts)
    return items


def test_intergen_loader_reads_every_listed_sequence(exported):
    base, names, result = exported
    release = RawRelease(base / "root")
    seen = {}
    for mode in ("train", "val", "test"):
        items = _intergen_loader(str(base / "ig"), mode)
        assert sorted(items) == sorted(release.split(mode))
        seen.update(items)
    assert sorted(seen) == sorted(names) and result.count == len(names)
    trans_matrix = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])  # process_motion_np's
    for name, (motions, texts) in seen.items():
        pair = resample_interaction(release.read(name), 30.0)
        assert texts == list(pair.texts)
        joints = interaction_joints(pair)
        for person, motion in enumerate(motions):
            assert motion.shape == (pair.num_frames, REDUCED_ROW)
            positions = np.einsum("mn,tjn->tjm", trans_matrix, motion[:, :66].reshape(-1, 22, 3))
            np.testing.assert_allclose(positions, joints[:, person, :22], atol=1e-5)
            local = rotations.aa_to_mat(pair.persons[person].full_pose()[:, 1:22])
            np.testing.assert_allclose(columns6d_to_mat(motion[:, 66:].reshape(-1, 21, 6)), local, atol=1e-5)


def test_sixd_layout_is_the_one_intergen_mirrors():
    rng = np.random.default_rng(0)
    mats = rotations.aa_to_mat(rng.normal(0, 1.0, (50, 3)))
    sixd = mat_to_columns6d(mats)
    np.testing.assert_allclose(sixd, mats[:, :, :2].reshape(50, 6), atol=1e-12)   # two columns, row by row
    np.testing.assert_allclose(columns6d_to_mat(sixd), mats, atol=1e-9)
    # InterGen's swap_left_right_rot negates entries 1, 2, 4: the x-mirror S R S in this layout
    mirror = np.diag([-1.0, 1.0, 1.0])
    flipped = sixd.copy()
    flipped[:, [1, 2, 4]] *= -1
    np.testing.assert_allclose(flipped, mat_to_columns6d(mirror @ mats @ mirror), atol=1e-12)


def test_round_trip_keeps_the_joints_texts_and_splits(exported, tmp_path):
    base, names, _ = exported
    result = import_intergen(base / "ig", tmp_path / "back")
    assert result.names == {n: n for n in sorted(names)} and max(result.errors.values()) < 1e-5
    before, after = RawRelease(base / "root"), RawRelease(tmp_path / "back")
    assert after.names == sorted(names)
    for split in ("train", "val", "test"):
        assert sorted(after.split(split)) == sorted(before.split(split))
    for name in names:
        original, back = resample_interaction(before.read(name), 30.0), after.read(name)
        assert back.fps == 30.0 and back.texts == original.texts and back.action == original.action
        # every joint, hands included, within a few micrometers (only the built-in skeleton's betas[0] matters)
        np.testing.assert_allclose(interaction_joints(back), interaction_joints(original), atol=1e-4)


def test_reduced_rows_and_other_ids(exported, tmp_path):
    base, names, _ = exported
    folder = tmp_path / "ig"
    for person in ("person1", "person2"):
        (folder / "motions_processed" / person).mkdir(parents=True)
        for number, name in zip((10, 2), names[:2]):
            row = np.load(base / "ig" / "motions_processed" / person / f"{name}.npy")
            np.save(folder / "motions_processed" / person / f"{number}.npy",
                    np.concatenate([row[:, :66], row[:, 186:312]], axis=1))
    (folder / "ignore_list.txt").write_text("")
    (folder / "train.txt").write_text("2\n10\n")
    result = import_intergen(folder, tmp_path / "back", group=7, action=4)
    assert result.names == {"2": "G007T000A004R000", "10": "G007T000A004R001"}     # numeric order
    back = RawRelease(tmp_path / "back")
    assert back.split("train") == ["G007T000A004R000", "G007T000A004R001"] and back.split("test") == []
    pair = back.read("G007T000A004R001")                                          # id 10 = names[0]
    assert np.all(pair.persons[0].pose_lhand == 0)                                 # 192 columns: flat hands
    original = resample_interaction(RawRelease(base / "root").read(names[0]), 30.0)
    np.testing.assert_allclose(interaction_joints(pair)[:, :, list(BODY)],
                               interaction_joints(original)[:, :, list(BODY)], atol=1e-4)
    assert not np.allclose(interaction_joints(pair)[:, :, list(LEFT_HAND)],
                           interaction_joints(original)[:, :, list(LEFT_HAND)], atol=1e-3)


def test_bad_rows_and_commands(exported, tmp_path, capsys):
    base, names, _ = exported
    folder = tmp_path / "ig"
    for person in ("person1", "person2"):
        (folder / "motions_processed" / person).mkdir(parents=True)
        np.save(folder / "motions_processed" / person / "1.npy", np.zeros((5, 100), np.float32))
    with pytest.raises(DataError, match=f"expected \\(T, {ROW}\\)"):
        import_intergen(folder, tmp_path / "back")
    assert main(["import", "intergen", str(folder), "--out", str(tmp_path / "back2")]) == 1
    assert "1.npy" in capsys.readouterr().err
    assert main(["export", "intergen", str(base / "root"), "--out", str(base / "ig")]) == 2   # not empty
    assert main(["export", "intergen", str(tmp_path / "nothing"), "--out", str(tmp_path / "o")]) == 1
    assert main(["export", "intergen", str(base / "root"), "--out", str(tmp_path / "o2")]) == 0
    assert "official splits" in capsys.readouterr().out


def test_export_from_a_cache(exported, tmp_path):
    from interx.features.cache import build_cache, open_cache

    base, names, _ = exported
    build_cache(base / "root", tmp_path / "cache")
    result = export_intergen(tmp_path / "cache", tmp_path / "ig")
    cache = open_cache(tmp_path / "cache")
    assert {s: sorted(v) for s, v in result.splits.items()} == {s: sorted(cache.split(s).names)
                                                                for s in ("train", "val", "test")}
    name = cache.split("train").names[0]
    ours = np.load(tmp_path / "ig" / "motions_processed" / "person1" / f"{name}.npy")
    raw = np.load(base / "ig" / "motions_processed" / "person1" / f"{name}.npy")
    np.testing.assert_allclose(ours[:, 186:], raw[:, 186:], atol=1e-5)           # same local rotations
    shift = (ours[:, :186] - raw[:, :186]).reshape(len(ours), 62, 3)              # the official frame's shift
    np.testing.assert_allclose(shift, np.broadcast_to(shift[:1, :1], shift.shape), atol=1e-5)
