"""Configs as dataclasses, stored as plain JSON and checked on load.

Every model and the training loop describe their settings with (frozen)
dataclasses whose fields carry the defaults, each documented under the field.
A run folder keeps its config as plain JSON (`save_config`); `load_config` and
`config_from_dict` read it back through the dataclass: unknown keys, missing
required keys and wrong types are refused (no class names are stored, nothing is
imported). Supported field types: bool, int, float (ints accepted), str, None
unions (`X | None`), `tuple[X, ...]`, `dict[str, X]`, `Literal[...]` and nested
config dataclasses.

Presets are named instances that state only their differences from a base:
`preset = replace(BASE, width=1024)`.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, TypeVar

from interx.data.safe_io import read_text_bytes, write_json
from interx.errors import DataError, UsageError

C = TypeVar("C")


def config_to_dict(config: Any) -> dict:
    """A config dataclass as a JSON-ready dict (tuples become lists, nested configs dicts)."""
    if not dataclasses.is_dataclass(config):
        raise UsageError(f"{type(config).__name__} is not a config dataclass")

    def plain(value):
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (tuple, list)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    return plain(config)


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or str(tp).replace("typing.", "")


def _convert(value: Any, tp: Any, where: str) -> Any:
    """`value` read from JSON checked against the annotation `tp` (and converted: lists -> tuples)."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return value
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        for option in args:
            if option is type(None):
                continue
            try:
                return _convert(value, option, where)
            except DataError:
                pass
        raise DataError(f"{where} is {value!r}, expected {' or '.join(_type_name(a) for a in args)}")
    if origin is typing.Literal:
        if value not in args or type(value) is not type(next(a for a in args if a == value)):
            raise DataError(f"{where} is {value!r}, expected one of {', '.join(repr(a) for a in args)}")
        return value
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise DataError(f"{where} is {value!r}, expected a list")
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(_convert(v, args[0], f"{where}[{i}]") for i, v in enumerate(value))
        if len(value) != len(args):
            raise DataError(f"{where} has {len(value)} items, expected {len(args)}")
        return tuple(_convert(v, a, f"{where}[{i}]") for i, (v, a) in enumerate(zip(value, args)))
    if origin is dict:
        if not isinstance(value, dict):
            raise DataError(f"{where} is {value!r}, expected an object")
        return {_convert(k, args[0], f"{where} key"): _convert(v, args[1], f"{where}[{k!r}]")
                for k, v in value.items()}
    if dataclasses.is_dataclass(tp):
        return config_from_dict(tp, value, where)
    if tp is bool:
        if not isinstance(value, bool):
            raise DataError(f"{where} is {value!r}, expected true or false")
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise DataError(f"{where} is {value!r}, expected an integer")
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise DataError(f"{where} is {value!r}, expected a number")
        return float(value)
    if tp is str:
        if not isinstance(value, str):
            raise DataError(f"{where} is {value!r}, expected a string")
        return value
    raise UsageError(f"{where}: unsupported config field type {tp!r}")


def config_from_dict(cls: type[C], data: Any, where: str = "config") -> C:
    """Build the dataclass `cls` from a plain dict, refusing unknown keys and wrong types (DataError).

    Keys that are absent take the field's default; a field without a default must be present.
    """
    if not isinstance(data, dict):
        raise DataError(f"{where} is {type(data).__name__}, expected an object")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise DataError(f"{where} has unknown key(s) {', '.join(unknown)}; known: {', '.join(fields)}")
    values = {}
    for name, field in fields.items():
        if name in data:
            values[name] = _convert(data[name], hints[name], f"{where}.{name}")
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise DataError(f"{where} lacks the required key {name}")
    try:
        return cls(**values)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where}: {exc}") from None


def save_config(path: Path | str, config: Any) -> None:
    """Write a config dataclass as indented JSON, atomically."""
    write_json(path, config_to_dict(config))


def load_config(cls: type[C], path: Path | str) -> C:
    """Read a config written by `save_config` (checked: see `config_from_dict`); errors name the file."""
    path = Path(path)
    try:
        data = json.loads(read_text_bytes(path, max_bytes=4 * 2**20).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataError(f"not a JSON config ({exc})", path) from None
    try:
        return config_from_dict(cls, data)
    except DataError as exc:
        raise DataError(str(exc), path) from None
