"""Feature commands: `interx preprocess` (release -> cache) and `interx stats` (counts of a release or cache)."""

from __future__ import annotations

import math
import os
from pathlib import Path

import typer

from interx.cli_app import app, console, err_console

DEFAULT_MAX_WORKERS = 8


@app.command("preprocess")
def preprocess(
    root: Path = typer.Argument(..., help="An Inter-X folder: the raw release layout or the official processed one."),
    out: Path = typer.Option(..., "--out", metavar="CACHE", help="The cache folder to write (replaced atomically)."),
    smplx_model: Path | None = typer.Option(None, "--smplx-model", metavar="DIR",
                                            help="Folder with SMPLX_{NEUTRAL,MALE,FEMALE}.npz; default: the "
                                                 "built-in skeleton."),
    neutral: bool = typer.Option(False, "--neutral", help="Neutral body, zero betas for everyone (the official "
                                                          "processing); default: each file's gender and betas."),
    workers: int | None = typer.Option(None, "--workers", min=1, help="Worker processes (default: the CPU count, "
                                                                      f"at most {DEFAULT_MAX_WORKERS})."),
    split_set: str = typer.Option("official", "--split-set", help="official or cross_group."),
    body_only: bool = typer.Option(False, "--body-only", help="Zero jaw, eye and hand rotations (flat hands) for "
                                                              "models that ignore hands."),
    strict: bool = typer.Option(False, "--strict", help="Stop at the first bad sequence (exit 1) instead of "
                                                        "skipping it."),
) -> int:
    """Preprocess a release into a cache: 30 fps, joints, official and canonical frames, train statistics.

    Bad sequences are reported one per line and skipped (with --strict the first
    one is fatal and no cache is written). Sequences shorter than 24 or longer
    than 999 frames at 30 fps are dropped, as the official processing does.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
    from rich.table import Table

    from interx.features.cache import build_cache

    from interx.body.smplx_model import body_model

    body = body_model(smplx_model, neutral=neutral)
    workers = workers or max(1, min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS))
    columns = (TextColumn("preprocessing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("preprocessing", total=None)
        summary = build_cache(root, out, body=body, split_set=split_set, workers=workers, body_only=body_only,
                              strict=strict, neutral=neutral,
                              progress=lambda done, total: bar.update(task, completed=done, total=total))
    for problem in summary.problems + summary.dropped:
        console.print(problem.line(), soft_wrap=True)
    table = Table(title=f"cache {summary.cache} ({summary.source_kind} release {summary.source})")
    for column in ("split", "sequences", "frames", "dropped by length", "skipped (errors)"):
        table.add_column(column, justify="left" if column == "split" else "right")
    for split, counts in summary.splits.items():
        table.add_row(split, str(counts["sequences"]), str(counts["frames"]), str(counts["dropped"]),
                      str(counts["errors"]))
    console.print(table)
    console.print(f"{len(summary.problems)} bad sequences skipped, {len(summary.dropped)} dropped by length, "
                  f"{summary.seconds:.1f} s", soft_wrap=True)
    return 0


def _number(value: float, digits: int = 2) -> str:
    return "-" if math.isnan(value) else f"{value:.{digits}f}"


@app.command("stats")
def stats(
    path: Path = typer.Argument(..., help="A release (raw or processed layout) or a cache made by preprocess."),
    split_set: str = typer.Option("official", "--split-set", help="official or cross_group (raw releases)."),
) -> int:
    """Print counts per split and per class, the length distribution and texts per sequence."""
    from rich.table import Table

    from interx.features.dataset_stats import dataset_stats

    result = dataset_stats(path, split_set)
    splits = list(result.splits)
    console.print(f"{result.kind} {result.path}", soft_wrap=True)
    for split in splits:
        data = result.splits[split]
        lengths, texts = data.lengths(), data.texts_per_sequence()
        console.print(
            f"{split}: {data.sequences} sequences ({data.unreadable} unreadable); length in seconds min "
            f"{_number(lengths['min'])} mean {_number(lengths['mean'])} median {_number(lengths['median'])} max "
            f"{_number(lengths['max'])}; texts per sequence min {_number(texts['min'], 0)} mean "
            f"{_number(texts['mean'])} max {_number(texts['max'], 0)} ({texts['none']} without text)", soft_wrap=True)
    classes = Table(title="sequences per class")
    for column in ("id", "class", *splits, "total"):
        classes.add_column(column, justify="left" if column == "class" else "right")
    counts = {split: result.splits[split].per_class(len(result.action_names)) for split in splits}
    for action, name in enumerate(result.action_names):
        row = [int(counts[split][action]) for split in splits]
        classes.add_row(str(action), name, *(str(n) for n in row), str(sum(row)))
    console.print(classes)
    return 0
