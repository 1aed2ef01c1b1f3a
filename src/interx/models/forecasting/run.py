"""Forecaster runs: the run config, building models by name, training with `interx.train`, loading.

A run folder (RUN) holds `config.json` (a `ForecasterRunConfig` as plain JSON)
and the checkpoints of `interx.train` (each also records the config, so a
checkpoint describes itself). Names of models in reports: `zero_velocity`,
`constant_velocity` (the baselines), and `run_name(config)`: `stsgcn`,
`transformer` or `transformer_independent`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

import numpy as np
import torch

from interx.datasets.forecast import ForecastProtocol, ForecastWindows, collate_windows
from interx.errors import UsageError
from interx.models.forecasting.base import Forecaster
from interx.models.forecasting.baselines import ConstantVelocity, ZeroVelocity
from interx.models.forecasting.losses import ForecastLossConfig
from interx.models.forecasting.stsgcn import StsGcnConfig, TwoPersonStsGcn
from interx.models.forecasting.transformer import JointTokenTransformer, TransformerConfig
from interx.train.config import config_from_dict, config_to_dict, load_config, save_config
from interx.train.loop import TrainConfig

CONFIG_FILE = "config.json"
BASELINES = {"zero_velocity": ZeroVelocity, "constant_velocity": ConstantVelocity}
MODELS = ("stsgcn", "transformer")
NORMALISATION_WINDOWS = 4096  # training windows (evenly spread) that input statistics are taken from

FORECAST_TRAIN = TrainConfig(max_steps=6000, batch_size=64, lr=1e-3, weight_decay=1e-4, warmup_steps=200,
                             min_lr_ratio=0.05, grad_clip=1.0, ema_decay=0.995, checkpoint_every=1000,
                             val_every=1000, val_batches=8, log_every=50)
"""Default loop settings of forecaster training (small models, a few minutes on a CPU)."""


@dataclass(frozen=True)
class ForecasterRunConfig:
    """Everything a forecaster run is made of (stored as RUN/config.json and in every checkpoint)."""

    model: Literal["stsgcn", "transformer"] = "transformer"
    """Which network: the two-person STS-GCN or the joint-token transformer."""
    stsgcn: StsGcnConfig = field(default_factory=StsGcnConfig)
    """STS-GCN size (used when model is 'stsgcn')."""
    transformer: TransformerConfig = field(default_factory=TransformerConfig)
    """Transformer size and the `independent` switch (used when model is 'transformer')."""
    protocol: ForecastProtocol = field(default_factory=ForecastProtocol)
    """Window sizes and joint set."""
    loss: ForecastLossConfig = field(default_factory=ForecastLossConfig)
    """Loss weights."""
    augment: bool = True
    """Training windows swap the two people and mirror left/right at random (`ForecastWindows`)."""
    train: TrainConfig = FORECAST_TRAIN
    """Loop settings (steps, batch, learning rate, checkpoints, seed)."""


PRESETS: dict[str, ForecasterRunConfig] = {
    "default": ForecasterRunConfig(),
    "tiny": ForecasterRunConfig(stsgcn=StsGcnConfig(channels=(8,), temporal_layers=1),
                                transformer=TransformerConfig(width=16, layers=1, heads=2, dct_in=10, dct_out=10),
                                train=replace(FORECAST_TRAIN, max_steps=20, batch_size=8, warmup_steps=0,
                                              checkpoint_every=10, val_every=10, val_batches=1, log_every=5)),
}
"""Named run configs: 'default' (the benchmark's), 'tiny' (seconds; smoke tests)."""


def run_name(config: ForecasterRunConfig) -> str:
    """The model's row name in reports: 'stsgcn', 'transformer' or 'transformer_independent'."""
    if config.model == "transformer" and config.transformer.independent:
        return "transformer_independent"
    return config.model


def build_forecaster(config: ForecasterRunConfig) -> Forecaster:
    """A freshly initialised network for the run config (uses torch's global generator)."""
    if config.model == "stsgcn":
        return TwoPersonStsGcn(config.protocol, config.stsgcn, config.loss)
    return JointTokenTransformer(config.protocol, config.transformer, config.loss)


def baseline(name: str, protocol: ForecastProtocol = ForecastProtocol()) -> Forecaster:
    """The baseline called `name` ('zero_velocity' or 'constant_velocity')."""
    if name not in BASELINES:
        raise UsageError(f"no baseline {name!r}; choose from {', '.join(BASELINES)}")
    return BASELINES[name](protocol)


def _same_model(a: ForecasterRunConfig, b: ForecasterRunConfig) -> bool:
    return replace(a, train=FORECAST_TRAIN) == replace(b, train=FORECAST_TRAIN)


def train_forecaster(cache, run_dir: Path | str, config: ForecasterRunConfig = ForecasterRunConfig(), *,
                     resume: bool = False, observer=None):
    """Train a forecaster on a cache's train windows (val windows for the validation loss).

    Before the first step the model's input statistics are taken from up to
    `NORMALISATION_WINDOWS` training windows spread evenly over the split.

    Args:
        cache: an opened `interx.features.cache.Cache`.
        run_dir: the run folder (created); its config.json is written first.
        config: the run's settings.
        resume: continue from the last complete checkpoint (the stored config must
            name the same model, protocol and loss; loop settings may differ).
        observer: progress reports (`interx.train.ConsoleProgress`).

    Returns:
        `interx.train.FitResult`.
    """
    from interx.train.loop import fit

    run_dir = Path(run_dir)
    stored = run_dir / CONFIG_FILE
    if resume and stored.is_file() and not _same_model(load_config(ForecasterRunConfig, stored), config):
        raise UsageError(f"{run_dir} was trained with another model, protocol or loss; "
                         "pass the same options to resume it")
    train_set = ForecastWindows(cache.split("train"), config.protocol, augment=config.augment)
    if len(train_set) == 0:
        raise UsageError(f"{cache.path}: the train split has no sequence of {config.protocol.window} frames")
    val_set = None
    if "val" in cache.splits:
        val_set = ForecastWindows(cache.split("val"), config.protocol)
        val_set = val_set if len(val_set) else None
    run_dir.mkdir(parents=True, exist_ok=True)
    save_config(stored, config)
    sample = np.linspace(0, len(train_set) - 1, min(len(train_set), NORMALISATION_WINDOWS)).astype(np.int64)

    def build() -> Forecaster:
        model = build_forecaster(config)
        model.fit_normalisation(collate_windows([train_set[int(i)] for i in sample])["history"])
        return model

    return fit(build, train_set, collate_windows, config.train, run_dir, val_set=val_set,
               run_config=config_to_dict(config), resume=resume, observer=observer)


def load_forecaster(run_dir: Path | str) -> tuple[Forecaster, ForecasterRunConfig]:
    """The trained forecaster of a run (EMA weights when kept; evaluation mode) and its config."""
    from interx.train.checkpoint import latest_checkpoint

    checkpoint = latest_checkpoint(run_dir)
    if checkpoint is None:
        raise UsageError(f"{run_dir}: no complete checkpoint (is this a forecaster run folder?)")
    config = config_from_dict(ForecasterRunConfig, checkpoint.record.get("config"), f"{checkpoint.json_path}")
    model = build_forecaster(config)
    state = checkpoint.group("model")
    ema = checkpoint.group("ema")
    try:
        model.load_state_dict(state)
        if ema:
            model.load_state_dict({**state, **ema})
    except RuntimeError as exc:
        raise UsageError(f"{checkpoint.tensors_path}: checkpoint does not fit the {config.model} model "
                         f"({str(exc).splitlines()[0]})") from None
    return model.eval(), config


def forecast(model: Forecaster, history: np.ndarray, batch_size: int = 256) -> np.ndarray:
    """Predict many windows: history (B, observe, 2, J, 3) -> future (B, predict, 2, J, 3) float32 numpy."""
    out = [model.predict(torch.from_numpy(np.ascontiguousarray(history[i:i + batch_size], dtype=np.float32)))
           for i in range(0, len(history), batch_size)]
    if not out:
        return np.zeros((0, model.protocol.predict) + tuple(history.shape[2:]), np.float32)
    return torch.cat(out).numpy()
