"""The raw Inter-X release: reading and writing its folder layout.

```
ROOT/
  motions/<seq>/P1.npz, P2.npz     SMPL-X parameters (table below), 120 fps unless `mocap_framerate`
  texts/<seq>.txt                  one description per line
  splits/{all,train,val,test}.txt  and splits/cross_group/{train,val,test}.txt (see `interx.data.splits`)
  annots/                          class names, big-five, familiarity, interaction order (`interx.data.annotations`)
  skeletons/<seq>/P1.npy, P2.npy   optional mocap markers (T, 64, 3)
```

Per-person npz keys (T frames); readers accept every variant, writers write the first:

| key | shape | |
| --- | --- | --- |
| root_orient | (T, 3) | axis-angle |
| pose_body | (T, 21, 3) or (T, 63) | axis-angle, joints 1-21 |
| pose_lhand, pose_rhand | (T, 15, 3) or (T, 45) | full axis-angle hands |
| trans | (T, 3) | meters |
| betas | (1, N) or (N,) | shape, N = 10 in the release |
| gender | () string | 'neutral', 'male' or 'female' |
| pose_jaw | (T, 3) | optional |
| pose_eye | (T, 6) or (T, 2, 3) | optional, left then right |
| face_expr | (T, E) | optional |
| mocap_framerate | () number | optional, frames per second; absent = 120 |

Arrays are written float32. A sequence is addressed by its motion folder
`ROOT/motions/SEQ`; its name is checked with `parse_name` before any path is built.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from functools import cached_property
from pathlib import Path

import numpy as np

from interx.data import annotations as ann
from interx.data.checks import pair_problems, person_problems
from interx.data.classes import ACTION_NAMES
from interx.data.names import parse_name
from interx.data.safe_io import (MAX_ELEMENTS, FormatError, decode_utf8, prepare_output_dir, read_npy, read_npz,
                                 read_text_bytes, write_npy, write_npz, write_text)
from interx.data.splits import SPLITS, read_split, split_path, write_split
from interx.data.types import GENDERS, RAW_FPS, Interaction, PersonMotion
from interx.errors import DataError, UsageError

MOTIONS_DIR = "motions"
TEXTS_DIR = "texts"
SKELETONS_DIR = "skeletons"
PERSON_FILES = ("P1.npz", "P2.npz")
MARKER_FILES = ("P1.npy", "P2.npy")
NUM_MARKERS = 64
REQUIRED_KEYS = ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans", "betas", "gender")
OPTIONAL_KEYS = ("pose_jaw", "pose_eye", "face_expr", "mocap_framerate")

# key -> accepted per-frame shapes; the first is the one PersonMotion holds.
_FRAME_SHAPES: dict[str, tuple[tuple[int, ...], ...]] = {
    "root_orient": ((3,),),
    "pose_body": ((21, 3), (63,)),
    "pose_lhand": ((15, 3), (45,)),
    "pose_rhand": ((15, 3), (45,)),
    "trans": ((3,),),
    "pose_jaw": ((3,),),
    "pose_eye": ((2, 3), (6,)),
}


# ---------------------------------------------------------------------------------------
# One person


def _numeric(array: np.ndarray, key: str, path: Path) -> np.ndarray:
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise FormatError(f"{key} has dtype {array.dtype}", "real numbers", path)
    return array.astype(np.float32)


def _shape_text(shapes: Sequence[tuple[int, ...]]) -> str:
    return " or ".join("(T, " + ", ".join(str(n) for n in s) + ")" for s in shapes)


def _per_frame(arrays: Mapping[str, np.ndarray], key: str, frames: int, path: Path) -> np.ndarray:
    """arrays[key] as float32 (frames, *canonical shape), any accepted variant."""
    array, shapes = arrays[key], _FRAME_SHAPES[key]
    if array.ndim == 0 or tuple(array.shape[1:]) not in shapes:
        raise FormatError(f"{key} has shape {array.shape}", _shape_text(shapes), path)
    if array.shape[0] != frames:
        raise FormatError(f"{key} has {array.shape[0]} frames", f"{frames} frames, as trans", path)
    return _numeric(array, key, path).reshape(frames, *shapes[0])


def _gender(array: np.ndarray, path: Path) -> str:
    if array.dtype.kind not in "US" or array.size != 1 or array.ndim > 1:
        raise FormatError(f"gender is a {array.dtype} array of shape {array.shape}", "a 0-d string", path)
    value = array.reshape(()).item()
    value = (value.decode("ascii", "replace") if isinstance(value, bytes) else value).strip().lower()
    if value not in GENDERS:
        raise FormatError(f"gender is {value!r}", ", ".join(repr(g) for g in GENDERS), path)
    return value


def person_from_arrays(arrays: Mapping[str, np.ndarray], path: Path | str) -> PersonMotion:
    """Build a PersonMotion from an npz's arrays, checking keys, shapes and dtypes (not values)."""
    path = Path(path)
    missing = [key for key in REQUIRED_KEYS if key not in arrays]
    if missing:
        raise FormatError(f"missing keys {', '.join(missing)}", f"keys {', '.join(REQUIRED_KEYS)}", path)
    trans = arrays["trans"]
    if trans.ndim != 2 or trans.shape[1] != 3:
        raise FormatError(f"trans has shape {trans.shape}", "(T, 3)", path)
    frames = trans.shape[0]
    betas = arrays["betas"]
    if not (betas.ndim == 1 or (betas.ndim == 2 and betas.shape[0] == 1)) or betas.size == 0:
        raise FormatError(f"betas has shape {betas.shape}", "(1, N) or (N,)", path)
    fps = RAW_FPS
    if "mocap_framerate" in arrays:
        rate = arrays["mocap_framerate"]
        _numeric(rate, "mocap_framerate", path)
        value = float(rate.reshape(-1)[0]) if rate.size == 1 else np.nan
        if not (np.isfinite(value) and value > 0):
            raise FormatError(f"mocap_framerate is {rate.tolist()!r}", "one positive number", path)
        fps = value
    optional = {key: _per_frame(arrays, key, frames, path) for key in ("pose_jaw", "pose_eye") if key in arrays}
    if "face_expr" in arrays:
        expr = arrays["face_expr"]
        if expr.ndim != 2 or expr.shape[0] != frames:
            raise FormatError(f"face_expr has shape {expr.shape}", f"(T, E) with T = {frames}", path)
        optional["face_expr"] = _numeric(expr, "face_expr", path)
    return PersonMotion(
        root_orient=_per_frame(arrays, "root_orient", frames, path),
        pose_body=_per_frame(arrays, "pose_body", frames, path),
        pose_lhand=_per_frame(arrays, "pose_lhand", frames, path),
        pose_rhand=_per_frame(arrays, "pose_rhand", frames, path),
        trans=_per_frame(arrays, "trans", frames, path),
        betas=_numeric(betas, "betas", path).reshape(-1),
        gender=_gender(arrays["gender"], path),
        fps=fps,
        **optional,
    )


