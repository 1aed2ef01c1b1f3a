"""Check a whole Inter-X folder (raw or processed) and report every problem found.

Each problem names the sequence (or '-' for the release as a whole), the file
(relative to the root), what is wrong and what was expected. One bad sequence
never stops the run. Checks, raw release:

- motions/: folders with bad names (including action ids outside 0-39); per
  sequence P1/P2 missing, unreadable or truncated npz, object arrays, absurd
  declared shapes, missing keys, wrong shapes or dtypes, bad gender or frame
  rate, no frames, NaN/Inf, translations beyond 100 m, P1/P2 frame counts or
  rates that differ; lengths the official processing drops (warning);
- texts/: missing, empty or non-UTF-8 text; texts without a sequence (warning);
- splits/ (official and, when present, cross_group): missing split files, bad
  lines, names not on disk, sequences on disk in no split or in two, groups
  shared between cross-group splits; all.txt disagreeing (warning);
- annots/: unreadable, malformed or malicious files (the pickle goes through the
  restricted unpickler), class names differing from the official 40, missing
  familiarity, big-five rows or interaction order for sequences on disk (warnings);
- skeletons/ (when present): unreadable or wrongly shaped marker files.

Processed release: unreadable split files, links or external storage, bad
names, shapes, NaN/Inf, absurd translations, a name in two splits, missing or
malformed texts_processed files.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from interx.data import annotations as ann
from interx.data import processed as proc
from interx.data import raw
from interx.data.checks import MAX_TRANSLATION, pair_problems, person_problems
from interx.data.classes import ACTION_NAMES
from interx.data.names import NAME_PATTERN, NUM_ACTIONS, parse_name
from interx.data.safe_io import MAX_ELEMENTS, FormatError, write_json
from interx.data.splits import SPLITS, SPLITS_DIR, split_file_lines, split_path
from interx.data.types import MODEL_FPS, PersonMotion
from interx.errors import DataError, UsageError

OFFICIAL_MIN_FRAMES, OFFICIAL_MAX_FRAMES = 24, 999  # at 30 fps; the official processing drops the rest
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Problem:
    """One thing wrong: in `sequence` ('-' = the release), `file` (relative to the root, '-' = none)."""

    sequence: str
    file: str
    what: str
    expected: str = ""
    severity: str = "error"  # or "warning"

    def line(self) -> str:
        """`SEQ  FILE  what (expected ...)` on one line, non-printable characters escaped."""
        text = f"{self.sequence}  {self.file}  {self.what}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.severity != "error":
            text += f" [{self.severity}]"
        return "".join(c if c.isprintable() else ascii(c)[1:-1] for c in text)


@dataclass
class ValidationReport:
    """All problems of one folder plus counts; `ok` when there is no error."""

    root: str
    kind: str
    strict: bool
    problems: list[Problem] = field(default_factory=list)
    sequences: int = 0
    splits: dict[str, int] = field(default_factory=dict)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> dict[str, int]:
        """Counts: sequences checked, sequences with errors, errors, warnings, and each split's size."""
        bad = {p.sequence for p in self.errors if p.sequence != "-"}
        return {"sequences": self.sequences, "sequences_with_errors": len(bad), "errors": len(self.errors),
                "warnings": len(self.warnings), **{f"split_{k}": v for k, v in self.splits.items()}}

    def to_dict(self) -> dict:
        return {"root": self.root, "kind": self.kind, "strict": self.strict, "ok": self.ok,
                "summary": self.summary(), "problems": [asdict(p) for p in self.problems]}

    def write_json(self, path: Path | str) -> None:
        """Write the report as JSON, atomically."""
        write_json(path, self.to_dict())

class _Collector:
    def __init__(self, root: Path, strict: bool):
        self.root, self.strict = root, strict
        self.problems: list[Problem] = []

    def rel(self, path: Path | str) -> str:
        path = Path(path)
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return str(path)

    def add(self, sequence: str, file: Path | str, what: str, expected: str = "", severity: str = "error") -> None:
        severity = "error" if self.strict else severity
        file = file if isinstance(file, str) else self.rel(file)
        self.problems.append(Problem(sequence, file, what, expected, severity))

    def add_exc(self, sequence: str, file: Path | str, exc: Exception) -> None:
        """An error from a reader's exception (the path prefix of a DataError dropped)."""
        if isinstance(exc, FormatError):
            self.add(sequence, file, exc.what, exc.expected)
        elif isinstance(exc, DataError):
            text = str(exc)
            prefix = f"{exc.path}: " if exc.path else ""
            self.add(sequence, file, text[len(prefix):] if text.startswith(prefix) else text)
        else:  # a reader failing in a way nobody foresaw still only costs this one file
            self.add(sequence, file, f"unexpected failure reading it ({type(exc).__name__}: {exc})")


