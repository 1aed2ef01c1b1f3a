"""Embedding protocols on a small cache, with evaluators and generators whose answers are known."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from interx.errors import UsageError
from interx.eval.embedding import INTERX
from interx.eval.protocols import (FolderGenerator, GenerationRequest, ProtocolConfig, evaluate_action2interaction,
                                   evaluate_reaction, evaluate_text2interaction, granularity)
from interx.eval.report import markdown_table, write_report
from interx.features.cache import build_cache, open_cache
from interx.features.representations import PairArrays

sys.path.insert(0, str(Path(__file__).parent))
from fixtures_release import write_tiny_release  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:.*reduced.*:UserWarning")  # small sets: asserted in settings

ROW_KEYS = ["top1", "top2", "top3", "fid", "mm_dist", "diversity", "multimodality"]


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    """240 sequences (80 per split) of 40 frames at 30 fps, 6 classes."""
    root = tmp_path_factory.mktemp("protocol")
    write_tiny_release(root / "release", groups=tuple(range(1, 41)), actions=tuple(range(6)), frames=160)
    build_cache(root / "release", root / "cache")
    return open_cache(root / "cache")


def _key(joints: np.ndarray) -> np.ndarray:
    """Both pelvises at frame 0, sorted: identifies a sequence whatever the person order."""
    return np.sort(np.asarray(joints[0, :, 0], np.float64).ravel())


class OracleEvaluator:
    """Knows every sequence: a motion embeds to its sequence's vector v, a caption to 2 v plus noise.

    (Texts and motions at different scales: text embeddings taken for motion ones would show as a large FID.)
    """

    stochastic = False

    def __init__(self, split, dim: int = 16, noise: float = 0.05):
        rng = np.random.default_rng(123)
        self.name, self.dim, self.noise = "oracle", dim, noise
        self.keys = np.stack([_key(split.joints(i)) for i in range(len(split))])
        self.vectors = rng.standard_normal((len(split), dim))
        self.index = {name: i for i, name in enumerate(split.names)}

    def embed_texts(self, texts):
        rng = np.random.default_rng(len(texts))
        return 2.0 * np.stack([self.vectors[self.index[t.name]] for t in texts]) + self.noise * rng.standard_normal(
            (len(texts), self.dim))

    def _which(self, motions):
        keys = np.stack([_key(m.joints) for m in motions])
        return np.argmin(((keys[:, None] - self.keys[None]) ** 2).sum(-1), axis=1)

    def embed_motions(self, motions, rng=None):
        return self.vectors[self._which(motions)]

    def judge(self, motions):  # the action judge of the action protocol: features and the true class
        which = self._which(motions)
        return self.vectors[which], np.eye(40)[self.actions[which]]


class CopyGenerator:
    """Returns the real sequence each request names (cut to the requested length): a perfect model."""

    regenerates = True

    def __init__(self, split, name: str = "copy"):
        self.split, self.name = split, name

    def generate(self, request: GenerationRequest, seed: int):
        out = []
        for name, length in zip(request.names, request.lengths):
            i = self.split.index_of(name)
            item = self.split.item(i)
            pair = PairArrays(pose=item.pose[:length], trans=item.trans[:length], joints=item.joints[:length],
                              canonical=item.canonical, rest_pelvis=item.rest_pelvis)
            if request.actors is not None and (self.split.actors[i] or 0) == 1:
                pair = PairArrays(pose=pair.pose[:, ::-1], trans=pair.trans[:, ::-1], joints=pair.joints[:, ::-1],
                                  canonical=pair.canonical, rest_pelvis=pair.rest_pelvis[::-1])
            out.append(pair)
        return out


def _quick(**changes) -> ProtocolConfig:
    return ProtocolConfig(protocol="quick", settings=INTERX.__class__(replications=3), **changes)


def test_report_shape_and_files(cache, tmp_path):
    split = cache.split("test")
    report = evaluate_text2interaction(split, OracleEvaluator(split), [CopyGenerator(split)], _quick(),
                                       class_names=cache.action_names)
    assert list(report) == ["protocol", "settings", "rows", "interaction", "per_class", "per_granularity"]
    assert report["protocol"] == "quick" and report["settings"]["task"] == "text2interaction"
    assert list(report["rows"]) == ["ground_truth", "shuffled_texts", "copy"]
    for name, row in report["rows"].items():
        assert list(row) == ROW_KEYS
        for key in ROW_KEYS[:-1]:
            assert set(row[key]) == {"mean", "ci"}
    assert report["rows"]["ground_truth"]["multimodality"] is None
    assert report["rows"]["copy"]["multimodality"]["mean"] == pytest.approx(0.0)  # a copy never varies
    assert set(report["interaction"]) == {"ground_truth", "copy"}
    assert report["interaction"]["copy"]["contact_map_distance"] == pytest.approx(0.0)
    classes = report["per_class"]["ground_truth"]["classes"]
    assert list(classes) == list(cache.action_names[:6])
    assert report["per_class"]["ground_truth"]["macro"]["top1"] == pytest.approx(
        np.mean([c["top1"] for c in classes.values()]))
    assert set(report["per_granularity"]["copy"]) == {"short", "medium", "long"}
    markdown = write_report(report, tmp_path / "report.json")
    assert json.loads((tmp_path / "report.json").read_text()) == report
    text = markdown.read_text()
    assert "| ground_truth |" in text and "Interaction metrics" in text


def test_ground_truth_and_shuffled_texts_known_answers(cache):
    split = cache.split("test")
    config = ProtocolConfig(protocol="official", interaction=False)
    report = evaluate_text2interaction(split, OracleEvaluator(split), [CopyGenerator(split)], config)
    rows = report["rows"]
    assert rows["ground_truth"]["top1"]["mean"] > 0.99
    spread = rows["ground_truth"]["diversity"]["mean"] ** 2               # the embeddings' scale
    assert rows["ground_truth"]["fid"]["mean"] < 0.05 * spread          # two drop_last passes of one set
    for k in (1, 2, 3):                                                # chance: k / 32
        assert rows["shuffled_texts"][f"top{k}"]["mean"] == pytest.approx(k / 32, abs=0.03)
    assert rows["shuffled_texts"]["mm_dist"]["mean"] > 2 * rows["ground_truth"]["mm_dist"]["mean"]
    assert rows["copy"]["top1"]["mean"] > 0.99 and rows["copy"]["fid"]["mean"] < 0.05 * spread
    assert report["settings"]["diversity_pairs"] == 64                 # 80 sequences: 64 per pass < 300
    assert report["settings"]["mm_texts"] == 80
    assert report["settings"]["warnings"]


def test_same_seed_same_report_other_seed_other_report(cache):
    split = cache.split("test")
    evaluator, generator = OracleEvaluator(split), CopyGenerator(split)

    def run(seed):
        return evaluate_text2interaction(split, evaluator, [generator], _quick(seed=seed, interaction=False))

    first, again, other = run(1), run(1), run(2)
    assert json.dumps(first) == json.dumps(again)
    assert json.dumps(first["rows"]) != json.dumps(other["rows"])


def test_split_smaller_than_a_batch_is_a_clear_error(cache):
    split = cache.split("test")
    with pytest.raises(UsageError, match="fewer than one batch of 32"):
        evaluate_text2interaction(split, OracleEvaluator(split), [], _quick(quick_size=20))


def test_reaction_copy_matches_the_real_reactor(cache):
    split = cache.split("test")
    report = evaluate_reaction(split, OracleEvaluator(split), [CopyGenerator(split)], _quick())
    copy = report["interaction"]["copy"]
    assert copy["contact_f1"] == pytest.approx(1.0) and copy["sync_lag_error_s"] == pytest.approx(0.0)
    assert report["rows"]["copy"]["top1"]["mean"] > 0.99


def test_action_protocol_with_a_perfect_judge(cache):
    split = cache.split("test")
    judge = OracleEvaluator(split)
    judge.actions = np.asarray(split.actions)
    report = evaluate_action2interaction(split, judge, [CopyGenerator(split)], _quick(interaction=False),
                                         class_names=cache.action_names)
    for row in ("ground_truth", "copy"):
        assert report["rows"][row]["top1"]["mean"] == pytest.approx(1.0)
        assert report["rows"][row]["fid"]["mean"] < 0.05 * report["rows"][row]["diversity"]["mean"] ** 2
    assert report["per_class"]["copy"]["macro"]["top1"] == pytest.approx(1.0)


def test_folder_of_generated_sequences_is_a_row(cache, tmp_path):
    from interx.data.raw import write_release

    split = cache.split("test")
    write_release(tmp_path / "generated", (split.to_interaction(i) for i in range(len(split))))
    report = evaluate_text2interaction(split, OracleEvaluator(split), [FolderGenerator(tmp_path / "generated")],
                                       _quick(interaction=False))
    assert report["rows"]["generated"]["top1"]["mean"] > 0.99
    assert report["rows"]["generated"]["multimodality"] is None        # a folder cannot regenerate


def test_granularity_and_markdown_table():
    assert granularity("Two people hug.") == "short"
    assert granularity(" ".join(["word"] * 12)) == "medium"
    assert granularity(" ".join(["word"] * 25)) == "long"
    table = markdown_table({"a": {"top1": {"mean": 0.5, "ci": 0.01}, "mpjpe": {"0.5": 0.1}, "x": None}})
    assert table.splitlines()[0] == "| row | top1 | mpjpe 0.5 | x |"
    assert table.splitlines()[2] == "| a | 0.500 ± 0.010 | 0.100 | - |"


def test_official_evaluator_draws_new_crops_every_replication(cache):
    import torch

    from interx.models.evaluator_official import (MotionEncoderBiGRUCo, MovementConvEncoder, OfficialEvaluator,
                                                  TextEncoderBiGRUCo)
    from interx.text.glove import GloveVocabulary

    split = cache.split("test")
    torch.manual_seed(0)
    networks = {"movement_encoder": MovementConvEncoder(672, 32, 32),      # the official structure, small
                "text_encoder": TextEncoderBiGRUCo(300, 15, 32, 16), "motion_encoder": MotionEncoderBiGRUCo(32, 32, 16)}
    words = ["unk", "two", "people", "perform", "action"]
    vectors = np.random.default_rng(0).standard_normal((len(words), 300)).astype(np.float32)
    evaluator = OfficialEvaluator(networks, GloveVocabulary(vectors, {w: i for i, w in enumerate(words)}, words),
                                  dim=16)
    config = ProtocolConfig(protocol="official", settings=INTERX.__class__(replications=2), interaction=False)
    report = evaluate_text2interaction(split, evaluator, [], config)
    assert report["rows"]["ground_truth"]["fid"]["mean"] > 0.0        # pass 2 has other crops and captions
    assert report == evaluate_text2interaction(split, evaluator, [], config)
    quick = evaluate_text2interaction(split, evaluator, [], replace(config, protocol="quick"))
    assert quick["rows"]["ground_truth"]["fid"]["mean"] < report["rows"]["ground_truth"]["fid"]["mean"]
