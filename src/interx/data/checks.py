"""Value checks on motions already read: the problems a structurally valid file can still have.

Each check returns a list of (what is wrong, what was expected) pairs, so readers
can raise the first and the validator can report them all.
"""

from __future__ import annotations

import numpy as np

from interx.data.types import PersonMotion

MAX_TRANSLATION = 100.0  # meters: anything farther from the origin is a broken file, not a capture
PERSON_ARRAYS = ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans", "betas",
                 "pose_jaw", "pose_eye", "face_expr")

Problem = tuple[str, str]


def person_problems(person: PersonMotion, max_translation: float = MAX_TRANSLATION) -> list[Problem]:
    """Zero length, NaN/Inf in any array, translations beyond `max_translation` meters."""
    problems: list[Problem] = []
    if person.num_frames == 0:
        problems.append(("no frames", "at least one frame"))
    for key in PERSON_ARRAYS:
        array = getattr(person, key)
        if array is None:
            continue
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            problems.append((f"{key} has {bad} NaN/Inf values", "finite numbers"))
    trans = np.abs(person.trans[np.isfinite(person.trans).all(axis=-1)])
    if trans.size and float(trans.max()) > max_translation:
        problems.append((f"translation reaches {float(trans.max()):.4g} m from the origin",
                         f"|trans| <= {max_translation:g} m"))
    return problems


def pair_problems(p1: PersonMotion, p2: PersonMotion) -> list[Problem]:
    """P1 and P2 must share their frame count and frame rate."""
    problems: list[Problem] = []
    if p1.num_frames != p2.num_frames:
        problems.append((f"P1 has {p1.num_frames} frames, P2 has {p2.num_frames}", "equal frame counts"))
    if p1.fps != p2.fps:
        problems.append((f"P1 is at {p1.fps:g} fps, P2 at {p2.fps:g} fps", "equal frame rates"))
    return problems
