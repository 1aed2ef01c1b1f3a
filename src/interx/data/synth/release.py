"""A whole synthetic release in the raw Inter-X layout, written with the toolkit's raw-release writers.

`synthesize_release(root, sequences, seed)` plans the groups and names
(`plan`), makes the sequences (`generate`, in worker processes when there are
many; the result does not depend on the number of workers), streams them to
`interx.data.raw.write_release` (motions, texts, familiarity, big-five scores,
interaction order, class names) and then writes the official 80/5/15 split and
the cross-group split of what was written. With `append` the new sequences
come from new groups numbered after those already in the folder, and every
list is merged with what is there. A sequence none of whose draws passes the
checks (rare) is left out and named in the report.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from interx.data import annotations as ann
from interx.data.raw import list_sequences, write_release
from interx.data.safe_io import prepare_output_dir
from interx.data.splits import SPLITS, write_split
from interx.data.synth.generate import SynthFailure, SynthMeta, make_sequence
from interx.data.synth.plan import (Group, Planned, cross_group_split, group_count, make_groups, official_split,
                                    plan_sequences)
from interx.data.types import Interaction
from interx.errors import UsageError
from interx.parallel import ordered_map

PARALLEL_FROM = 48    # sequences: fewer are made in this process (starting workers costs seconds)


@dataclass
class SynthReport:
    """What a synthesis run made: names, groups, total frames, draws per class, the sequences no draw of
    which passed the checks (left out) and the time it took."""

    root: str
    names: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    groups: list[int] = field(default_factory=list)
    frames: int = 0
    attempts: dict[int, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def mean_length(self) -> float:
        """Mean sequence length in seconds (120 fps)."""
        return self.frames / 120.0 / max(len(self.names), 1)


def _existing_groups(root: Path) -> int:
    """Largest group number already used in the folder (names, familiarity lines, big-five rows)."""
    last = max((int(n[1:4]) for n in list_sequences(root)), default=0)
    annots = root / ann.ANNOTS_DIR
    if (annots / ann.FAMILIARITY_FILE).exists():
        last = max(last, max(ann.read_familiarity(annots / ann.FAMILIARITY_FILE), default=0))
    if (annots / ann.BIG_FIVE_FILE).exists():
        last = max(last, ann.read_big_five(annots / ann.BIG_FIVE_FILE).shape[0] // 2)
    return last


def _big_five(root: Path, groups: list[Group]) -> np.ndarray:
    """Rows for every group up to the last new one: the folder's rows, zeros for unknown groups, the new rows."""
    path = root / ann.ANNOTS_DIR / ann.BIG_FIVE_FILE
    old = ann.read_big_five(path) if path.exists() else np.zeros((0, 5), np.float32)
    table = np.zeros((2 * groups[-1].group, 5), dtype=np.float32)
    table[: old.shape[0]] = old
    for g in groups:
        table[2 * (g.group - 1): 2 * g.group] = g.big_five
    return table


def _init_worker() -> None:
    import numba

    numba.set_num_threads(1)   # one process per core already


def _make(task: tuple[Planned, Group, int]) -> tuple[Interaction, SynthMeta] | str:
    """The sequence, or its name when no draw passed the checks."""
    try:
        return make_sequence(*task)
    except SynthFailure:
        return task[0].name


def generate(tasks: list[tuple[Planned, Group, int]],
             workers: int) -> Iterator[tuple[Interaction, SynthMeta] | str]:
    """Sequences in plan order (a name for one that could not be made), here or by `workers` processes."""
    if workers <= 1 or len(tasks) < PARALLEL_FROM:
        import numba

        threads = numba.get_num_threads()
        numba.set_num_threads(1)
        try:
            for task in tasks:
                yield _make(task)
        finally:
            numba.set_num_threads(threads)
        return
    yield from ordered_map(_make, tasks, workers, initializer=_init_worker)


def synthesize_release(root: Path | str, sequences: int, seed: int = 0, append: bool = False,
                       workers: int | None = None,
                       progress: Callable[[int, int], None] | None = None) -> SynthReport:
    """Write a synthetic Inter-X release of `sequences` sequences to `root` (see the module docstring).

    A non-empty `root` is refused unless `append`. `workers` defaults to the
    cores this process may use. `progress(done, total)` is called after each sequence.
    """
    if sequences < 1:
        raise UsageError(f"--sequences must be at least 1, not {sequences}")
    start = time.perf_counter()
    root = prepare_output_dir(root, append)
    first = _existing_groups(root) + 1 if append else 1
    count = group_count(sequences)
    if first + count - 1 > 999:
        raise UsageError(f"{root}: adding {count} groups after group {first - 1} would pass group 999")
    groups = make_groups(count, first, seed)
    planned = plan_sequences(sequences, groups)
    if append and {p.name for p in planned} & set(list_sequences(root)):
        raise UsageError(f"{root}: the new sequence names clash with sequences already there")
    report = SynthReport(str(root), groups=[g.group for g in groups])
    workers = workers or len(os.sched_getaffinity(0))
    tasks = [(p, groups[p.group], seed) for p in planned]

    def made() -> Iterator[Interaction]:
        for k, result in enumerate(generate(tasks, workers), 1):
            if isinstance(result, str):
                report.skipped.append(result)
            else:
                interaction, meta = result
                report.names.append(meta.name)
                report.frames += interaction.num_frames
                report.attempts[meta.action] = report.attempts.get(meta.action, 0) + meta.attempts
                yield interaction
            if progress is not None:
                progress(k, len(tasks))

    write_release(root, made(), big_five=_big_five(root, groups), append=append)
    for split_set, splits in (("official", official_split(report.names, seed)),
                              ("cross_group", cross_group_split(report.names, seed))):
        for split in SPLITS:
            write_split(root, split, splits[split], split_set=split_set, merge=append)
    report.seconds = time.perf_counter() - start
    return report