def read_person(path: Path | str, check: bool = True, max_elements: int = MAX_ELEMENTS) -> PersonMotion:
    """One person's motion from a `P1.npz`/`P2.npz` (any accepted variant; fps from `mocap_framerate`).

    With `check`, values are checked too (NaN/Inf, no frames, absurd translation)
    and the first problem raised as a FormatError.
    """
    path = Path(path)
    person = person_from_arrays(read_npz(path, max_elements=max_elements), path)
    if check:
        for what, expected in person_problems(person)[:1]:
            raise FormatError(what, expected, path)
    return person


def person_arrays(person: PersonMotion) -> dict[str, np.ndarray]:
    """The release's keys, shapes and dtypes for one person (float32; gender a 0-d string)."""
    t = person.num_frames
    arrays = {
        "root_orient": person.root_orient.reshape(t, 3),
        "pose_body": person.pose_body.reshape(t, 21, 3),
        "pose_lhand": person.pose_lhand.reshape(t, 15, 3),
        "pose_rhand": person.pose_rhand.reshape(t, 15, 3),
        "trans": person.trans.reshape(t, 3),
        "betas": np.asarray(person.betas).reshape(1, -1),
    }
    if person.pose_jaw is not None:
        arrays["pose_jaw"] = person.pose_jaw.reshape(t, 3)
    if person.pose_eye is not None:
        arrays["pose_eye"] = person.pose_eye.reshape(t, 6)
    if person.face_expr is not None:
        arrays["face_expr"] = person.face_expr.reshape(t, -1)
    arrays = {key: np.asarray(value, dtype=np.float32) for key, value in arrays.items()}
    if person.gender not in GENDERS:
        raise UsageError(f"gender must be one of {', '.join(GENDERS)}, not {person.gender!r}")
    arrays["gender"] = np.array(person.gender)
    if float(person.fps) != RAW_FPS:
        arrays["mocap_framerate"] = np.array(float(person.fps), dtype=np.float64)
    return arrays