def validate_release(root: Path | str, strict: bool = False, max_translation: float = MAX_TRANSLATION,
                     max_elements: int = MAX_ELEMENTS, progress: Progress | None = None) -> ValidationReport:
    """Check every sequence, split and annotation of a raw or processed Inter-X folder.

    `strict` makes every warning an error. `progress(done, total)` is called after
    each sequence. A folder that does not exist is a UsageError; everything
    wrong inside it is a Problem in the report.
    """
    root = Path(root)
    if not root.is_dir():
        raise UsageError(f"{root}: no such folder")
    out = _Collector(root, strict)
    motions = root / raw.MOTIONS_DIR
    raw_folders = motions.is_dir() and any(p.is_dir() for p in motions.iterdir())
    kind = "processed" if proc.is_processed_release(root) and not raw_folders else "raw"
    check = _validate_processed if kind == "processed" else _validate_raw
    sequences, splits = check(root, out, max_translation, max_elements, progress)
    return ValidationReport(str(root), kind, strict, out.problems, sequences, splits)


# ---------------------------------------------------------------------------------------
# Raw release


def _name_problem(name: str) -> tuple[str, str] | None:
    """(what, expected) when `name` is not a valid sequence name, else None."""
    match = NAME_PATTERN.fullmatch(name)
    if match is None:
        return f"bad sequence name {name!r}", "GgggTtttAaaaRrrr, e.g. G001T000A000R000"
    if int(match.group(3)) >= NUM_ACTIONS:
        return f"action id {int(match.group(3))} outside 0-{NUM_ACTIONS - 1}", f"action 000-{NUM_ACTIONS - 1:03d}"
    return None


def _length_warning(out: _Collector, name: str, file: Path, person: PersonMotion) -> None:
    frames = math.ceil(person.num_frames * MODEL_FPS / person.fps) if person.num_frames else 0
    if 0 < frames < OFFICIAL_MIN_FRAMES or frames > OFFICIAL_MAX_FRAMES:
        out.add(name, file, f"{frames} frames at 30 fps; the official processing drops it",
                f"{OFFICIAL_MIN_FRAMES}-{OFFICIAL_MAX_FRAMES} frames at 30 fps", "warning")


def _check_person(out: _Collector, name: str, path: Path, max_translation: float,
                  max_elements: int) -> PersonMotion | None:
    if not path.is_file():
        out.add(name, path, "file missing", "P1.npz and P2.npz in every motion folder")
        return None
    try:
        person = raw.read_person(path, check=False, max_elements=max_elements)
    except Exception as exc:  # noqa: BLE001 -- reported, the run goes on
        out.add_exc(name, path, exc)
        return None
    for what, expected in person_problems(person, max_translation):
        out.add(name, path, what, expected)
    return person


def _check_sequence(out: _Collector, root: Path, name: str, max_translation: float, max_elements: int) -> None:
    paths = raw.sequence_paths(root, name)
    persons = [_check_person(out, name, paths[key], max_translation, max_elements) for key in ("P1", "P2")]
    if persons[0] is not None and persons[1] is not None:
        for what, expected in pair_problems(*persons):
            out.add(name, paths["motion_dir"], what, expected)
        _length_warning(out, name, paths["P1"], persons[0])
    if not paths["text"].is_file():
        out.add(name, paths["text"], "text file missing", f"texts/{name}.txt with one description per line")
    else:
        try:
            raw.read_texts(paths["text"])
        except Exception as exc:  # noqa: BLE001
            out.add_exc(name, paths["text"], exc)
    if paths["markers_dir"].is_dir():
        frames = persons[0].num_frames if persons[0] is not None else None
        for file in raw.MARKER_FILES:
            path = paths["markers_dir"] / file
            try:
                markers = raw.read_markers(path, max_elements)
            except Exception as exc:  # noqa: BLE001
                out.add_exc(name, path, exc)
                continue
            if frames is not None and len(markers) != frames:
                out.add(name, path, f"{len(markers)} marker frames", f"{frames} frames, as the motion", "warning")


def _read_split_names(out: _Collector, path: Path) -> list[str] | None:
    """Valid names of a split file (bad lines reported); None when the file is missing or unreadable."""
    if not path.is_file():
        return None
    try:
        lines = split_file_lines(path)
    except Exception as exc:  # noqa: BLE001
        out.add_exc("-", path, exc)
        return None
    names = []
    for number, line in lines:
        if (problem := _name_problem(line)) is not None:
            out.add("-", path, f"line {number}: {problem[0]}", problem[1])
        else:
            names.append(line)
    for name, count in Counter(names).items():
        if count > 1:
            out.add(name, path, f"listed {count} times", "each name once", "warning")
    return names


