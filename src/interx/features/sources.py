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

    def fingerprint_files(self) -> Iterator[Path]:
        """Every file a cache built from this source depends on."""
        folders = ((proc.MOTIONS_DIR, proc.TEXTS_DIR) if self.kind == "processed"
                   else (raw.MOTIONS_DIR, raw.TEXTS_DIR, SPLITS_DIR, ANNOTS_DIR))
        for folder in folders:
            yield from _walk(self.root / folder)

    def fingerprint(self) -> str:
        """sha256 over (relative path, size, mtime in ns) of every file `fingerprint_files` lists, sorted."""
        entries = []
        for path in self.fingerprint_files():
            info = path.stat()
            entries.append(f"{path.relative_to(self.root).as_posix()}\t{info.st_size}\t{info.st_mtime_ns}")
        digest = hashlib.sha256()
        for entry in sorted(entries):
            digest.update(entry.encode("utf-8", "surrogateescape") + b"\n")
        return digest.hexdigest()


def _walk(folder: Path) -> Iterator[Path]:
    """Regular files under `folder` (recursively; symlinks not followed into folders)."""
    if not folder.is_dir():
        return
    stack = [folder]
    while stack:
        with os.scandir(stack.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(Path(entry.path))
                elif entry.is_file():
                    yield Path(entry.path)
