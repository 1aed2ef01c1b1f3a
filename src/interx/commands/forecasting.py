"""Forecasting and recognition commands: train forecaster/recognizer, forecast, evaluate forecast/recognition."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import typer

from interx.cli_app import app, console, evaluate_app, train_app

_DATA = typer.Option(..., "--data", metavar="CACHE", help="A preprocessed cache (interx preprocess).")
_OUT_RUN = typer.Option(..., "--out", metavar="RUN", help="The run folder: config, checkpoints, log.")
_MAX_STEPS = typer.Option(None, "--max-steps", metavar="N",
                          help="Optimizer steps to train for (default: the preset's).")
_EVERY = typer.Option(None, "--checkpoint-every", metavar="N",
                      help="Write a checkpoint every N steps (default: the preset's; always at the last step).")
_RESUME = typer.Option(False, "--resume", help="Continue from the run's last complete checkpoint.")
_SEED = typer.Option(None, "--seed", metavar="S", help="Seed of the run: weights, batches, augmentation (default 0).")
_JOINTS = typer.Option(None, "--joints", metavar="SET", help="Joint set: body (22 joints) or body+hands (52).")


def _train_settings(train, max_steps, checkpoint_every, seed, **more):
    changes = {k: v for k, v in dict(max_steps=max_steps, checkpoint_every=checkpoint_every, seed=seed,
                                     **more).items() if v is not None}
    return replace(train, **changes)


def _joints(value: str | None) -> str | None:
    from interx.datasets.pairs import JOINT_SETS
    from interx.errors import UsageError

    if value is not None and value not in JOINT_SETS:
        raise UsageError(f"--joints must be one of {', '.join(JOINT_SETS)}, not {value!r}")
    return value


def _preset(presets: dict, name: str):
    from interx.errors import UsageError

    if name not in presets:
        raise UsageError(f"--config must be one of {', '.join(presets)}, not {name!r}")
    return presets[name]


@train_app.command("forecaster")
def train_forecaster(
    data: Path = _DATA,
    out: Path = _OUT_RUN,
    model: str = typer.Option("transformer", "--model", metavar="NAME", help="stsgcn or transformer."),
    independent: bool = typer.Option(False, "--independent",
                                     help="Transformer without cross-person attention (the ablation)."),
    joints: str | None = _JOINTS,
    bone_weight: float | None = typer.Option(None, "--bone-weight", metavar="W",
                                             help="Weight of the bone-length loss term (default 0: off)."),
    distance_weight: float | None = typer.Option(None, "--distance-weight", metavar="W",
                                                 help="Weight of the inter-person distance loss term (default 0)."),
    config: str = typer.Option("default", "--config", metavar="NAME", help="Preset: default or tiny."),
    max_steps: int | None = _MAX_STEPS,
    checkpoint_every: int | None = _EVERY,
    resume: bool = _RESUME,
    seed: int | None = _SEED,
) -> int:
    """Train a two-person forecaster (1 s observed -> 2 s predicted, 30 fps) on a cache.

    The loss is MPJPE plus the velocity term; --bone-weight and --distance-weight add the others.
    """
    from interx.errors import UsageError
    from interx.features.cache import open_cache
    from interx.models.forecasting.run import MODELS, PRESETS, train_forecaster as train
    from interx.train import ConsoleProgress

    if model not in MODELS:
        raise UsageError(f"--model must be one of {', '.join(MODELS)}, not {model!r}")
    if independent and model != "transformer":
        raise UsageError("--independent applies to the transformer only")
    settings = _preset(PRESETS, config)
    settings = replace(settings, model=model, transformer=replace(settings.transformer, independent=independent),
                       train=_train_settings(settings.train, max_steps, checkpoint_every, seed))
    if _joints(joints) is not None:
        settings = replace(settings, protocol=replace(settings.protocol, joints=joints))
    weights = {k: v for k, v in (("bone_length", bone_weight), ("distance", distance_weight)) if v is not None}
    settings = replace(settings, loss=replace(settings.loss, **weights))
    result = train(open_cache(data), out, settings, resume=resume, observer=ConsoleProgress(console, resume))
    console.print(f"run {out}: step {result.step}, checkpoint {result.checkpoint}", soft_wrap=True)
    return 0


@train_app.command("recognizer")
def train_recognizer(
    data: Path = _DATA,
    out: Path = _OUT_RUN,
    joints: str | None = _JOINTS,
    balanced: bool = typer.Option(False, "--balanced", help="Class-balanced sampling."),
    config: str = typer.Option("default", "--config", metavar="NAME", help="Preset: default or tiny."),
    max_steps: int | None = _MAX_STEPS,
    checkpoint_every: int | None = _EVERY,
    resume: bool = _RESUME,
    seed: int | None = _SEED,
) -> int:
    """Train the two-person interaction recogniser (40 classes) on a cache."""
    from interx.features.cache import open_cache
    from interx.models.recognizer_run import PRESETS, train_recognizer as train
    from interx.train import ConsoleProgress

    settings = _preset(PRESETS, config)
    settings = replace(settings, train=_train_settings(settings.train, max_steps, checkpoint_every, seed,
                                                       balanced=balanced or None))
    if _joints(joints) is not None:
        settings = replace(settings, model=replace(settings.model, joints=joints))
    result = train(open_cache(data), out, settings, resume=resume, observer=ConsoleProgress(console, resume))
    console.print(f"run {out}: step {result.step}, checkpoint {result.checkpoint}", soft_wrap=True)
    return 0


@app.command("forecast")
def forecast(
    checkpoint: Path = typer.Option(..., "--checkpoint", metavar="RUN", help="A forecaster run folder."),
    source: Path = typer.Option(..., "--input", metavar="ROOT/motions/SEQ", help="The sequence to continue."),
    observe_from: int = typer.Option(..., "--observe-from", metavar="FRAME",
                                     help="First observed frame, at the input's frame rate (120 for the release)."),
    out: Path = typer.Option(..., "--out", metavar="DIR",
                             help="Output folder: forecast/ and truth/ (Inter-X folders) and forecast.json."),
) -> int:
    """Observe 1 s of a sequence, forecast the next 2 s, and write it beside the truth."""
    from interx.models.forecasting.run import load_forecaster, run_name
    from interx.models.forecasting.sequence import forecast_sequence

    model, config = load_forecaster(checkpoint)
    result = forecast_sequence(model, source, observe_from, out, run=str(checkpoint))
    console.print(f"{result.name}: {run_name(config)} forecast, {result.observed_frames} observed + "
                  f"{result.predicted_frames} predicted frames at {result.fps:g} fps", soft_wrap=True)
    if result.metrics is not None:
        console.print("MPJPE " + ", ".join(f"{h:g}s {result.metrics[f'mpjpe@{h:g}s'] * 1000:.1f} mm"
                                           for h in config.protocol.horizons), soft_wrap=True)
    predicted, truth = (folder / "motions" / result.name for folder in (result.forecast_dir, result.truth_dir))
    console.print(f"wrote {result.forecast_dir} and {result.truth_dir}; render them with: "
                  f"interx render {predicted} --compare {truth} --out FILE.mp4", soft_wrap=True)
    return 0


def _write_report(report: dict, table: str, out: Path) -> Path:
    from interx.data.safe_io import write_json, write_text

    write_json(out, report)
    markdown = out.with_suffix(".md")
    write_text(markdown, table + "\n")
    return markdown


@evaluate_app.command("forecast")
def evaluate_forecast(
    data: Path = _DATA,
    checkpoint: list[Path] = typer.Option([], "--checkpoint", metavar="RUN",
                                          help="A forecaster run (repeat for more); baselines are always rows."),
    split: str = typer.Option("test", "--split", help="Split to evaluate on."),
    joints: str | None = _JOINTS,
    out: Path = typer.Option(..., "--out", metavar="REPORT.json", help="The JSON report (a .md table beside it)."),
) -> int:
    """The forecast table: zero/constant velocity and every run, MPJPE at 0.5/1/1.5/2 s and more."""
    from interx.datasets.forecast import ForecastProtocol
    from interx.eval.forecast_protocol import evaluate_forecast as run, forecast_table
    from interx.features.cache import open_cache

    protocol = None if _joints(joints) is None else ForecastProtocol(joints=joints)
    report = run(open_cache(data), checkpoint, split=split, protocol=protocol)
    table = forecast_table(report)
    markdown = _write_report(report, table, out)
    settings = report["settings"]
    console.print(f"{settings['split']}: {settings['windows']} windows from {settings['sequences']} sequences "
                  f"({settings['joints']} joints), errors in meters", soft_wrap=True)
    console.print(table, soft_wrap=True)
    console.print(f"report written to {out} and {markdown}", soft_wrap=True)
    return 0


@evaluate_app.command("recognition")
def evaluate_recognition(
    data: Path = _DATA,
    checkpoint: list[Path] = typer.Option(..., "--checkpoint", metavar="RUN",
                                          help="A recogniser run (repeat for more)."),
    split: str = typer.Option("test", "--split", help="Split to evaluate on."),
    out: Path = typer.Option(..., "--out", metavar="REPORT.json",
                             help="The JSON report (a .md table and a confusion PNG per run beside it)."),
) -> int:
    """Recognition accuracy (top-1, top-5, per class, macro) and the confusion matrix as numbers and a picture."""
    import numpy as np

    from interx.eval.recognition_protocol import evaluate_recognition as run, plot_confusion, recognition_table
    from interx.features.cache import open_cache

    report = run(open_cache(data), checkpoint, split=split)
    table = recognition_table(report)
    markdown = _write_report(report, table, out)
    for index, (name, confusion) in enumerate(report["confusion"].items()):
        suffix = "" if index == 0 else f".{index}"
        picture = out.with_name(f"{out.stem}.confusion{suffix}.png")
        plot_confusion(np.asarray(confusion), report["class_names"], picture, title=f"{name} on {split}")
        console.print(f"confusion matrix of {name}: {picture}", soft_wrap=True)
    console.print(f"{split}: {report['settings']['sequences']} sequences", soft_wrap=True)
    console.print(table, soft_wrap=True)
    console.print(f"report written to {out} and {markdown}", soft_wrap=True)
    return 0
