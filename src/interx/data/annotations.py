"""The raw release's `annots/` files: class names, big-five, familiarity, interaction order.

| file | content |
| --- | --- |
| action_setting.txt | the 40 class names, one per line, in id order (no trailing newline) |
| big_five.npy | float (2 * groups, 5): rows G1P1, G1P2, G2P1, ...; columns openness, conscientiousness, extraversion, agreeableness, neuroticism |
| familiarity.txt | one line per group (line 1 = group 1): 1..4, larger = more familiar; 0 = unknown |
| interaction_order.pkl | dict {sequence name: 0 or 1}, read through the restricted unpickler |

Which person acts first: the README says order value 0 means P1 is the actor
and 1 means P2; one third-party loader believes the reverse. `ACTOR_CONVENTIONS`
names both; every function that turns an order value into an actor index takes
the convention as an argument (default 'readme').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from interx.data.names import parse_name
from interx.data.safe_io import (FormatError, decode_utf8, read_npy, read_restricted_pickle, read_text_bytes,
                                 write_npy, write_restricted_pickle, write_text)
from interx.errors import UsageError

ANNOTS_DIR = "annots"
ACTION_FILE = "action_setting.txt"
BIG_FIVE_FILE = "big_five.npy"
FAMILIARITY_FILE = "familiarity.txt"
ORDER_FILE = "interaction_order.pkl"
BIG_FIVE_TRAITS = ("openness", "conscientiousness", "extraversion", "agreeableness", "neuroticism")
ACTOR_CONVENTIONS = ("readme", "reversed")
FAMILIARITY_LEVELS = (1, 2, 3, 4)


def _lines(path: Path) -> list[str]:
    """The file's UTF-8 lines, trailing whitespace stripped, trailing blank lines dropped."""
    lines = [line.rstrip() for line in decode_utf8(read_text_bytes(path), path).split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    return lines


# --- action_setting.txt ---------------------------------------------------------------

def read_action_names(path: Path | str) -> tuple[str, ...]:
    """Class names in id order; an empty line among them is a FormatError."""
    path = Path(path)
    names = _lines(path)
    for number, name in enumerate(names, 1):
        if not name.strip():
            raise FormatError(f"line {number} is empty", "one class name per line", path)
    if not names:
        raise FormatError("no class names", "one class name per line", path)
    return tuple(name.strip() for name in names)


def write_action_names(path: Path | str, names: Sequence[str], overwrite: bool = True) -> None:
    """One name per line, no trailing newline (as the release)."""
    if any("\n" in n or not n.strip() for n in names):
        raise UsageError("class names must be non-empty single lines")
    write_text(path, "\n".join(names), overwrite=overwrite)


# --- big_five.npy ---------------------------------------------------------------------

def read_big_five(path: Path | str) -> np.ndarray:
    """(2 * groups, 5) float32; row 2 * (g - 1) + (p - 1) is group g's person p."""
    path = Path(path)
    array = read_npy(path)
    if array.ndim != 2 or array.shape[1] != len(BIG_FIVE_TRAITS) or array.shape[0] % 2:
        raise FormatError(f"shape {array.shape}", "(2 * groups, 5)", path)
    if not np.issubdtype(array.dtype, np.number):
        raise FormatError(f"dtype {array.dtype}", "numbers", path)
    return array.astype(np.float32)


def write_big_five(path: Path | str, scores: np.ndarray, overwrite: bool = True) -> None:
    scores = np.asarray(scores, dtype=np.float32)
    if scores.ndim != 2 or scores.shape[1] != len(BIG_FIVE_TRAITS) or scores.shape[0] % 2:
        raise UsageError(f"big-five scores must be (2 * groups, 5), not {scores.shape}")
    write_npy(path, scores, overwrite=overwrite)


def big_five_of(scores: np.ndarray, group: int) -> np.ndarray | None:
    """(2, 5) scores of a group's P1 and P2, or None when the table has no row for it."""
    if group < 1 or 2 * group > scores.shape[0]:
        return None
    return scores[2 * (group - 1): 2 * group]


# --- familiarity.txt ------------------------------------------------------------------

def read_familiarity(path: Path | str) -> dict[int, int]:
    """{group: level 1..4}; line n is group n, a 0 line (unknown) is left out."""
    path = Path(path)
    levels: dict[int, int] = {}
    for group, line in enumerate(_lines(path), 1):
        text = line.strip()
        if text not in {str(v) for v in (0, *FAMILIARITY_LEVELS)}:
            raise FormatError(f"line {group} is {text!r}", "one familiarity level 1-4 per line (0 = unknown)", path)
        if text != "0":
            levels[group] = int(text)
    return levels


def write_familiarity(path: Path | str, levels: Mapping[int, int], overwrite: bool = True) -> None:
    """One line per group 1..max(levels); groups without a level get 0 (unknown)."""
    if any(g < 1 for g in levels) or any(v not in FAMILIARITY_LEVELS for v in levels.values()):
        raise UsageError("familiarity needs groups >= 1 and levels 1-4")
    last = max(levels, default=0)
    write_text(path, "\n".join(str(levels.get(g, 0)) for g in range(1, last + 1)) + "\n", overwrite=overwrite)


# --- interaction_order.pkl ------------------------------------------------------------

def read_interaction_order(path: Path | str) -> dict[str, int]:
    """{sequence name: 0 or 1}, through the restricted unpickler (no code in the file runs)."""
    path = Path(path)
    order = read_restricted_pickle(path)
    if not isinstance(order, dict):
        raise FormatError(f"pickle holds a {type(order).__name__}", "a dict {sequence name: 0 or 1}", path)
    for name, value in order.items():
        parse_name(name, source=str(path))
        if type(value) is not int or value not in (0, 1):
            raise FormatError(f"{name} has order value {value!r}", "0 or 1", path)
    return order


def write_interaction_order(path: Path | str, order: Mapping[str, int], overwrite: bool = True) -> None:
    for name, value in order.items():
        parse_name(name)
        if value not in (0, 1):
            raise UsageError(f"interaction order of {name} must be 0 or 1, not {value!r}")
    write_restricted_pickle(path, {name: int(v) for name, v in sorted(order.items())}, overwrite=overwrite)


def check_convention(convention: str) -> None:
    """UsageError unless `convention` is one of ACTOR_CONVENTIONS."""
    if convention not in ACTOR_CONVENTIONS:
        raise UsageError(f"actor convention must be one of {', '.join(ACTOR_CONVENTIONS)}, not {convention!r}")


def actor_from_order(value: int, convention: str = "readme") -> int:
    """Index (0 = P1, 1 = P2) of the actor given an interaction-order value.

    'readme': 0 -> P1 acts, 1 -> P2 acts. 'reversed': 0 -> P2, 1 -> P1.
    """
    check_convention(convention)
    return int(value) if convention == "readme" else 1 - int(value)


def order_from_actor(actor: int, convention: str = "readme") -> int:
    """The interaction-order value that `actor_from_order` maps back to `actor`."""
    return actor_from_order(actor, convention)  # the mapping is its own inverse
