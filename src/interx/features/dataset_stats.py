"""Counts and length distribution of a release (raw or processed) or of a cache, for `interx stats`.

For a cache everything comes from its index (lengths at 30 fps, after the
official length filter). For a raw release lengths come from the header of
each P1.npz's `trans` array (and its `mocap_framerate`, absent = 120 fps), so
no motion data is read; texts are counted from texts/. For a processed release
lengths are the HDF5 datasets' shapes and texts the captions of
texts_processed. A sequence whose length cannot be read is counted as
unreadable (run `interx validate` for the reason).
"""

from __future__ import annotations

import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.lib.format as npy_format

from interx.data import processed as proc
from interx.data import raw
from interx.data.names import parse_name
from interx.data.types import MODEL_FPS, RAW_FPS
from interx.errors import DataError
from interx.features import layout
from interx.features.sources import Source

NUM_CLASSES = 40


@dataclass
class SplitStats:
    """One split: per-sequence action, length in seconds (NaN when unreadable) and number of texts."""

    actions: np.ndarray
    seconds: np.ndarray
    texts: np.ndarray

    @property
    def sequences(self) -> int:
        return len(self.actions)

    @property
    def unreadable(self) -> int:
        return int(np.isnan(self.seconds).sum())

    def per_class(self, num_classes: int = NUM_CLASSES) -> np.ndarray:
        """(num_classes,) sequences per class id."""
        return np.bincount(self.actions, minlength=num_classes)[:num_classes]

    def lengths(self) -> dict[str, float]:
        """min, mean, median, max length in seconds over the readable sequences (NaN when none)."""
        seconds = self.seconds[~np.isnan(self.seconds)]
        if not len(seconds):
            return {key: math.nan for key in ("min", "mean", "median", "max")}
        return {"min": float(seconds.min()), "mean": float(seconds.mean()), "median": float(np.median(seconds)),
                "max": float(seconds.max())}

    def texts_per_sequence(self) -> dict[str, float]:
        """min, mean, max texts per sequence, and how many sequences have none."""
        if not len(self.texts):
            return {"min": math.nan, "mean": math.nan, "max": math.nan, "none": 0}
        return {"min": float(self.texts.min()), "mean": float(self.texts.mean()), "max": float(self.texts.max()),
                "none": int((self.texts == 0).sum())}


@dataclass
class DatasetStats:
    """Statistics of a folder: `kind` is 'cache', 'raw' or 'processed'."""

    path: str
    kind: str
    action_names: tuple[str, ...]
    splits: dict[str, SplitStats] = field(default_factory=dict)


def _split_stats(actions, seconds, texts) -> SplitStats:
    return SplitStats(np.asarray(actions, dtype=np.int64), np.asarray(seconds, dtype=np.float64),
                      np.asarray(texts, dtype=np.int64))


def _header(fp) -> tuple[tuple[int, ...], np.dtype]:
    version = npy_format.read_magic(fp)
    reader = npy_format.read_array_header_2_0 if version == (2, 0) else npy_format.read_array_header_1_0
    shape, _, dtype = reader(fp)
    return tuple(shape), dtype


def npz_length_seconds(path: Path) -> float:
    """Duration of a person file from array headers only: trans frames / mocap_framerate (120 when absent)."""
    try:
        with zipfile.ZipFile(path) as zf:
            with zf.open("trans.npy") as fp:
                shape, _ = _header(fp)
            fps = RAW_FPS
            if "mocap_framerate.npy" in zf.namelist():
                with zf.open("mocap_framerate.npy") as fp:
                    rate_shape, dtype = _header(fp)
                with zf.open("mocap_framerate.npy") as fp:
                    if math.prod(rate_shape) != 1 or dtype.kind not in "fiu":
                        return math.nan
                    fps = float(npy_format.read_array(fp, allow_pickle=False).reshape(-1)[0])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile, EOFError, SyntaxError, TypeError):
        return math.nan
    if len(shape) != 2 or not (math.isfinite(fps) and fps > 0):
        return math.nan
    return shape[0] / fps


def _count_lines(path: Path) -> int:
    try:
        return len(raw.read_texts(path)) if path.exists() else 0
    except DataError:
        return 0


def _count_captions(release: proc.ProcessedRelease, name: str) -> int:
    try:
        return len(release.processed_texts(name))
    except DataError:
        return 0


def cache_stats(path: Path | str) -> DatasetStats:
    from interx.features.cache import open_cache

    cache = open_cache(path)
    out = DatasetStats(str(cache.path), "cache", cache.action_names)
    for split in cache.splits:
        data = cache.split(split)
        out.splits[split] = _split_stats(data.actions, data.lengths / cache.options.fps,
                                         [len(t) for t in data.texts])
    return out


def release_stats(root: Path | str, split_set: str = "official") -> DatasetStats:
    source = Source(root, split_set)
    out = DatasetStats(str(source.root), source.kind, source.action_names)
    for split, names in source.splits().items():
        actions = [parse_name(name).action for name in names]
        if source.kind == "raw":
            seconds = [npz_length_seconds(raw.sequence_paths(source.root, n)["P1"]) for n in names]
            texts = [_count_lines(raw.sequence_paths(source.root, n)["text"]) for n in names]
        else:
            release = proc.ProcessedRelease(source.root)
            seconds = _processed_lengths(source.root, split, names)
            texts = [_count_captions(release, name) for name in names]
        out.splits[split] = _split_stats(actions, seconds, texts)
    return out


def _processed_lengths(root: Path, split: str, names: list[str]) -> list[float]:
    """Seconds per sequence from dataset shapes (links and non-datasets count as unreadable)."""
    import h5py

    path = root / proc.MOTIONS_DIR / f"{split}.h5"
    if not names:
        return []
    with proc.open_h5(path) as h5file:
        seconds = []
        for name in names:
            link = h5file.get(name, getlink=True)
            node = h5file[name] if isinstance(link, h5py.HardLink) else None
            ok = isinstance(node, h5py.Dataset) and len(node.shape) == 3
            seconds.append(node.shape[0] / MODEL_FPS if ok else math.nan)
    return seconds


def dataset_stats(path: Path | str, split_set: str = "official") -> DatasetStats:
    """Statistics of a cache (a folder with a manifest) or of a release (raw or processed)."""
    return cache_stats(path) if layout.is_cache_dir(path) else release_stats(path, split_set)
