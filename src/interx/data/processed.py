"""The official processed Inter-X release: reading and writing it.

```
ROOT/
  motions/train.h5, val.h5, test.h5   one float32 dataset per sequence name, (T, 56, 6) at 30 fps
  texts_processed/<seq>.txt           "caption#word/POS word/POS ...#0.0#0.0" per line
```

Rows of (T, 56, 6): 0 root orientation, 1-21 body, 22 jaw, 23-24 eyes, 25-39
left hand, 40-54 right hand (axis-angle), 55 root translation (meters);
channels 0:3 are P1, 3:6 P2. The official processing wrote the translations
floor-aligned with P1's frame-0 translation subtracted; these functions store
whatever motion they are given (making that frame is `interx.features`' job).
As Interactions, processed sequences are at 30 fps with zero betas, neutral.

HDF5 soft and external links, external raw storage and virtual datasets are
refused: a processed file may only hold its own data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from interx.data.names import parse_name
from interx.data.safe_io import (MAX_ELEMENTS, FormatError, atomic_path, decode_utf8, prepare_output_dir,
                                 read_text_bytes, write_text)
from interx.data.types import MODEL_FPS, Interaction, PersonMotion
from interx.errors import DataError, UsageError

MOTIONS_DIR = "motions"
TEXTS_DIR = "texts_processed"
SPLITS = ("train", "val", "test")
ROWS = 56          # 55 joint rotations + 1 translation row
TRANS_ROW = 55
CHANNELS = 6       # P1 xyz, P2 xyz


@dataclass(frozen=True)
class ProcessedText:
    """One line of texts_processed: caption, 'word/POS' tokens, start and end times (0.0 = whole clip)."""

    caption: str
    tokens: tuple[str, ...]
    start: float = 0.0
    end: float = 0.0


# ---------------------------------------------------------------------------------------
# Texts


def parse_text_line(line: str, path: Path | str, number: int) -> ProcessedText:
    """Parse 'caption#tokens#start#end' (a '#' inside the caption is kept)."""
    fields = line.rsplit("#", 3)
    expected = "caption#word/POS ...#start#end"
    if len(fields) != 4 or not fields[0].strip():
        raise FormatError(f"line {number} has {len(fields)} '#'-separated fields", expected, path)
    caption, token_text, start, end = fields
    tokens = tuple(t for t in token_text.split(" ") if t)
    if any(t.count("/") != 1 for t in tokens):
        raise FormatError(f"line {number} has a token that is not word/POS", expected, path)
    try:
        times = [float(start), float(end)]
    except ValueError:
        raise FormatError(f"line {number} has times {start!r}, {end!r}", expected, path) from None
    times = [0.0 if np.isnan(t) else t for t in times]
    return ProcessedText(caption.strip(), tokens, times[0], times[1])


def read_processed_texts(path: Path | str) -> tuple[ProcessedText, ...]:
    """All lines of a texts_processed file; empty, non-UTF-8 or malformed is a FormatError."""
    path = Path(path)
    lines = decode_utf8(read_text_bytes(path), path).split("\n")
    texts = tuple(parse_text_line(line.rstrip("\r"), path, n) for n, line in enumerate(lines, 1) if line.strip())
    if not texts:
        raise FormatError("no text", "at least one caption line", path)
    return texts


def placeholder_tokens(caption: str) -> tuple[str, ...]:
    """Tokens for a caption when no tagger is at hand: lower-cased words tagged 'OTHER'.

    The official processing lemmatises and POS-tags with spaCy; the evaluator
    maps an 'OTHER' tag to its own one-hot class, so these files stay readable by it.
    """
    return tuple(f"{w.lower()}/OTHER" for w in re.findall(r"[A-Za-z]+", caption.replace("-", "")))


def write_processed_texts(path: Path | str, texts: Sequence[ProcessedText | str], overwrite: bool = False,
                          durable: bool = True) -> None:
    """Write caption lines; plain strings get `placeholder_tokens`."""
    lines = []
    for text in texts:
        if isinstance(text, str):
            text = ProcessedText(text.strip(), placeholder_tokens(text))
        if not text.caption or any(c in text.caption for c in "#\n\r"):
            raise UsageError(f"caption {text.caption!r} must be a non-empty line without '#'")
        lines.append(f"{text.caption}#{' '.join(text.tokens)}#{text.start!r}#{text.end!r}\n")
    if not lines:
        raise UsageError(f"no captions for {Path(path).name}")
    write_text(path, "".join(lines), overwrite=overwrite, durable=durable)


# ---------------------------------------------------------------------------------------
# Motions


def to_processed(interaction: Interaction) -> np.ndarray:
    """(T, 56, 6) float32 of a 30 fps interaction (jaw and eyes zero where absent)."""
    if interaction.fps != MODEL_FPS:
        raise UsageError(f"{interaction.name} is at {interaction.fps:g} fps; the processed format holds "
                         f"{MODEL_FPS:g} fps (resample first)")
    p1, p2 = interaction.persons
    if p1.num_frames != p2.num_frames:
        raise UsageError(f"{interaction.name}: P1 and P2 have different frame counts")
    motion = np.zeros((p1.num_frames, ROWS, CHANNELS), dtype=np.float32)
    for channel, person in zip((0, 3), (p1, p2)):
        motion[:, :TRANS_ROW, channel:channel + 3] = person.full_pose()
        motion[:, TRANS_ROW, channel:channel + 3] = person.trans
    return motion


def from_processed(name: str, motion: np.ndarray, texts: Sequence[str] = (), meta: dict | None = None) -> Interaction:
    """An Interaction (30 fps, zero betas, neutral) from a (T, 56, 6) processed motion."""
    seq = parse_name(name)
    motion = np.asarray(motion, dtype=np.float32)
    persons = tuple(
        PersonMotion.from_full_pose(motion[:, :TRANS_ROW, c:c + 3], motion[:, TRANS_ROW, c:c + 3], fps=MODEL_FPS)
        for c in (0, 3)
    )
    return Interaction(name=name, persons=persons, texts=tuple(texts), action=seq.action, meta=dict(meta or {}))


def open_h5(path: Path | str):
    """Open an HDF5 file read-only; an unreadable file is a FormatError. Use as a context manager."""
    import h5py

    path = Path(path)
    if not path.is_file():
        raise FormatError("file missing", "an HDF5 file", path)
    try:
        return h5py.File(path, "r")
    except OSError as exc:
        raise FormatError(f"unreadable HDF5 ({exc})", "a valid HDF5 file", path) from None


def read_entry(h5file, key: str, path: Path | str, max_elements: int = MAX_ELEMENTS) -> np.ndarray:
    """One sequence's (T, 56, 6) float32 from an open split file, checked before its data is read.

    Refused: a bad name, a soft or external link, a group, external or virtual
    storage, a wrong shape or dtype, more than `max_elements` elements.
    """
    import h5py

    path = Path(path)
    parse_name(key, source=str(path))
    link = h5file.get(key, getlink=True)
    if isinstance(link, (h5py.SoftLink, h5py.ExternalLink)):
        raise FormatError(f"{key} is an HDF5 {type(link).__name__}", "datasets stored in this file", path)
    node = h5file[key]
    if not isinstance(node, h5py.Dataset):
        raise FormatError(f"{key} is a group", "one dataset per sequence", path)
    if node.external or node.is_virtual:
        raise FormatError(f"{key} keeps its data outside this file", "datasets stored in this file", path)
    if len(node.shape) != 3 or node.shape[1:] != (ROWS, CHANNELS):
        raise FormatError(f"{key} has shape {node.shape}", f"(T, {ROWS}, {CHANNELS})", path)
    if node.dtype.kind not in "fiu":
        raise FormatError(f"{key} has dtype {node.dtype}", "real numbers", path)
    if node.size > max_elements:
        raise FormatError(f"{key} declares {node.size} elements", f"at most {max_elements}", path)
    try:
        return np.asarray(node[()], dtype=np.float32)
    except OSError as exc:
        raise FormatError(f"{key} is unreadable ({exc})", "a readable dataset", path) from None


def read_split_file(path: Path | str, max_elements: int = MAX_ELEMENTS) -> Iterator[tuple[str, np.ndarray]]:
    """Stream (name, (T, 56, 6) float32) from a processed split file, in sorted name order."""
    with open_h5(path) as h5file:
        for key in sorted(h5file.keys()):
            yield key, read_entry(h5file, key, path, max_elements)


def split_file_names(path: Path | str) -> list[str]:
    """Sorted dataset names of a processed split file (not yet checked)."""
    with open_h5(path) as h5file:
        return sorted(h5file.keys())


def is_processed_release(root: Path | str) -> bool:
    return any((Path(root) / MOTIONS_DIR / f"{s}.h5").is_file() for s in SPLITS)


class ProcessedRelease:
    """An official processed Inter-X folder; which split holds a name is learned once."""

    def __init__(self, root: Path | str, max_elements: int = MAX_ELEMENTS):
        self.root = Path(root)
        if not is_processed_release(self.root):
            raise DataError(f"no {MOTIONS_DIR}/{{{','.join(SPLITS)}}}.h5 here", self.root)
        self.max_elements = max_elements

    def __repr__(self) -> str:
        return f"ProcessedRelease({str(self.root)!r})"

    def split_path(self, split: str) -> Path:
        if split not in SPLITS:
            raise UsageError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
        return self.root / MOTIONS_DIR / f"{split}.h5"

    @cached_property
    def splits(self) -> dict[str, list[str]]:
        """{split: sorted names} for the split files present (names checked)."""
        out = {}
        for split in SPLITS:
            path = self.split_path(split)
            if path.is_file():
                out[split] = split_file_names(path)
                for name in out[split]:
                    parse_name(name, source=str(path))
        return out

    def split(self, split: str) -> list[str]:
        return list(self.splits.get(split, []))

    @cached_property
    def _split_of(self) -> dict[str, str]:
        return {name: split for split, names in self.splits.items() for name in names}

    @property
    def names(self) -> list[str]:
        return sorted(self._split_of)

    def __len__(self) -> int:
        return len(self._split_of)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    def text_path(self, name: str) -> Path:
        parse_name(name)
        return self.root / TEXTS_DIR / f"{name}.txt"

    def processed_texts(self, name: str) -> tuple[ProcessedText, ...]:
        """The sequence's caption lines; () when it has no texts_processed file."""
        path = self.text_path(name)
        return read_processed_texts(path) if path.exists() else ()

    def texts(self, name: str) -> tuple[str, ...]:
        return tuple(t.caption for t in self.processed_texts(name))

    def motion(self, name: str) -> np.ndarray:
        """(T, 56, 6) float32 at 30 fps."""
        parse_name(name)
        if name not in self._split_of:
            raise DataError(f"no sequence {name} in this processed release", self.root)
        path = self.split_path(self._split_of[name])
        with open_h5(path) as h5file:
            return read_entry(h5file, name, path, self.max_elements)

    def read(self, name: str) -> Interaction:
        """The sequence as an Interaction (30 fps, neutral, zero betas; split in meta)."""
        return from_processed(name, self.motion(name), self.texts(name), {"split": self._split_of.get(name)})


