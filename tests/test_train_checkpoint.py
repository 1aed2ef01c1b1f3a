"""Checkpoints: the JSON is the commit marker, incomplete checkpoints are never trusted, states round-trip."""

from __future__ import annotations

import json

import pytest
import torch

from interx.train.checkpoint import (checkpoint_paths, flatten_optimizer, latest_checkpoint, list_checkpoints,
                                     save_checkpoint, unflatten_optimizer)


def _save(run, step, value=1.0, keep=5):
    return save_checkpoint(run, step, {"model/w": torch.full((3,), value)}, {"config": {"k": step}}, keep=keep)


def test_save_then_load_round_trip(tmp_path):
    checkpoint = _save(tmp_path, 7, 2.5)
    found = latest_checkpoint(tmp_path)
    assert found.step == 7 and found.record["config"] == {"k": 7}
    assert torch.equal(found.group("model")["w"], torch.full((3,), 2.5))
    assert checkpoint.json_path == found.json_path


def test_latest_skips_a_checkpoint_without_its_json(tmp_path):
    _save(tmp_path, 2)
    _save(tmp_path, 4)
    checkpoint_paths(tmp_path, 4)[1].unlink()        # killed between the tensors and the commit marker
    assert latest_checkpoint(tmp_path).step == 2


def test_latest_skips_truncated_tensors_and_broken_json(tmp_path):
    _save(tmp_path, 2)
    _save(tmp_path, 4)
    _save(tmp_path, 6)
    tensors4 = checkpoint_paths(tmp_path, 4)[0]
    tensors4.write_bytes(tensors4.read_bytes()[:-10])
    checkpoint_paths(tmp_path, 6)[1].write_text('{"format": "interx-checkpoint-1", "step": 6, "tens')
    assert [c.step for c in list_checkpoints(tmp_path)] == [2]


def test_a_json_that_names_another_step_is_ignored(tmp_path):
    _save(tmp_path, 2)
    json2 = checkpoint_paths(tmp_path, 2)[1]
    record = json.loads(json2.read_text())
    record["step"] = 3
    checkpoint_paths(tmp_path, 3)[1].write_text(json.dumps(record))
    assert [c.step for c in list_checkpoints(tmp_path)] == [2]


def test_only_the_newest_are_kept(tmp_path):
    for step in (1, 2, 3, 4):
        _save(tmp_path, step, keep=2)
    assert [c.step for c in list_checkpoints(tmp_path)] == [3, 4]
    assert sorted(p.name for p in (tmp_path / "checkpoints").iterdir()) == [
        "step_00000003.json", "step_00000003.safetensors", "step_00000004.json", "step_00000004.safetensors"]


def test_optimizer_state_round_trips_through_tensors_and_json(tmp_path):
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.AdamW(model.parameters(), lr=0.1, betas=(0.8, 0.9))
    model(torch.ones(4, 3)).sum().backward()
    optimizer.step()
    tensors, plain = flatten_optimizer(optimizer.state_dict())
    assert set(tensors) == {f"optim/{i}/{k}" for i in (0, 1) for k in ("step", "exp_avg", "exp_avg_sq")}
    plain = json.loads(json.dumps(plain))                       # must be plain JSON
    restored = torch.optim.AdamW(torch.nn.Linear(3, 2).parameters(), lr=1.0)
    restored.load_state_dict(unflatten_optimizer(tensors, plain))
    assert restored.param_groups[0]["lr"] == pytest.approx(0.1)
    assert restored.param_groups[0]["betas"] == (0.8, 0.9)
    for key, value in optimizer.state_dict()["state"][0].items():
        assert torch.equal(restored.state_dict()["state"][0][key], value)
