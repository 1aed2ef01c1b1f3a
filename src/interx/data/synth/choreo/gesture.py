"""Gestures across a distance, without touching: wave, point, thumb up, fly kiss, posing, bow, chat,
rock-paper-scissors, imitation and looking back.

Body-frame targets are (out, up, forward) meters from the shoulder for a 1.70 m
body. The actor gestures at the cue; the reactor answers `lag` seconds later.
"""

from __future__ import annotations

import numpy as np

from interx.data.synth.choreo.common import SIDE_NAMES, Context, face_each_other, hold
from interx.data.synth.performer import Performer
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation, ramp

RAISE = 0.45  # s to lift an arm into a gesture


def _pick_hand(ctx: Context, dominant: int) -> int:
    """Mostly the dominant hand, sometimes the other."""
    return dominant if ctx.rng.random() < 0.85 else 1 - dominant


def _wave(p: Performer, side: int, start: float, freq: float, waves: int, amp: float, lower: float = 0.5) -> float:
    """Raise the hand beside the head and wave it side to side; returns when the hand is down again."""
    t = p.t
    rise = RAISE
    end = start + rise + waves / freq
    w = hold(t, start, rise, end, lower)
    swing = amp * oscillation(t, start + 0.8 * rise, freq, waves)
    wrist = np.stack([0.2 + 0.1 * swing, np.full_like(t, 0.3), np.full_like(t, 0.12)], -1)
    point = np.stack([0.15 + 0.6 * swing, np.ones_like(t), np.full_like(t, 0.1)], -1)
    p.gesture(side, w, wrist, point, (0.0, 0.0, 1.0), (0.45, -0.1, -0.2), shape="open")
    return end + lower


def wave(ctx: Context) -> Scene:
    rng = ctx.rng
    side_a, side_r = _pick_hand(ctx, ctx.actor_hand), _pick_hand(ctx, ctx.reactor_hand)
    freq = rng.uniform(1.5, 2.5) * ctx.tempo
    waves = ctx.reps(ctx.lead + ctx.lag + 2.0, 1.0 / freq, 2, 8)
    waves_r = int(np.clip(waves + rng.integers(-1, 2), 2, 8))
    scene = ctx.scene(ctx.lead + ctx.lag + RAISE + max(waves, waves_r) / freq + 1.0)
    face_each_other(scene, rng.uniform(1.5, 3.5))
    a, r = scene.actor, scene.reactor
    cue = ctx.lead
    _wave(a, side_a, cue, freq, waves, ctx.amplitude)
    _wave(r, side_r, cue + ctx.lag, freq * rng.uniform(0.9, 1.1), waves_r, ctx.amplitude * rng.uniform(0.8, 1.1))
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side_a]}_wrist", f"{SIDE_NAMES[side_r]}_wrist")
    scene.note(hand=SIDE_NAMES[side_a], reply_hand=SIDE_NAMES[side_r], waves=waves)
    return scene


def point_at(ctx: Context) -> Scene:
    rng = ctx.rng
    side = _pick_hand(ctx, ctx.actor_hand)
    jabs = int(rng.integers(0, 4))
    hold_for = float(np.clip(ctx.target - ctx.lead - 2.0, 0.8, 4.0)) * rng.uniform(0.7, 1.0)
    scene = ctx.scene(ctx.lead + RAISE + hold_for + 1.2)
    face_each_other(scene, rng.uniform(1.0, 2.5))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    end = cue + RAISE + hold_for
    w = hold(t, cue, RAISE * 0.8, end, 0.5)
    jab = 0.05 * ctx.amplitude * (oscillation(t, cue + RAISE, 2.0 * ctx.tempo, jabs) if jabs else 0.0 * t)
    height = rng.uniform(0.0, 0.2)
    wrist = np.stack([np.full_like(t, 0.02), np.full_like(t, height), 0.45 + jab], -1)
    a.gesture(side, w, wrist, (-0.05, 0.1 + height, 1.0), (-1.0, 0.0, 0.0), (0.3, -0.4, -0.1), shape="point")
    a.lean[:, 0] += 0.06 * w
    # the reactor: taken aback, leans away with both hands up, or points at itself
    answer = rng.choice(["hands_up", "self"])
    start = cue + ctx.lag
    w_r = hold(t, start, 0.4, end + 0.2, 0.5)
    r.lean[:, 0] -= 0.08 * w_r
    if answer == "hands_up":
        for s in range(2):
            r.gesture(s, w_r, (0.12, 0.02, 0.28), (0.1, 1.0, 0.2), (0.0, 0.0, 1.0), shape="open")
        joint = "left_wrist"
    else:
        s_r = ctx.reactor_hand
        r.gesture(s_r, w_r, (-0.12, -0.22, 0.17), (-0.8, 0.6, 0.0), (0.0, 0.0, -1.0), shape="point")
        joint = f"{SIDE_NAMES[s_r]}_wrist"
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side]}_wrist", joint)
    scene.note(hand=SIDE_NAMES[side], jabs=jabs, answer=str(answer))
    return scene


