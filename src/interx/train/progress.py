"""A console observer for `fit`: the resume message, a progress bar with the loss, validation lines.

Every `interx train ...` command passes one to `interx.train.fit`; the library
itself never prints. Messages (exact text, scripts and tests rely on it):
"resumed from step N" when a checkpoint was loaded, "no checkpoint found,
starting fresh" when `--resume` found none.
"""

from __future__ import annotations

from pathlib import Path


def _format(metrics: dict[str, float]) -> str:
    return " ".join(f"{k}={v:.4g}" for k, v in metrics.items())


class ConsoleProgress:
    """TrainObserver printing to a rich console (a live bar on a terminal, plain lines otherwise).

    Args:
        console: a `rich.console.Console` (the CLI's).
        resume_requested: whether `--resume` was given (selects the start message).
    """

    def __init__(self, console, resume_requested: bool = False):
        self.console = console
        self.resume_requested = resume_requested
        self._progress = None
        self._task = None

    def started(self, step: int, max_steps: int, resumed: bool) -> None:
        if resumed:
            self.console.print(f"resumed from step {step}")
        elif self.resume_requested:
            self.console.print("no checkpoint found, starting fresh")
        if not self.console.is_terminal:
            return
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self._progress = Progress(TextColumn("train"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                  TextColumn("{task.fields[loss]}"), console=self.console, transient=False)
        self._task = self._progress.add_task("train", total=max_steps, completed=step, loss="")
        self._progress.start()

    def stepped(self, step: int, metrics: dict[str, float]) -> None:
        if self._progress is not None:
            self._progress.update(self._task, completed=step, loss=f"loss {metrics.get('loss', float('nan')):.4f}")
        else:
            self.console.print(f"step {step} {_format(metrics)}")

    def validated(self, step: int, metrics: dict[str, float]) -> None:
        self.console.print(f"step {step} {_format(metrics)}")

    def checkpointed(self, step: int, path: Path) -> None:
        if self._progress is None:
            self.console.print(f"checkpoint at step {step}: {path}")

    def finished(self, step: int) -> None:
        if self._progress is not None:
            self._progress.stop()
        self.console.print(f"finished at step {step}")
