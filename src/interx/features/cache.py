"""The preprocessing cache: compact arrays per split, memory-mapped, every representation derived on load.

Build with `build_cache` (or `ensure_cache`, which rebuilds only when needed),
read with `open_cache(path).split('test')`. Layout: `interx.features.layout`.
What a split gives per sequence i (T frames at 30 fps):

| accessor | shape | |
| --- | --- | --- |
| pose(i) | (T, 2, 55, 3) | axis-angle, official frame (read-only view of the file) |
| trans(i) | (T, 2, 3) | official frame |
| joints(i) | (T, 2, 55, 3) | official frame |
| canonical(i) | (4,) | (yaw, tx, ty, tz): official -> canonical frame |
| canonical_joints(i) | (T, 2, 55, 3) | P1 at the origin facing +z at frame 0, floor at y = 0 |
| official_56x6(i) | (T, 56, 6) | the official processed array |
| evaluator_672(i) | (T, 672) | the official evaluator input |
| intergen_262(i) | (T, 2, 262) | InterGen's feature (canonical frame) |
| item(i) | PairArrays | the compact arrays together |
| to_interaction(i) | Interaction | 30 fps, official frame, betas and genders of the files |

plus `names`, `texts`, `actions`, `lengths`, `groups`, `takes`, `repetitions`,
`familiarity`, `actors`, `genders`. Representations are documented in
`interx.features.representations`. A cache built with `body_only` holds zero
jaw, eye and hand rotations (flat hands) and the joints of that pose.

A cache is stale when the source's files changed (sizes or modification
times), the source moved, or it was made by another interx version;
`ensure_cache` also rebuilds when the options differ.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np

from interx import __version__
from interx.body.model import BodyModel, BuiltinBody
from interx.data.classes import ACTION_NAMES
from interx.data.safe_io import decode_utf8, read_text_bytes
from interx.data.splits import SPLITS
from interx.data.types import MODEL_FPS, Interaction, PersonMotion
from interx.errors import DataError, InterxError, UsageError
from interx.features import layout
from interx.features.build import BuildOptions, BuildSummary, body_name, build_cache, manifest_options
from interx.features.representations import (PairArrays, default_stat_features, evaluator_672, intergen_262,
                                              official_56x6)
from interx.features.frames import apply_transform
from interx.features.sources import Source

__all__ = ["Cache", "CacheSplit", "BuildSummary", "build_cache", "open_cache", "is_stale", "ensure_cache"]


def _load(path: Path, mmap: bool) -> np.ndarray:
    if not path.is_file():
        raise DataError("missing: the cache is incomplete", path)
    try:
        return np.load(path, mmap_mode="r" if mmap else None, allow_pickle=False)
    except (ValueError, OSError) as exc:
        raise DataError(f"unreadable cache array ({exc})", path) from None


class CacheSplit:
    """One split of a cache (see the module doc for the accessors)."""

    def __init__(self, folder: Path, name: str, fps: float = MODEL_FPS):
        self.folder, self.name, self.fps = folder, name, fps
        path = folder / layout.INDEX
        try:
            index = json.loads(decode_utf8(read_text_bytes(path, max_bytes=2 ** 30), path))
        except json.JSONDecodeError as exc:
            raise DataError(f"unreadable index ({exc})", path) from None
        small = {key: _load(folder / f"{key}.npy", mmap=False) for key in layout.SEQUENCE_ARRAYS}
        self.offsets, self.lengths, self.actions = small["offsets"], small["lengths"], small["actions"]
        self._canonical, self._rest_pelvis, self._betas = small["canonical"], small["rest_pelvis"], small["betas"]
        total = int(self.offsets[-1]) if len(self.offsets) else -1
        frames = {key: _load(folder / f"{key}.npy", mmap=total > 0) for key in layout.FRAME_ARRAYS}
        self._pose, self._trans, self._joints = frames["pose"], frames["trans"], frames["joints"]
        count = len(self.lengths)
        self.names: tuple[str, ...] = tuple(index.get("names", ()))
        self.texts: tuple[tuple[str, ...], ...] = tuple(tuple(t) for t in index.get("texts", ()))
        self.groups: tuple[int, ...] = tuple(index.get("groups", ()))
        self.takes: tuple[int, ...] = tuple(index.get("takes", ()))
        self.repetitions: tuple[int, ...] = tuple(index.get("repetitions", ()))
        self.familiarity: tuple[int | None, ...] = tuple(index.get("familiarity", ()))
        self.actors: tuple[int | None, ...] = tuple(index.get("actors", ()))
        self.genders: tuple[tuple[str, str], ...] = tuple(tuple(g) for g in index.get("genders", ()))
        consistent = (
            len(self.offsets) == count + 1 and np.array_equal(np.diff(self.offsets), self.lengths)
            and self._pose.shape == (total, 2, 55, 3) and self._joints.shape == (total, 2, 55, 3)
            and self._trans.shape == (total, 2, 3) and self.actions.shape == (count,)
            and self._canonical.shape == (count, 4) and self._rest_pelvis.shape == (count, 2, 3)
            and self._betas.shape == (count, 2, layout.NUM_BETAS)
            and all(len(x) == count for x in (self.names, self.texts, self.groups, self.takes, self.repetitions,
                                              self.familiarity, self.actors, self.genders))
        )
        if not consistent:
            raise DataError(f"split {name}: arrays and index disagree in size; rebuild the cache", folder)

    def __repr__(self) -> str:
        return f"CacheSplit({self.name!r}, {len(self)} sequences, {int(self.offsets[-1])} frames)"

    def __len__(self) -> int:
        return len(self.lengths)

    @cached_property
    def _positions(self) -> dict[str, int]:
        return {name: i for i, name in enumerate(self.names)}

    def index_of(self, name: str) -> int:
        if name not in self._positions:
            raise UsageError(f"no sequence {name} in split {self.name}")
        return self._positions[name]

    def frames(self, i: int) -> slice:
        """Where sequence i's frames sit in the split's frame arrays."""
        if not -len(self) <= i < len(self):
            raise IndexError(f"sequence {i} out of range for split {self.name} ({len(self)} sequences)")
        i %= len(self)
        return slice(int(self.offsets[i]), int(self.offsets[i + 1]))

    def pose(self, i: int) -> np.ndarray:
        return self._pose[self.frames(i)]

    def trans(self, i: int) -> np.ndarray:
        return self._trans[self.frames(i)]

    def joints(self, i: int) -> np.ndarray:
        return self._joints[self.frames(i)]

    def canonical(self, i: int) -> np.ndarray:
        return self._canonical[i]

    def rest_pelvis(self, i: int) -> np.ndarray:
        return self._rest_pelvis[i]

    def betas(self, i: int) -> np.ndarray:
        return self._betas[i]

    def item(self, i: int) -> PairArrays:
        return PairArrays(pose=self.pose(i), trans=self.trans(i), joints=self.joints(i),
                          canonical=self.canonical(i), rest_pelvis=self.rest_pelvis(i))

    def canonical_joints(self, i: int) -> np.ndarray:
        return apply_transform(self.joints(i), self.canonical(i))

    def official_56x6(self, i: int) -> np.ndarray:
        return official_56x6(self.pose(i), self.trans(i))

    def evaluator_672(self, i: int) -> np.ndarray:
        return evaluator_672(self.pose(i), self.trans(i))

    def intergen_262(self, i: int) -> np.ndarray:
        return intergen_262(self.pose(i), self.canonical_joints(i))

    def to_interaction(self, i: int) -> Interaction:
        """The sequence at 30 fps in the official frame (genders and betas as in the source files)."""
        pose, trans = np.array(self.pose(i)), np.array(self.trans(i))
        persons = tuple(PersonMotion.from_full_pose(pose[:, k], trans[:, k], self._betas[i, k], self.genders[i][k],
                                                    fps=self.fps) for k in range(2))
        return Interaction(name=self.names[i], persons=persons, texts=self.texts[i], action=int(self.actions[i]),
                           familiarity=self.familiarity[i], actor=self.actors[i],
                           meta={"split": self.name, "frame": "official"})


class Cache:
    """An opened cache: its manifest, splits (opened on first use) and train statistics."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self.manifest = layout.read_manifest(self.path)
        self._splits: dict[str, CacheSplit] = {}

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r})"

    @property
    def options(self) -> BuildOptions:
        return manifest_options(self.manifest)

    @property
    def splits(self) -> tuple[str, ...]:
        return tuple(s for s in SPLITS if (self.path / s).is_dir())

    @property
    def action_names(self) -> tuple[str, ...]:
        return tuple(self.manifest.get("action_names") or ACTION_NAMES)

    def split(self, name: str) -> CacheSplit:
        if name not in self._splits:
            if name not in self.splits:
                raise UsageError(f"split must be one of {', '.join(self.splits)}, not {name!r}")
            self._splits[name] = CacheSplit(self.path / name, name, float(self.options.fps))
        return self._splits[name]

    @cached_property
    def stats(self) -> dict[str, np.ndarray]:
        """Train statistics: {'<representation>_mean', '_std', '_count'} (see interx.features.normalize)."""
        with np.load(self.path / layout.STATS, allow_pickle=False) as data:
            return {key: data[key] for key in data.files}


