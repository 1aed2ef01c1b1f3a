"""What a drawn skeleton is made of and its colours, shared by the video and the viewer."""

from __future__ import annotations

import numpy as np

from interx.body.joints import BODY, HANDS, JOINT_INDEX, PARENTS

PERSON_COLORS = ("#1f5fbf", "#f28e1c")   # P1 blue, P2 orange
CONTACT_COLOR = "#e0001b"
GRID_COLOR = "#c8c8c8"
BODY_BONES = np.array([(PARENTS[j], j) for j in BODY[1:]])    # (21, 2) parent, child
FINGER_BONES = np.array([(PARENTS[j], j) for j in HANDS])     # (30, 2): every finger joint to its parent
HEAD = JOINT_INDEX["head"]


def rgb(color: str) -> tuple[int, int, int]:
    """'#rrggbb' -> (r, g, b) ints 0-255."""
    return tuple(int(color[i:i + 2], 16) for i in (1, 3, 5))
