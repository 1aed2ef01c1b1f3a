"""Footsteps from a pelvis path: where each foot stands and how it swings, with no foot sliding.

The planned pelvis path (ground position and heading over time) is cut into
movement runs. Within a run, "progress" is the distance travelled plus a share
of the turning, and steps are laid out evenly along it: step k swings from the
moment the pelvis passes progress (k - 1/2 - flight) s to (k + 1/2) s and lands
a little ahead of where the pelvis then is (s is the step length; a positive
`flight` overlaps the swings, as in running). The last two steps bring the feet
side by side. Between runs both feet stay planted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.data.synth import ik
from interx.data.synth.timing import minjerk

TURN_PROGRESS = 0.25     # meters of progress per radian turned (stepping on the spot)
MOVING_SPEED = 0.03      # m/s of progress above which the pelvis counts as moving
MIN_RUN_PROGRESS = 0.05  # meters: shorter shifts are absorbed by the legs without a step
MERGE_GAP = 0.3          # seconds: runs closer than this are one run


@dataclass(frozen=True)
class GaitStyle:
    """How a person steps (meters, seconds).

    Attributes:
        step: nominal step length (one foot's landing to the other's).
        lift: peak height of the ankle above its standing height during a swing.
        flight: overlap of successive swings in steps (0 walking, 0.2-0.4 running).
        width: half the distance between the ankles, sideways.
    """

    step: float = 0.55
    lift: float = 0.08
    flight: float = 0.0
    width: float = 0.1


@dataclass
class Footsteps:
    """Per-frame feet (index 0 left, 1 right).

    Attributes:
        ground: (T, 2, 2) ankle ground positions (x, z).
        lift: (T, 2) ankle height above its standing height.
        yaw: (T, 2) foot headings.
        stance: (T, 2) bool, the foot is planted.
    """

    ground: np.ndarray
    lift: np.ndarray
    yaw: np.ndarray
    stance: np.ndarray


def _runs(moving: np.ndarray, merge: int) -> list[tuple[int, int]]:
    """Index ranges [a, b) where `moving` holds, gaps shorter than `merge` frames bridged."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], moving.astype(np.int8), [0]])))
    runs = [[int(a), int(b)] for a, b in zip(edges[::2], edges[1::2])]
    merged: list[list[int]] = []
    for run in runs:
        if merged and run[0] - merged[-1][1] < merge:
            merged[-1][1] = run[1]
        else:
            merged.append(run)
    return [(a, b) for a, b in merged]


def _wrap(angle: np.ndarray) -> np.ndarray:
    return (angle + np.pi) % (2.0 * np.pi) - np.pi


def plan_footsteps(xz: np.ndarray, yaw: np.ndarray, fps: float, style: GaitStyle,
                   lead: int = 1) -> Footsteps:
    """Lay footsteps under a planned pelvis path.

    Args:
        xz: (T, 2) planned pelvis ground positions (no idle sway).
        yaw: (T,) planned headings.
        fps: frame rate.
        style: step length, lift, flight and stance width.
        lead: the foot (0 left, 1 right) that starts a straight run; sideways
            runs start with the foot on the side moved to, turns with the foot on the side turned to.
    """
    frames = xz.shape[0]
    side_sign = np.array([1.0, -1.0])  # left foot on +left, right foot on -left

    def stance_at(i: int) -> np.ndarray:  # (2, 2) ankle ground positions under the pelvis at frame i
        left = ik.left_of(yaw[i])[[0, 2]]
        return xz[i][None, :] + side_sign[:, None] * style.width * left[None, :]

    ground = np.empty((frames, 2, 2))
    foot_yaw = np.empty((frames, 2))
    lift = np.zeros((frames, 2))
    stance = np.ones((frames, 2), dtype=bool)
    rate = np.zeros(frames)
    if frames > 1:
        rate[1:] = (np.linalg.norm(np.diff(xz, axis=0), axis=1)
                    + TURN_PROGRESS * np.abs(_wrap(np.diff(yaw)))) * fps
        rate[0] = rate[1]
    progress = np.concatenate([[0.0], np.cumsum(rate[1:] / fps)])
    current = stance_at(0)
    current_yaw = np.array([yaw[0], yaw[0]])
    cursor = 0
    for a, b in _runs(rate > MOVING_SPEED, int(MERGE_GAP * fps)):
        a, b = max(a - 1, 0), min(b + 1, frames)
        local = progress[a:b] - progress[a]
        total = local[-1]
        if total < MIN_RUN_PROGRESS:
            continue
        ground[cursor:a], foot_yaw[cursor:a] = current, current_yaw
        n = max(1, int(round(total / style.step)))
        step = total / n
        first = _first_foot(xz[a:b], yaw[a:b], lead)

        def frame_at(p: float) -> int:
            return a + int(min(np.searchsorted(local, min(max(p, 0.0), total)), b - a - 1))

        ground[a:b], foot_yaw[a:b] = current, current_yaw
        for k in range(n + 1):
            foot = (first + k) % 2
            start = frame_at((k - 0.5 - style.flight) * step)
            end = frame_at((k + 0.5) * step) if k < n else b - 1
            land_frame = frame_at((k + 0.5 + 0.5 * (1.0 - style.flight)) * step) if k < n - 1 else b - 1
            target = stance_at(land_frame)[foot]
            target_yaw = current_yaw[foot] + _wrap(yaw[land_frame] - current_yaw[foot])
            span = max(end - start, 1)
            u = minjerk((np.arange(start, b) - start) / span)
            ground[start:b, foot] = current[foot] + (target - current[foot]) * u[:, None]
            foot_yaw[start:b, foot] = current_yaw[foot] + (target_yaw - current_yaw[foot]) * u
            swing = np.arange(start, min(end, b))
            lift[swing, foot] = style.lift * np.sin(np.pi * (swing - start) / span) ** 2
            stance[swing, foot] = False
            current[foot], current_yaw[foot] = target, target_yaw
        cursor = b
    ground[cursor:], foot_yaw[cursor:] = current, current_yaw
    return Footsteps(ground=ground, lift=lift, yaw=foot_yaw, stance=stance)


def _first_foot(xz: np.ndarray, yaw: np.ndarray, lead: int) -> int:
    """The foot that starts a run: toward a sideways move or a turn, else `lead`."""
    look = min(len(xz) - 1, 30)
    move = np.append(xz[look] - xz[0], 0.0)[[0, 2, 1]]  # (x, 0, z)
    left = ik.left_of(yaw[0])
    sideways = float(move @ left)
    forward = float(move @ ik.facing(yaw[0]))
    turn = float(_wrap(yaw[look] - yaw[0]))
    if abs(sideways) > abs(forward) and abs(sideways) > 0.02:
        return 0 if sideways > 0 else 1
    if abs(turn) * TURN_PROGRESS > np.hypot(sideways, forward):
        return 0 if turn > 0 else 1
    return lead
