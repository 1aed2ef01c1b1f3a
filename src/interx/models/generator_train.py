"""Training the interaction generator on a cache, and loading a trained one.

Run folder:

```
RUN/
  config.json                   the GeneratorConfig (plain JSON, checked on load)
  stats.npz                     mean, std (D,) of the representation over the train split
  text_embeddings.safetensors   every training text encoded once (`interx.text.cache`)
  log.jsonl                     training and validation losses
  checkpoints/step_N.{safetensors,json}   (`interx.train.checkpoint`)
```

`train_generator` resolves the config (a fresh run takes the one given; a
resumed run takes RUN/config.json, where only `max_steps` and
`checkpoint_every` may change), prepares statistics and text encodings once
(each process computes the same; rank 0 writes them) and hands the model to
`interx.train.fit`. `load_generator` rebuilds a trained generator from a
checkpoint, weights only, with its EMA weights by default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from interx.data.safe_io import read_npz, write_npz
from interx.datasets.interaction import GeneratorCollate, InteractionDataset
from interx.errors import DataError, UsageError
from interx.features.model_repr import ModelRepresentation, representation_moments
from interx.models.generator import GeneratorConfig, InteractionGenerator, preset
from interx.text.cache import CachedTextEncoder
from interx.train.checkpoint import Checkpoint, read_checkpoint, latest_checkpoint
from interx.train.config import config_from_dict, config_to_dict, load_config, save_config
from interx.train.loop import FitResult, TrainObserver, fit

CONFIG_FILE = "config.json"
STATS_FILE = "stats.npz"
TEXT_STORE = "text_embeddings.safetensors"


def launcher_rank() -> int:
    """This process's rank as the launcher (torchrun, SLURM) set it; 0 when run alone."""
    return int(os.environ.get("RANK", os.environ.get("SLURM_PROCID", "0")))


def requested_config(run_dir: Path | str, name: str | None = None, task: str | None = None, seed: int | None = None,
                     balanced: bool | None = None, resume: bool = False) -> GeneratorConfig:
    """The config a command line asks for: a preset (default tiny) with the given changes.

    When resuming a run that has RUN/config.json, that config is the answer, and
    asking for a different preset, task, seed or sampling is refused (UsageError).
    """
    config = preset(name or "tiny")
    if task is not None:
        config = replace(config, data=replace(config.data, task=task))
    train_changes = {k: v for k, v in (("seed", seed), ("balanced", balanced)) if v is not None}
    if train_changes:
        config = replace(config, train=replace(config.train, **train_changes))
    stored_path = Path(run_dir) / CONFIG_FILE
    if not (resume and stored_path.is_file()):
        return config
    stored = load_config(GeneratorConfig, stored_path)
    explicit = any(v is not None for v in (name, task, seed, balanced))
    loop = ("max_steps", "checkpoint_every")
    same = replace(config, train=replace(config.train, **{k: getattr(stored.train, k) for k in loop})) == stored
    if explicit and not same:
        raise UsageError(f"{run_dir} was started with another config; resume it without --config/--task/--seed/"
                         "--balanced, or train into another --out")
    return stored


def resolve_config(run_dir: Path, requested: GeneratorConfig, resume: bool, max_steps: int | None,
                   checkpoint_every: int | None) -> GeneratorConfig:
    """The run's config: the stored one when resuming (only the loop length and checkpoint period may change)."""
    path = run_dir / CONFIG_FILE
    config = load_config(GeneratorConfig, path) if resume and path.is_file() else requested
    changes = {k: v for k, v in (("max_steps", max_steps), ("checkpoint_every", checkpoint_every)) if v is not None}
    return replace(config, train=replace(config.train, **changes)) if changes else config


def text_encoder_for(config: GeneratorConfig, run_dir: Path | None = None, device: str = "cpu") -> CachedTextEncoder:
    """The run's cached text encoder, holding RUN/text_embeddings.safetensors when present."""
    encoder = CachedTextEncoder(config.text_encoder, config.denoiser.text_tokens, device=device)
    if run_dir is not None and (run_dir / TEXT_STORE).is_file():
        encoder.load(run_dir / TEXT_STORE)
    return encoder


def _statistics(run_dir: Path, dataset: InteractionDataset, rep: ModelRepresentation) -> tuple[np.ndarray, np.ndarray]:
    path = run_dir / STATS_FILE
    if path.is_file():
        stats = read_npz(path)
        if stats.get("mean", np.zeros(0)).shape == (rep.dim,) and stats.get("std", np.zeros(0)).shape == (rep.dim,):
            return stats["mean"], stats["std"]
        raise DataError(f"statistics do not fit the representation ({rep.dim} features)", path)
    windows = (window for position in range(len(dataset)) for window in dataset.windows(position))
    moments = representation_moments(windows, rep, mirrored=dataset.config.mirror_prob > 0)
    mean, std = moments.mean.astype(np.float32), moments.std.astype(np.float32)
    actors_known = sum(dataset.split.actors[i] is not None for i in dataset.indices)
    if launcher_rank() == 0:
        write_npz(path, {"mean": mean, "std": std, "count": np.array(moments.count, dtype=np.int64),
                         "actors_known": np.array(actors_known, dtype=np.int64)})
    return mean, std