def write_person(path: Path | str, person: PersonMotion, overwrite: bool = False, compress: bool = False,
                 durable: bool = True) -> None:
    """Write one person as the release does (see `person_arrays`), atomically (see `safe_io` for `durable`)."""
    write_npz(path, person_arrays(person), compress=compress, overwrite=overwrite, durable=durable)


# ---------------------------------------------------------------------------------------
# Texts and markers


def read_texts(path: Path | str) -> tuple[str, ...]:
    """Descriptions in a `texts/<seq>.txt`, one per non-blank line; empty or non-UTF-8 is a FormatError."""
    path = Path(path)
    lines = tuple(line.strip() for line in decode_utf8(read_text_bytes(path), path).split("\n"))
    texts = tuple(line for line in lines if line)
    if not texts:
        raise FormatError("no text", "at least one description line", path)
    return texts


def write_texts(path: Path | str, texts: Sequence[str], overwrite: bool = False, durable: bool = True) -> None:
    """One description per line, each ending in a newline."""
    if not texts or any(not t.strip() or "\n" in t or "\r" in t for t in texts):
        raise UsageError(f"texts for {Path(path).name} must be one or more non-empty single lines")
    write_text(path, "".join(t.strip() + "\n" for t in texts), overwrite=overwrite, durable=durable)


def read_markers(path: Path | str, max_elements: int = MAX_ELEMENTS) -> np.ndarray:
    """Mocap markers from `skeletons/<seq>/P*.npy`: float32 (T, 64, 3), meters."""
    path = Path(path)
    markers = read_npy(path, max_elements=max_elements)
    if markers.ndim != 3 or markers.shape[1:] != (NUM_MARKERS, 3):
        raise FormatError(f"shape {markers.shape}", f"(T, {NUM_MARKERS}, 3)", path)
    return _numeric(markers, "markers", path)


def write_markers(root: Path | str, name: str, markers: np.ndarray, overwrite: bool = False) -> None:
    """Write a pair's markers (T, 2, 64, 3) to `skeletons/<name>/P1.npy, P2.npy`."""
    parse_name(name)
    markers = np.asarray(markers, dtype=np.float32)
    if markers.ndim != 4 or markers.shape[1:] != (2, NUM_MARKERS, 3):
        raise UsageError(f"markers must be (T, 2, {NUM_MARKERS}, 3), not {markers.shape}")
    for person, file in enumerate(MARKER_FILES):
        write_npy(Path(root) / SKELETONS_DIR / name / file, markers[:, person], overwrite=overwrite)


# ---------------------------------------------------------------------------------------
# Sequences in a release


