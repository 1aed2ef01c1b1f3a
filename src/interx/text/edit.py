"""Edits of descriptions that follow edits of the motion.

`swap_left_right` is the text side of mirror augmentation: a motion reflected
left <-> right is described with "left" and "right" exchanged (whole words,
with their -ward/-wards forms; the case of the first letter and all-capitals
are kept). Like InterGen, every "right" is swapped, including the rare
"right" that means "correct".
"""

from __future__ import annotations

import re

_SIDE = re.compile(r"\b(left|right)(wards?)?\b", re.IGNORECASE)
_OTHER = {"left": "right", "right": "left"}


def _swap(match: re.Match) -> str:
    word, suffix = match.group(1), match.group(2) or ""
    other = _OTHER[word.lower()]
    if word.isupper():
        other = other.upper()
    elif word[0].isupper():
        other = other.capitalize()
    return other + suffix


def swap_left_right(text: str) -> str:
    """`text` with the words left and right exchanged (see the module doc)."""
    return _SIDE.sub(_swap, text)
