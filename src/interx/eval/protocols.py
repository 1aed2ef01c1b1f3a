"""The embedding protocols: text-to-interaction, reaction and action-to-interaction, as reports.

Each protocol compares rows side by side on one cache split (the test split by
default), with the official Inter-X numbers (`interx.eval.embedding.INTERX`:
batch 32, 20 replications, 300 diversity pairs, MultiModality 100 x 30, 10 pairs):

- `ground_truth`: the real set against itself, as the official code does it:
  pass 1 (R-precision, MM-Dist, Diversity) in shuffled drop_last batches with a
  random caption per sequence, pass 2 (the FID reference) an independent
  shuffled drop_last pass with its own random captions (and, for the official
  evaluator, its own random crops); FID(pass 1, pass 2) is therefore near 0.
- `shuffled_texts` (text tasks): the same real motions, each paired with the
  caption of another sequence (a random derangement): R-precision at chance
  (k / batch, 3/32 for top-3), FID near 0.
- one row per generator (`Generator`): its motions for the same conditions,
  FID against the same pass-2 reference.

Two protocols (`ProtocolConfig.protocol`):

- `official`: every replication draws new captions and regenerates every
  sequence (generator seed derived from (seed, replication)); MultiModality
  generates `mm_generations` motions for `mm_texts` sequences drawn at random
  (the main sample is the first of them, as officially). The one to publish
  (a GPU job for real generators).
- `quick`: a seeded subset of `quick_size` sequences (all when fewer), each
  with one seeded caption, is generated once; MultiModality once on
  `quick_mm_texts` of them. Replications resample the batches, the FID
  reference pass, the diversity and MultiModality pairs; the ground-truth rows
  are computed on the same subset (fixed motion views). The demo's and CI's protocol.

Conditions given to generators (`GenerationRequest`): the caption, the action
label, the sequence's length capped at `max_frames` (150 frames at 30 fps: no
evaluator sees more), and for reactions the actor (`CacheSplit.actors`, P1
when unknown) at 30 fps in the official frame, which must be P1 of the output.
A row's caption for sample i is the first text of the returned `Interaction`
when it has one (a folder of generated sequences records the prompt it used),
else the requested caption.

Small sets: a set with fewer sequences than one batch is a UsageError (the
chance level of R-precision depends on the batch; pass a smaller batch size
explicitly). When a set has fewer sequences than the diversity pairs or the
MultiModality texts, those counts are reduced to what exists, with a warning
(recorded in the report's settings).

Report (`write_report` in `interx.eval.report` writes it with a markdown table):

```
{"protocol": "official" | "quick", "settings": {"task": ..., ...},
 "rows": {"ground_truth": {"top1": {"mean": m, "ci": c}, "top2", "top3", "fid", "mm_dist", "diversity",
                           "multimodality"}, "shuffled_texts": {...}, "<generator>": {...}},
 "interaction": {"<row>": interaction_metrics(...) (+ "contact_map_distance" to the real set)},
 "per_class": {"<row>": {"macro": {...}, "classes": {"<class name>": {"top1", ..., "mm_dist", "count"}}}},
 "per_granularity": {"<row>": {"short" | "medium" | "long": {"top1", ..., "mm_dist", "count"}}}}
```

`ci` is 1.96 std / sqrt(replications); a metric a row cannot have
(MultiModality of real data) is null. Per-class and per-granularity numbers
pool every sequence of every replication (counts say how many); the macro
average is over the classes present. Granularity is the caption's word count:
short < 12 words <= medium < 25 words <= long. Interaction metrics are
computed once per row on the first replication's motions (first `max_frames`
frames).

The action-to-interaction protocol (`evaluate_action2interaction`) uses a
recogniser (`ActionJudge`) instead of a text evaluator: its rows hold
`top1`, `top5` (recognition accuracy of the motion against its label),
`fid`, `diversity` and `multimodality` on the recogniser's features.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal, Protocol

import numpy as np

from interx.data.types import MODEL_FPS, Interaction, PersonMotion
from interx.errors import DataError, UsageError
from interx.eval.embedding import (INTERX, ProtocolSettings, activation_statistics, distance_matrix, diversity,
                                   frechet_distance, matching_over_set, multimodality)
from interx.eval.interaction import contact_map_distance, interaction_metrics
from interx.eval.stats import summarize, summarize_columns

GRANULARITY = ("short", "medium", "long")
GRANULARITY_WORDS = (12, 25)        # short < 12 <= medium < 25 <= long (words)
MIN_FRAMES = 8                      # shortest motion every evaluator accepts


# ---------------------------------------------------------------------------------------
# Interfaces


@dataclass(frozen=True)
class GenerationRequest:
    """What a generator is asked for: N samples at 30 fps.

    Attributes:
        texts: the caption of each sample (None: no text condition).
        actions: the action label 0-39 of each sample (None: no label condition).
        lengths: frames at 30 fps of each sample.
        actors: for reactions, the actor of each sample (30 fps, official frame),
            which must be P1 of the output; None elsewhere.
        names: the sequence each sample's conditions come from.
    """

    texts: tuple[str | None, ...]
    actions: tuple[int | None, ...]
    lengths: tuple[int, ...]
    names: tuple[str, ...]
    actors: tuple[PersonMotion | None, ...] | None = None

    def __len__(self) -> int:
        return len(self.lengths)


class Generator(Protocol):
    """A model (or a folder of its samples) as the protocols call it.

    `generate` returns one motion per request item, in order: an `Interaction`
    (any frame rate; resampled to 30 fps and moved to the official frame here)
    or an object with `pose` (T, 2, 55, 3), `trans` (T, 2, 3) and `joints`
    (T, 2, 55, 3) at 30 fps in the official frame (`PairArrays`). The same seed
    must give the same motions. `regenerates` is False for a fixed set of
    motions (a folder), which cannot give new samples per replication or for
    MultiModality.
    """

    name: str
    regenerates: bool

    def generate(self, request: GenerationRequest, seed: int) -> Sequence: ...


class ActionJudge(Protocol):
    """A recogniser as the action-to-interaction protocol uses it."""

    name: str

    def judge(self, motions: Sequence) -> tuple[np.ndarray, np.ndarray]:
        """(features (N, D), logits (N, C)) of PairArrays-like motions (`joints` (T, 2, 55, 3), 30 fps)."""
        ...


@dataclass(frozen=True)
class ProtocolConfig:
    """How a protocol runs (module doc)."""

    protocol: Literal["official", "quick"] = "official"
    """official: regenerate every replication, full MultiModality; quick: generate once on a subset."""
    settings: ProtocolSettings = INTERX
    """Batch size, replications, pair counts (`interx.eval.embedding`)."""
    seed: int = 0
    """Seed of every random draw (captions, crops, batches, pairs, generation)."""
    max_frames: int = 150
    """Generated lengths are capped at this many frames (30 fps)."""
    quick_size: int = 512
    """quick: sequences generated once (a seeded subset; all when the split has fewer)."""
    quick_mm_texts: int = 20
    """quick: sequences with `mm_generations` generations each for MultiModality."""
    interaction: bool = True
    """Compute the interaction metrics of every row."""


# ---------------------------------------------------------------------------------------
# Helpers


def granularity(caption: str) -> str:
    """'short', 'medium' or 'long' by the caption's word count (module doc)."""
    words = len(re.findall(r"[A-Za-z0-9']+", caption))
    return GRANULARITY[int(words >= GRANULARITY_WORDS[0]) + int(words >= GRANULARITY_WORDS[1])]