def scan_sequences(root: Path | str) -> tuple[list[str], list[str]]:
    """(valid names, entries with bad names) of the folders in ROOT/motions, each sorted."""
    folder = Path(root) / MOTIONS_DIR
    good, bad = [], []
    if folder.is_dir():
        for entry in folder.iterdir():
            if not entry.is_dir() or entry.name.startswith("."):
                continue
            try:
                parse_name(entry.name)
                good.append(entry.name)
            except DataError:
                bad.append(entry.name)
    return sorted(good), sorted(bad)


def list_sequences(root: Path | str) -> list[str]:
    """Sorted names of the sequences in ROOT/motions (folders with bad names are left out)."""
    return scan_sequences(root)[0]


def sequence_paths(root: Path | str, name: str) -> dict[str, Path]:
    """Paths of a sequence's files: 'motion_dir', 'P1', 'P2', 'text', 'markers_dir' (name checked first)."""
    parse_name(name)
    root = Path(root)
    motion_dir = root / MOTIONS_DIR / name
    return {"motion_dir": motion_dir, "P1": motion_dir / PERSON_FILES[0], "P2": motion_dir / PERSON_FILES[1],
            "text": root / TEXTS_DIR / f"{name}.txt", "markers_dir": root / SKELETONS_DIR / name}


def read_pair(motion_dir: Path | str, check: bool = True,
              max_elements: int = MAX_ELEMENTS) -> tuple[PersonMotion, PersonMotion]:
    """P1 and P2 of a motion folder; differing frame counts or rates are a FormatError."""
    motion_dir = Path(motion_dir)
    p1, p2 = (read_person(motion_dir / f, check=check, max_elements=max_elements) for f in PERSON_FILES)
    if check:
        for what, expected in pair_problems(p1, p2)[:1]:
            raise FormatError(what, expected, motion_dir)
    return p1, p2


class RawRelease:
    """A raw Inter-X folder; names, splits and annotations are read lazily and kept.

    `actor_convention` ('readme' or 'reversed', see `interx.data.annotations`)
    says how interaction_order.pkl's values map to the actor index.
    """

    def __init__(self, root: Path | str, actor_convention: str = "readme", max_elements: int = MAX_ELEMENTS):
        self.root = Path(root)
        if not self.root.is_dir():
            raise DataError("no such folder", self.root)
        ann.check_convention(actor_convention)
        self.actor_convention = actor_convention
        self.max_elements = max_elements
        self._splits: dict[tuple[str, str], list[str]] = {}

    def __repr__(self) -> str:
        return f"RawRelease({str(self.root)!r})"

    @cached_property
    def names(self) -> list[str]:
        return list_sequences(self.root)

    def __len__(self) -> int:
        return len(self.names)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names)

    @cached_property
    def _name_set(self) -> frozenset[str]:
        return frozenset(self.names)

    def __contains__(self, name: object) -> bool:
        return name in self._name_set

    def has_split_set(self, split_set: str = "official") -> bool:
        return all(split_path(self.root, s, split_set).is_file() for s in SPLITS)

    def split(self, split: str, split_set: str = "official") -> list[str]:
        """Names of one split (read once)."""
        key = (split, split_set)
        if key not in self._splits:
            self._splits[key] = read_split(self.root, split, split_set)
        return list(self._splits[key])

    def _annot(self, file: str) -> Path:
        return self.root / ann.ANNOTS_DIR / file

    @cached_property
    def action_names(self) -> tuple[str, ...]:
        """Class names from annots/action_setting.txt, or the official 40 when the file is absent."""
        path = self._annot(ann.ACTION_FILE)
        return ann.read_action_names(path) if path.exists() else ACTION_NAMES

    @cached_property
    def familiarity(self) -> dict[int, int]:
        path = self._annot(ann.FAMILIARITY_FILE)
        return ann.read_familiarity(path) if path.exists() else {}

    @cached_property
    def big_five(self) -> np.ndarray | None:
        path = self._annot(ann.BIG_FIVE_FILE)
        return ann.read_big_five(path) if path.exists() else None

    @cached_property
    def interaction_order(self) -> dict[str, int]:
        path = self._annot(ann.ORDER_FILE)
        return ann.read_interaction_order(path) if path.exists() else {}

    def paths(self, name: str) -> dict[str, Path]:
        return sequence_paths(self.root, name)

    def texts(self, name: str) -> tuple[str, ...]:
        """The sequence's descriptions; () when it has no text file."""
        path = self.paths(name)["text"]
        return read_texts(path) if path.exists() else ()

    def actor(self, name: str) -> int | None:
        value = self.interaction_order.get(name)
        return None if value is None else ann.actor_from_order(value, self.actor_convention)

    def markers(self, name: str) -> np.ndarray | None:
        """The pair's mocap markers (T, 2, 64, 3) float32, or None when absent."""
        folder = self.paths(name)["markers_dir"]
        if not folder.is_dir():
            return None
        m1, m2 = (read_markers(folder / f, self.max_elements) for f in MARKER_FILES)
        if m1.shape != m2.shape:
            raise FormatError(f"P1 has {len(m1)} marker frames, P2 {len(m2)}", "equal frame counts", folder)
        return np.stack([m1, m2], axis=1)

    def read(self, name: str, check: bool = True) -> Interaction:
        """The sequence as an Interaction (texts, action, familiarity, actor, big-five in meta)."""
        persons = read_pair(self.paths(name)["motion_dir"], check=check, max_elements=self.max_elements)
        return self._assemble(name, persons)

    def _assemble(self, name: str, persons: tuple[PersonMotion, PersonMotion]) -> Interaction:
        seq = parse_name(name)
        meta = {}
        if self.big_five is not None and (scores := ann.big_five_of(self.big_five, seq.group)) is not None:
            meta["big_five"] = scores
        return Interaction(name=name, persons=persons, texts=self.texts(name), action=seq.action,
                           familiarity=self.familiarity.get(seq.group), actor=self.actor(name), meta=meta)