def thumb_up(ctx: Context) -> Scene:
    rng = ctx.rng
    side = _pick_hand(ctx, ctx.actor_hand)
    hold_for = float(np.clip(ctx.target - ctx.lead - 2.2, 0.6, 3.0)) * rng.uniform(0.7, 1.0)
    scene = ctx.scene(ctx.lead + RAISE + hold_for + 1.2)
    face_each_other(scene, rng.uniform(1.0, 3.0))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    end = cue + RAISE + hold_for
    a.gesture(side, hold(t, cue, RAISE, end, 0.5), (0.08, -0.12, 0.36), (0.0, 0.15, 1.0), (-1.0, 0.0, 0.0),
              (0.3, -0.4, -0.1), shape="thumb_up")
    both = rng.random() < 0.2
    if both:
        a.gesture(1 - side, hold(t, cue + 0.05, RAISE, end, 0.5), (0.08, -0.12, 0.36), (0.0, 0.15, 1.0),
                  (-1.0, 0.0, 0.0), (0.3, -0.4, -0.1), shape="thumb_up")
    side_r = _pick_hand(ctx, ctx.reactor_hand)
    r.gesture(side_r, hold(t, cue + ctx.lag, RAISE, end + 0.1, 0.5), (0.08, -0.1, 0.34), (0.0, 0.15, 1.0),
              (-1.0, 0.0, 0.0), (0.3, -0.4, -0.1), shape="thumb_up")
    r.head[:, 0] += 0.15 * oscillation(t, cue + ctx.lag + 0.2, 2.0, 2)
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side_r]}_wrist")
    scene.note(hand=SIDE_NAMES[side], both=both, reply_hand=SIDE_NAMES[side_r])
    return scene


def fly_kiss(ctx: Context) -> Scene:
    rng = ctx.rng
    side = _pick_hand(ctx, ctx.actor_hand)
    scene = ctx.scene(ctx.lead + 3.2)
    face_each_other(scene, rng.uniform(1.2, 3.0))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    kiss = cue + 0.5 / ctx.tempo
    throw = kiss + rng.uniform(0.2, 0.5)
    done = throw + 0.4 / ctx.tempo
    w_mouth = hold(t, cue, kiss - cue, throw, 0.3)
    a.gesture(side, w_mouth, (-0.1, 0.12, 0.12), (-0.3, 0.8, 0.3), (0.0, 0.0, -1.0), (0.3, -0.3, 0.0), shape="cup")
    w_throw = hold(t, throw, 0.3, done + 0.3, 0.6)
    a.gesture(side, w_throw, (0.12, 0.12, 0.45), (0.1, 0.4, 1.0), (0.0, 0.5, 1.0), (0.4, -0.3, -0.1), shape="open")
    a.head[:, 0] += 0.1 * w_mouth
    side_r = _pick_hand(ctx, ctx.reactor_hand)
    catch = cue + ctx.lag
    w_catch = hold(t, catch, 0.45, done + 0.2, 0.3)
    r.gesture(side_r, w_catch, (0.05, 0.15, 0.35), (0.0, 0.6, 1.0), (0.0, 0.0, 1.0), shape="open")
    w_heart = hold(t, done + 0.2, 0.4, done + 1.0, 0.5)
    r.gesture(side_r, w_heart, (-0.12, -0.22, 0.15), (-0.9, 0.3, 0.2), (0.0, 0.0, -1.0), shape="grip")
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side_r]}_wrist")
    scene.note(hand=SIDE_NAMES[side], reply_hand=SIDE_NAMES[side_r])
    return scene