def open_cache(path: Path | str) -> Cache:
    """Open a complete cache (DataError when there is none at `path`)."""
    return Cache(path)


def is_stale(cache: Cache | Path | str, root: Path | str | None = None) -> bool:
    """True when the cache no longer matches its source (`root`, default: the source it records).

    Stale: no complete cache, another interx version, a source at another path
    or of another kind, or any source file added, removed, resized or touched.
    """
    try:
        manifest = cache.manifest if isinstance(cache, Cache) else layout.read_manifest(cache)
        source = Source(manifest["source"] if root is None else root, manifest["options"]["split_set"])
    except (InterxError, KeyError, TypeError):
        return True
    return (manifest.get("interx_version") != __version__ or str(source.root) != manifest.get("source")
            or source.kind != manifest.get("source_kind") or source.fingerprint() != manifest.get("fingerprint"))


def ensure_cache(root: Path | str, out: Path | str, body: BodyModel | None = None, split_set: str = "official",
                 workers: int = 1, body_only: bool = False, progress=None, strict: bool = False,
                 neutral: bool = False, stat_features=None) -> Cache:
    """The cache at `out` for `root`, rebuilt first (`build_cache`, same arguments) when stale or made
    with other options."""
    body = BuiltinBody() if body is None else body
    features = default_stat_features() if stat_features is None else dict(stat_features)
    wanted = BuildOptions(split_set=split_set, body=body_name(body), neutral=neutral, body_only=body_only,
                          stat_features=tuple(features))
    if layout.is_cache_dir(out) and not is_stale(out, root):
        cache = open_cache(out)
        if cache.options == wanted:
            return cache
    build_cache(root, out, body=body, split_set=split_set, workers=workers, body_only=body_only, progress=progress,
                strict=strict, neutral=neutral, stat_features=features)
    return open_cache(out)
