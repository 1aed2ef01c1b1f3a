"""The one exception type the toolkit raises for bad input.

Every message is one line that names the file (or sequence) and the problem,
so the CLI can print it as is and a user can grep for it.
"""

from __future__ import annotations

from pathlib import Path


class InterxError(Exception):
    """Bad input or a failed operation, described in one line."""

    def __init__(self, message: str, path: Path | str | None = None):
        message = " ".join(str(message).split())  # one line, always
        self.path = None if path is None else str(path)
        super().__init__(f"{self.path}: {message}" if self.path else message)


class DataError(InterxError):
    """A data file is missing, unreadable or malformed."""


class UsageError(InterxError):
    """The caller asked for something that cannot be done (maps to exit status 2)."""
