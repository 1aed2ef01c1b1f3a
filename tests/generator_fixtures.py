"""Shared, built-once material for the generator's tests: a tiny cache, its text store, a trained tiny run.

Each builder writes under pytest's session base folder and returns the existing
result on later calls, so the whole session pays for it once however many test
modules ask.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from fixtures_release import write_tiny_release

from interx.datasets.interaction import GeneratorDataConfig
from interx.models.diffusion.denoiser import DenoiserConfig
from interx.models.generator import GeneratorConfig, preset
from interx.train.loop import TrainConfig

TEST_CONFIG: GeneratorConfig = replace(
    preset("tiny"),
    denoiser=DenoiserConfig(width=32, layers=1, heads=2, ff_mult=2, dropout=0.0, text_tokens=8, max_frames=32),
    data=GeneratorDataConfig(max_frames=32, min_frames=8),
    train=TrainConfig(max_steps=4, batch_size=4, lr=1e-3, warmup_steps=2, ema_decay=0.9, checkpoint_every=2,
                      val_every=2, val_batches=1, log_every=1),
)


STORE_TOKENS = 32  # the text store keeps enough tokens for every preset


def _once(folder: Path, build) -> Path:
    """`folder` built by build(tmp) into a temporary sibling and renamed into place (first call only)."""
    if not folder.exists():
        tmp = folder.with_name(folder.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        build(tmp)
        tmp.rename(folder)
    return folder


def tiny_cache(base: Path) -> Path:
    """A cache (neutral bodies) of the tiny test release: 12 sequences of 25 frames at 30 fps."""
    from interx.features.cache import build_cache

    def build(tmp: Path) -> None:
        write_tiny_release(tmp / "release")
        build_cache(tmp / "release", tmp / "cache", neutral=True)

    return _once(base / "generator_cache", build) / "cache"


@functools.lru_cache(maxsize=1)
def bundled_encoder():
    """The bundled sentence encoder, loaded once per test session."""
    from interx.text.encoder import load_text_encoder

    return load_text_encoder("minilm", STORE_TOKENS)


def text_store(base: Path) -> Path:
    """The bundled encoder's store of every text of the tiny cache (mirrored ones too) and a few prompts."""
    from interx.datasets.interaction import InteractionDataset
    from interx.features.cache import open_cache
    from interx.features.model_repr import ModelRepresentation
    from interx.models.generator_train import TEXT_STORE
    from interx.text.cache import CachedTextEncoder

    def build(tmp: Path) -> None:
        cache = open_cache(tiny_cache(base))
        texts = ["two people shake hands", "the left person waves with the right hand"]
        for split in cache.splits:
            texts += InteractionDataset(cache.split(split), ModelRepresentation(), TEST_CONFIG.data).texts()
        encoder = CachedTextEncoder(TEST_CONFIG.text_encoder, STORE_TOKENS, loader=bundled_encoder)
        encoder.add(texts)
        encoder.save(tmp / TEXT_STORE)

    return _once(base / "generator_text_store", build) / "text_embeddings.safetensors"


def prepared_run(base: Path, name: str, config: GeneratorConfig = TEST_CONFIG) -> Path:
    """A fresh run folder holding the text store (so training never loads the encoder)."""
    from interx.models.generator_train import TEXT_STORE

    run = base / name
    run.mkdir(parents=True)
    shutil.copy(text_store(base), run / TEXT_STORE)
    return run


def trained_run(base: Path) -> Path:
    """A generator trained for TEST_CONFIG's 4 steps on the tiny cache, task 'all'."""
    from interx.models.generator_train import train_generator

    def build(tmp: Path) -> None:
        run = prepared_run(tmp, "run")
        train_generator(tiny_cache(base), run, replace(TEST_CONFIG, data=replace(TEST_CONFIG.data, task="all")))

    return _once(base / "generator_trained", build) / "run"


def interx_command(*args: str, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run `interx ARGS` in a fresh process (the project's venv, MKL_CBWR=COMPATIBLE)."""
    env = {**os.environ, "MKL_CBWR": "COMPATIBLE"}
    script = "import sys; from interx.cli_app import main; sys.exit(main(sys.argv[1:]))"
    return subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, env=env,
                          timeout=timeout, **kwargs)