_POSES = {
    # name: per side (wrist, point, palm, pole, shape), lean (pitch, roll, twist)
    "victory": (((0.05, 0.18, 0.15), (0.0, 1.0, 0.1), (0.0, 0.0, 1.0), (0.45, -0.1, -0.1), "victory"), None,
                (0.0, 0.08, 0.1)),
    "arms_up": (((0.25, 0.48, 0.05), (0.3, 1.0, 0.0), (0.0, 0.0, 1.0), (0.5, 0.0, -0.2), "open"),
                ((0.25, 0.48, 0.05), (0.3, 1.0, 0.0), (0.0, 0.0, 1.0), (0.5, 0.0, -0.2), "open"), (-0.05, 0.0, 0.0)),
    "hands_on_hips": (((0.1, -0.42, 0.0), (-0.6, -0.6, 0.2), (-1.0, 0.0, 0.0), (0.55, -0.2, -0.1), "fist"),
                      ((0.1, -0.42, 0.0), (-0.6, -0.6, 0.2), (-1.0, 0.0, 0.0), (0.55, -0.2, -0.1), "fist"),
                      (0.0, -0.08, 0.0)),
    "flex": (((0.25, 0.12, 0.02), (-0.2, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.5, -0.15, 0.0), "fist"),
             ((0.25, 0.12, 0.02), (-0.2, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.5, -0.15, 0.0), "fist"), (0.0, 0.0, 0.0)),
}


def posing(ctx: Context) -> Scene:
    rng = ctx.rng
    count = ctx.reps(ctx.lead + 1.5, 1.6, 1, 4)
    names = [str(n) for n in rng.choice(list(_POSES), size=count)]
    durations = rng.uniform(0.9, 1.6, size=count) / ctx.tempo
    scene = ctx.scene(ctx.lead + 0.6 + float(durations.sum()) + 1.0)
    face_each_other(scene, rng.uniform(1.5, 3.0))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    start = cue
    main = ctx.actor_hand
    for name, duration in zip(names, durations):
        first, second, lean = _POSES[name]
        w = hold(t, start, 0.45, start + duration, 0.45)
        for side, spec in ((main, first), (1 - main, second)):
            if spec is not None:
                a.gesture(side, w, *spec[:4], shape=spec[4])
        a.lean += w[:, None] * np.asarray(lean)
        start += duration + 0.1
    # the reactor frames a photo with both hands in front of its face
    w_r = hold(t, cue + ctx.lag, 0.5, start, 0.5)
    for side in range(2):
        r.gesture(side, w_r, (-0.08, 0.12, 0.27), (-0.5, 0.85, 0.0), (-1.0, 0.0, 0.2), (0.4, -0.3, -0.1), shape="grip")
    r.head[:, 0] += 0.1 * w_r
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[main]}_wrist", "left_wrist")
    scene.note(poses=names)
    return scene


def bow(ctx: Context) -> Scene:
    rng = ctx.rng
    depth = rng.uniform(0.45, 0.9) * ctx.amplitude
    down = rng.uniform(0.6, 0.9) / ctx.tempo
    stay = rng.uniform(0.3, 1.0)
    scene = ctx.scene(ctx.lead + ctx.lag + 2 * down + stay + 1.0)
    face_each_other(scene, rng.uniform(1.2, 2.5))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    hands = bool(rng.random() < 0.5)  # hands folded in front
    for p, start, d in ((a, cue, depth), (r, cue + ctx.lag, depth * rng.uniform(0.7, 1.05))):
        w = hold(t, start, down, start + down + stay, down)
        p.lean[:, 0] += d * w
        p.head[:, 0] += 0.2 * w
        if hands:
            for side in range(2):
                p.gesture(side, hold(t, start - 0.1, 0.4, start + 2 * down + stay, 0.4), (-0.12, -0.45, 0.12),
                          (-0.6, -0.8, 0.3), (-1.0, 0.0, 0.2), (0.25, -0.2, -0.3))
    scene.cue(cue, ctx.lag, "head", "head")
    scene.note(deep=bool(depth > 0.7), hands=hands)
    return scene


def _talk(p: Performer, side: int, start: float, end: float, rng: np.random.Generator, both: bool) -> None:
    """Beat gestures in front of the chest while speaking."""
    t = p.t
    w = hold(t, start, 0.4, end, 0.4)
    beats = max(int((end - start) * rng.uniform(1.2, 2.0)), 1)
    beat = oscillation(t, start + 0.3, beats / max(end - start - 0.4, 0.3), beats)
    wrist = np.stack([0.05 + 0.04 * beat, -0.2 + 0.06 * beat, 0.3 + 0.03 * beat], -1)
    for s in ((side, 1 - side) if both else (side,)):
        p.gesture(s, w, wrist, (-0.3, 0.3, 1.0), (-0.3, 0.8, 0.2), (0.35, -0.4, -0.1), shape="open")
    p.head[:, 0] += 0.06 * beat * w


