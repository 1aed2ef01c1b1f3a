"""The one training machinery every model uses: a short loop hosted by Lightning Fabric.

What a model provides (`TrainableModel`): an `nn.Module` with

    training_step(batch, generator) -> {"loss": scalar tensor, other named scalars ...}
    validation_step(batch, generator) -> {"loss": ..., ...}

(the loss lives beside the model; `generator` is the step's torch.Generator for
all sampling: noise, timesteps, condition dropout). What a dataset provides: a
map-style dataset (`__len__`, `__getitem__(index)`); if it has
`draw(index, rng)` training calls that instead, with an `np.random.Generator`
seeded for that draw (augmentation); if it has `labels` (one int per item),
`balanced=True` samples classes evenly. `collate` turns a list of items into a
batch (tensors are moved to the device by the loop).

What `fit` does, top to bottom: build Fabric (one CPU, one GPU, DDP under
`torchrun` or SLURM, multi-node: the same call; devices and nodes come from the
launcher's environment); find the last complete checkpoint when resuming; build
the model under the run's seed; AdamW with weight decay on matrices only; the
learning rate a pure function of the step (`lr_at`); then one flat loop: batch,
loss, backward, gradient clipping, optimizer step, EMA update, logging,
periodic validation (on EMA weights), periodic checkpoints (`checkpoint.py`).

Randomness is a pure function of (seed, rank, step): the step's generator and
torch's global generator (dropout) are reseeded every step, and the batches
come from `StepBatchSampler`. So a run resumed from step N continues exactly as
the uninterrupted run would have (same batches, same noise, same weights on the
same hardware and process count), and checkpoints hold no RNG state to restore.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import torch
from torch import nn

from interx.datasets.samplers import Draw, StepBatchSampler, class_weights
from interx.errors import UsageError
from interx.train.checkpoint import (Checkpoint, checkpoint_paths, flatten_optimizer, latest_checkpoint,
                                    save_checkpoint, unflatten_optimizer)

LOG_FILE = "log.jsonl"


@dataclass(frozen=True)
class TrainConfig:
    """Settings of the training loop (model-independent)."""

    max_steps: int = 100_000
    """Optimizer steps to train for (a resumed run continues up to this step)."""
    batch_size: int = 32
    """Items per step on each process (the global batch is batch_size x processes)."""
    lr: float = 1e-4
    """Peak learning rate (AdamW)."""
    weight_decay: float = 2e-5
    """AdamW weight decay, applied to weight matrices only (not biases, norms)."""
    betas: tuple[float, float] = (0.9, 0.999)
    """AdamW betas."""
    warmup_steps: int = 1000
    """Linear warm-up from 0 to `lr` over these steps."""
    decay_steps: int | None = None
    """Cosine decay from `lr` to `lr * min_lr_ratio` ends at this step (None: at max_steps)."""
    min_lr_ratio: float = 0.1
    """Floor of the cosine decay as a fraction of `lr`."""
    grad_clip: float = 0.5
    """Clip the global gradient norm to this (0 disables)."""
    ema_decay: float = 0.999
    """Decay of the exponential moving average of the weights (0 keeps no EMA)."""
    precision: Literal["auto", "32-true", "16-mixed", "bf16-mixed"] = "auto"
    """Numeric precision: 'auto' is bf16-mixed on GPUs that support it, 16-mixed on other GPUs, 32-true on CPU."""
    accelerator: Literal["auto", "cpu", "gpu"] = "auto"
    """Where to train: 'auto' uses a GPU when there is one."""
    checkpoint_every: int = 1000
    """Write a checkpoint every this many steps (and always at the last step)."""
    keep_checkpoints: int = 2
    """How many complete checkpoints to keep in RUN/checkpoints."""
    val_every: int = 1000
    """Compute the validation loss every this many steps (0: never; also at the last step)."""
    val_batches: int = 16
    """At most this many validation batches per process."""
    log_every: int = 10
    """Report the training loss every this many steps."""
    num_workers: int = 0
    """DataLoader worker processes per training process."""
    balanced: bool = False
    """Class-balanced sampling (needs a dataset with `labels`)."""
    find_unused_parameters: bool = False
    """DDP: tolerate parameters that get no gradient in a step (slower)."""
    seed: int = 0
    """Seed of everything random in the run (initial weights, batches, noise)."""


class TrainableModel(Protocol):
    """What `fit` trains: an nn.Module with its loss beside it (see the module doc)."""

    def training_step(self, batch: Any, generator: torch.Generator) -> dict[str, torch.Tensor]: ...

    def validation_step(self, batch: Any, generator: torch.Generator) -> dict[str, torch.Tensor]: ...


class TrainObserver(Protocol):
    """Receives progress on rank 0 (a progress bar, a log); every method is optional to act on."""

    def started(self, step: int, max_steps: int, resumed: bool) -> None: ...

    def stepped(self, step: int, metrics: dict[str, float]) -> None: ...

    def validated(self, step: int, metrics: dict[str, float]) -> None: ...

    def checkpointed(self, step: int, path: Path) -> None: ...

    def finished(self, step: int) -> None: ...


@dataclass
class FitResult:
    """What a finished `fit` reports."""

    step: int                       # the last step trained (== max_steps)
    start_step: int                 # where this call started (0, or the resumed step)
    resumed: bool                   # a checkpoint was found and loaded
    checkpoint: Path | None         # JSON of the last checkpoint written or loaded
    metrics: dict[str, float] = field(default_factory=dict)  # last training and validation metrics


def lr_at(step: int, config: TrainConfig) -> float:
    """Learning rate at `step`: linear warm-up, then cosine decay to `lr * min_lr_ratio`."""
    if config.warmup_steps > 0 and step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    end = config.decay_steps if config.decay_steps is not None else config.max_steps
    span = max(end - config.warmup_steps, 1)
    progress = min(max(step - config.warmup_steps, 0) / span, 1.0)
    floor = config.lr * config.min_lr_ratio
    return floor + 0.5 * (config.lr - floor) * (1.0 + math.cos(math.pi * progress))


def step_seed(seed: int, rank: int, step: int, stream: int = 0) -> int:
    """The seed of one step's randomness on one rank (63-bit)."""
    state = np.random.SeedSequence([seed, rank, step, stream]).generate_state(1, np.uint64)[0]
    return int(state >> np.uint64(1))


