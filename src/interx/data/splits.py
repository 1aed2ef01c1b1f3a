"""Split files: `splits/{all,train,val,test}.txt` and `splits/cross_group/{train,val,test}.txt`.

One sequence name per line (`all.txt` without a trailing newline). Every line is
checked with `parse_name` before anything uses it, so a split file can never
point outside the release. Two split sets:

- 'official': the release's own split (every group in every split; not cross-subject);
- 'cross_group': whole groups held out, which the official release lacks.

`make_split` builds either kind from a list of names, deterministically for a seed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np

from interx.data.names import parse_name
from interx.data.safe_io import FormatError, decode_utf8, read_text_bytes, write_text
from interx.errors import DataError, UsageError

SPLITS_DIR = "splits"
SPLITS = ("train", "val", "test")
SPLIT_SETS = ("official", "cross_group")
OFFICIAL_FRACTIONS = (0.80, 0.05, 0.15)  # 9,110 / 570 / 1,708 of 11,388


def split_path(root: Path | str, split: str, split_set: str = "official") -> Path:
    """Path of a split file; `split` is one of train/val/test (or 'all' in the official set)."""
    if split_set not in SPLIT_SETS:
        raise UsageError(f"split set must be one of {', '.join(SPLIT_SETS)}, not {split_set!r}")
    allowed = SPLITS + ("all",) if split_set == "official" else SPLITS
    if split not in allowed:
        raise UsageError(f"split must be one of {', '.join(allowed)}, not {split!r}")
    folder = Path(root) / SPLITS_DIR
    return (folder if split_set == "official" else folder / split_set) / f"{split}.txt"


def split_file_lines(path: Path | str) -> list[tuple[int, str]]:
    """(line number, stripped text) of a split file's non-blank lines, names not yet checked."""
    path = Path(path)
    lines = decode_utf8(read_text_bytes(path), path).split("\n")
    return [(number, line.strip()) for number, line in enumerate(lines, 1) if line.strip()]


def parse_split_file(path: Path | str) -> list[str]:
    """The names of a split file in file order; a bad line is a FormatError naming its number."""
    path = Path(path)
    lines = split_file_lines(path)
    for number, line in lines:
        try:
            parse_name(line)
        except DataError as exc:
            raise FormatError(f"line {number}: {exc}", "one sequence name GgggTtttAaaaRrrr per line", path) from None
    return [line for _, line in lines]


def read_split(root: Path | str, split: str, split_set: str = "official") -> list[str]:
    """Names of one split of the release at `root` (see `split_path`)."""
    path = split_path(root, split, split_set)
    if not path.is_file():
        raise FormatError("split file missing", f"{split_set} split '{split}' at this path", path)
    return parse_split_file(path)


def write_split(root: Path | str, split: str, names: Iterable[str], split_set: str = "official",
                merge: bool = False) -> list[str]:
    """Write a split file (atomically) and return the names it holds.

    With `merge`, names already in the file are kept first and the new ones
    appended (duplicates dropped); without it an existing file is refused.
    """
    path = split_path(root, split, split_set)
    names = list(names)
    for name in names:
        parse_name(name)
    if path.exists():
        if not merge:
            raise DataError("already exists; refusing to overwrite it", path)
        names = parse_split_file(path) + names
    names = list(dict.fromkeys(names))
    text = "\n".join(names) + ("" if split == "all" else "\n")
    write_text(path, text if names else "")
    return names


def make_split(names: Sequence[str], fractions: Sequence[float] = OFFICIAL_FRACTIONS, seed: int = 0,
               by_group: bool = False) -> dict[str, list[str]]:
    """Assign names to train/val/test in `fractions`, deterministically for `seed`.

    by_group=False (official style): each group's sequences are shuffled and
    cut by the fractions, so every group with enough sequences is in every split.
    by_group=True (cross-group): whole groups are shuffled and cut, so no group
    is in two splits. Each split's list is sorted.
    """
    fractions = np.asarray(fractions, dtype=np.float64)
    if fractions.shape != (len(SPLITS),) or np.any(fractions < 0) or fractions.sum() <= 0:
        raise UsageError(f"fractions must be {len(SPLITS)} non-negative numbers, not {list(fractions)}")
    fractions = fractions / fractions.sum()
    rng = np.random.default_rng(seed)
    groups: dict[int, list[str]] = {}
    for name in sorted(set(names)):
        groups.setdefault(parse_name(name).group, []).append(name)
    out: dict[str, list[str]] = {split: [] for split in SPLITS}

    def cut(items: list) -> list[list]:
        order = [items[i] for i in rng.permutation(len(items))]
        bounds = np.round(np.cumsum(fractions) * len(items)).astype(int)
        return [order[a:b] for a, b in zip(np.concatenate([[0], bounds[:-1]]), bounds)]

    if by_group:
        for split, chunk in zip(SPLITS, cut(sorted(groups))):
            out[split] = [n for g in chunk for n in groups[g]]
    else:
        for group in sorted(groups):
            for split, chunk in zip(SPLITS, cut(groups[group])):
                out[split].extend(chunk)
    return {split: sorted(v) for split, v in out.items()}


def split_membership(splits: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """{name: [splits holding it]} for a mapping split -> names."""
    member: dict[str, list[str]] = {}
    for split, names in splits.items():
        for name in names:
            member.setdefault(name, []).append(split)
    return member
