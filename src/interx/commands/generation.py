"""Interaction generation: `interx train generator` and `interx generate`."""

from __future__ import annotations

from pathlib import Path

import typer

from interx.cli_app import app, console, train_app

_TASKS = "text, action, reaction or all"


@train_app.command("generator")
def train_generator_command(
    data: Path = typer.Option(..., "--data", metavar="CACHE", help="A preprocessed cache (interx preprocess)."),
    out: Path = typer.Option(..., "--out", metavar="RUN", help="The run folder (config, checkpoints, logs)."),
    config: str | None = typer.Option(None, "--config", metavar="NAME",
                                      help="Preset: tiny, small or paper (default tiny; a resumed run keeps its own)."),
    task: str | None = typer.Option(None, "--task", help=f"Conditions to train: {_TASKS} (default text)."),
    max_steps: int | None = typer.Option(None, "--max-steps", metavar="N", help="Train up to this step."),
    checkpoint_every: int | None = typer.Option(None, "--checkpoint-every", metavar="N",
                                                help="Write a checkpoint every N steps."),
    resume: bool = typer.Option(False, "--resume", help="Continue from the run's last complete checkpoint."),
    seed: int | None = typer.Option(None, "--seed", metavar="S", help="Seed of the run (default 0)."),
    balanced: bool | None = typer.Option(None, "--balanced/--no-balanced", help="Class-balanced sampling."),
) -> None:
    """Train the interaction diffusion generator (one CPU, one GPU, or DDP under torchrun / SLURM).

    Several GPUs or nodes: the same command under a launcher, e.g.
    torchrun --nproc_per_node 8 --no-python interx train generator ...
    """
    from interx.models.generator_train import launcher_rank, requested_config, train_generator
    from interx.train.progress import ConsoleProgress

    requested = requested_config(out, config, task, seed, balanced, resume)
    result = train_generator(data, out, requested, resume=resume, max_steps=max_steps,
                             checkpoint_every=checkpoint_every, observer=ConsoleProgress(console, resume))
    if launcher_rank() == 0:
        console.print(f"checkpoint: {result.checkpoint}")


def _device(name: str) -> str:
    import torch

    from interx.errors import UsageError

    if name == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if name not in ("cpu", "cuda"):
        raise UsageError(f"--device must be auto, cpu or cuda, not {name!r}")
    return name


@app.command("generate")
def generate_command(
    checkpoint: Path = typer.Option(..., "--checkpoint", metavar="RUN", help="A generator run folder or checkpoint."),
    out: Path = typer.Option(..., "--out", metavar="DIR", help="New Inter-X folder to write the samples into."),
    text: str | None = typer.Option(None, "--text", help="Describe the interaction."),
    action: int | None = typer.Option(None, "--action", metavar="ID", help="Action class id 0-39."),
    reaction_to: Path | None = typer.Option(None, "--reaction-to", metavar="P.npz",
                                            help="An actor's SMPL-X npz: generate the partner's reaction."),
    prompts: Path | None = typer.Option(None, "--prompts", metavar="FILE",
                                        help="One prompt per line: a text, 'action: ID' or 'reaction: P.npz | text'."),
    frames: int | None = typer.Option(None, "--frames", metavar="N", help="Length in frames at 30 fps (default 150)."),
    seconds: float | None = typer.Option(None, "--seconds", metavar="S", help="Length in seconds."),
    num: int = typer.Option(1, "--num", metavar="K", help="Samples per prompt."),
    seed: int = typer.Option(0, "--seed", metavar="S", help="Seed (the same seed gives the same files)."),
    guidance: float | None = typer.Option(None, "--guidance", metavar="G",
                                          help="Classifier-free guidance scale (default: the model's)."),
    steps: int | None = typer.Option(None, "--steps", metavar="N", help="DDIM steps (default: the model's, 50)."),
    fps_out: float = typer.Option(120.0, "--fps-out", help="Frame rate of the written files: 120 or 30."),
    batch_size: int = typer.Option(32, "--batch-size", metavar="B", help="Samples generated together."),
    device: str = typer.Option("auto", "--device", help="auto, cpu or cuda."),
    render: bool = typer.Option(False, "--render", help="Also render each sequence to DIR/videos/SEQ.mp4."),
    floor: bool = typer.Option(True, "--floor/--no-floor",
                               help="Raise generated bodies out of the floor where a joint went under it."),
    smooth_hz: float = typer.Option(6.0, "--smooth-hz", metavar="HZ",
                                    help="Low-pass cutoff of the generated motion (0: off)."),
) -> None:
    """Sample interactions from a trained generator and write them as Inter-X sequences.

    Sample k of prompt p is named G{900 + p // 1000}T{p % 1000}A{action}R{k} (action 000 when none is known).
    A reaction keeps the actor as P1, exactly as given; an actor longer than the model's window is answered
    window by window (overlapping windows, the reactor continued across them).
    """
    import time

    from interx.models.generator_sampling import SamplingOptions, generate, prompts_from_options, write_generated
    from interx.models.generator_train import load_generator

    started = time.perf_counter()
    wanted = prompts_from_options(text, action, reaction_to, prompts, frames, seconds, fps_out)
    loaded = load_generator(checkpoint, _device(device))
    options = SamplingOptions(num=num, seed=seed, guidance=guidance, steps=steps, batch_size=batch_size, floor=floor,
                              smooth_hz=smooth_hz,
                              **({"frames": wanted.frames} if wanted.frames else {}))
    samples = generate(loaded, wanted.prompts, options)
    names = write_generated(out, loaded, wanted.prompts, samples, options, fps_out)
    elapsed = time.perf_counter() - started
    for name in names:
        console.print(name)
    console.print(f"wrote {len(names)} sequences to {out} ({elapsed / len(names):.2f} s per sequence)")
    if render:
        from interx.viz.collection import load_clip
        from interx.viz.video import render_video

        for name in names:
            video = render_video([load_clip(str(out / "motions" / name))], out / "videos" / f"{name}.mp4")
            console.print(f"wrote {video}")
