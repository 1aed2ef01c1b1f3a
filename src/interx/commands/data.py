"""Data commands: `interx validate`."""

from __future__ import annotations

from pathlib import Path
import typer

from interx.cli_app import app, console, err_console


@app.command("validate")
def validate(
    root: Path = typer.Argument(..., help="An Inter-X folder: the raw release layout or the official processed one."),
    strict: bool = typer.Option(False, "--strict", help="Count warnings as errors."),
    json_file: Path | None = typer.Option(None, "--json", metavar="FILE",
                                          help="Also write the full report as JSON to FILE."),
) -> int:
    """Check every sequence, split and annotation; print one line per problem and a summary.

    Exit status 0 when there is no error, 1 when there are errors.
    """
    from rich.progress import Progress
    from rich.table import Table

    from interx.data.validate import validate_release

    with Progress(console=err_console, transient=True, disable=not err_console.is_terminal) as bar:
        task = bar.add_task("validating", total=None)
        report = validate_release(root, strict=strict,
                                  progress=lambda done, total: bar.update(task, completed=done, total=total))
    for problem in report.problems:
        console.print(problem.line(), soft_wrap=True, highlight=False)
    table = Table(title=f"{report.kind} release {report.root}", show_header=True)
    table.add_column("count")
    table.add_column("value", justify="right")
    for key, value in report.summary().items():
        table.add_row(key.replace("_", " "), str(value))
    console.print(table)
    if json_file is not None:
        report.write_json(json_file)
        console.print(f"report written to {json_file}", soft_wrap=True)
    return 0 if report.ok else 1
