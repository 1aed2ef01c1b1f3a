"""Where clips come from: Inter-X folders, caches and generated outputs, behind one interface.

A collection lists sequence names, describes one (class, group, familiarity,
texts) and turns it into a `MotionClip`. Kinds:

- a raw release folder, or a folder of generated outputs, which has the same
  layout (ROOT/motions/SEQ/P1.npz, P2.npz; texts and annotations optional);
- an official processed release (ROOT/motions/{train,val,test}.h5);
- a cache built by `interx.features` (CACHE/manifest.json), one split or all.

Addressing one clip (`interx render INPUT`):

- `ROOT/motions/SEQ`: a sequence folder (release or generated output);
- `ROOT:SEQ`: a sequence of a release (raw or processed);
- `CACHE:SPLIT:SEQ` (or `CACHE:SEQ`, searching every split): a cache entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Protocol

import numpy as np

from interx.body.model import BodyModel, interaction_joints
from interx.data.classes import ACTION_NAMES
from interx.data.names import parse_name
from interx.data.types import Interaction
from interx.errors import DataError, UsageError
from interx.viz.clip import MotionClip


@dataclass(frozen=True)
class EntryInfo:
    """What a viewer shows about a sequence besides its motion."""

    name: str
    action: int
    class_name: str
    group: int
    familiarity: int | None
    texts: tuple[str, ...]


class Collection(Protocol):
    root: Path
    label: str
    action_names: tuple[str, ...]

    @property
    def names(self) -> list[str]:
        """Sorted sequence names."""

    def __contains__(self, name: object) -> bool:
        """Whether the collection holds sequence `name`."""

    def info(self, name: str) -> EntryInfo:
        """The sequence's annotations."""

    def clip(self, name: str, title: str | None = None) -> MotionClip:
        """The sequence's joints at its own frame rate (DataError when missing or malformed)."""

    def interaction(self, name: str) -> Interaction:
        """The sequence's SMPL-X parameters (for meshes)."""


def _class_name(action: int, names: tuple[str, ...]) -> str:
    return names[action] if 0 <= action < len(names) else f"class {action}"


def _check_member(collection: Collection, name: str) -> None:
    parse_name(name, source=str(collection.root))
    if name not in collection:
        raise DataError(f"no sequence {name} in {collection.label}", collection.root)


def interaction_clip(interaction: Interaction, title: str, body: BodyModel | None = None) -> MotionClip:
    """World joints of an interaction, at its frame rate, as a clip."""
    return MotionClip(interaction_joints(interaction, body), interaction.fps, title, interaction.texts)


class ReleaseCollection:
    """A raw release, a folder of generated outputs (same layout) or a processed release."""

    def __init__(self, root: Path | str, body: BodyModel | None = None):
        from interx.data.processed import ProcessedRelease, is_processed_release
        from interx.data.raw import MOTIONS_DIR, RawRelease

        self.root = Path(root)
        if is_processed_release(self.root):
            self._release = ProcessedRelease(self.root)
            self._familiarity: dict[int, int] = {}
            self.action_names = ACTION_NAMES
        elif (self.root / MOTIONS_DIR).is_dir():
            self._release = RawRelease(self.root)
            self._familiarity = self._release.familiarity
            self.action_names = self._release.action_names
        else:
            raise DataError(f"not an Inter-X folder (no {MOTIONS_DIR}/), processed release or cache", self.root)
        self.label = self.root.resolve().name
        self.body = body

    @property
    def names(self) -> list[str]:
        return self._release.names

    @cached_property
    def _members(self) -> frozenset[str]:
        return frozenset(self._release.names)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def info(self, name: str) -> EntryInfo:
        _check_member(self, name)
        seq = parse_name(name)
        return EntryInfo(name, seq.action, _class_name(seq.action, self.action_names), seq.group,
                         self._familiarity.get(seq.group), self._release.texts(name))

    def clip(self, name: str, title: str | None = None) -> MotionClip:
        return interaction_clip(self.interaction(name), self.label if title is None else title, self.body)

    def interaction(self, name: str) -> Interaction:
        _check_member(self, name)
        return self._release.read(name)


class CacheCollection:
    """The sequences of a cache built by `interx.features` (cached joints, official frame, 30 fps)."""

    def __init__(self, cache_dir: Path | str, split: str | None = None):
        from interx.features.cache import open_cache

        self.root = Path(cache_dir)
        self._cache = open_cache(self.root)
        self._splits = {s: self._cache.split(s) for s in ([split] if split else self._cache.splits)}
        self._where = {name: (s, i) for s, data in self._splits.items() for i, name in enumerate(data.names)}
        self.label = self.root.resolve().name if split is None else f"{self.root.resolve().name}:{split}"
        self.action_names = self._cache.action_names
        self._names = sorted(self._where)

    @property
    def names(self) -> list[str]:
        return list(self._names)

    def __contains__(self, name: object) -> bool:
        return name in self._where

    def _locate(self, name: str):
        _check_member(self, name)
        split, i = self._where[name]
        return self._splits[split], i

    def info(self, name: str) -> EntryInfo:
        data, i = self._locate(name)
        action = int(data.actions[i])
        return EntryInfo(name, action, _class_name(action, self.action_names), int(data.groups[i]),
                         data.familiarity[i], tuple(data.texts[i]))

    def clip(self, name: str, title: str | None = None) -> MotionClip:
        data, i = self._locate(name)
        return MotionClip(np.array(data.joints(i)), data.fps, self.label if title is None else title,
                          tuple(data.texts[i]))

    def interaction(self, name: str) -> Interaction:
        data, i = self._locate(name)
        return data.to_interaction(i)


def is_cache(path: Path) -> bool:
    from interx.features.layout import is_cache_dir

    return is_cache_dir(path)


def open_collection(path: Path | str, body: BodyModel | None = None, split: str | None = None) -> Collection:
    """The collection at `path`: a cache when it holds manifest.json, else a release or output folder."""
    path = Path(path)
    if not path.is_dir():
        raise DataError("no such folder", path)
    if is_cache(path):
        return CacheCollection(path, split)
    if split is not None:
        raise UsageError(f"{path}: a split ({split}) can only be named for a cache")
    return ReleaseCollection(path, body)


def load_clip(spec: str, body: BodyModel | None = None, title: str | None = None) -> MotionClip:
    """The clip a command line names (module docstring: folder, ROOT:SEQ or CACHE[:SPLIT]:SEQ)."""
    from interx.data.raw import MOTIONS_DIR, read_interaction

    path = Path(spec)
    if path.is_dir():
        if path.parent.name != MOTIONS_DIR:
            raise DataError(f"not a sequence folder (expected ROOT/{MOTIONS_DIR}/SEQ); "
                            f"name a sequence of a folder as ROOT:SEQ", path)
        interaction = read_interaction(path)
        label = path.resolve().parent.parent.name
        return interaction_clip(interaction, label if title is None else title, body)
    parts = spec.split(":")
    if len(parts) >= 2 and Path(":".join(parts[:-1])).is_dir():
        return open_collection(":".join(parts[:-1]), body).clip(parts[-1], title)
    if len(parts) >= 3 and is_cache(Path(":".join(parts[:-2]))):
        return open_collection(":".join(parts[:-2]), body, split=parts[-2]).clip(parts[-1], title)
    raise DataError("no such sequence folder, ROOT:SEQ or CACHE:SPLIT:SEQ", spec)
