"""What a synthetic release holds before any motion is made: groups, names, lengths, splits.

Sizes follow the real release: 11,388 sequences from 59 groups (pairs of
performers), per-class counts from 171 to 324, about 193 sequences a group;
smaller releases scale the counts down (at least three groups, so that a
cross-group split exists). Each group has two performers with their own body
size (betas[0] in about [-2, 2]), gender, handedness and big-five scores, and a
familiarity level; each sequence is named GgggTtttAaaaRrrr and gets its own
seed, derived from the release seed and its index, so a sequence does not
depend on how the release is split over workers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.data.names import format_name
from interx.data.splits import OFFICIAL_FRACTIONS, SPLITS, make_split

FULL_SIZE = 11_388
FULL_GROUPS = 59
# Sequences per class in the full-size release (class 34 has the fewest, class 1 the most; 11,388 in all).
CLASS_COUNTS = (
    301, 324, 298, 287, 296, 290, 279, 299, 284, 263, 281, 300, 288, 297, 270, 272, 302, 283, 276, 282,
    289, 294, 286, 285, 292, 258, 280, 266, 285, 310, 278, 295, 291, 287, 171, 284, 279, 293, 298, 295,
)
assert sum(CLASS_COUNTS) == FULL_SIZE and min(CLASS_COUNTS) == 171 and max(CLASS_COUNTS) == 324
LENGTH_MEDIAN = 3.6      # s, of the lengths asked of the choreographies (the moves add a little)
LENGTH_SPREAD = 0.55     # log-normal sigma: a long tail up to the 30 s cap
LENGTH_RANGE = (1.0, 30.0)


@dataclass(frozen=True)
class Group:
    """A pair of performers (P1, P2) and what stays fixed across their sequences."""

    group: int
    betas: np.ndarray          # (2, 10)
    genders: tuple[str, str]
    hands: tuple[int, int]     # dominant hand: 0 left, 1 right
    familiarity: int           # 1..4
    big_five: np.ndarray       # (2, 5) in [1, 5]


@dataclass(frozen=True)
class Planned:
    """One sequence to make: its name, class, group index (into the plan's groups) and seed."""

    name: str
    action: int
    group: int
    index: int


def class_counts(total: int) -> np.ndarray:
    """Sequences per class for a release of `total` (largest remainder on the full-size counts)."""
    share = np.asarray(CLASS_COUNTS, dtype=np.float64) * total / FULL_SIZE
    counts = np.floor(share).astype(np.int64)
    order = np.lexsort((np.arange(40), -(share - counts)))
    counts[order[: total - int(counts.sum())]] += 1
    return counts


def group_count(total: int) -> int:
    return int(min(FULL_GROUPS, max(min(total, 3), round(total / (FULL_SIZE / FULL_GROUPS)))))


def make_groups(count: int, first: int, seed: int) -> list[Group]:
    """`count` groups numbered from `first`, their performers drawn from `seed`."""
    groups = []
    for k in range(count):
        rng = np.random.default_rng([seed, 7, first + k])
        genders = tuple(str(g) for g in rng.choice(["female", "male"], size=2))
        betas = np.zeros((2, 10), dtype=np.float32)
        for p, gender in enumerate(genders):   # stature: men a little taller on average
            betas[p, 0] = np.clip(rng.normal(0.5 if gender == "male" else -0.5, 0.8), -2.0, 2.0)
            betas[p, 1:] = rng.normal(0.0, 0.4, size=9)
        hands = tuple(int(rng.random() < 0.88) for _ in range(2))
        big_five = np.round(rng.uniform(1.0, 5.0, size=(2, 5)), 1).astype(np.float32)
        groups.append(Group(first + k, betas, genders, hands, int(rng.integers(1, 5)), big_five))
    return groups


def plan_sequences(total: int, groups: list[Group]) -> list[Planned]:
    """Names for `total` sequences spread over `groups`: sequences go round the groups in class order, so
    every group gets every class in turn (and every group some sequence when there are enough)."""
    counts = class_counts(total)
    reps: dict[tuple[int, int], int] = {}
    planned = []
    for action in range(40):
        for k in range(int(counts[action])):
            g = len(planned) % len(groups)
            rep = reps.get((g, action), 0)
            reps[(g, action)] = rep + 1
            take, rep = divmod(rep, 1000)
            planned.append(Planned(format_name(groups[g].group, take, action, rep), action, g, len(planned)))
    return planned


def target_length(rng: np.random.Generator) -> float:
    """Seconds asked of a choreography: log-normal, clipped to LENGTH_RANGE."""
    return float(np.clip(rng.lognormal(np.log(LENGTH_MEDIAN), LENGTH_SPREAD), *LENGTH_RANGE))


def official_split(names: list[str], seed: int) -> dict[str, list[str]]:
    """80/5/15 within every group (every group in every split when it has enough sequences)."""
    return make_split(names, OFFICIAL_FRACTIONS, seed=seed)


def cross_group_split(names: list[str], seed: int) -> dict[str, list[str]]:
    """Whole groups held out: about 80/5/15 of the groups, at least one group in each split when there are
    three or more."""
    groups = sorted({int(n[1:4]) for n in names})
    count = len(groups)
    val = max(1, round(0.05 * count)) if count >= 3 else 0
    test = max(1, round(0.15 * count)) if count >= 2 else 0
    fractions = (count - val - test, val, test)
    return make_split(names, fractions, seed=seed, by_group=True) if count else {s: [] for s in SPLITS}
