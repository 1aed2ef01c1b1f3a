"""Training the project's contrastive evaluator (`interx train evaluator`) on `interx.train`.

Items (`EvaluatorItems`): one per sequence of a cache split with at least one
caption. `draw` (training) takes a random caption, a random window of
`max_frames` from longer sequences (when `random_window`) and mirrors the pair
left <-> right with `mirror_prob` (joints reflected through x = 0 with left and
right joints exchanged; the caption edited by `interx.text.swap_left_right`).
`__getitem__` (validation) takes caption i mod (number of captions), the first
window and no mirroring. People are never swapped: the evaluator is symmetric
in them by construction (`evaluator_contrastive`).

Sentence embeddings of every caption (and of its mirrored form) are computed
once and kept in RUN/texts.safetensors (`interx.text.CachedTextEncoder`), so a
resumed run and the evaluation protocols do not encode them again.

After training, `retrieval_metrics` scores the final (EMA) weights on the
validation split: R-precision top-1..3 and MM-Dist in shuffled batches of 32
(the official procedure, one pass), and text-to-motion retrieval top-1/top-5
over the whole split; they are written to RUN/retrieval.json.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from interx.body.joints import MIRROR
from interx.data.safe_io import write_json
from interx.errors import UsageError
from interx.eval.embedding import distance_matrix, matching_over_set
from interx.models.evaluator import TextRef
from interx.models.evaluator_contrastive import (FEATURE_DIM, TEXT_STORE, ContrastiveEvaluator, EvaluatorRunConfig,
                                                 TextMotionEncoder, collate_features, load_contrastive_evaluator,
                                                 pair_features)
from interx.text.edit import swap_left_right
from interx.train.config import config_to_dict, save_config

CONFIG_FILE = "config.json"
RETRIEVAL_FILE = "retrieval.json"


def mirror_joints(joints: np.ndarray) -> np.ndarray:
    """(..., 55, 3) joints reflected through the x = 0 plane, left and right joints exchanged."""
    out = np.asarray(joints)[..., MIRROR, :].copy()
    out[..., 0] *= -1.0
    return out


class EvaluatorItems(torch.utils.data.Dataset):
    """Training/validation items of one cache split (module doc).

    Args:
        split: an opened `CacheSplit`.
        config: the run config (window, stride, augmentation).
        text_ids: caption -> integer id (equal captions, equal ids: the loss's positives).
        sentences: caption -> (text_dim,) float32 frozen sentence embedding.
    """

    def __init__(self, split, config: EvaluatorRunConfig, text_ids: dict[str, int], sentences: dict[str, np.ndarray]):
        self.split, self.config = split, config
        self.indices = [i for i in range(len(split)) if split.texts[i]]
        if not self.indices:
            raise UsageError(f"split {split.name} has no sequence with a caption")
        self.text_ids, self.sentences = text_ids, sentences
        self.labels = [int(split.actions[i]) for i in self.indices]

    def __len__(self) -> int:
        return len(self.indices)

    def _item(self, index: int, caption: str, start: int, mirror: bool) -> dict:
        joints = np.asarray(self.split.joints(index))
        if mirror:
            joints, caption = mirror_joints(joints), swap_left_right(caption)
        model = self.config.model
        return {"features": pair_features(joints, model.max_frames, model.stride, start),
                "text": self.sentences[caption], "text_id": self.text_ids[caption]}

    def __getitem__(self, position: int) -> dict:
        index = self.indices[position]
        texts = self.split.texts[index]
        return self._item(index, texts[position % len(texts)], 0, False)

    def draw(self, position: int, rng: np.random.Generator) -> dict:
        index = self.indices[position]
        texts = self.split.texts[index]
        caption = texts[int(rng.integers(len(texts)))]
        spare = int(self.split.lengths[index]) - self.config.model.max_frames
        start = int(rng.integers(spare + 1)) if self.config.random_window and spare > 0 else 0
        return self._item(index, caption, start, bool(rng.random() < self.config.mirror_prob))


def collate_items(items: Sequence[dict]) -> dict:
    features, mask = collate_features([it["features"] for it in items])
    return {"features": features, "mask": mask,
            "text": torch.from_numpy(np.stack([it["text"] for it in items])).float(),
            "text_id": torch.tensor([it["text_id"] for it in items], dtype=torch.int64)}


def feature_statistics(items: EvaluatorItems, count: int) -> tuple[np.ndarray, np.ndarray]:
    """Mean and std (198,) of the features of the first `count` items, each also mirrored."""
    model = items.config.model
    rows = []
    for position in range(min(count, len(items))):
        joints = np.asarray(items.split.joints(items.indices[position]))
        for pair in (joints, mirror_joints(joints)):
            rows.append(pair_features(pair, model.max_frames, model.stride).reshape(-1, FEATURE_DIM))
    stacked = np.concatenate(rows)
    return stacked.mean(0).astype(np.float32), np.maximum(stacked.std(0), 1e-3).astype(np.float32)


def _captions(splits) -> list[str]:
    """Every caption of the splits and its mirrored form, in first-seen order."""
    seen: dict[str, None] = {}
    for split in splits:
        for texts in split.texts:
            for t in texts:
                seen.setdefault(t, None)
                seen.setdefault(swap_left_right(t), None)
    return list(seen)


@dataclass
class EvaluatorTraining:
    """What `train_evaluator` reports."""

    step: int
    resumed: bool
    checkpoint: Path | None
    retrieval: dict | None


def retrieval_metrics(evaluator: ContrastiveEvaluator, split, seed: int = 0, batch_size: int = 32) -> dict:
    """R-precision/MM-Dist in shuffled batches (one pass) and whole-split retrieval on a cache split (module doc).

    Uses each sequence's first caption and first window.
    """
    indices = [i for i in range(len(split)) if split.texts[i]]
    if len(indices) < 2:
        raise UsageError(f"split {split.name} has {len(indices)} captioned sequences; retrieval needs 2")
    text = evaluator.embed_texts([TextRef(split.texts[i][0], split.names[i], 0) for i in indices])
    cfg = evaluator.model.config
    motion = evaluator.embed_streams([pair_features(split.joints(i), cfg.max_frames, cfg.stride) for i in indices])
    batch = min(batch_size, len(indices))
    matching = matching_over_set(text, motion, batch, min(3, batch), rng=np.random.default_rng(seed))
    dist = distance_matrix(text, motion)
    rank = np.sum(dist < np.diagonal(dist)[:, None], axis=1)
    out = {"split": split.name, "sequences": len(indices), "batch_size": batch,
           **{f"top{k + 1}": float(v) for k, v in enumerate(matching.r_precision)},
           "mm_dist": matching.mm_dist,
           "retrieval_top1": float(np.mean(rank < 1)), "retrieval_top5": float(np.mean(rank < 5)),
           "chance_top1": 1.0 / batch}
    return out


def train_evaluator(cache, run_dir: Path | str, config: EvaluatorRunConfig = EvaluatorRunConfig(), *,
                    resume: bool = False, observer=None) -> EvaluatorTraining:
    """Train the contrastive evaluator on a cache's train split (validation on val when it has captions).

    Args:
        cache: an opened `interx.features.cache.Cache`.
        run_dir: the run folder (config.json, checkpoints/, texts.safetensors, retrieval.json).
        config: the run's settings.
        resume: continue from the last complete checkpoint.
        observer: progress reports (`interx.train.ConsoleProgress`).
    """
    from interx.text import CachedTextEncoder
    from interx.train.loop import fit

    run_dir = Path(run_dir)
    train_split = cache.split("train")
    val_split = cache.split("val") if "val" in cache.splits else None
    if val_split is not None and sum(1 for t in val_split.texts if t) < 2:
        val_split = None
    texts = CachedTextEncoder(config.model.text_encoder)
    store = run_dir / TEXT_STORE
    if store.is_file():
        texts.load(store)
    captions = _captions([s for s in (train_split, val_split) if s is not None])
    if texts.add(captions) or not store.is_file():
        run_dir.mkdir(parents=True, exist_ok=True)
        texts.save(store)
    if texts.dim != config.model.text_dim:
        config = replace(config, model=replace(config.model, text_dim=texts.dim))
    text_ids = {c: i for i, c in enumerate(captions)}
    sentences = {c: texts.entry(c)[0].numpy() for c in captions}
    train_items = EvaluatorItems(train_split, config, text_ids, sentences)
    val_items = EvaluatorItems(val_split, config, text_ids, sentences) if val_split is not None else None
    mean, std = feature_statistics(train_items, config.stats_items)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(run_dir / CONFIG_FILE, config)
    result = fit(lambda: TextMotionEncoder(config.model, mean, std), train_items, collate_items, config.train,
                 run_dir, val_set=val_items, run_config=config_to_dict(config), resume=resume, observer=observer)
    retrieval = None
    if val_split is not None:
        retrieval = retrieval_metrics(load_contrastive_evaluator(run_dir), val_split, seed=config.train.seed)
        write_json(run_dir / RETRIEVAL_FILE, retrieval)
    return EvaluatorTraining(result.step, result.resumed, result.checkpoint, retrieval)