def _seed(*parts: int) -> int:
    return int(np.random.SeedSequence([int(p) for p in parts]).generate_state(1, np.uint32)[0])


def _rng(*parts: int) -> np.random.Generator:
    return np.random.default_rng([int(p) for p in parts])


def _derangement(n: int, rng: np.random.Generator) -> np.ndarray:
    """A random permutation with no fixed point (n >= 2): a shifted random cycle."""
    order = rng.permutation(n)
    out = np.empty(n, dtype=np.int64)
    out[order] = np.roll(order, 1)
    return out


def _swap_people(item):
    """A PairArrays with P1 and P2 exchanged (the canonical transform recomputed)."""
    from interx.features.frames import canonical_transform
    from interx.features.representations import PairArrays

    joints = np.ascontiguousarray(item.joints[:, ::-1])
    return PairArrays(pose=np.ascontiguousarray(item.pose[:, ::-1]), trans=np.ascontiguousarray(item.trans[:, ::-1]),
                      joints=joints, canonical=canonical_transform(joints).astype(np.float32),
                      rest_pelvis=np.ascontiguousarray(item.rest_pelvis[::-1]))


def _as_pair(motion, where: str):
    """A generator's output as PairArrays (Interactions prepared at 30 fps in the official frame)."""
    from interx.features.sequence import prepare_pair

    if isinstance(motion, Interaction):
        motion = prepare_pair(motion)
    joints = getattr(motion, "joints", None)
    if joints is None or getattr(motion, "pose", None) is None or getattr(motion, "trans", None) is None:
        raise DataError(f"{where}: a generated motion must be an Interaction or have pose, trans and joints")
    if joints.ndim != 4 or joints.shape[1:] != (2, 55, 3) or len(joints) < MIN_FRAMES:
        raise DataError(f"{where}: generated joints of shape {joints.shape}, expected (T >= {MIN_FRAMES}, 2, 55, 3)")
    return motion


