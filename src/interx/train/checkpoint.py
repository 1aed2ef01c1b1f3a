"""Checkpoints: tensors in safetensors, everything else in JSON, written atomically.

A checkpoint at optimizer step N is two files in `RUN/checkpoints/`:

| file | content |
| --- | --- |
| `step_<N:08d>.safetensors` | every tensor: `model/<name>` (parameters and buffers), `ema/<name>` (EMA weights, when kept), `optim/<param index>/<key>` (optimizer state, e.g. AdamW's exp_avg) |
| `step_<N:08d>.json` | `format`, `step`, the tensors file's name and size, `config` (the run's config as plain JSON), `optimizer` (param groups and non-tensor state), `scheduler` (name, step, lr), `rng` (how randomness is derived), `world_size`, `metrics` |

The tensors file is written first and the JSON last (each through a temporary
file and `os.replace`), so the JSON is the commit marker: a checkpoint whose JSON
is missing, unreadable or names a tensors file of another size is never
trusted, and a run killed at any point resumes from the last complete one.
Loading reads tensors with `safetensors` only: no pickle is ever loaded.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from interx.data.safe_io import atomic_path, read_text_bytes, write_json
from interx.errors import DataError

FORMAT = "interx-checkpoint-1"
CHECKPOINT_DIR = "checkpoints"
_NAME = re.compile(r"^step_(\d{8})\.json$")


@dataclass(frozen=True)
class Checkpoint:
    """One complete checkpoint on disk: its step, JSON record and tensors file."""

    step: int
    record: dict
    tensors_path: Path
    json_path: Path

    def tensors(self, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """All tensors of the checkpoint (safetensors, weights only)."""
        from safetensors.torch import load_file

        try:
            return load_file(str(self.tensors_path), device=str(device))
        except Exception as exc:  # safetensors raises its own error types
            raise DataError(f"unreadable checkpoint tensors ({exc})", self.tensors_path) from None

    def group(self, prefix: str, device: str | torch.device = "cpu") -> dict[str, torch.Tensor]:
        """Tensors under `prefix/` with the prefix removed (e.g. 'model', 'ema')."""
        start = prefix + "/"
        return {k[len(start):]: v for k, v in self.tensors(device).items() if k.startswith(start)}


def checkpoint_paths(run_dir: Path | str, step: int) -> tuple[Path, Path]:
    """(tensors path, JSON path) of the checkpoint at `step` in a run folder."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    return folder / f"step_{step:08d}.safetensors", folder / f"step_{step:08d}.json"


def flatten_optimizer(state: dict) -> tuple[dict[str, torch.Tensor], dict]:
    """An optimizer `state_dict()` split into tensors `optim/<i>/<key>` and a JSON-ready rest."""
    tensors, plain_state = {}, {}
    for index, entries in state["state"].items():
        for key, value in entries.items():
            if torch.is_tensor(value):
                tensors[f"optim/{index}/{key}"] = value
            else:
                plain_state.setdefault(str(index), {})[key] = value
    groups = [{k: (list(v) if isinstance(v, tuple) else v) for k, v in g.items()} for g in state["param_groups"]]
    return tensors, {"param_groups": groups, "state": plain_state}


def unflatten_optimizer(tensors: dict[str, torch.Tensor], plain: dict) -> dict:
    """Inverse of `flatten_optimizer`: a dict `optimizer.load_state_dict` accepts."""
    state: dict[int, dict[str, Any]] = {}
    for key, value in tensors.items():
        _, index, name = key.split("/", 2)
        state.setdefault(int(index), {})[name] = value
    for index, entries in plain.get("state", {}).items():
        state.setdefault(int(index), {}).update(entries)
    groups = [{k: (tuple(v) if k == "betas" else v) for k, v in g.items()} for g in plain["param_groups"]]
    return {"state": state, "param_groups": groups}


def save_checkpoint(run_dir: Path | str, step: int, tensors: dict[str, torch.Tensor], record: dict,
                    keep: int = 2) -> Checkpoint:
    """Write a checkpoint (tensors first, then the JSON commit marker); keep the newest `keep` ones.

    Args:
        tensors: name -> tensor (moved to CPU and made contiguous here).
        record: JSON-ready fields (config, optimizer, scheduler, rng, metrics ...);
            `format`, `step`, `tensors` and `tensors_bytes` are added.
        keep: how many complete checkpoints to keep (older ones are removed, JSON first).
    """
    from safetensors.torch import save_file

    tensors_path, json_path = checkpoint_paths(run_dir, step)
    cpu = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    with atomic_path(tensors_path) as tmp:
        save_file(cpu, str(tmp), metadata={"format": FORMAT, "step": str(step)})
    record = {"format": FORMAT, "step": step, "tensors": tensors_path.name,
              "tensors_bytes": tensors_path.stat().st_size, **record}
    write_json(json_path, record)
    checkpoint = Checkpoint(step, record, tensors_path, json_path)
    for old in list_checkpoints(run_dir)[:-keep] if keep > 0 else []:
        old.json_path.unlink(missing_ok=True)
        old.tensors_path.unlink(missing_ok=True)
    return checkpoint


def _read_record(json_path: Path) -> dict | None:
    try:
        record = json.loads(read_text_bytes(json_path, max_bytes=16 * 2**20).decode("utf-8"))
    except (DataError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return record if isinstance(record, dict) else None


def read_checkpoint(json_path: Path) -> Checkpoint | None:
    """The checkpoint named by `json_path` when it is complete and consistent, else None."""
    step = int(_NAME.match(json_path.name).group(1))
    record = _read_record(json_path)
    if record is None or record.get("format") != FORMAT or record.get("step") != step:
        return None
    tensors_path, _ = checkpoint_paths(json_path.parent.parent, step)
    if record.get("tensors") != tensors_path.name or not tensors_path.is_file():
        return None
    if tensors_path.stat().st_size != record.get("tensors_bytes"):
        return None
    return Checkpoint(step, record, tensors_path, json_path)


def list_checkpoints(run_dir: Path | str) -> list[Checkpoint]:
    """Complete checkpoints of a run, oldest first (incomplete or foreign files are ignored)."""
    folder = Path(run_dir) / CHECKPOINT_DIR
    if not folder.is_dir():
        return []
    found = [read_checkpoint(p) for p in sorted(folder.iterdir()) if _NAME.match(p.name)]
    return sorted((c for c in found if c is not None), key=lambda c: c.step)


def latest_checkpoint(run_dir: Path | str) -> Checkpoint | None:
    """The newest complete checkpoint of a run, or None."""
    found = list_checkpoints(run_dir)
    return found[-1] if found else None
