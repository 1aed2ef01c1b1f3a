"""`interx demo`: the whole pipeline end to end on a freshly synthesised Inter-X folder.

The demo is a script of ordinary `interx` commands, run in this process, so
what it shows is exactly what a user types. Its budget (about 15 minutes on
two CPU cores) fixes the dataset size and the training steps below.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import typer

from interx.cli_app import app, console
from interx.errors import UsageError


@dataclass(frozen=True)
class DemoBudget:
    """Sizes of the demo's data and training runs (the defaults fit ~15 min on 2 cores)."""

    sequences: int = 300            # synthetic sequences (80/5/15 split)
    evaluator_steps: int = 250      # contrastive evaluator
    generator_steps: int = 350      # tiny interaction diffusion model (5 s windows)
    forecaster_steps: int = 200     # each forecaster variant
    recognizer_steps: int = 200
    quick_size: int = 40            # sequences generated once by the quick protocol
    replications: int = 5
    batch_size: int = 32            # R-precision batch (the official 32)
    mm_texts: int = 8               # MultiModality: texts x generations (official 100 x 30)
    mm_generations: int = 6


SMOKE = DemoBudget(sequences=48, evaluator_steps=20, generator_steps=20, forecaster_steps=20,
                   recognizer_steps=20, quick_size=6, replications=2, batch_size=4, mm_texts=2,
                   mm_generations=2)


def _steps(out: Path, budget: DemoBudget) -> list[tuple[str, list[str]]]:
    data, cache, runs, reports = out / "data", out / "cache", out / "runs", out / "reports"
    generated = out / "generated"
    evaluator = ["--evaluator", str(runs / "evaluator")]
    quick = ["--protocol", "quick", "--quick-size", str(budget.quick_size),
             "--replications", str(budget.replications), "--batch-size", str(budget.batch_size),
             "--mm-texts", str(budget.mm_texts), "--mm-generations", str(budget.mm_generations)]
    return [
        ("Synthesise an Inter-X-layout dataset",
         ["synth", str(data), "--sequences", str(budget.sequences), "--seed", "0"]),
        ("Validate it", ["validate", str(data)]),
        ("Preprocess to a 30 fps cache", ["preprocess", str(data), "--out", str(cache), "--workers", "2"]),
        ("Dataset statistics", ["stats", str(cache)]),
        ("Data-quality audit", ["quality", str(cache), "--worst", "3"]),
        ("Train the project's text-motion evaluator",
         ["train", "evaluator", "--data", str(cache), "--out", str(runs / "evaluator"),
          "--max-steps", str(budget.evaluator_steps)]),
        ("Train the tiny interaction generator (text, action and reaction)",
         ["train", "generator", "--data", str(cache), "--out", str(runs / "generator"), "--config", "tiny",
          "--task", "all", "--max-steps", str(budget.generator_steps)]),
        ("Generate from a text prompt",
         ["generate", "--checkpoint", str(runs / "generator"), "--text",
          "Two people shake their right hands.", "--seconds", "4", "--seed", "0",
          "--out", str(generated / "text")]),
        ("Generate from an action label (16: High-five)",
         ["generate", "--checkpoint", str(runs / "generator"), "--action", "16", "--seconds", "4", "--seed", "0",
          "--out", str(generated / "action")]),
        ("Generate a reaction to a real actor from the test split",
         lambda: ["generate", "--checkpoint", str(runs / "generator"), "--reaction-to",
                  str(_test_sequence(data) / "P1.npz"), "--seed", "0", "--out", str(generated / "reaction")]),
        ("Text-to-interaction: the quick protocol (ground truth, shuffled texts, the model)",
         ["evaluate", "text2interaction", "--data", str(cache), *evaluator, "--checkpoint", str(runs / "generator"),
          *quick, "--out", str(reports / "text2interaction.json")]),
        ("Train the forecasters: transformer, its independent ablation, STS-GCN",
         ["train", "forecaster", "--data", str(cache), "--model", "transformer", "--out",
          str(runs / "transformer"), "--max-steps", str(budget.forecaster_steps)]),
        (None, ["train", "forecaster", "--data", str(cache), "--model", "transformer", "--independent", "--out",
                str(runs / "transformer_independent"), "--max-steps", str(budget.forecaster_steps)]),
        (None, ["train", "forecaster", "--data", str(cache), "--model", "stsgcn", "--out", str(runs / "stsgcn"),
                "--max-steps", str(budget.forecaster_steps)]),
        ("Forecasting: 1 s observed -> 2 s predicted, beside the baselines",
         ["evaluate", "forecast", "--data", str(cache), "--checkpoint", str(runs / "transformer"),
          "--checkpoint", str(runs / "transformer_independent"), "--checkpoint", str(runs / "stsgcn"),
          "--out", str(reports / "forecast.json")]),
        ("Train the interaction recogniser",
         ["train", "recognizer", "--data", str(cache), "--out", str(runs / "recognizer"),
          "--max-steps", str(budget.recognizer_steps)]),
        ("Recognition accuracy", ["evaluate", "recognition", "--data", str(cache), "--checkpoint",
                                  str(runs / "recognizer"), "--out", str(reports / "recognition.json")]),
        ("Action-to-interaction: the quick protocol judged by the recogniser",
         ["evaluate", "action2interaction", "--data", str(cache), "--evaluator", str(runs / "recognizer"),
          "--checkpoint", str(runs / "generator"), *quick, "--out", str(reports / "action2interaction.json")]),
        ("Video: a real handshake beside the generated one",
         lambda: ["render", str(_test_sequence(data, action=1)), "--compare", str(_first_sequence(generated / "text")),
                  "--out", str(out / "videos" / "real_vs_generated.mp4")]),
    ]


