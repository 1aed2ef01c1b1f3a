"""The training loop: exact resume, refusal to clobber a run, EMA, DDP over 2 CPU processes (gloo)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from train_toy import Points, Regression, collate, train_plain

from interx.errors import UsageError
from interx.train.checkpoint import latest_checkpoint
from interx.train.loop import TrainConfig, fit

CONFIG = TrainConfig(max_steps=6, batch_size=4, lr=0.05, warmup_steps=2, checkpoint_every=3, val_every=3,
                     val_batches=1, log_every=1, ema_decay=0.9, seed=3)


def _train(run, max_steps, resume=False):
    config = TrainConfig(**{**CONFIG.__dict__, "max_steps": max_steps})
    return fit(lambda: Regression(noise=0.1), Points(), collate, config, run, val_set=Points(8, 1), resume=resume)


def test_a_resumed_run_ends_bit_identical_to_an_uninterrupted_one(tmp_path):
    straight = _train(tmp_path / "a", 6)
    first = _train(tmp_path / "b", 3)
    assert (first.step, first.resumed) == (3, False)
    resumed = _train(tmp_path / "b", 6, resume=True)
    assert (resumed.start_step, resumed.resumed, resumed.step) == (3, True, 6)
    a, b = latest_checkpoint(tmp_path / "a").tensors(), latest_checkpoint(tmp_path / "b").tensors()
    assert a.keys() == b.keys() and any(k.startswith("ema/") for k in a) and any(k.startswith("optim/") for k in a)
    for key in a:
        assert torch.equal(a[key], b[key]), key
    assert straight.metrics["val_loss"] == resumed.metrics["val_loss"]
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r] == [1, 2, 3, 4, 5, 6]


def test_resume_without_a_checkpoint_starts_fresh_and_a_finished_run_is_not_clobbered(tmp_path):
    result = _train(tmp_path, 2, resume=True)
    assert (result.start_step, result.resumed) == (0, False)
    with pytest.raises(UsageError, match="--resume"):
        _train(tmp_path, 4)


def test_ema_follows_the_weights_with_its_decay(tmp_path):
    _train(tmp_path, 1)
    checkpoint = latest_checkpoint(tmp_path)
    ema, model = checkpoint.group("ema"), checkpoint.group("model")
    torch.manual_seed(CONFIG.seed)
    initial = dict(Regression().named_parameters())
    for name, value in ema.items():  # one update: ema = 0.9 * initial + 0.1 * weights
        assert torch.allclose(value, 0.9 * initial[name].detach() + 0.1 * model[name], atol=1e-7)


def test_balanced_sampling_needs_labels(tmp_path):
    class Unlabelled:
        points = Points()
        __len__ = lambda self: len(self.points)  # noqa: E731
        __getitem__ = lambda self, i: self.points[i]  # noqa: E731

    config = TrainConfig(max_steps=1, batch_size=2, balanced=True)
    fit(Regression, Points(), collate, config, tmp_path / "ok")
    with pytest.raises(UsageError, match="labels"):
        fit(Regression, Unlabelled(), collate, config, tmp_path / "no")


def test_two_cpu_processes_under_torchrun_train_like_one_process_with_both_batches(tmp_path):
    script = Path(__file__).with_name("train_toy.py")
    env = {**os.environ, "MKL_CBWR": "COMPATIBLE", "OMP_NUM_THREADS": "1",
           "PYTHONPATH": os.pathsep.join([str(script.parent), os.environ.get("PYTHONPATH", "")])}
    ddp = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                          str(script), str(tmp_path / "ddp"), "4", "3"], capture_output=True, text=True, env=env,
                         timeout=300)
    assert ddp.returncode == 0, ddp.stderr[-3000:]
    one = train_plain(tmp_path / "one", 8, 3)                             # the same global batches
    ranks = [json.loads((tmp_path / "ddp" / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["step"] == ranks[1]["step"] == 3
    assert ranks[0]["weight"] == ranks[1]["weight"]                       # the ranks agree
    weight = latest_checkpoint(tmp_path / "one").group("model")["linear.weight"]
    assert torch.allclose(torch.tensor(ranks[0]["weight"]), weight, atol=1e-5)
    assert latest_checkpoint(tmp_path / "ddp").record["world_size"] == 2
    assert ranks[0]["val_loss"] == pytest.approx(one.metrics["val_loss"], rel=1e-4)