def _check_split_set(out: _Collector, root: Path, split_set: str, on_disk: set[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for split in SPLITS:
        path = split_path(root, split, split_set)
        names = _read_split_names(out, path)
        if names is None:
            if not path.exists():
                out.add("-", path, "split file missing", f"the {split_set} split's {split} list")
            continue
        found[split] = names
        for name in dict.fromkeys(names):
            if name not in on_disk:
                out.add(name, path, "listed but not on disk", f"folder {raw.MOTIONS_DIR}/{name}")
    member: dict[str, list[str]] = {}
    for split, names in found.items():
        for name in dict.fromkeys(names):
            member.setdefault(name, []).append(split)
    label = "splits/" if split_set == "official" else f"splits/{split_set}/"
    for name, where in sorted(member.items()):
        if len(where) > 1:
            out.add(name, f"{label}{where[0]}.txt", f"in {' and '.join(where)}", "each sequence in one split")
    if found:
        for name in sorted(on_disk - set(member)):
            out.add(name, f"{raw.MOTIONS_DIR}/{name}", f"in no {split_set} split",
                    f"listed in {label}train.txt, val.txt or test.txt")
    if split_set == "cross_group":
        groups: dict[int, set[str]] = {}
        for name, where in member.items():
            groups.setdefault(parse_name(name).group, set()).update(where)
        for group, where in sorted(groups.items()):
            if len(where) > 1:
                out.add("-", label, f"group {group:03d} is in {' and '.join(sorted(where))}",
                        "whole groups per cross-group split")
    return found


def _check_splits(out: _Collector, root: Path, on_disk: set[str]) -> dict[str, int]:
    official = _check_split_set(out, root, "official", on_disk)
    if (root / SPLITS_DIR / "cross_group").is_dir():
        _check_split_set(out, root, "cross_group", on_disk)
    all_path = split_path(root, "all")
    listed = _read_split_names(out, all_path)
    if listed is None:
        if not all_path.exists():
            out.add("-", all_path, "file missing", "all sequence names", "warning")
    else:
        union = {n for names in official.values() for n in names}
        for name in sorted(set(listed) - on_disk):
            out.add(name, all_path, "listed but not on disk", f"folder {raw.MOTIONS_DIR}/{name}")
        for name in sorted(on_disk - set(listed)):
            out.add(name, all_path, "on disk but not listed", "every sequence listed", "warning")
        if official and set(listed) != union:
            out.add("-", all_path, f"{len(set(listed) ^ union)} names differ from train + val + test",
                    "the union of the three splits", "warning")
    return {split: len(set(names)) for split, names in official.items()}


def _check_annotations(out: _Collector, root: Path, on_disk: set[str]) -> None:
    folder = root / ann.ANNOTS_DIR
    if not folder.is_dir():
        out.add("-", folder, "annots folder missing", "action_setting.txt, big_five.npy, familiarity.txt, "
                "interaction_order.pkl", "warning")
        return
    groups = sorted({parse_name(n).group for n in on_disk})

    def load(file: str, reader):
        path = folder / file
        if not path.is_file():
            out.add("-", path, "file missing", "the release's annotation file", "warning")
            return None
        try:
            return reader(path)
        except Exception as exc:  # noqa: BLE001 -- a malicious pickle ends up here, never run
            out.add_exc("-", path, exc)
            return None

    names = load(ann.ACTION_FILE, ann.read_action_names)
    if names is not None and names != ACTION_NAMES:
        out.add("-", folder / ann.ACTION_FILE, f"{len(names)} class names that differ from the official ones",
                "the 40 official class names in id order", "warning")
    scores = load(ann.BIG_FIVE_FILE, ann.read_big_five)
    if scores is not None:
        if not np.isfinite(scores).all():
            out.add("-", folder / ann.BIG_FIVE_FILE, "NaN/Inf scores", "finite numbers")
        if groups and scores.shape[0] < 2 * groups[-1]:
            out.add("-", folder / ann.BIG_FIVE_FILE, f"{scores.shape[0]} rows",
                    f"2 rows per group up to group {groups[-1]}", "warning")
    levels = load(ann.FAMILIARITY_FILE, ann.read_familiarity)
    if levels is not None:
        for group in groups:
            if group not in levels:
                out.add("-", folder / ann.FAMILIARITY_FILE, f"no familiarity for group {group:03d}",
                        "a level 1-4 for every group", "warning")
    order = load(ann.ORDER_FILE, ann.read_interaction_order)
    if order is not None:
        for name in sorted(on_disk - set(order)):
            out.add(name, folder / ann.ORDER_FILE, "no interaction order", "0 or 1 for every sequence", "warning")
        for name in sorted(set(order) - on_disk):
            out.add(name, folder / ann.ORDER_FILE, "order given for a sequence not on disk",
                    "only sequences of this release", "warning")


def _check_texts_folder(out: _Collector, folder: Path, on_disk: set[str]) -> None:
    if not folder.is_dir():
        return
    for path in sorted(folder.iterdir()):
        if path.name.startswith(".") or path.suffix != ".txt":
            continue
        if (problem := _name_problem(path.stem)) is not None:
            out.add("-", path, *problem, "warning")
            continue
        if path.stem not in on_disk:
            out.add(path.stem, path, "text for a sequence not on disk", "a matching motion", "warning")


def _validate_raw(root: Path, out: _Collector, max_translation: float, max_elements: int,
                  progress: Progress | None) -> tuple[int, dict[str, int]]:
    motions = root / raw.MOTIONS_DIR
    if not motions.is_dir():
        out.add("-", motions, "motions folder missing", "motions/<seq>/P1.npz and P2.npz")
    names, bad = raw.scan_sequences(root)
    for entry in bad:
        out.add(entry, motions / entry, *_name_problem(entry))
    if motions.is_dir():
        for path in sorted(motions.iterdir()):
            if not path.is_dir() and not path.name.startswith("."):
                out.add("-", path, "a file among the motion folders", "only folders named GgggTtttAaaaRrrr",
                        "warning")
    for done, name in enumerate(names, 1):
        try:
            _check_sequence(out, root, name, max_translation, max_elements)
        except Exception as exc:  # noqa: BLE001 -- one bad sequence never stops the run
            out.add_exc(name, f"{raw.MOTIONS_DIR}/{name}", exc)
        if progress is not None:
            progress(done, len(names))
    on_disk = set(names)
    splits = _check_splits(out, root, on_disk)
    _check_texts_folder(out, root / raw.TEXTS_DIR, on_disk)
    _check_annotations(out, root, on_disk)
    return len(names), splits


# ---------------------------------------------------------------------------------------
# Processed release


def _validate_processed(root: Path, out: _Collector, max_translation: float, max_elements: int,
                        progress: Progress | None) -> tuple[int, dict[str, int]]:
    keys: dict[str, list[str]] = {}
    files = {split: root / proc.MOTIONS_DIR / f"{split}.h5" for split in proc.SPLITS}
    for split, path in files.items():
        if not path.is_file():
            out.add("-", path, "split file missing", f"the official {split} split", "warning")
            continue
        try:
            keys[split] = proc.split_file_names(path)
        except Exception as exc:  # noqa: BLE001
            out.add_exc("-", path, exc)
    total, done, seen = sum(len(k) for k in keys.values()), 0, {}
    for split, names in keys.items():
        path = files[split]
        try:
            h5file = proc.open_h5(path)
        except Exception as exc:  # noqa: BLE001
            out.add_exc("-", path, exc)
            continue
        with h5file:
            for name in names:
                if name in seen:
                    out.add(name, path, f"also in {seen[name]}.h5", "each sequence in one split")
                seen.setdefault(name, split)
                try:
                    motion = proc.read_entry(h5file, name, path, max_elements)
                    interaction = proc.from_processed(name, motion)
                    for person, label in zip(interaction.persons, ("P1", "P2")):
                        for what, expected in person_problems(person, max_translation):
                            out.add(name, path, f"{label}: {what}", expected)
                    if 0 < len(motion) < OFFICIAL_MIN_FRAMES or len(motion) > OFFICIAL_MAX_FRAMES:
                        out.add(name, path, f"{len(motion)} frames; the official loader drops it",
                                f"{OFFICIAL_MIN_FRAMES}-{OFFICIAL_MAX_FRAMES} frames", "warning")
                    _check_processed_text(out, root, name)
                except Exception as exc:  # noqa: BLE001 -- one bad sequence never stops the run
                    out.add_exc(name if _name_problem(name) is None else "-", path, exc)
                done += 1
                if progress is not None:
                    progress(done, total)
    good = {n for n in seen if _name_problem(n) is None}
    _check_texts_folder(out, root / proc.TEXTS_DIR, good)
    return len(good), {split: len(names) for split, names in keys.items()}


def _check_processed_text(out: _Collector, root: Path, name: str) -> None:
    path = root / proc.TEXTS_DIR / f"{name}.txt"
    if not path.is_file():
        out.add(name, path, "text file missing", f"{proc.TEXTS_DIR}/{name}.txt")
        return
    try:
        proc.read_processed_texts(path)
    except Exception as exc:  # noqa: BLE001
        out.add_exc(name, path, exc)