def _generate(generator: Generator, request: GenerationRequest, seed: int) -> tuple[list, list[str | None]]:
    """The generator's motions (PairArrays) and the caption each reports having used (None: the request's)."""
    out = list(generator.generate(request, seed))
    if len(out) != len(request):
        raise DataError(f"generator {generator.name} returned {len(out)} motions for {len(request)} requests")
    used = [m.texts[0] if isinstance(m, Interaction) and m.texts else None for m in out]
    return [_as_pair(m, f"generator {generator.name}, sample {i} ({request.names[i]})")
            for i, m in enumerate(out)], used


def _cut(item, frames: int) -> np.ndarray:
    return np.asarray(item.joints[:frames], dtype=np.float32)


@dataclass
class _Tally:
    """Per-item matching results pooled over replications: hits (K,) and matched distances, by group."""

    top_k: int
    hits: dict = field(default_factory=dict)
    dists: dict = field(default_factory=dict)

    def add(self, groups: Sequence[str], hits: np.ndarray, dists: np.ndarray) -> None:
        for g, h, d in zip(groups, hits, dists):
            self.hits.setdefault(g, []).append(h)
            self.dists.setdefault(g, []).append(d)

    def table(self, names: Sequence[str]) -> dict:
        out = {}
        for g in names:
            if g in self.hits:
                h = np.mean(self.hits[g], axis=0)
                out[g] = {**{f"top{k + 1}": float(h[k]) for k in range(self.top_k)},
                          "mm_dist": float(np.mean(self.dists[g])), "count": len(self.dists[g])}
            else:
                out[g] = {**{f"top{k + 1}": None for k in range(self.top_k)}, "mm_dist": None, "count": 0}
        return out


def _matching(text: np.ndarray, motion: np.ndarray, settings: ProtocolSettings, rng: np.random.Generator):
    """The official matching pass plus each used item's hits (n, K) and matched distance (n,)."""
    result = matching_over_set(text, motion, settings.batch_size, settings.top_k, rng=rng)
    idx = result.indices.reshape(-1, settings.batch_size)
    dist = distance_matrix(text[idx], motion[idx])                                 # (nb, bs, bs)
    matched = np.diagonal(dist, axis1=-2, axis2=-1)
    rank = np.sum(dist < matched[..., None], axis=-1).reshape(-1)
    hits = rank[:, None] < np.arange(1, settings.top_k + 1)
    return result, hits, matched.reshape(-1)


def _reference(motion: np.ndarray, settings: ProtocolSettings, rng: np.random.Generator) -> np.ndarray:
    """Pass 2: the rows of an independent shuffled drop_last pass (the FID reference)."""
    used = len(motion) // settings.batch_size * settings.batch_size
    return motion[rng.permutation(len(motion))[:used]]


