"""Command modules of the `interx` CLI; each registers its commands on `interx.cli_app`.

Imported lazily by `main`, so `import interx` stays light.
"""

import importlib

_MODULES = ("data", "synth", "body", "features", "evaluation", "generation", "forecasting", "viz", "interop", "demo")


def register_all() -> None:
    for name in _MODULES:
        try:
            importlib.import_module(f"interx.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"interx.commands.{name}":
                raise
