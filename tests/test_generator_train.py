"""Training the generator: kill -9 then --resume, checkpoint round trips, configs stored and checked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace

import numpy as np
import pytest
import torch
from generator_fixtures import TEST_CONFIG, interx_command, prepared_run, tiny_cache, trained_run

from interx.errors import DataError, UsageError
from interx.models.generator import GeneratorConfig, InteractionGenerator
from interx.models.generator_train import CONFIG_FILE, load_generator, requested_config
from interx.train.checkpoint import latest_checkpoint
from interx.train.config import load_config


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tmp_path_factory.getbasetemp()


def _training_batch(base, config: GeneratorConfig) -> dict:
    """A collated batch of 4 training items drawn from the tiny cache."""
    from interx.datasets.interaction import GeneratorCollate, InteractionDataset
    from interx.features.cache import open_cache
    from interx.models.generator_train import text_encoder_for

    encoder = text_encoder_for(config, trained_run(base))
    data = InteractionDataset(open_cache(tiny_cache(base)).split("train"), InteractionGenerator(config, 384).rep,
                              config.data)
    return GeneratorCollate(encoder)([data.draw(i, np.random.default_rng(i)) for i in range(4)])


def test_a_training_step_gives_finite_losses_and_gradients_everywhere(base):
    config = replace(TEST_CONFIG, data=replace(TEST_CONFIG.data, task="all"))
    batch = _training_batch(base, config)
    model = InteractionGenerator(config, 384)
    losses = model.training_step(batch, torch.Generator().manual_seed(0))
    assert all(torch.isfinite(v) for v in losses.values())
    losses["loss"].backward()
    assert all(p.grad is not None for p in model.parameters())

    # every step drawn above 700 (high_noise_share 1): the geometric terms, gated at t <= 700, all vanish
    for share, vanish in ((1.0, True), (0.0, False)):
        model = InteractionGenerator(replace(config, high_noise_share=share, high_noise_from=701), 384)
        geometric = [float(model.training_step(batch, torch.Generator().manual_seed(s))["bone"].detach())
                     for s in range(4)]
        assert (max(geometric) == 0.0) == vanish


def test_the_text_class_term_is_the_cross_entropy_of_the_labels_read_from_the_text_vectors(base):
    """With the classifier's weights zero its logits are its bias b for every item, so each labelled text item
    costs logsumexp(b) - b[label]; an item without its text or without a label costs nothing. The term adds
    its weight times that to the loss, changes nothing else, and its gradient reaches only the text's path."""
    config = replace(TEST_CONFIG, data=replace(TEST_CONFIG.data, task="text"),
                     loss=replace(TEST_CONFIG.loss, text_class=0.0))
    batch = _training_batch(base, config)
    batch["use_text"][0] = False
    batch["action"][1] = -1
    plain = InteractionGenerator(config, 384)
    model = InteractionGenerator(replace(config, loss=replace(config.loss, text_class=2.0)), 384)
    model.load_state_dict(plain.state_dict(), strict=False)
    bias = torch.linspace(-1.0, 2.0, config.denoiser.num_actions)
    with torch.no_grad():
        model.text_classifier.weight.zero_()
        model.text_classifier.bias.copy_(bias)
    labels = batch["action"][2:].tolist()
    expected = float(np.mean([torch.logsumexp(bias, 0) - bias[k] for k in labels]))
    assert float(model.text_class_loss(batch).detach()) == pytest.approx(expected, rel=1e-6)
    with_term = model.training_step(batch, torch.Generator().manual_seed(0))
    without = plain.training_step(batch, torch.Generator().manual_seed(0))
    assert float(with_term["loss"] - without["loss"]) == pytest.approx(2.0 * expected, rel=1e-4)
    assert float(with_term["recon"]) == pytest.approx(float(without["recon"]), rel=1e-6)

    # the term trains the text's path into the condition vector and nothing else of the denoiser
    fresh = InteractionGenerator(replace(config, loss=replace(config.loss, text_class=1.0)), 384)
    fresh.text_class_loss(batch).backward()
    for name, param in fresh.denoiser.named_parameters():
        reached = param.grad is not None and bool(param.grad.abs().sum() > 0)
        assert reached == name.startswith(("text_proj", "text_mlp")), name


def test_checkpoint_round_trip_gives_the_ema_weights_and_the_config(base):
    run = trained_run(base)
    checkpoint = latest_checkpoint(run)
    assert checkpoint.step == TEST_CONFIG.train.max_steps
    loaded = load_generator(run)
    ema = checkpoint.group("ema")
    for name, param in loaded.model.named_parameters():
        assert torch.equal(param, ema[name]), name
    raw = load_generator(run, ema=False)
    model = checkpoint.group("model")
    assert torch.equal(raw.model.mean, model["mean"]) and torch.equal(raw.model.std, model["std"])
    assert any(not torch.equal(p, ema[n]) for n, p in raw.model.named_parameters())
    assert loaded.config == load_config(GeneratorConfig, run / CONFIG_FILE)
    assert loaded.config.data.task == "all"


def test_a_checkpoint_with_a_tampered_config_is_refused(base, tmp_path):
    import shutil

    run = tmp_path / "run"
    shutil.copytree(trained_run(base), run)
    json_path = latest_checkpoint(run).json_path
    record = json.loads(json_path.read_text())
    record["config"]["denoiser"]["width"] = "wide"
    json_path.write_text(json.dumps(record))
    with pytest.raises(DataError, match="width"):
        load_generator(json_path)


def test_resuming_with_another_config_is_refused(base):
    run = trained_run(base)
    assert requested_config(run, resume=True) == load_config(GeneratorConfig, run / CONFIG_FILE)
    with pytest.raises(UsageError, match="another config"):
        requested_config(run, "small", resume=True)
    with pytest.raises(UsageError, match="another config"):
        requested_config(run, task="text", resume=True)


def test_kill_9_during_training_then_resume_continues_from_the_last_checkpoint(base):
    cache, run = tiny_cache(base), prepared_run(base, "killed")
    env = {**os.environ, "MKL_CBWR": "COMPATIBLE"}
    script = "import sys; from interx.cli_app import main; sys.exit(main(sys.argv[1:]))"
    args = ["train", "generator", "--data", str(cache), "--out", str(run), "--config", "tiny", "--seed", "1",
            "--checkpoint-every", "3"]
    process = subprocess.Popen([sys.executable, "-c", script, *args, "--max-steps", "100000"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, env=env)
    deadline = time.monotonic() + 240
    while latest_checkpoint(run) is None:
        assert process.poll() is None, process.communicate()[1].decode()[-2000:]
        assert time.monotonic() < deadline, "no checkpoint within 4 minutes"
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.communicate()
    step = latest_checkpoint(run).step
    assert step % 3 == 0 and step > 0
    resumed = interx_command(*args, "--max-steps", str(step + 4), "--resume")
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert f"resumed from step {step}" in resumed.stdout
    assert latest_checkpoint(run).step == step + 4
    log = [json.loads(line) for line in (run / "log.jsonl").read_text().splitlines()]
    assert [r["step"] for r in log if "loss" in r][-1] == step + 4
