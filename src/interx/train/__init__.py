"""The one training machinery every model uses.

Public surface (imported lazily, so `import interx.train` stays light):

- `fit(build_model, train_set, collate, config, run_dir, val_set=, run_config=, resume=, observer=)`
  trains a `TrainableModel` (`loop.py`: the protocol, `TrainConfig`, `lr_at`, EMA);
- `ConsoleProgress` (`progress.py`): the observer the `interx train ...` commands pass;
- checkpoints (`checkpoint.py`): `latest_checkpoint`, `list_checkpoints`, `Checkpoint`;
- configs (`config.py`): `config_to_dict`, `config_from_dict`, `save_config`, `load_config`;
- sampling (`interx.datasets.samplers`): `StepBatchSampler`, `class_weights`, `Draw`.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "fit": "loop", "TrainConfig": "loop", "TrainableModel": "loop", "TrainObserver": "loop",
    "FitResult": "loop", "lr_at": "loop", "ExponentialMovingAverage": "loop",
    "ConsoleProgress": "progress",
    "Checkpoint": "checkpoint", "latest_checkpoint": "checkpoint", "list_checkpoints": "checkpoint",
    "config_to_dict": "config", "config_from_dict": "config", "save_config": "config", "load_config": "config",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(importlib.import_module(f"interx.train.{_EXPORTS[name]}"), name)
    raise AttributeError(f"module 'interx.train' has no attribute {name!r}")
