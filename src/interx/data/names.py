"""Sequence names `GgggTtttAaaaRrrr`: parse and check them before any path is built."""

from __future__ import annotations

import re
from dataclasses import dataclass

from interx.errors import DataError

NAME_PATTERN = re.compile(r"G(\d{3})T(\d{3})A(\d{3})R(\d{3})")
NUM_ACTIONS = 40


@dataclass(frozen=True)
class SequenceName:
    group: int
    take: int
    action: int
    repetition: int

    def __str__(self) -> str:
        return format_name(self.group, self.take, self.action, self.repetition)


def parse_name(name: str, source: str | None = None) -> SequenceName:
    """Split a sequence name into its numbers; a malformed name or action id is a DataError."""
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise DataError(f"bad sequence name {name!r}: expected GgggTtttAaaaRrrr (e.g. G001T000A000R000)", source)
    g, t, a, r = (int(x) for x in NAME_PATTERN.fullmatch(name).groups())
    if a >= NUM_ACTIONS:
        raise DataError(f"sequence {name}: action id {a} outside 0-{NUM_ACTIONS - 1}", source)
    return SequenceName(g, t, a, r)


def format_name(group: int, take: int, action: int, repetition: int) -> str:
    for label, value in (("group", group), ("take", take), ("action", action), ("repetition", repetition)):
        if not 0 <= int(value) <= 999:
            raise ValueError(f"{label} {value} outside 0-999")
    return f"G{group:03d}T{take:03d}A{action:03d}R{repetition:03d}"