def _adapt(settings: ProtocolSettings, n: int, mm_n: int, notes: list[str]) -> ProtocolSettings:
    """Settings the set can support (module doc: small sets)."""
    if n < settings.batch_size:
        raise UsageError(f"the set has {n} sequences, fewer than one batch of {settings.batch_size}; "
                         f"evaluate a larger split or pass a smaller batch size")
    used = n // settings.batch_size * settings.batch_size
    changes = {}
    if settings.top_k > settings.batch_size:
        notes.append(f"R-precision reported for top-1..{settings.batch_size}: batches of {settings.batch_size}")
        changes["top_k"] = settings.batch_size
    if used < settings.diversity_pairs:
        notes.append(f"diversity pairs reduced from {settings.diversity_pairs} to {used}: only {used} motions "
                     f"per pass")
        changes["diversity_pairs"] = used
    if settings.mm_generations < settings.mm_pairs:
        notes.append(f"MultiModality pairs reduced from {settings.mm_pairs} to {settings.mm_generations}: "
                     f"{settings.mm_generations} generations per text")
        changes["mm_pairs"] = settings.mm_generations
    if mm_n < settings.mm_texts:
        notes.append(f"MultiModality texts reduced from {settings.mm_texts} to {mm_n}")
        changes["mm_texts"] = mm_n
    for note in notes:
        warnings.warn(note, stacklevel=3)
    return replace(settings, **changes)


def _subset(config: ProtocolConfig, indices: list[int]) -> list[int]:
    """The sequences a protocol evaluates: all (official) or a seeded subset of `quick_size` (quick)."""
    if config.protocol not in ("official", "quick"):
        raise UsageError(f"protocol must be 'official' or 'quick', not {config.protocol!r}")
    if config.protocol == "quick" and len(indices) > config.quick_size:
        return sorted(_rng(config.seed, 1).choice(indices, config.quick_size, replace=False).tolist())
    return indices


def _mm_texts(config: ProtocolConfig) -> ProtocolSettings:
    """The settings with the protocol's MultiModality text count (quick: `quick_mm_texts`)."""
    if config.protocol == "official":
        return config.settings
    return replace(config.settings, mm_texts=config.quick_mm_texts)


def _fid_to(reference: tuple[np.ndarray, np.ndarray], motion: np.ndarray, settings: ProtocolSettings) -> float:
    """FID of `motion` against the reference pass's statistics (mean, covariance)."""
    return frechet_distance(*reference, *activation_statistics(motion, settings.embedding_scale))


def _diversity(motion: np.ndarray, settings: ProtocolSettings, rng: np.random.Generator) -> float:
    return diversity(motion, settings.diversity_pairs, rng=rng, scale=settings.embedding_scale,
                     factor=settings.diversity_factor)


def _summaries(values: dict[str, list]) -> dict:
    """{metric: [per replication]} -> {metric: {"mean", "ci"} or None}; R-precision columns split out."""
    out = {}
    for metric, vals in values.items():
        if metric == "r_precision":
            out.update(summarize_columns(np.asarray(vals), [f"top{k + 1}" for k in range(np.shape(vals)[1])]))
        else:
            out[metric] = None if not vals or vals[0] is None else summarize(vals)
    return out


def _interaction_rows(real: list[np.ndarray], rows: dict[str, list[np.ndarray]],
                      references: list[np.ndarray] | None) -> dict:
    """interaction_metrics per row; model rows also get the contact-map distance to the real set."""
    out = {"ground_truth": interaction_metrics(real, MODEL_FPS)}
    for name, pairs in rows.items():
        refs = None
        if references is not None:
            refs = [ref[:len(p)] for ref, p in zip(references, pairs)]
            pairs = [p[:len(ref)] for ref, p in zip(refs, pairs)]
        metrics = interaction_metrics(pairs, MODEL_FPS, references=refs)
        metrics["contact_map_distance"] = contact_map_distance(metrics["contact_map"],
                                                               out["ground_truth"]["contact_map"])
        out[name] = metrics
    return out


# ---------------------------------------------------------------------------------------
# Text-to-interaction and reaction