def chat(ctx: Context) -> Scene:
    rng = ctx.rng
    turns = ctx.reps(ctx.lead + 1.0, 2.2, 2, 10)
    lengths = rng.uniform(1.2, 3.0, size=turns) / ctx.tempo
    scene = ctx.scene(ctx.lead + float(lengths.sum()) + 1.0)
    face_each_other(scene, rng.uniform(0.9, 1.5))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    start = cue
    for k, length in enumerate(lengths):
        speaker = a if k % 2 == 0 else r
        hand = ctx.actor_hand if k % 2 == 0 else ctx.reactor_hand
        _talk(speaker, hand, start if k else cue, start + length, rng, bool(rng.random() < 0.4))
        start += length + rng.uniform(0.1, 0.4)
    # the listener settles into listening at the first words: arms folded or a hand to the chin
    pose = rng.choice(["folded", "chin"])
    w_r = hold(t, cue + ctx.lag, 0.5, cue + lengths[0], 0.5)
    if pose == "folded":
        for side in range(2):
            r.gesture(side, w_r, (-0.15, -0.28, 0.2), (-1.0, 0.1, 0.0), (0.0, 1.0, 0.0), (0.3, -0.3, -0.1))
    else:
        r.gesture(ctx.reactor_hand, w_r, (-0.14, 0.0, 0.2), (-0.3, 1.0, 0.3), (-0.8, 0.0, -0.5), (0.2, -0.4, 0.1),
                  shape="relaxed")
    r.head[:, 0] += 0.08 * oscillation(t, cue + ctx.lag + 0.3, 1.5, 2)
    listen = "left_wrist" if pose == "folded" else f"{SIDE_NAMES[ctx.reactor_hand]}_wrist"
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[ctx.actor_hand]}_wrist", listen)
    scene.note(turns=turns, listening=str(pose))
    return scene


_RPS = {"rock": "fist", "paper": "open", "scissors": "victory"}


def rock_paper_scissors(ctx: Context) -> Scene:
    rng = ctx.rng
    rounds = ctx.reps(ctx.lead + ctx.lag + 1.0, 2.6, 1, 5)
    scene = ctx.scene(ctx.lead + ctx.lag + 0.8 + rounds * 2.6 + 0.6)
    face_each_other(scene, rng.uniform(0.85, 1.2))
    a, r = scene.actor, scene.reactor
    t = scene.t
    cue = ctx.lead
    freq = rng.uniform(1.8, 2.6) * ctx.tempo
    start = cue + ctx.lag + RAISE + 0.1
    throws = []
    for _ in range(rounds):
        pump = oscillation(t, start, freq, 3)
        show = start + 3 / freq
        choice = (str(rng.choice(list(_RPS))), str(rng.choice(list(_RPS))))
        throws.append(choice)
        for p, side, pick in ((a, ctx.actor_hand, choice[0]), (r, ctx.reactor_hand, choice[1])):
            up = -0.12 + 0.08 * pump
            wrist = np.stack([np.full_like(t, 0.06), up, 0.28 + 0.14 * ramp(t, show - 0.1, 0.25)], -1)
            w = hold(t, start - 0.2, 0.2, show + 0.8, 0.4)
            palm = (0.0, -1.0, 0.0) if pick == "paper" else (-1.0, 0.0, 0.0)    # paper: palm down
            p.gesture(side, w, wrist, (0.0, 0.2, 1.0), palm, (0.3, -0.4, -0.1))
            p.hand(side, "fist", w * (1.0 - ramp(t, show - 0.05, 0.15)))
            p.hand(side, _RPS[pick], w * ramp(t, show - 0.05, 0.15))
        start = show + 1.2
    # raising the fist to start: the actor at the cue, the reactor answering
    for p, side, when in ((a, ctx.actor_hand, cue), (r, ctx.reactor_hand, cue + ctx.lag)):
        p.gesture(side, hold(t, when, RAISE, cue + ctx.lag + RAISE + 0.1, 0.2), (0.06, -0.12, 0.28),
                  (0.0, 0.2, 1.0), (-1.0, 0.0, 0.0), (0.3, -0.4, -0.1), shape="fist")
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[ctx.actor_hand]}_wrist", f"{SIDE_NAMES[ctx.reactor_hand]}_wrist")
    scene.note(rounds=rounds, throws=throws)
    return scene