# ---------------------------------------------------------------------------------------
# Pieces of the loop


class ExponentialMovingAverage:
    """EMA of a module's floating parameters (buffers are copied): ema = d * ema + (1 - d) * w."""

    def __init__(self, module: nn.Module, decay: float):
        self.decay = decay
        self.names = [n for n, p in module.named_parameters()]
        self.params = [p.detach().clone().float() for _, p in module.named_parameters()]

    def update(self, module: nn.Module) -> None:
        with torch.no_grad():
            current = [p.detach().float() for _, p in module.named_parameters()]
            torch._foreach_lerp_(self.params, current, 1.0 - self.decay)

    def state(self) -> dict[str, torch.Tensor]:
        return dict(zip(self.names, self.params))

    def load(self, tensors: dict[str, torch.Tensor]) -> None:
        missing = [n for n in self.names if n not in tensors]
        if missing:
            raise UsageError(f"checkpoint EMA lacks {len(missing)} parameters (first: {missing[0]})")
        for name, target in zip(self.names, self.params):
            target.copy_(tensors[name])

    def to(self, device: torch.device) -> None:
        self.params = [p.to(device) for p in self.params]

    @contextlib.contextmanager
    def applied(self, module: nn.Module):
        """Within the block, `module` holds the EMA weights; its own are restored after."""
        saved = [p.detach().clone() for p in module.parameters()]
        with torch.no_grad():
            for p, e in zip(module.parameters(), self.params):
                p.copy_(e)
        try:
            yield module
        finally:
            with torch.no_grad():
                for p, s in zip(module.parameters(), saved):
                    p.copy_(s)