def _text_protocol(task: str, split, evaluator, generators: Sequence[Generator], config: ProtocolConfig,
                   class_names: Sequence[str], progress: Callable[[str], None] | None) -> dict:
    from interx.models.evaluator import TextRef

    say = progress or (lambda message: None)
    official = config.protocol == "official"
    indices = _subset(config, [i for i in range(len(split)) if split.texts[i]])
    n = len(indices)
    notes: list[str] = []
    settings = _adapt(_mm_texts(config), n, n, notes)
    if any(g.regenerates is False for g in generators) and official:
        notes.append("a fixed set of generated motions is evaluated once and its batches resampled (as quick)")
    names = [split.names[i] for i in indices]
    captions = [split.texts[i] for i in indices]
    actions = [int(split.actions[i]) for i in indices]
    lengths = [min(int(split.lengths[i]), config.max_frames) for i in indices]
    items = [split.item(i) for i in indices]
    actors = None
    if task == "reaction":
        who = [split.actors[i] or 0 for i in indices]
        items = [_swap_people(it) if a == 1 else it for it, a in zip(items, who)]
        actors = tuple(split.to_interaction(i).persons[a] for i, a in zip(indices, who))
    say(f"{task}: {n} sequences, {config.protocol} protocol, evaluator {evaluator.name}")

    # Every caption embedded once: caption_rows[k][c] is a row of all_text.
    refs, caption_rows = [], []
    for name, texts in zip(names, captions):
        caption_rows.append([len(refs) + c for c in range(len(texts))])
        refs += [TextRef(t, name, c) for c, t in enumerate(texts)]
    all_text = evaluator.embed_texts(refs)
    fixed_gt = evaluator.embed_motions(items, None)
    stochastic = official and evaluator.stochastic

    def gt_motion(rng):
        return evaluator.embed_motions(items, rng) if stochastic else fixed_gt

    def pick(rng) -> np.ndarray:
        return np.array([c[int(rng.integers(len(c)))] for c in caption_rows])

    def request(rows: np.ndarray, subset: Sequence[int]) -> GenerationRequest:
        return GenerationRequest(
            texts=tuple(refs[rows[k]].caption for k in subset), actions=tuple(actions[k] for k in subset),
            lengths=tuple(lengths[k] for k in subset), names=tuple(names[k] for k in subset),
            actors=None if actors is None else tuple(actors[k].frames(slice(0, lengths[k])) for k in subset))

    groups_class = [class_names[a] if 0 <= a < len(class_names) else str(a) for a in actions]
    row_names = ["ground_truth", "shuffled_texts"] + [g.name for g in generators]
    if len(set(row_names)) != len(row_names):
        raise UsageError(f"row names must differ: {', '.join(row_names)}")
    values = {r: {"r_precision": [], "fid": [], "mm_dist": [], "diversity": [], "multimodality": []}
              for r in row_names}
    by_class = {r: _Tally(settings.top_k) for r in row_names}
    by_length = {r: _Tally(settings.top_k) for r in row_names}
    quick_sets = {}
    first_motions: dict[str, list[np.ndarray]] = {}

    def generate_set(gen: Generator, rows: np.ndarray, rep: int) -> tuple:
        """`score`'s arguments for a generator: text embeddings (n, D), motion embeddings (n, D),
        (m, G, D) MultiModality embeddings or None, the n captions used."""
        pairs, used = _generate(gen, request(rows, range(n)), _seed(config.seed, rep, 2))
        texts = all_text[rows].copy()
        captions_used = [refs[r].caption if u is None else u for r, u in zip(rows, used)]
        changed = [k for k, r in enumerate(rows) if captions_used[k] != refs[r].caption]
        if changed:
            texts[changed] = evaluator.embed_texts([TextRef(captions_used[k], names[k]) for k in changed])
        view_rng = _rng(config.seed, rep, 3) if stochastic else None
        motion = evaluator.embed_motions(pairs, view_rng)
        if rep == 0 and config.interaction:
            first_motions[gen.name] = [_cut(p, config.max_frames) for p in pairs]
        mm = None
        if gen.regenerates:
            chosen = np.sort(_rng(config.seed, rep, 4).choice(n, settings.mm_texts, replace=False))
            repeat = np.repeat(chosen, settings.mm_generations - 1)
            extra, _ = _generate(gen, request(rows, repeat), _seed(config.seed, rep, 5))
            extra_emb = evaluator.embed_motions(extra, view_rng).reshape(len(chosen), settings.mm_generations - 1, -1)
            mm = np.concatenate([motion[chosen][:, None], extra_emb], axis=1)       # (m, G, D)
        return texts, motion, mm, captions_used

    for rep in range(settings.replications):
        rng = _rng(config.seed, rep, 0)
        rows_1 = pick(rng)
        gt_1, gt_2 = gt_motion(rng), gt_motion(rng)
        reference = activation_statistics(_reference(gt_2, settings, rng), settings.embedding_scale)
        say(f"replication {rep + 1}/{settings.replications}")

        def score(row: str, text: np.ndarray, motion: np.ndarray, mm: np.ndarray | None,
                  captions_used: Sequence[str]) -> None:
            result, hits, dists = _matching(text, motion, settings, rng)
            used = result.indices
            values[row]["r_precision"].append(result.r_precision)
            values[row]["mm_dist"].append(result.mm_dist)
            values[row]["fid"].append(_fid_to(reference, motion[used], settings))
            values[row]["diversity"].append(_diversity(motion[used], settings, rng))
            values[row]["multimodality"].append(None if mm is None else
                                                multimodality(mm, settings.mm_pairs, rng=rng))
            by_class[row].add([groups_class[k] for k in used], hits, dists)
            by_length[row].add([granularity(captions_used[k]) for k in used], hits, dists)

        score("ground_truth", all_text[rows_1], gt_1, None, [refs[r].caption for r in rows_1])
        shuffled = rows_1[_derangement(n, rng)]
        score("shuffled_texts", all_text[shuffled], gt_1, None, [refs[r].caption for r in shuffled])
        for gen in generators:
            if official and gen.regenerates:
                score(gen.name, *generate_set(gen, rows_1, rep))
            else:
                if gen.name not in quick_sets:
                    quick_sets[gen.name] = generate_set(gen, pick(_rng(config.seed, 1, 1)), 0)
                score(gen.name, *quick_sets[gen.name])

    report = {
        "protocol": config.protocol,
        "settings": {"task": task, **asdict(settings), "seed": config.seed, "max_frames": config.max_frames,
                     "split": split.name, "sequences": n, "evaluator": evaluator.name,
                     "quick_size": config.quick_size if not official else None,
                     "quick_mm_texts": config.quick_mm_texts if not official else None,
                     "granularity_words": list(GRANULARITY_WORDS), "warnings": notes},
        "rows": {r: _summaries(values[r]) for r in row_names},
        "interaction": {},
        "per_class": {},
        "per_granularity": {r: by_length[r].table(GRANULARITY) for r in row_names},
    }
    present = [groups_class[actions.index(a)] for a in sorted(set(actions))]
    for r in row_names:
        classes = by_class[r].table(present)
        macro = {m: float(np.mean([v[m] for v in classes.values() if v["count"]]))
                 for m in [f"top{k + 1}" for k in range(settings.top_k)] + ["mm_dist"]}
        report["per_class"][r] = {"macro": macro, "classes": classes}
    if config.interaction:
        say("interaction metrics")
        real = [_cut(it, config.max_frames) for it in items]
        references = real if task == "reaction" else None
        report["interaction"] = _interaction_rows(real, {g: first_motions[g] for g in first_motions}, references)
    return report