def samples_name_the_actor(config: GeneratorConfig, run_dir: Path) -> bool:
    """Whether the run's samples have the actor as P1: trained actor first on data that named some actors.

    A run from before RUN/stats.npz counted the known actors is taken to have had them.
    """
    path = run_dir / STATS_FILE
    if not config.data.actor_first:
        return False
    known = read_npz(path).get("actors_known") if path.is_file() else None
    return known is None or int(known) > 0


def train_generator(cache_path: Path | str, run_dir: Path | str, config: GeneratorConfig, *, resume: bool = False,
                    max_steps: int | None = None, checkpoint_every: int | None = None,
                    observer: TrainObserver | None = None) -> FitResult:
    """Train (or resume) a generator on a cache's train split, validating on its val split.

    Args:
        cache_path: a cache folder (`interx.features.cache`).
        run_dir: the run folder (module doc).
        config: the config of a fresh run (a resumed run uses RUN/config.json).
        resume: continue from the last complete checkpoint (none: start fresh).
        max_steps, checkpoint_every: override the config's loop length / checkpoint period.
        observer: progress reports (`interx.train.ConsoleProgress`).
    """
    from interx.features.cache import open_cache

    run_dir = Path(run_dir)
    config = resolve_config(run_dir, config, resume, max_steps, checkpoint_every)
    cache = open_cache(cache_path)
    rep = ModelRepresentation(config.hands)
    train_set = InteractionDataset(cache.split("train"), rep, config.data)
    if len(train_set) == 0:
        raise UsageError(f"{cache_path}: the train split has no sequence of at least {config.data.min_frames} frames")
    val_set = None
    if "val" in cache.splits:
        val_set = InteractionDataset(cache.split("val"), rep, replace(config.data, mirror_prob=0.0))
        val_set = val_set if len(val_set) else None
    rank0 = launcher_rank() == 0
    run_dir.mkdir(parents=True, exist_ok=True)
    if rank0:
        save_config(run_dir / CONFIG_FILE, config)
    mean, std = _statistics(run_dir, train_set, rep)
    encoder = text_encoder_for(config, run_dir, "cuda" if torch.cuda.is_available() else "cpu")
    texts = [] if config.data.task == "action" else \
        train_set.texts() + (val_set.texts() if val_set is not None else [])
    if encoder.add(texts) and rank0:
        encoder.save(run_dir / TEXT_STORE)
    dim = encoder.dim
    return fit(lambda: InteractionGenerator(config, dim, mean, std), train_set, GeneratorCollate(encoder),
               config.train, run_dir, val_set=val_set, run_config=config_to_dict(config), resume=resume,
               observer=observer)


@dataclass
class LoadedGenerator:
    """A trained generator ready to sample: the model (eval mode), its config, text encoder and checkpoint."""

    model: InteractionGenerator
    config: GeneratorConfig
    text_encoder: CachedTextEncoder
    checkpoint: Checkpoint
    run_dir: Path
    actor_first: bool = False
    """Its samples have the actor as P1 (`samples_name_the_actor`)."""


def find_checkpoint(path: Path | str) -> Checkpoint:
    """The checkpoint a user named: a run folder (its newest complete checkpoint) or a checkpoint's .json."""
    path = Path(path)
    if path.is_file() and path.suffix == ".json":
        found = read_checkpoint(path) if path.parent.name == "checkpoints" else None
        if found is None:
            raise DataError("not a complete checkpoint", path)
        return found
    if not path.is_dir():
        raise UsageError(f"{path}: no such run folder or checkpoint")
    found = latest_checkpoint(path)
    if found is None:
        raise DataError("no complete checkpoint in this run folder", path)
    return found


def load_generator(path: Path | str, device: str | torch.device = "cpu", ema: bool = True) -> LoadedGenerator:
    """Rebuild a trained generator from a run folder or checkpoint (safetensors only; config checked).

    Args:
        path: run folder or checkpoint JSON.
        device: where to put the model.
        ema: use the EMA weights when the checkpoint has them.
    """
    checkpoint = find_checkpoint(path)
    config = config_from_dict(GeneratorConfig, checkpoint.record.get("config"), "checkpoint config")
    tensors = checkpoint.tensors()
    state = {k[len("model/"):]: v for k, v in tensors.items() if k.startswith("model/")}
    key = "denoiser.text_proj.weight"
    if key not in state:
        raise DataError("checkpoint holds no generator weights", checkpoint.tensors_path)
    model = InteractionGenerator(config, int(state[key].shape[1]))
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise DataError(f"checkpoint does not fit the generator ({len(missing)} missing, {len(unexpected)} "
                        f"unexpected tensors)", checkpoint.tensors_path)
    averaged = {k[len("ema/"):]: v for k, v in tensors.items() if k.startswith("ema/")}
    if ema and averaged:
        with torch.no_grad():
            for name, param in model.named_parameters():
                param.copy_(averaged[name])
    model.to(device).eval()
    run_dir = checkpoint.json_path.parent.parent
    return LoadedGenerator(model, config, text_encoder_for(config, run_dir, str(device)), checkpoint, run_dir,
                           samples_name_the_actor(config, run_dir))
