"""The synthetic release as files: layout, determinism, validation, annotations, splits and the CLI."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

from interx.body.model import interaction_joints
from interx.cli_app import main
from interx.data.annotations import read_interaction_order
from interx.data.classes import ACTION_NAMES
from interx.data.names import parse_name
from interx.data.raw import RawRelease, list_sequences
from interx.data.splits import read_split
from interx.data.synth import synthesize_release
from interx.data.synth.plan import class_counts, cross_group_split, make_groups, official_split, plan_sequences
from interx.data.validate import validate_release

SEQUENCES = 12


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("synth") / "release"
    synthesize_release(root, SEQUENCES, seed=5, workers=1)
    return root


def test_same_seed_same_bytes_other_seed_other_motion(release, tmp_path):
    synthesize_release(tmp_path / "again", SEQUENCES, seed=5, workers=1)
    assert _files(release) == _files(tmp_path / "again")
    synthesize_release(tmp_path / "other", SEQUENCES, seed=6, workers=1)
    name = sorted(list_sequences(tmp_path / "other"))[0]
    assert name in list_sequences(release)      # the same names, other motion
    assert (tmp_path / "other" / "motions" / name / "P1.npz").read_bytes() != \
        (release / "motions" / name / "P1.npz").read_bytes()


def test_the_validator_finds_nothing_wrong(release):
    report = validate_release(release)
    assert report.ok and not report.warnings, [p.line() for p in report.problems]
    assert report.sequences == SEQUENCES


def test_person_files_have_exactly_the_release_keys_shapes_and_dtypes(release):
    for name in list_sequences(release):
        for person in ("P1", "P2"):
            with np.load(release / "motions" / name / f"{person}.npz", allow_pickle=False) as npz:
                arrays = {k: npz[k] for k in npz.files}
            frames = arrays["trans"].shape[0]
            assert set(arrays) == {"root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans", "betas", "gender"}
            expected = {"root_orient": (frames, 3), "pose_body": (frames, 21, 3), "pose_lhand": (frames, 15, 3),
                        "pose_rhand": (frames, 15, 3), "trans": (frames, 3), "betas": (1, 10)}
            for key, shape in expected.items():
                assert arrays[key].shape == shape and arrays[key].dtype == np.float32, (name, key)
            assert arrays["gender"].shape == () and arrays["gender"].dtype.kind == "U"
            assert 120 <= frames <= 30 * 120 + 600


def test_feet_on_the_floor_and_facing_each_other_at_the_start(release):
    rel = RawRelease(release)
    facing = []
    for name in rel:
        joints = interaction_joints(rel.read(name))                       # (T, 2, 55, 3)
        low = joints[:12].min(axis=(0, 2))[:, 1]                        # lowest joint per person, first 0.1 s
        assert np.all((low > -0.02) & (low < 0.05)), (name, low)
        pelvis, head = joints[0, :, 0], joints[0, :, 15]
        toward = pelvis[1] - pelvis[0]
        look = np.cross(joints[0, 0, 16] - joints[0, 0, 17], [0.0, 1.0, 0.0])   # P1's forward from its shoulders
        cos = (look[[0, 2]] @ toward[[0, 2]]) / np.linalg.norm(look[[0, 2]]) / np.linalg.norm(toward[[0, 2]])
        facing.append(cos > 0.85 and 0.4 < np.linalg.norm(toward[[0, 2]]) < 5.5)
        assert np.all(head[:, 1] > 1.2)
    assert np.mean(facing) >= 0.6


def test_annotations(release):
    assert (release / "annots" / "action_setting.txt").read_bytes() == "\n".join(ACTION_NAMES).encode()
    order = pickle.loads((release / "annots" / "interaction_order.pkl").read_bytes())
    assert type(order) is dict and all(type(k) is str and type(v) is int for k, v in order.items())
    assert read_interaction_order(release / "annots" / "interaction_order.pkl") == order
    names = list_sequences(release)
    assert sorted(order) == names and set(order.values()) <= {0, 1}
    rel = RawRelease(release)
    groups = sorted({parse_name(n).group for n in names})
    assert set(rel.familiarity) == set(groups) and set(rel.familiarity.values()) <= {1, 2, 3, 4}
    assert rel.big_five.shape == (2 * max(groups), 5)
    for name in names:          # the same two performers throughout a group
        interaction = rel.read(name)
        first = rel.read(next(n for n in names if parse_name(n).group == parse_name(name).group))
        for p in range(2):
            assert np.array_equal(interaction.persons[p].betas, first.persons[p].betas)
            assert -2.0 <= interaction.persons[p].betas[0] <= 2.0
        assert len(interaction.texts) == 3


def test_splits_on_disk_cover_the_release_and_hold_out_whole_groups(release):
    names = set(list_sequences(release))
    official = {s: read_split(release, s) for s in ("train", "val", "test")}
    assert set().union(*official.values()) == names and sum(map(len, official.values())) == len(names)
    cross = {s: read_split(release, s, "cross_group") for s in ("train", "val", "test")}
    assert set().union(*cross.values()) == names
    groups = {s: {parse_name(n).group for n in v} for s, v in cross.items()}
    assert all(groups[s] for s in groups)
    assert not (groups["train"] & groups["val"] or groups["train"] & groups["test"] or groups["val"] & groups["test"])
    assert not (release / "splits" / "all.txt").read_text().endswith("\n")


def test_split_proportions_and_every_group_in_every_split_at_scale():
    groups = make_groups(10, 1, seed=0)
    names = [p.name for p in plan_sequences(2000, groups)]
    official = official_split(names, seed=0)
    sizes = np.array([len(official[s]) for s in ("train", "val", "test")]) / len(names)
    assert np.allclose(sizes, (0.80, 0.05, 0.15), atol=0.01)
    for split in official.values():
        assert {parse_name(n).group for n in split} == {g.group for g in groups}
    cross = cross_group_split(names, seed=0)
    held = [{parse_name(n).group for n in cross[s]} for s in ("train", "val", "test")]
    assert all(held) and not (held[0] & held[1] or held[0] & held[2] or held[1] & held[2])
    assert class_counts(11388).min() == 171 and class_counts(11388).max() == 324


def test_cli_refuses_a_non_empty_folder_unless_appending(tmp_path):
    out = tmp_path / "r"
    assert main(["synth", str(out), "--sequences", "2", "--seed", "1"]) == 0
    assert main(["synth", str(out), "--sequences", "2", "--seed", "1"]) == 2
    assert main(["synth", str(out), "--sequences", "2", "--seed", "2", "--append"]) == 0
    names = list_sequences(out)
    assert len(names) == 4 and len({parse_name(n).group for n in names}) == 4
    assert validate_release(out).ok
