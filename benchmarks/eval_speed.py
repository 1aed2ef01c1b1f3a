"""Evaluation speed: the metric work of the official text-to-interaction protocol on 1,708 test sequences.

What is timed (generation aside): `interx.eval.protocols.evaluate_text2interaction`
with the quick protocol over the whole set (`quick_size` = 1,708,
`quick_mm_texts` = 100), which is the official protocol's metric work with
the embeddings computed once per set: every caption and motion of the real set
embedded once, one model row (a generator that returns the real motions, so
generation costs nothing) embedded once with its 100 x 30 MultiModality
motions, then 20 replications of R-precision / MM-Dist (batch 32), FID,
Diversity (300 pairs) and MultiModality on those embeddings, then the
interaction metrics of the ground-truth and model rows (first 150 frames).

Data: 1,708 synthetic pairs (random smooth poses, lengths 60-300 frames at
30 fps, three captions each) in memory. Evaluators at random initialisation
(timing only): the project's contrastive evaluator (default config), and the
official T2M evaluator (official sizes, a random GloVe vocabulary of the
captions' words).

The sentence encoder's time to embed the captions (all-MiniLM-L6-v2 on CPU) is
printed apart: it is paid once per caption set and kept in the evaluator run's
text store (RUN/texts.safetensors) afterwards; the protocol figure is timed
with the captions already encoded. Goal: protocol under 60 s on 2 CPU cores.
Wall and CPU seconds (all threads) are printed: on a machine shared with
other work the CPU figure is the closer one to an idle machine's wall time.

The official evaluator's figure is estimated: the metric work measured above
with its embedding time replaced by the official networks' time per motion and
per caption, timed on `--official-sample` of each (its GRUs are slow on CPU).

Run (without MKL_CBWR, which slows torch's matrix products several times over):
    python benchmarks/eval_speed.py [--sequences 1708] [--official-sample 256]
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints
from interx.eval.protocols import GenerationRequest, ProtocolConfig, evaluate_text2interaction
from interx.features.frames import canonical_transform
from interx.features.representations import PairArrays

WORDS = ("person", "other", "hand", "left", "right", "arm", "shoulder", "hug", "push", "pull", "wave", "walk",
         "towards", "away", "slowly", "quickly", "raise", "touch", "back", "head", "together", "shake", "kick")


class SyntheticSplit:
    """An in-memory stand-in for a cache split: the attributes the text protocol reads."""

    name = "test"

    def __init__(self, count: int, seed: int = 0):
        rng = np.random.default_rng(seed)
        rest = rest_joints()
        self.lengths = rng.integers(60, 301, count)
        self.actions = rng.integers(0, 40, count)
        self.names = tuple(f"G{1 + k % 59:03d}T{k // 59:03d}A{a:03d}R000" for k, a in enumerate(self.actions))
        self.texts = tuple(tuple(" ".join(rng.choice(WORDS, rng.integers(6, 36))) + "." for _ in range(3))
                           for _ in range(count))
        self._items = []
        for length in self.lengths:
            pose = np.cumsum(0.03 * rng.standard_normal((length, 2, 55, 3)), axis=0).astype(np.float32)
            trans = np.zeros((length, 2, 3), np.float32)
            trans[:, 1, 2] = 1.0
            joints = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
            self._items.append(PairArrays(pose=pose, trans=trans, joints=joints,
                                          canonical=canonical_transform(joints).astype(np.float32),
                                          rest_pelvis=np.stack([rest[0], rest[0]])))
        self.actors = (0,) * count

    def __len__(self) -> int:
        return len(self.lengths)

    def index_of(self, name: str) -> int:
        return self.names.index(name)

    def item(self, i: int) -> PairArrays:
        return self._items[i]


class CopyGenerator:
    """The real motions, cut to the requested lengths: a model row whose generation costs nothing."""

    name, regenerates = "copy", True

    def __init__(self, split: SyntheticSplit):
        self.split = split
        self.index = {n: i for i, n in enumerate(split.names)}

    def generate(self, request: GenerationRequest, seed: int):
        out = []
        for name, n in zip(request.names, request.lengths):
            item = self.split.item(self.index[name])
            out.append(PairArrays(item.pose[:n], item.trans[:n], item.joints[:n], item.canonical, item.rest_pelvis))
        return out


def _official(split: SyntheticSplit):
    from interx.models.evaluator_official import OfficialEvaluator, official_networks
    from interx.text.glove import GloveVocabulary

    import torch

    torch.manual_seed(0)
    words = ["unk", "sos", "eos", *WORDS]
    vectors = np.random.default_rng(0).standard_normal((len(words), 300)).astype(np.float32)
    return OfficialEvaluator(official_networks(), GloveVocabulary(vectors, {w: i for i, w in enumerate(words)}, words),
                             name="official (random weights)")


class Clock:
    """Wall-clock and process CPU seconds (all threads) since creation, or of the timed calls."""

    def __init__(self):
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def read(self) -> tuple[float, float]:
        return time.perf_counter() - self.wall0, time.process_time() - self.cpu0


class TimedEvaluator:
    """An evaluator whose embedding calls are timed (wall, CPU) and counted."""

    def __init__(self, evaluator):
        self.inner = evaluator
        self.name, self.dim, self.stochastic = evaluator.name, evaluator.dim, evaluator.stochastic
        self.wall = self.cpu = 0.0
        self.motions = self.texts = 0

    def _timed(self, method, items, *args):
        clock = Clock()
        out = method(items, *args)
        wall, cpu = clock.read()
        self.wall, self.cpu = self.wall + wall, self.cpu + cpu
        return out

    def embed_texts(self, texts):
        self.texts += len(texts)
        return self._timed(self.inner.embed_texts, texts)

    def embed_motions(self, motions, rng=None):
        self.motions += len(motions)
        return self._timed(self.inner.embed_motions, motions, rng)


def _protocol(split, evaluator, config):
    """(report, total (wall, cpu), interaction metrics (wall, cpu)) of one protocol run."""
    marks = {}
    clock = Clock()

    def progress(message: str) -> None:
        if message == "interaction metrics":
            marks["interaction"] = clock.read()

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = evaluate_text2interaction(split, evaluator, [CopyGenerator(split)], config, progress=progress)
    total = clock.read()
    start = marks.get("interaction", total)
    return report, total, (total[0] - start[0], total[1] - start[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=1708)
    parser.add_argument("--official-sample", type=int, default=256,
                        help="Motions and captions whose official-evaluator embedding is timed (0: skip).")
    args = parser.parse_args()

    from interx.models.evaluator_contrastive import EvaluatorConfig, build_evaluator

    clock = Clock()
    split = SyntheticSplit(args.sequences)
    print(f"data: {len(split)} synthetic sequences, {int(split.lengths.sum())} frames at 30 fps "
          f"({clock.read()[0]:.1f} s to make)")
    config = ProtocolConfig(protocol="quick", quick_size=len(split), quick_mm_texts=100)

    project = build_evaluator(EvaluatorConfig(), name="contrastive (random weights)")
    captions = [t for texts in split.texts for t in texts]
    clock = Clock()
    project.texts.add(captions)
    wall, cpu = clock.read()
    print(f"sentence encoder: {len(captions)} captions in {wall:.1f} s wall, {cpu:.1f} s CPU "
          f"(once per caption set, then kept in the run's text store)")

    timed = TimedEvaluator(project)
    report, (wall, cpu), (i_wall, i_cpu) = _protocol(split, timed, config)
    rows = report["rows"]
    print(f"project evaluator: protocol metric work {wall:.1f} s wall, {cpu:.1f} s CPU (goal < 60 s) over "
          f"{config.settings.replications} replications")
    print(f"  embeddings: {timed.motions} motions, {timed.texts} captions: {timed.wall:.1f} s wall, "
          f"{timed.cpu:.1f} s CPU")
    print(f"  interaction metrics (2 rows): {i_wall:.1f} s wall, {i_cpu:.1f} s CPU")
    print(f"  replications (matching, FID, diversity, MultiModality): "
          f"{wall - timed.wall - i_wall:.1f} s wall, {cpu - timed.cpu - i_cpu:.1f} s CPU")
    print(f"  check: ground truth top-3 {rows['ground_truth']['top3']['mean']:.3f}, shuffled texts top-3 "
          f"{rows['shuffled_texts']['top3']['mean']:.3f} (chance {3 / 32:.3f}) at random weights")
    if args.official_sample:
        official = _official(split)
        sample = [split.item(i) for i in range(min(args.official_sample, len(split)))]
        from interx.models.evaluator import TextRef

        refs = [TextRef(t) for t in captions[:len(sample)]]
        clock = Clock()
        official.embed_motions(sample)
        m_wall, m_cpu = clock.read()
        clock = Clock()
        official.embed_texts(refs)
        t_wall, t_cpu = clock.read()
        scale_m, scale_t = timed.motions / len(sample), timed.texts / len(refs)
        est_wall = wall - timed.wall + m_wall * scale_m + t_wall * scale_t
        est_cpu = cpu - timed.cpu + m_cpu * scale_m + t_cpu * scale_t
        print(f"official evaluator: embedding {len(sample)} motions {m_wall:.1f} s wall ({m_cpu:.1f} s CPU), "
              f"{len(refs)} captions {t_wall:.1f} s wall ({t_cpu:.1f} s CPU); the same protocol estimated at "
              f"{est_wall:.0f} s wall, {est_cpu:.0f} s CPU")


if __name__ == "__main__":
    main()