def evaluate_text2interaction(split, evaluator, generators: Sequence[Generator] = (),
                              config: ProtocolConfig = ProtocolConfig(), class_names: Sequence[str] = (),
                              progress: Callable[[str], None] | None = None) -> dict:
    """The text-to-interaction table (module doc).

    Args:
        split: a cache split (`open_cache(path).split('test')`).
        evaluator: an `interx.models.evaluator.Evaluator`.
        generators: the model rows.
        config: protocol and settings.
        class_names: names of the action classes (per-class keys; default the ids).
        progress: called with a short message at each stage.
    """
    return _text_protocol("text2interaction", split, evaluator, generators, config, class_names, progress)


def evaluate_reaction(split, evaluator, generators: Sequence[Generator] = (),
                      config: ProtocolConfig = ProtocolConfig(), class_names: Sequence[str] = (),
                      progress: Callable[[str], None] | None = None) -> dict:
    """The reaction table: as text-to-interaction with the actor given (P1 of every row), plus contact
    precision/recall/F1 and synchronisation errors against the real reactor in the interaction metrics."""
    return _text_protocol("reaction", split, evaluator, generators, config, class_names, progress)


# ---------------------------------------------------------------------------------------
# Action-to-interaction


def evaluate_action2interaction(split, judge: ActionJudge, generators: Sequence[Generator] = (),
                                config: ProtocolConfig = ProtocolConfig(), class_names: Sequence[str] = (),
                                progress: Callable[[str], None] | None = None) -> dict:
    """The action-to-interaction table on a recogniser's features and predictions (module doc).

    Rows hold top1/top5 (recognition accuracy against the requested label), fid,
    diversity and multimodality; per_class holds each class's top-1 accuracy.
    """
    say = progress or (lambda message: None)
    official = config.protocol == "official"
    indices = _subset(config, list(range(len(split))))
    n = len(indices)
    notes: list[str] = []
    settings = _adapt(_mm_texts(config), n, n, notes)
    names = [split.names[i] for i in indices]
    actions = np.array([int(split.actions[i]) for i in indices])
    lengths = [min(int(split.lengths[i]), config.max_frames) for i in indices]
    items = [split.item(i) for i in indices]
    features, logits = judge.judge(items)
    row_names = ["ground_truth"] + [g.name for g in generators]
    values = {r: {"top1": [], "top5": [], "fid": [], "diversity": [], "multimodality": []} for r in row_names}
    correct = {r: [] for r in row_names}
    first_motions: dict[str, list[np.ndarray]] = {}
    fixed: dict[str, tuple] = {}

    def request(subset) -> GenerationRequest:
        return GenerationRequest(texts=(None,) * len(subset), actions=tuple(int(actions[k]) for k in subset),
                                 lengths=tuple(lengths[k] for k in subset), names=tuple(names[k] for k in subset))

    def generate_set(gen: Generator, rep: int):
        pairs, _ = _generate(gen, request(range(n)), _seed(config.seed, rep, 2))
        feats, logs = judge.judge(pairs)
        if rep == 0 and config.interaction:
            first_motions[gen.name] = [_cut(p, config.max_frames) for p in pairs]
        mm = None
        if gen.regenerates:
            chosen = np.sort(_rng(config.seed, rep, 4).choice(n, settings.mm_texts, replace=False))
            extra, _ = _generate(gen, request(np.repeat(chosen, settings.mm_generations - 1)),
                                 _seed(config.seed, rep, 5))
            extra_feats = judge.judge(extra)[0].reshape(len(chosen), settings.mm_generations - 1, -1)
            mm = np.concatenate([feats[chosen][:, None], extra_feats], axis=1)
        return feats, logs, mm

    say(f"action2interaction: {n} sequences, {config.protocol} protocol, judge {judge.name}")
    for rep in range(settings.replications):
        rng = _rng(config.seed, rep, 0)
        used = rng.permutation(n)[: n // settings.batch_size * settings.batch_size]
        reference = activation_statistics(_reference(features, settings, rng), settings.embedding_scale)
        say(f"replication {rep + 1}/{settings.replications}")

        def score(row: str, feats: np.ndarray, logs: np.ndarray, mm) -> None:
            order = np.argsort(-logs[used], axis=1, kind="stable")
            rank = np.argmax(order == actions[used][:, None], axis=1)
            values[row]["top1"].append(float(np.mean(rank < 1)))
            values[row]["top5"].append(float(np.mean(rank < min(5, logs.shape[1]))))
            values[row]["fid"].append(_fid_to(reference, feats[used], settings))
            values[row]["diversity"].append(_diversity(feats[used], settings, rng))
            values[row]["multimodality"].append(None if mm is None else multimodality(mm, settings.mm_pairs, rng=rng))
            correct[row].append(np.stack([actions[used], rank < 1], axis=1))

        score("ground_truth", features, logits, None)
        for gen in generators:
            if official and gen.regenerates:
                feats, logs, mm = generate_set(gen, rep)
            else:
                if gen.name not in fixed:
                    fixed[gen.name] = generate_set(gen, 0)
                feats, logs, mm = fixed[gen.name]
            score(gen.name, feats, logs, mm)

    per_class = {}
    for r in row_names:
        pooled = np.concatenate(correct[r])
        classes = {}
        for a in np.unique(actions):
            hit = pooled[pooled[:, 0] == a, 1]
            label = class_names[a] if 0 <= a < len(class_names) else str(int(a))
            classes[label] = {"top1": float(hit.mean()) if len(hit) else None, "count": int(len(hit))}
        per_class[r] = {"macro": {"top1": float(np.mean([c["top1"] for c in classes.values() if c["count"]]))},
                        "classes": classes}
    report = {
        "protocol": config.protocol,
        "settings": {"task": "action2interaction", **asdict(settings), "seed": config.seed,
                     "max_frames": config.max_frames, "split": split.name, "sequences": n, "evaluator": judge.name,
                     "warnings": notes},
        "rows": {r: _summaries(values[r]) for r in row_names},
        "interaction": {}, "per_class": per_class, "per_granularity": {},
    }
    if config.interaction:
        say("interaction metrics")
        report["interaction"] = _interaction_rows([_cut(it, config.max_frames) for it in items], first_motions, None)
    return report


# ---------------------------------------------------------------------------------------
# Generators and judges from disk


class FolderGenerator:
    """A folder of generated sequences (Inter-X layout) as a fixed `Generator`.

    Sample i is the folder's sequence named `request.names[i]` (the test
    sequence it was generated for); the first line of its texts file is the
    caption it was generated from (when the folder has texts). Lengths and
    seeds are not used: the folder is what it is (`regenerates` is False).
    """

    regenerates = False

    def __init__(self, root: Path | str, name: str | None = None):
        self.root = Path(root)
        if not (self.root / "motions").is_dir():
            raise UsageError(f"{self.root}: not a folder of generated sequences (no motions/ folder)")
        self.name = name or self.root.name
        self._cache: dict[str, Interaction] = {}

    def generate(self, request: GenerationRequest, seed: int) -> list[Interaction]:
        from interx.data.names import parse_name
        from interx.data.raw import read_interaction

        out = []
        for name in request.names:
            if name not in self._cache:
                parse_name(name)
                folder = self.root / "motions" / name
                if not folder.is_dir():
                    raise DataError(f"no generated sequence {name} (every sequence of the evaluated split is needed)",
                                    self.root / "motions")
                self._cache[name] = read_interaction(folder, self.root)
            out.append(self._cache[name])
        return out


class ModelGenerator:
    """A trained interaction generator run (`interx train generator`) as a `Generator`.

    Args:
        run: the run folder or checkpoint.
        device: where it samples.
        batch_size: samples generated together.
        name: the row name (default: the run folder's name, and the guidance and steps when given).
        guidance, steps: sampling's guidance scale and DDIM steps (None: the model's defaults).
    """

    regenerates = True

    def __init__(self, run: Path | str, device: str = "cpu", batch_size: int = 32, name: str | None = None,
                 guidance: float | None = None, steps: int | None = None):
        from interx.models.generator_train import load_generator

        self.loaded = load_generator(run, device)
        self.batch_size, self.guidance, self.steps = batch_size, guidance, steps
        given = [f"{label} {value:g}" for label, value in (("guidance", guidance), ("steps", steps))
                 if value is not None]
        self.name = name or Path(run).name + (f" ({', '.join(given)})" if given else "")

    def generate(self, request: GenerationRequest, seed: int) -> list[Interaction]:
        from interx.models.generator_sampling import Prompt, SamplingOptions, generate, to_interactions

        actors = request.actors or (None,) * len(request)
        prompts = [Prompt(text=t, action=a, actor=p, frames=None if p is not None else n, source=s)
                   for t, a, p, n, s in zip(request.texts, request.actions, actors, request.lengths, request.names)]
        options = SamplingOptions(num=1, seed=seed, batch_size=self.batch_size, guidance=self.guidance,
                                  steps=self.steps)
        samples = generate(self.loaded, prompts, options)
        return to_interactions(self.loaded, prompts, samples, fps_out=MODEL_FPS)


class RecognizerJudge:
    """A trained recogniser run (`interx train recognizer`) as an `ActionJudge`."""

    def __init__(self, run: Path | str, batch_size: int = 64):
        from interx.models.recognizer_run import load_recognizer

        self.model, _ = load_recognizer(run)
        self.name = str(run)
        self.batch_size = batch_size

    def judge(self, motions: Sequence) -> tuple[np.ndarray, np.ndarray]:
        import torch

        from interx.datasets.recognition import even_frames

        frames = self.model.config.frames
        feats, logits = [], []
        with torch.no_grad():
            for start in range(0, len(motions), self.batch_size):
                chunk = motions[start:start + self.batch_size]
                pairs = np.stack([np.asarray(m.joints)[even_frames(len(m.joints), frames)] for m in chunk])
                emb = self.model.embed(torch.from_numpy(pairs.astype(np.float32)))
                feats.append(emb.numpy())
                logits.append(self.model.classify(emb).numpy())
        return np.concatenate(feats), np.concatenate(logits)
