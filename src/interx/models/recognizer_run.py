"""Recogniser runs: the run config, training with `interx.train`, loading, scoring a cache split.

A run folder holds `config.json` (a `RecognizerRunConfig` as plain JSON) and the
checkpoints of `interx.train` (each also records the config). Class-balanced
sampling is `train.balanced` (`--balanced` on the command line).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch

from interx.datasets.recognition import RecognitionSet, collate_recognition
from interx.errors import UsageError
from interx.models.recognizer import InteractionRecognizer, RecognizerConfig
from interx.train.config import config_from_dict, config_to_dict, load_config, save_config
from interx.train.loop import TrainConfig

CONFIG_FILE = "config.json"

RECOGNIZER_TRAIN = TrainConfig(max_steps=4000, batch_size=32, lr=5e-4, weight_decay=1e-2, warmup_steps=200,
                               min_lr_ratio=0.05, grad_clip=1.0, ema_decay=0.995, checkpoint_every=1000,
                               val_every=500, val_batches=8, log_every=50)
"""Default loop settings of recogniser training."""


@dataclass(frozen=True)
class RecognizerRunConfig:
    """Everything a recogniser run is made of (stored as RUN/config.json and in every checkpoint)."""

    model: RecognizerConfig = field(default_factory=RecognizerConfig)
    """The network."""
    train: TrainConfig = RECOGNIZER_TRAIN
    """Loop settings (steps, batch, learning rate, class-balanced sampling, checkpoints, seed)."""


PRESETS: dict[str, RecognizerRunConfig] = {
    "default": RecognizerRunConfig(),
    "tiny": RecognizerRunConfig(model=RecognizerConfig(frames=16, width=16, layers=1, heads=2, embed_dim=16),
                                train=replace(RECOGNIZER_TRAIN, max_steps=20, batch_size=8, warmup_steps=0,
                                              checkpoint_every=10, val_every=10, val_batches=1, log_every=5)),
}
"""Named run configs: 'default', 'tiny' (seconds; smoke tests)."""


def train_recognizer(cache, run_dir: Path | str, config: RecognizerRunConfig = RecognizerRunConfig(), *,
                     resume: bool = False, observer=None):
    """Train the recogniser on a cache's train split (val split for the validation loss and accuracy).

    Args:
        cache: an opened `interx.features.cache.Cache`.
        run_dir: the run folder (created); its config.json is written first.
        config: the run's settings; the number of classes must cover the cache's labels.
        resume: continue from the last complete checkpoint (same model settings required).
        observer: progress reports (`interx.train.ConsoleProgress`).

    Returns:
        `interx.train.FitResult`.
    """
    from interx.train.loop import fit

    run_dir = Path(run_dir)
    stored = run_dir / CONFIG_FILE
    if resume and stored.is_file() and load_config(RecognizerRunConfig, stored).model != config.model:
        raise UsageError(f"{run_dir} was trained with other model settings; pass the same options to resume it")
    train_set = RecognitionSet(cache.split("train"), config.model.frames, config.model.joints)
    if not len(train_set):
        raise UsageError(f"{cache.path}: the train split is empty")
    if max(train_set.labels) >= config.model.num_classes:
        raise UsageError(f"the cache has class {max(train_set.labels)}, the model only "
                         f"{config.model.num_classes} classes")
    val_set = None
    if "val" in cache.splits and len(cache.split("val")):
        val_set = RecognitionSet(cache.split("val"), config.model.frames, config.model.joints)
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(stored, config)
    return fit(lambda: InteractionRecognizer(config.model), train_set, collate_recognition, config.train, run_dir,
               val_set=val_set, run_config=config_to_dict(config), resume=resume, observer=observer)


def load_recognizer(run_dir: Path | str) -> tuple[InteractionRecognizer, RecognizerRunConfig]:
    """The trained recogniser of a run (EMA weights when kept; evaluation mode) and its config."""
    from interx.train.checkpoint import latest_checkpoint

    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise UsageError(f"{run_dir}: no complete checkpoint (is this a recogniser run folder?)")
    config = config_from_dict(RecognizerRunConfig, checkpoint.record.get("config"), f"{checkpoint.json_path}")
    model = InteractionRecognizer(config.model)
    state = checkpoint.group("model")
    try:
        model.load_state_dict({**state, **checkpoint.group("ema")})
    except RuntimeError as exc:
        raise UsageError(f"{checkpoint.tensors_path}: checkpoint does not fit the recogniser "
                         f"({str(exc).splitlines()[0]})") from None
    return model.eval(), config


def score_split(model: InteractionRecognizer, split, batch_size: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """Logits (N, C) float32 and embeddings (N, D) float32 of every sequence of a cache split (in order)."""
    samples = RecognitionSet(split, model.config.frames, model.config.joints)
    logits, embeddings = [], []
    model.eval()
    with torch.no_grad():
        for start in range(0, len(samples), batch_size):
            batch = collate_recognition([samples[i] for i in range(start, min(start + batch_size, len(samples)))])
            emb = model.embed(batch["pairs"])
            embeddings.append(emb)
            logits.append(model.classify(emb))
    if not logits:
        return np.zeros((0, model.config.num_classes), np.float32), np.zeros((0, model.config.embed_dim), np.float32)
    return torch.cat(logits).numpy(), torch.cat(embeddings).numpy()
