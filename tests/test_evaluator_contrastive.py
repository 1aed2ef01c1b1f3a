"""The project's contrastive evaluator: frame- and person-order-free features, swap-invariant embeddings, training."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from interx.cli_app import main
from interx.features.frames import apply_transform
from interx.models.evaluator import TextRef, load_evaluator
from interx.models.evaluator_contrastive import EvaluatorConfig, TextMotionEncoder, build_evaluator, pair_features
from interx.models.evaluator_train import mirror_joints

sys.path.insert(0, str(Path(__file__).parent))
from fixtures_release import write_tiny_release  # noqa: E402


def _pair(seed: int = 0, frames: int = 40) -> np.ndarray:
    """Two random-walking skeletons facing each other (joints (T, 2, 55, 3))."""
    from interx.body.kinematics import pose_joints
    from interx.body.skeleton import rest_joints

    rng = np.random.default_rng(seed)
    out = []
    for k in range(2):
        pose = np.cumsum(0.02 * rng.standard_normal((frames, 55, 3)), axis=0).astype(np.float32)
        pose[:, 0] += [0.0, np.pi * k, 0.0]
        trans = np.array([0.0, 0.9, 1.2 * k], np.float32) + np.cumsum(0.01 * rng.standard_normal((frames, 3)), 0)
        out.append(pose_joints(pose, trans.astype(np.float32), rest_joints()))
    return np.stack(out, axis=1)


def test_features_ignore_the_frame_and_follow_the_person_order():
    joints = _pair()
    feats = pair_features(joints, stride=2)
    assert feats.shape == (20, 2, 198)
    moved = apply_transform(joints.astype(np.float64), np.array([1.1, 3.0, 0.4, -2.0]))
    np.testing.assert_allclose(pair_features(moved, stride=2), feats, atol=1e-5)
    np.testing.assert_array_equal(pair_features(joints[:, ::-1], stride=2), feats[:, ::-1])


def test_embedding_does_not_depend_on_who_is_p1():
    torch.manual_seed(0)
    config = EvaluatorConfig(width=32, heads=2, layers=2, ff=64, embed_dim=16)
    model = TextMotionEncoder(config).eval()
    pairs = [_pair(s, 30 + 7 * s) for s in range(3)]
    from interx.models.evaluator_contrastive import collate_features

    with torch.no_grad():
        emb = model.embed_motion(*collate_features([pair_features(p) for p in pairs]))
        swapped = model.embed_motion(*collate_features([pair_features(p[:, ::-1]) for p in pairs]))
        mirrored = model.embed_motion(*collate_features([pair_features(mirror_joints(p)) for p in pairs]))
    np.testing.assert_allclose(swapped.numpy(), emb.numpy(), atol=1e-5)
    assert not np.allclose(mirrored.numpy(), emb.numpy(), atol=1e-3)   # mirroring is a different motion
    np.testing.assert_allclose(torch.linalg.norm(emb, dim=1).numpy(), 1.0, atol=1e-6)


def test_mirror_joints_exchanges_sides():
    joints = _pair()
    mirrored = mirror_joints(joints)
    from interx.body.joints import JOINT_INDEX

    left, right = JOINT_INDEX["left_wrist"], JOINT_INDEX["right_wrist"]
    np.testing.assert_allclose(mirrored[..., left, 0], -joints[..., right, 0])
    np.testing.assert_allclose(mirror_joints(mirrored), joints)


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    from interx.features.cache import build_cache

    root = tmp_path_factory.mktemp("evaluator")
    write_tiny_release(root / "release", groups=tuple(range(1, 9)), actions=(0, 1, 2))
    build_cache(root / "release", root / "cache")
    return root / "cache"


def test_train_resume_load_and_evaluate_from_the_command_line(cache_dir, tmp_path, capsys):
    run = tmp_path / "run"
    args = ["train", "evaluator", "--data", str(cache_dir), "--out", str(run), "--config", "tiny"]
    assert main(args + ["--max-steps", "4", "--checkpoint-every", "2"]) == 0
    out = capsys.readouterr().out
    assert "val retrieval" in out and "R-precision top-1" in out
    retrieval = json.loads((run / "retrieval.json").read_text())
    assert retrieval["split"] == "val" and 0.0 <= retrieval["top1"] <= 1.0
    assert main(args + ["--max-steps", "6", "--resume"]) == 0
    assert "resumed from step 4" in capsys.readouterr().out
    evaluator = load_evaluator(run)
    assert (run / "texts.safetensors").is_file() and len(evaluator.texts) > 0
    text = evaluator.embed_texts([TextRef("Two people perform action 1.")])
    assert text.shape == (1, 128)
    report = tmp_path / "report.json"
    assert main(["evaluate", "text2interaction", "--data", str(cache_dir), "--evaluator", str(run),
                 "--protocol", "quick", "--batch-size", "4", "--replications", "2", "--out", str(report)]) == 0
    data = json.loads(report.read_text())
    assert data["rows"]["ground_truth"]["top1"]["mean"] >= 0.0 and report.with_suffix(".md").is_file()


def test_untrained_evaluator_embeds_cache_items(cache_dir):
    from interx.features.cache import open_cache

    split = open_cache(cache_dir).split("test")
    evaluator = build_evaluator(EvaluatorConfig(width=32, heads=2, layers=1, ff=64, embed_dim=8))
    emb = evaluator.embed_motions([split.item(i) for i in range(len(split))])
    assert emb.shape == (len(split), 8) and np.all(np.isfinite(emb))
