"""Generation speed: seconds per generated interaction, and training samples per second.

Sampling is timed through `interx.models.generator_sampling.generate` (batching,
noise, DDIM loop with classifier-free guidance, decoding to features) for text
prompts: 150 frames (5 s at 30 fps), 50 DDIM steps, guidance 3.5 on the text (two
denoiser passes per step, batched), at batch 1 and batch 32, for the `tiny` and
`small` presets (`paper` with --paper: a GPU job). The prompts are encoded
once before timing (the bundled sentence encoder; a run keeps every encoding it
made), so the figures are the model's. Weights are random (speed does not
depend on them); normalisation is the identity.

Wall seconds are the figure; CPU seconds of the process are printed beside
them (on a machine shared with other jobs the wall time inflates, the CPU time
much less). Training is timed as whole optimizer steps of `interx.train.fit`'s work
(forward with the losses, backward, clipping, AdamW, EMA) of `tiny` (or the presets
named by --train-presets) at the preset's batch, on batches of 150-frame windows with
text conditions, after 3 warm-up steps; on a GPU under bf16 autocast, as training's
`precision="auto"` runs there.

Run (without MKL_CBWR, which slows torch's matrix products several times over; on a
quiet machine: with other jobs on the same cores, OpenMP's two threads wait on each
other and small matrix products get ten times slower, where --threads 1 does not):
    python benchmarks/generation_speed.py [--presets tiny small] [--paper] [--train-presets tiny]
        [--device cpu|cuda] [--threads N]
"""

from __future__ import annotations

import argparse
import time
from dataclasses import replace

import numpy as np
import torch

from interx.models.generator import InteractionGenerator, preset
from interx.models.generator_sampling import Prompt, SamplingOptions, generate
from interx.models.generator_train import LoadedGenerator
from interx.text.cache import CachedTextEncoder
from interx.train.loop import ExponentialMovingAverage

FRAMES = 150
STEPS = 50
PROMPT = "The two people walk towards each other and shake their right hands."


def loaded_generator(name: str, encoder: CachedTextEncoder, device: str) -> LoadedGenerator:
    config = preset(name)
    torch.manual_seed(0)
    model = InteractionGenerator(config, encoder.dim).to(device).eval()
    return LoadedGenerator(model, config, encoder, checkpoint=None, run_dir=None)


def seconds_per_sample(loaded: LoadedGenerator, batch: int) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) per sample."""
    options = SamplingOptions(num=batch, steps=STEPS, frames=FRAMES, guidance=3.5, batch_size=batch)
    generate(loaded, [Prompt(text=PROMPT)], replace(options, num=1, steps=2))      # warm-up
    start, cpu = time.perf_counter(), time.process_time()
    generate(loaded, [Prompt(text=PROMPT)], options)
    return (time.perf_counter() - start) / batch, (time.process_time() - cpu) / batch


def training_samples_per_second(name: str, encoder: CachedTextEncoder, device: str, steps: int = 10) -> float:
    config = preset(name)
    torch.manual_seed(0)
    model = InteractionGenerator(config, encoder.dim).to(device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.train.lr)
    ema = ExponentialMovingAverage(model, config.train.ema_decay)
    ema.to(torch.device(device))
    b, dim = config.train.batch_size, model.rep.dim
    rng = np.random.default_rng(0)
    enc = encoder.encode([PROMPT] * b)
    batch = {"motion": torch.from_numpy(rng.normal(size=(b, FRAMES, 2, dim)).astype(np.float32)),
             "mask": torch.ones(b, FRAMES, dtype=torch.bool), "text": enc.sentence, "tokens": enc.tokens,
             "token_mask": enc.mask, "action": torch.zeros(b, dtype=torch.int64),
             "use_text": torch.ones(b, dtype=torch.bool), "use_action": torch.zeros(b, dtype=torch.bool),
             "use_partner": torch.zeros(b, dtype=torch.bool)}
    batch = {k: v.to(device) for k, v in batch.items()}
    generator = torch.Generator(device=device).manual_seed(0)

    def step():
        with torch.autocast("cuda", dtype=torch.bfloat16, enabled=device == "cuda"):
            loss = model.training_step(batch, generator)["loss"]
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), config.train.grad_clip)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        ema.update(model)

    for _ in range(3):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    if device == "cuda":
        torch.cuda.synchronize()
    return steps * b / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presets", nargs="+", default=["tiny", "small"])
    parser.add_argument("--paper", action="store_true", help="also time the paper preset (meant for a GPU)")
    parser.add_argument("--batches", nargs="+", type=int, default=[1, 32])
    parser.add_argument("--train-presets", nargs="+", default=["tiny"], help="presets whose training is timed")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default torch's; 1 is faster on a machine shared with other jobs)")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    presets = args.presets + (["paper"] if args.paper else [])
    encoder = CachedTextEncoder("minilm", max(preset(p).denoiser.text_tokens for p in presets + args.train_presets),
                                device=args.device)
    encoder.add([PROMPT])
    print(f"device {args.device}, torch threads {torch.get_num_threads()}; {FRAMES} frames, {STEPS} DDIM steps, "
          "guidance 3.5 on text")
    print(f"{'preset':<8}{'parameters':>12}" + "".join(f"{f'batch {b} s/sample (cpu s)':>28}" for b in args.batches))
    for name in presets:
        loaded = loaded_generator(name, encoder, args.device)
        params = sum(p.numel() for p in loaded.model.parameters())
        times = [seconds_per_sample(loaded, b) for b in args.batches]
        print(f"{name:<8}{params / 1e6:>11.2f}M" + "".join(f"{f'{w:.3f} ({c:.3f})':>28}" for w, c in times),
              flush=True)
    for name in args.train_presets:
        print(f"training {name}: {training_samples_per_second(name, encoder, args.device):.1f} samples/s "
              f"(batch {preset(name).train.batch_size}, {FRAMES}-frame windows)", flush=True)


if __name__ == "__main__":
    main()
