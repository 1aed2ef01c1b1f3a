"""The `interx` command's shared pieces: the typer app, its sub-groups and error handling.

Command modules (`interx.commands.*`) register on these objects; a command turns
its options into arguments and calls one library function. Library code raises
`InterxError`; `main` turns that into one line on stderr and an exit status:
0 success, 1 errors in the input, 2 usage error. `--debug` shows the traceback.
"""

from __future__ import annotations

import sys
import traceback

import click
import typer
from rich.console import Console

app = typer.Typer(
    name="interx",
    help="Two-person interaction motion toolkit for the Inter-X dataset.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
train_app = typer.Typer(help="Train a model on a preprocessed cache.", no_args_is_help=True, rich_markup_mode=None)
evaluate_app = typer.Typer(help="Evaluate with a protocol and write a JSON report.", no_args_is_help=True,
                           rich_markup_mode=None)
import_app = typer.Typer(help="Import motion from other formats into an Inter-X folder.", no_args_is_help=True,
                         rich_markup_mode=None)
export_app = typer.Typer(help="Export Inter-X sequences to other formats.", no_args_is_help=True,
                         rich_markup_mode=None)
app.add_typer(train_app, name="train")
app.add_typer(evaluate_app, name="evaluate")
app.add_typer(import_app, name="import")
app.add_typer(export_app, name="export")

# Text read from data files is printed verbatim: no console markup, no wrapping
# of problem lines (names must stay greppable).
console = Console(markup=False, highlight=False, soft_wrap=True, emoji=False)
# Recent typer vendors its own click: its usage errors are not click's.
_TyperUsageError = typer.BadParameter.__mro__[1]

err_console = Console(stderr=True, markup=False, highlight=False, soft_wrap=True, emoji=False)


@app.callback()
def _root(debug: bool = typer.Option(False, "--debug", help="Show a traceback on errors.")) -> None:
    """Two-person interaction motion toolkit for the Inter-X dataset."""


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `interx` command; returns (and exits with) the status."""
    from interx.commands import register_all
    from interx.errors import InterxError, UsageError

    register_all()
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    status = 0
    try:
        result = app(args=args, prog_name="interx", standalone_mode=False)
        status = result if isinstance(result, int) else 0
    except (click.exceptions.Exit, typer.Exit) as exc:
        status = exc.exit_code
    except (click.exceptions.Abort, typer.Abort):
        print("interx: aborted", file=sys.stderr)
        status = 1
    except (click.exceptions.UsageError, _TyperUsageError) as exc:
        print(f"interx: usage error: {exc.format_message()}", file=sys.stderr)
        status = 2
    except UsageError as exc:
        _report(exc, debug)
        status = 2
    except InterxError as exc:
        _report(exc, debug)
        status = 1
    except KeyboardInterrupt:
        print("interx: interrupted", file=sys.stderr)
        status = 130
    if argv is None:
        sys.exit(status)
    return status


def _report(exc: BaseException, debug: bool) -> None:
    if debug:
        traceback.print_exc()
    print(f"interx: error: {exc}", file=sys.stderr)