def open_release(root: Path | str, actor_convention: str = "readme") -> RawRelease:
    return RawRelease(root, actor_convention=actor_convention)


def read_interaction(motion_dir: Path | str, root: Path | str | None = None, actor_convention: str = "readme",
                     check: bool = True) -> Interaction:
    """The sequence in `motion_dir` (ROOT/motions/SEQ): both people, plus texts and annotations from ROOT.

    `root` defaults to the folder two levels up when `motion_dir` sits in a
    `motions/` folder; without a root only the motion and the action (from the
    name) are known.
    """
    motion_dir = Path(motion_dir)
    seq = parse_name(motion_dir.name, source=str(motion_dir))
    if root is None and motion_dir.parent.name == MOTIONS_DIR:
        root = motion_dir.parent.parent
    persons = read_pair(motion_dir, check=check)
    if root is None:
        return Interaction(name=motion_dir.name, persons=persons, action=seq.action)
    return RawRelease(root, actor_convention=actor_convention)._assemble(motion_dir.name, persons)


# ---------------------------------------------------------------------------------------
# Writing a release


def _write_sequence(root: Path, interaction: Interaction, compress: bool) -> None:
    seq = parse_name(interaction.name)
    if interaction.action not in (-1, seq.action):
        raise UsageError(f"{interaction.name}: action {interaction.action} disagrees with the name's {seq.action}")
    for what, expected in pair_problems(*interaction.persons)[:1]:
        raise UsageError(f"{interaction.name}: {what} (expected {expected})")
    paths = sequence_paths(root, interaction.name)
    for key in ("motion_dir", "text"):
        if paths[key].exists():
            raise DataError(f"sequence {interaction.name} already exists; refusing to rewrite it", paths[key])
    if interaction.texts:
        write_texts(paths["text"], interaction.texts, durable=False)
    for person, key in zip(interaction.persons, ("P1", "P2")):
        write_person(paths[key], person, compress=compress, durable=False)


