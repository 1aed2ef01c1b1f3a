"""The real CMU handshake pair (trials 18_01 / 19_01) imported with `interx import bvh`.

Facts of the capture (its README): 304 frames at 120 fps, frame 0 a T-pose, CMU
units (0.0564 m), the right hands come closest near frame 124 (wrists ~0.38 m
apart), the roots ~1.98 m -> ~0.74 m -> ~1.80 m apart.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from interx.body.joints import JOINT_INDEX
from interx.body.model import interaction_joints
from interx.cli_app import main
from interx.data.raw import read_interaction
from interx.data.validate import validate_release

CMU = Path(__file__).resolve().parents[2] / "shared" / "data" / "cmu"
FILES = [CMU / "18_01.bvh", CMU / "19_01.bvh"]
NAME = "G000T000A001R000"

pytestmark = pytest.mark.skipif(not all(f.is_file() for f in FILES),
                                reason=f"the CMU pair 18_01.bvh / 19_01.bvh is not in {CMU}")


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    root = tmp_path_factory.mktemp("cmu") / "root"
    args = ["import", "bvh", *map(str, FILES), "--out", str(root), "--name", NAME, "--action", "1",
            "--text", "Two people walk up to each other, shake right hands and walk apart.", "--skip-frames", "1"]
    assert main(args) == 0
    return root


def test_import_writes_a_valid_sequence(imported):
    report = validate_release(imported)
    assert report.ok, [p.line() for p in report.problems]
    pair = read_interaction(imported / "motions" / NAME)
    assert pair.num_frames == 303 and pair.fps == 120.0 and pair.action == 1
    for person in pair.persons:
        stature = 1.70 + 0.075 * float(person.betas[0])
        assert 1.5 < stature < 1.9


def test_retarget_error_is_small_where_it_matters(imported, capsys):
    # the table printed by the command: joint, source joint, mean mm, max mm
    assert main(["import", "bvh", *map(str, FILES), "--out", str(imported), "--name", "G000T000A001R001",
                 "--text", "again", "--skip-frames", "1", "--append"]) == 0
    rows = [line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]
    errors = {}
    for row in rows[1:]:
        if row[0] != "joint":
            errors.setdefault(row[0], []).append((float(row[2]), float(row[3])))
    for joint in ("left_wrist", "right_wrist", "left_ankle", "right_ankle"):
        assert all(mean < 15.0 for mean, _ in errors[joint]), (joint, errors[joint])
    body = [mean for joint, values in errors.items() for mean, _ in values if "index" not in joint]
    assert np.mean(body) < 70.0, errors


def test_handshake_timing_and_distances_are_kept(imported):
    joints = interaction_joints(read_interaction(imported / "motions" / NAME))   # (T, 2, 55, 3)
    wrist = JOINT_INDEX["right_wrist"]
    gap = np.linalg.norm(joints[:, 0, wrist] - joints[:, 1, wrist], axis=-1)
    assert abs(int(np.argmin(gap)) - (124 - 1)) <= 3          # one frame skipped
    assert abs(float(gap.min()) - 0.38) < 0.05
    roots = np.linalg.norm((joints[:, 0, 0] - joints[:, 1, 0])[:, [0, 2]], axis=-1)
    assert abs(roots[0] - 1.98) < 0.10 and abs(roots.min() - 0.74) < 0.10 and abs(roots[-1] - 1.80) < 0.10
    # feet on the capture's floor (ankles follow the source ankles, ~4 cm above it)
    ankles = joints[:, :, [JOINT_INDEX["left_ankle"], JOINT_INDEX["right_ankle"]], 1]
    assert 0.0 < ankles.min() < 0.12


def test_exported_bvh_reimports_to_the_same_joints(imported, tmp_path):
    motion_dir = imported / "motions" / NAME
    assert main(["export", "bvh", str(motion_dir), "--out", str(tmp_path / "bvh"), "--joints", "body_hands"]) == 0
    files = sorted((tmp_path / "bvh").glob("*.bvh"))
    assert [f.name for f in files] == [f"{NAME}_P1.bvh", f"{NAME}_P2.bvh"]
    assert main(["import", "bvh", *map(str, files), "--out", str(tmp_path / "again"), "--name", NAME,
                 "--text", "again"]) == 0
    before = interaction_joints(read_interaction(motion_dir))
    after = interaction_joints(read_interaction(tmp_path / "again" / "motions" / NAME))
    assert np.abs(after - before).max() < 1e-3