def _test_sequence(root: Path, action: int | None = None) -> Path:
    """The motion folder of the first test-split sequence (of `action`, when given)."""
    from interx.data.names import parse_name
    from interx.data.splits import read_split

    names = read_split(root, "test")
    chosen = [n for n in names if action is None or parse_name(n).action == action] or names
    return root / "motions" / chosen[0]


def _first_sequence(root: Path) -> Path:
    return sorted((root / "motions").iterdir())[0]


def run_demo(out: Path, budget: DemoBudget) -> int:
    """Run every step; stop at the first that fails and return its exit status."""
    from interx.cli_app import main

    started = time.perf_counter()
    for title, argv in _steps(out, budget):
        if title:
            console.rule(title)
        argv = argv() if callable(argv) else argv
        console.print("$ interx " + " ".join(argv))
        status = main(argv)
        if status != 0:
            console.print(f"demo stopped: 'interx {argv[0]}' exited with status {status}")
            return status
    console.rule("Done")
    console.print(f"demo finished in {time.perf_counter() - started:.0f} s; everything is under {out}")
    console.print(f"video: {out / 'videos' / 'real_vs_generated.mp4'}")
    console.print(f"browse real and generated motion in your browser: interx view {out / 'data'} "
                  f"--compare {out / 'generated' / 'text'}")
    return 0


@app.command()
def demo(
    out: Path = typer.Option(Path("out/demo"), "--out", metavar="DIR", help="Folder for everything the demo makes."),
    smoke: bool = typer.Option(False, "--smoke", help="A tiny run of every step (seconds, for tests)."),
) -> None:
    """Run the whole pipeline on a synthetic Inter-X dataset: data, models, evaluation, video."""
    if out.exists() and any(out.iterdir()):
        if not (out / "data" / "motions").is_dir():
            raise UsageError(f"{out} is not empty and is not an earlier demo folder; pick another --out")
        shutil.rmtree(out)  # an earlier demo's output: start clean
    status = run_demo(out, SMOKE if smoke else DemoBudget())
    if status:
        raise typer.Exit(status)