def _merge(existing: Mapping, new: Mapping, path: Path) -> dict:
    for key, value in new.items():
        if key in existing and existing[key] != value:
            raise DataError(f"{key} is {existing[key]} there, {value} in the new data; refusing to rewrite it", path)
    return {**existing, **new}


def write_release(root: Path | str, interactions: Iterable[Interaction], *,
                  splits: Mapping[str, Sequence[str]] | None = None,
                  cross_group: Mapping[str, Sequence[str]] | None = None,
                  big_five: np.ndarray | None = None, action_names: Sequence[str] = ACTION_NAMES,
                  actor_convention: str = "readme", append: bool = False, compress: bool = False) -> list[str]:
    """Write interactions (streamed one at a time) as a raw release; return the names written.

    A non-empty `root` is refused unless `append`; a sequence that already exists
    is never rewritten (DataError). Sequence files are synced to disk once, after
    the last one and before the lists that name them. Besides motions/ and texts/ it writes:
    splits/all.txt (the names written), the given `splits` and `cross_group`
    (train/val/test -> names), annots/action_setting.txt, familiarity.txt (from
    the interactions' familiarity), interaction_order.pkl (from their actor, by
    `actor_convention`) and big_five.npy when given. With `append` these lists are
    merged with the files already there; a conflicting value is refused.
    """
    ann.check_convention(actor_convention)
    root = prepare_output_dir(root, append)
    names, levels, order = [], {}, {}
    for interaction in interactions:
        _write_sequence(root, interaction, compress)
        names.append(interaction.name)
        group = parse_name(interaction.name).group
        if interaction.familiarity is not None:
            if levels.get(group, interaction.familiarity) != interaction.familiarity:
                raise UsageError(f"group {group} has two familiarity levels")
            levels[group] = interaction.familiarity
        if interaction.actor is not None:
            order[interaction.name] = ann.order_from_actor(interaction.actor, actor_convention)
    os.sync()  # every sequence file on disk before the lists that name them
    write_split(root, "all", names, merge=True)
    for split_set, given in (("official", splits), ("cross_group", cross_group)):
        for split, split_names in (given or {}).items():
            write_split(root, split, split_names, split_set=split_set, merge=append)
    _write_annotations(root, action_names, levels, order, big_five)
    return names


def _write_annotations(root: Path, action_names: Sequence[str], levels: dict[int, int], order: dict[str, int],
                       big_five: np.ndarray | None) -> None:
    folder = root / ann.ANNOTS_DIR
    path = folder / ann.ACTION_FILE
    if not path.exists():
        ann.write_action_names(path, action_names)
    elif ann.read_action_names(path) != tuple(action_names):
        raise DataError("holds other class names; refusing to rewrite it", path)
    if levels:
        path = folder / ann.FAMILIARITY_FILE
        ann.write_familiarity(path, _merge(ann.read_familiarity(path) if path.exists() else {}, levels, path))
    if order:
        path = folder / ann.ORDER_FILE
        ann.write_interaction_order(path, _merge(ann.read_interaction_order(path) if path.exists() else {},
                                                 order, path))
    if big_five is not None:
        path = folder / ann.BIG_FIVE_FILE
        new = np.asarray(big_five, np.float32)
        old = ann.read_big_five(path) if path.exists() else None
        if old is None or (new.shape[0] > old.shape[0] and np.array_equal(new[: old.shape[0]], old)):
            ann.write_big_five(path, new)   # a new table, or the old one extended by new groups' rows
        elif not np.array_equal(old, new):
            raise DataError("holds other big-five scores; refusing to rewrite it", path)


def write_interaction(root: Path | str, interaction: Interaction, append: bool = False,
                      actor_convention: str = "readme") -> None:
    """Write one sequence into the release at `root` (see `write_release`; `append` to add to a non-empty one)."""
    write_release(root, [interaction], append=append, actor_convention=actor_convention)
