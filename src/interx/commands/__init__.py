"""Command modules of the `interx` CLI; each registers its commands on `interx.cli_app`.

Imported lazily by `main`, so `import interx` stays light (each module imports
its heavy dependencies inside the command functions).
"""

import importlib

_MODULES = ("data", "synth", "body", "features", "evaluation", "generation", "forecasting", "viz", "interop", "demo")


def register_all() -> None:
    for name in _MODULES:
        importlib.import_module(f"interx.commands.{name}")
