"""The two kinds of folder a cache is built from, behind one small interface.

- 'raw': the raw release layout (`interx.data.raw`): SMPL-X npz per person at
  their own rate, texts, official and cross-group splits, annotations.
- 'processed': the official processed layout (`interx.data.processed`):
  (T, 56, 6) at 30 fps per split file; texts are the captions of
  texts_processed; betas are zero and gender neutral; only the official
  split exists there, and no familiarity or actor annotations.

A source lists its splits, reads one sequence as an `Interaction`, and names
the files whose sizes and modification times fingerprint it.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

from interx.data import processed as proc
from interx.data import raw
from interx.data.annotations import ANNOTS_DIR
from interx.data.classes import ACTION_NAMES
from interx.data.splits import SPLIT_SETS, SPLITS, SPLITS_DIR
from interx.data.types import Interaction
from interx.errors import DataError, UsageError

SOURCE_KINDS = ("raw", "processed")


def source_kind(root: Path | str) -> str:
    """'processed' when ROOT holds motions/{train,val,test}.h5, 'raw' when it holds motions/<seq>/."""
    root = Path(root)
    if not root.is_dir():
        raise DataError("no such folder", root)
    if proc.is_processed_release(root):
        return "processed"
    if (root / raw.MOTIONS_DIR).is_dir():
        return "raw"
    raise DataError(f"neither a raw release (no {raw.MOTIONS_DIR}/ folder) nor a processed one "
                    f"(no {proc.MOTIONS_DIR}/{{train,val,test}}.h5)", root)


class Source:
    """A release to read from; `kind` is 'raw' or 'processed'."""

    def __init__(self, root: Path | str, split_set: str = "official"):
        if split_set not in SPLIT_SETS:
            raise UsageError(f"split set must be one of {', '.join(SPLIT_SETS)}, not {split_set!r}")
        self.root = Path(root).resolve()
        self.kind = source_kind(self.root)
        self.split_set = split_set
        if self.kind == "processed":
            if split_set != "official":
                raise UsageError(f"{self.root} is a processed release: it holds only the official split, "
                                 f"not {split_set!r}")
            self._processed = proc.ProcessedRelease(self.root)
        else:
            self._raw = raw.RawRelease(self.root)

    def __repr__(self) -> str:
        return f"Source({str(self.root)!r}, kind={self.kind!r}, split_set={self.split_set!r})"

    def splits(self) -> dict[str, list[str]]:
        """{split: names in file order} for train/val/test (a raw release must have all three files)."""
        if self.kind == "processed":
            return {split: self._processed.split(split) for split in SPLITS}
        return {split: self._raw.split(split, self.split_set) for split in SPLITS}

    @property
    def action_names(self) -> tuple[str, ...]:
        return self._raw.action_names if self.kind == "raw" else ACTION_NAMES

    def read(self, name: str) -> Interaction:
        """One sequence with texts and annotations (DataError when missing or malformed)."""
        if self.kind == "processed":
            return self._processed.read(name)
        return self._raw.read(name)

    def fingerprint_entries(self) -> Iterator[tuple[str, int, int]]:
        """(path relative to the root, size, mtime in ns) of every file a cache built from here depends on."""
        folders = ((proc.MOTIONS_DIR, proc.TEXTS_DIR) if self.kind == "processed"
                   else (raw.MOTIONS_DIR, raw.TEXTS_DIR, SPLITS_DIR, ANNOTS_DIR))
        for folder in folders:
            yield from _walk(self.root, folder)

    def fingerprint(self) -> str:
        """sha256 over the sorted `fingerprint_entries`: any file added, removed, resized or touched changes it."""
        digest = hashlib.sha256()
        for path, size, mtime in sorted(self.fingerprint_entries()):
            digest.update(f"{path}\t{size}\t{mtime}\n".encode("utf-8", "surrogateescape"))
        return digest.hexdigest()


def _walk(root: Path, folder: str) -> Iterator[tuple[str, int, int]]:
    """(relative path, size, mtime ns) of the regular files under root/folder (symlinked folders not entered)."""
    stack = [folder]
    while stack:
        relative = stack.pop()
        try:
            entries = list(os.scandir(os.path.join(root, relative)))
        except (FileNotFoundError, NotADirectoryError):
            continue
        for entry in entries:
            name = f"{relative}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                stack.append(name)
            elif entry.is_file():
                info = entry.stat()
                yield name, info.st_size, info.st_mtime_ns