def _imitable(p: Performer, kind: str, side: int, start: float, length: float) -> None:
    """One gesture to be copied: arm raised sideways, both arms up, hand on head, lean sideways, squat."""
    t = p.t
    w = hold(t, start, 0.4, start + length, 0.4)
    if kind == "arm_side":
        p.gesture(side, w, (0.5, 0.05, 0.05), (1.0, 0.0, 0.0), (0.0, -1.0, 0.0), (0.2, 0.3, -0.3), shape="open")
    elif kind == "arms_up":
        for s in range(2):
            p.gesture(s, w, (0.15, 0.5, 0.05), (0.1, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.4, 0.0, -0.2), shape="open")
    elif kind == "hand_on_head":
        p.gesture(side, w, (-0.02, 0.4, 0.02), (-0.8, 0.3, 0.3), (0.0, -1.0, 0.0), (0.5, 0.1, 0.0), shape="open")
    elif kind == "lean":
        p.lean[:, 1] += (0.2 if side == 0 else -0.2) * w
        p.gesture(1 - side, w, (0.25, 0.3, 0.0), (0.2, 1.0, 0.0), (-1.0, 0.0, 0.0), (0.4, 0.0, -0.2))
    else:  # squat with arms forward
        p.drop += 0.25 * p.rig.scale * w
        p.lean[:, 0] += 0.25 * w
        for s in range(2):
            p.gesture(s, w, (0.0, -0.05, 0.45), (0.0, 0.0, 1.0), (0.0, -1.0, 0.0), shape="open")


def imitate(ctx: Context) -> Scene:
    rng = ctx.rng
    count = ctx.reps(ctx.lead + ctx.lag + 1.0, 1.7, 1, 6)
    kinds = [str(k) for k in rng.choice(["arm_side", "arms_up", "hand_on_head", "lean", "squat"], size=count)]
    lengths = rng.uniform(0.9, 1.5, size=count) / ctx.tempo
    scene = ctx.scene(ctx.lead + ctx.lag + float(lengths.sum()) + 0.3 * count + 1.0)
    face_each_other(scene, rng.uniform(1.2, 2.2))
    a, r = scene.actor, scene.reactor
    cue = ctx.lead
    start = cue
    side = ctx.actor_hand
    first_moves_arm = kinds[0] in ("arm_side", "hand_on_head")
    for kind, length in zip(kinds, lengths):
        _imitable(a, kind, side, start, length)
        _imitable(r, kind, 1 - side, start + ctx.lag, length)  # a mirror image, as facing each other
        start += length + 0.3
    if first_moves_arm:
        joints = (f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[1 - side]}_wrist")
    elif kinds[0] == "lean":
        joints = (f"{SIDE_NAMES[1 - side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    else:
        joints = ("left_wrist", "right_wrist")
    scene.cue(cue, ctx.lag, *joints)
    scene.note(moves=kinds)
    return scene


def look_back(ctx: Context) -> Scene:
    rng = ctx.rng
    side = _pick_hand(ctx, ctx.actor_hand)
    scene = ctx.scene(ctx.lead + ctx.lag + 3.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    distance = rng.uniform(1.2, 2.5)
    a.yaw[:] = 0.0
    r.xz[:] = (rng.uniform(-0.3, 0.3), distance)
    r.yaw[:] = rng.uniform(-0.3, 0.3)       # facing away from the actor
    cue = ctx.lead
    waves = int(rng.integers(1, 3))
    _wave(a, side, cue, 2.0 * ctx.tempo, waves, ctx.amplitude)
    turn = 1.0 if rng.random() < 0.5 else -1.0          # over the left or the right shoulder
    full = bool(rng.random() < 0.35)
    start = cue + ctx.lag
    if full:
        r.turn_to(start, r.yaw[0] + turn * np.pi, 0.9 / ctx.tempo)
    else:
        w = hold(t, start, 0.5, start + rng.uniform(0.8, 1.8), 0.6)
        r.lean[:, 2] += turn * 0.7 * w
        r.head[:, 1] += turn * 0.7 * w
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side]}_wrist", "left_shoulder" if turn < 0 else "right_shoulder")
    scene.note(hand=SIDE_NAMES[side], turned_around=full, over="left" if turn > 0 else "right")
    return scene
