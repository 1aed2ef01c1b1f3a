"""`interx synth`: write a synthetic Inter-X release."""

from __future__ import annotations

from pathlib import Path

import typer

from interx.cli_app import app, console, err_console


@app.command("synth")
def synth(
    out: Path = typer.Argument(..., help="Folder to write the release to (refused if not empty, unless --append)."),
    sequences: int = typer.Option(11388, "--sequences", help="Number of sequences (the real release has 11,388)."),
    seed: int = typer.Option(0, "--seed", help="Random seed: the same seed writes the same bytes."),
    append: bool = typer.Option(False, "--append", help="Add the sequences (as new groups) to a non-empty folder."),
    workers: int | None = typer.Option(None, "--workers", help="Processes to use (default: every core)."),
) -> int:
    """Write a synthetic two-person release in the raw Inter-X layout (motions, texts, splits, annots)."""
    from rich.progress import Progress

    from interx.data.synth.release import synthesize_release

    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("synthesizing", total=sequences)
        report = synthesize_release(out, sequences, seed=seed, append=append, workers=workers,
                                    progress=lambda done, total: bar.update(task, completed=done, total=total))
    draws = sum(report.attempts.values())
    console.print(f"wrote {len(report.names)} sequences ({len(report.groups)} groups, mean {report.mean_length:.1f} s) "
                  f"to {report.root} in {report.seconds:.1f} s; {draws} draws", soft_wrap=True)
    for name in report.skipped:
        err_console.print(f"{name}: left out, no draw passed the checks", soft_wrap=True)
    return 0