def write_processed(root: Path | str, splits: Mapping[str, Iterable[Interaction]], append: bool = False,
                    compress: bool = False) -> dict[str, list[str]]:
    """Write 30 fps interactions as a processed release; return {split: names written}.

    Each split file is built in a temporary file and renamed into place. A
    non-empty `root` is refused unless `append`; with `append` an existing split
    file's sequences are copied into the new one, and a name already present in
    any split is refused (nothing is rewritten).
    """
    import h5py

    root = prepare_output_dir(root, append)
    present = dict(ProcessedRelease(root)._split_of) if is_processed_release(root) else {}
    written: dict[str, list[str]] = {}
    for split, interactions in splits.items():
        if split not in SPLITS:
            raise UsageError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
        path = root / MOTIONS_DIR / f"{split}.h5"
        written[split] = []
        with atomic_path(path) as tmp, h5py.File(tmp, "w") as out:
            if path.exists():
                for key, motion in read_split_file(path):
                    out.create_dataset(key, data=motion, dtype="f4")
            for interaction in interactions:
                name = interaction.name
                parse_name(name)
                if name in present or name in out:
                    raise DataError(f"sequence {name} already exists; refusing to rewrite it", path)
                out.create_dataset(name, data=to_processed(interaction), dtype="f4",
                                   **({"compression": "gzip"} if compress else {}))
                if interaction.texts:
                    write_processed_texts(root / TEXTS_DIR / f"{name}.txt", interaction.texts, durable=False)
                written[split].append(name)
            os.sync()  # the texts on disk before the split file that names them is renamed into place
        present.update({name: split for name in written[split]})
    return written