class _DrawDataset(torch.utils.data.Dataset):
    """Turns a `Draw` into an item: `dataset.draw(index, rng)` when available, else `dataset[index]`."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, key: Draw):
        if hasattr(self.dataset, "draw"):
            return self.dataset.draw(key.index, np.random.default_rng(key.seed))
        return self.dataset[key.index]


def _launcher_layout() -> tuple[int, int]:
    """(devices per node, nodes) as the launcher (torchrun, SLURM) set them; (1, 1) when run alone."""
    env = os.environ
    if "LOCAL_WORLD_SIZE" in env and "WORLD_SIZE" in env:
        local, world = int(env["LOCAL_WORLD_SIZE"]), int(env["WORLD_SIZE"])
        return local, max(world // max(local, 1), 1)
    if "SLURM_NTASKS" in env and int(env.get("SLURM_NTASKS", "1")) > 1 and "SLURM_NNODES" in env:
        nodes = int(env["SLURM_NNODES"])
        return int(env["SLURM_NTASKS"]) // nodes, nodes
    return 1, 1


def make_fabric(config: TrainConfig):
    """A launched Lightning Fabric for this process (see `_launcher_layout`)."""
    from lightning.fabric import Fabric
    from lightning.fabric.strategies import DDPStrategy

    gpu = torch.cuda.is_available() and config.accelerator != "cpu"
    if config.accelerator == "gpu" and not torch.cuda.is_available():
        raise UsageError("accelerator 'gpu' asked for, but torch sees no GPU")
    precision = config.precision
    if precision == "auto":
        precision = ("bf16-mixed" if torch.cuda.is_bf16_supported() else "16-mixed") if gpu else "32-true"
    devices, nodes = _launcher_layout()
    strategy: Any = "auto"
    if devices * nodes > 1:
        strategy = DDPStrategy(find_unused_parameters=config.find_unused_parameters,
                               process_group_backend="nccl" if gpu else "gloo")
    fabric = Fabric(accelerator="cuda" if gpu else "cpu", devices=devices, num_nodes=nodes, strategy=strategy,
                    precision=precision)
    fabric.launch()
    return fabric


def _param_groups(module: nn.Module, weight_decay: float) -> list[dict]:
    decay = [p for p in module.parameters() if p.requires_grad and p.dim() >= 2]
    rest = [p for p in module.parameters() if p.requires_grad and p.dim() < 2]
    return [{"params": decay, "weight_decay": weight_decay}, {"params": rest, "weight_decay": 0.0}]


def _mean_metrics(fabric, metrics: list[dict[str, torch.Tensor]]) -> dict[str, float]:
    """Mean of each named scalar over the given steps and over all processes."""
    if not metrics:
        return {}
    names = sorted(metrics[0])
    stacked = torch.stack([torch.stack([m[n].detach().float() for n in names]) for m in metrics]).mean(0)
    stacked = fabric.all_reduce(stacked, reduce_op="mean")
    return {n: float(v) for n, v in zip(names, stacked.cpu())}


def _append_log(run_dir: Path, record: dict) -> None:
    with open(run_dir / LOG_FILE, "a", encoding="utf-8") as fp:
        fp.write(json.dumps(record) + "\n")


# ---------------------------------------------------------------------------------------
# The loop


def fit(build_model: Callable[[], nn.Module], train_set, collate: Callable[[Sequence], Any],
        config: TrainConfig, run_dir: Path | str, *, val_set=None, run_config: dict | None = None,
        resume: bool = False, observer: TrainObserver | None = None) -> FitResult:
    """Train a `TrainableModel` built by `build_model()` (see the module doc).

    Args:
        build_model: returns the model (called once, under the run's seed).
        train_set, val_set: map-style datasets (val_set optional).
        collate: list of items -> batch.
        config: loop settings.
        run_dir: the run folder (checkpoints in RUN/checkpoints, metrics in RUN/log.jsonl).
        run_config: the run's whole config as plain JSON, stored in every checkpoint.
        resume: continue from the last complete checkpoint (none: start fresh).
            Without `resume`, a run folder that already holds checkpoints is refused.
        observer: progress reports (rank 0 only).

    Returns:
        FitResult (every process returns one).
    """
    run_dir = Path(run_dir)
    found = latest_checkpoint(run_dir)
    if found is not None and not resume:
        raise UsageError(f"{run_dir} already holds checkpoints up to step {found.step}; "
                         "pass --resume to continue it or choose another output folder")
    checkpoint = found if resume else None
    start = checkpoint.step if checkpoint else 0
    if config.max_steps <= 0:
        raise UsageError(f"max_steps must be positive, not {config.max_steps}")

    fabric = make_fabric(config)
    rank, world = fabric.global_rank, fabric.world_size
    run_dir.mkdir(parents=True, exist_ok=True)
    observer = observer if rank == 0 else None
    if val_set is not None and len(val_set) < world:
        raise UsageError(f"the validation set has {len(val_set)} items, fewer than the {world} processes")

    torch.manual_seed(config.seed)
    module = build_model()
    optimizer = torch.optim.AdamW(_param_groups(module, config.weight_decay), lr=config.lr, betas=config.betas)
    ema = ExponentialMovingAverage(module, config.ema_decay) if config.ema_decay > 0 else None
    if checkpoint is not None:
        _restore(checkpoint, module, optimizer, ema)
    model, optimizer = fabric.setup(module, optimizer)
    model.mark_forward_method("training_step")
    model.mark_forward_method("validation_step")
    if ema is not None:
        ema.to(fabric.device)

    weights = None
    if config.balanced:
        if not hasattr(train_set, "labels"):
            raise UsageError("balanced sampling needs a dataset with class labels")
        weights = class_weights(train_set.labels)
    sampler = StepBatchSampler(len(train_set), config.batch_size, config.seed, rank, world, start, weights)
    loader = torch.utils.data.DataLoader(_DrawDataset(train_set), batch_sampler=sampler, collate_fn=collate,
                                         num_workers=config.num_workers,
                                         persistent_workers=config.num_workers > 0)
    batches = iter(loader)
    generator = torch.Generator(device=fabric.device)

    if observer:
        observer.started(start, config.max_steps, checkpoint is not None)
    result = FitResult(step=start, start_step=start, resumed=checkpoint is not None,
                       checkpoint=checkpoint.json_path if checkpoint else None)
    window: list[dict[str, torch.Tensor]] = []
    model.train()
    for step in range(start, config.max_steps):
        generator.manual_seed(step_seed(config.seed, rank, step, 0))
        torch.manual_seed(step_seed(config.seed, rank, step, 1))
        batch = fabric.to_device(next(batches))
        lr = lr_at(step, config)
        for group in optimizer.param_groups:
            group["lr"] = lr
        losses = model.training_step(batch, generator)
        fabric.backward(losses["loss"])
        if config.grad_clip > 0:
            fabric.clip_gradients(model, optimizer, max_norm=config.grad_clip, error_if_nonfinite=False)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        if ema is not None:
            ema.update(module)
        window.append({k: v.detach() for k, v in losses.items()})
        done = step + 1
        last = done == config.max_steps
        if done % config.log_every == 0 or last:
            metrics = {**_mean_metrics(fabric, window), "lr": lr}
            window = []
            result.metrics.update(metrics)
            if observer:
                observer.stepped(done, metrics)
            if rank == 0:
                _append_log(run_dir, {"step": done, **metrics})
        if val_set is not None and ((config.val_every and done % config.val_every == 0) or last):
            metrics = _validate(fabric, model, module, ema, val_set, collate, config)
            result.metrics.update(metrics)
            if observer:
                observer.validated(done, metrics)
            if rank == 0:
                _append_log(run_dir, {"step": done, **metrics})
            model.train()
        if done % config.checkpoint_every == 0 or last:
            path = _save(fabric, run_dir, done, module, optimizer, ema, config, run_config, result.metrics)
            result.checkpoint = path
            if observer:
                observer.checkpointed(done, path)
        result.step = done
    if observer:
        observer.finished(result.step)
    return result


def _validate(fabric, model, module, ema, val_set, collate, config: TrainConfig) -> dict[str, float]:
    """Mean validation losses (EMA weights when kept) over a fixed shard of the validation set."""
    rank, world = fabric.global_rank, fabric.world_size
    limit = min(len(val_set), config.val_batches * config.batch_size * world)
    indices = list(range(rank, limit, world))
    generator = torch.Generator(device=fabric.device)
    generator.manual_seed(step_seed(config.seed, rank, 0, 2))
    model.eval()
    metrics = []
    with (ema.applied(module) if ema is not None else contextlib.nullcontext()), torch.no_grad():
        for start in range(0, len(indices), config.batch_size):
            batch = collate([val_set[i] for i in indices[start:start + config.batch_size]])
            losses = model.validation_step(fabric.to_device(batch), generator)
            metrics.append({k: v.detach() for k, v in losses.items()})
    return {f"val_{k}": v for k, v in _mean_metrics(fabric, metrics).items()}


def _restore(checkpoint: Checkpoint, module: nn.Module, optimizer, ema) -> None:
    tensors = checkpoint.tensors()
    model_state = {k[6:]: v for k, v in tensors.items() if k.startswith("model/")}
    missing, unexpected = module.load_state_dict(model_state, strict=False)
    if missing or unexpected:
        first = (missing or unexpected)[0]
        raise UsageError(f"{checkpoint.tensors_path}: checkpoint does not fit the model "
                         f"({len(missing)} missing, {len(unexpected)} unexpected tensors, e.g. {first})")
    optim = {k: v for k, v in tensors.items() if k.startswith("optim/")}
    optimizer.load_state_dict(unflatten_optimizer(optim, checkpoint.record["optimizer"]))
    if ema is not None:
        ema_state = {k[4:]: v for k, v in tensors.items() if k.startswith("ema/")}
        ema.load(ema_state if ema_state else dict(module.named_parameters()))


def _save(fabric, run_dir: Path, step: int, module: nn.Module, optimizer, ema, config: TrainConfig,
          run_config: dict | None, metrics: dict[str, float]) -> Path:
    """Write a checkpoint on rank 0 (every process gathers optimizer state; all wait for the write)."""
    from interx.train.config import config_to_dict

    if fabric.global_rank == 0:
        tensors = {f"model/{k}": v for k, v in module.state_dict().items()}
        optim_tensors, optim_plain = flatten_optimizer(optimizer.state_dict())
        tensors.update(optim_tensors)
        if ema is not None:
            tensors.update({f"ema/{k}": v for k, v in ema.state().items()})
        record = {
            "config": run_config if run_config is not None else {},
            "train": config_to_dict(config),
            "optimizer": optim_plain,
            "scheduler": {"name": "warmup_cosine", "step": step, "lr": lr_at(step, config)},
            "rng": {"scheme": "per-step reseed from (seed, rank, step)", "seed": config.seed},
            "world_size": fabric.world_size,
            "metrics": metrics,
        }
        save_checkpoint(run_dir, step, tensors, record, keep=config.keep_checkpoints)
    fabric.barrier()
    return checkpoint_paths(run_dir, step)[1]
