"""Hands that meet between the two people: handshake, high-five, hand wrestling, help up, pull.

Both hands reach one world meeting point (it moves for shaking, wrestling or
pulling), palm to palm across it; the actor's hand is then pulled onto the
reactor's hand surface by the scene.
"""

from __future__ import annotations

import numpy as np

from interx.data.synth import ik
from interx.data.synth.choreo.common import (CLOSEST, HAND_RADIUS, SIDE_NAMES, Context, body_pole, face_each_other,
                                             ground_between, hold, lean_to_reach, standoff)
from interx.data.synth.hands import shape_tip
from interx.data.synth.performer import Performer
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation, ramp

UP = np.array([0.0, 1.0, 0.0])


def _approach(ctx: Context, scene: Scene, start_distance: float, end_distance: float) -> float:
    """The actor walks from `start_distance` to `end_distance` after the lead; returns when it stands again."""
    face_each_other(scene, start_distance)
    if start_distance - end_distance < 0.15:
        face_each_other(scene, end_distance)
        return ctx.lead
    return scene.actor.walk_to(ctx.lead, (0.0, start_distance - end_distance), ctx.walk_speed())


def hands_meet(scene: Scene, hands: tuple[tuple[Performer, int, np.ndarray, np.ndarray], ...], meet: np.ndarray,
               normal: np.ndarray, touching: np.ndarray, shape: str = "grip", poles=(0.3, -0.4, -0.05),
               centre: float = 0.45) -> None:
    """Two hands palm to palm at `meet` (T, 3): the first person's palm faces `normal`, the second's -normal.

    Args:
        hands: ((actor, side, weight (T,), capsule direction (T, 3)), (reactor, side, weight, direction)).
        touching: (T,) bool frames of declared contact (the first person's hand is pulled onto the second's).
        centre: where along each hand (0 wrist, 1 finger) the meeting point lies.
    """
    (p, p_side, _, _), (q, q_side, _, _) = hands
    for (person, side, weight, point), sign in zip(hands, (1.0, -1.0)):
        palm = sign * normal
        point = ik.normalize(point - np.sum(point * palm, -1, keepdims=True) * palm)
        length = float(np.linalg.norm(shape_tip(person.rig, side, shape)))
        wrist = meet - palm * HAND_RADIUS - point * centre * length
        person.arm(side, weight, wrist, point, palm, body_pole(person, side, *poles), body=False, grip=shape)
        person.hand(side, shape, weight)
    scene.contact(p, SIDE_NAMES[p_side], (f"{SIDE_NAMES[p_side]}_hand",), (f"{SIDE_NAMES[q_side]}_hand",), touching)


def _meet_distance(ctx: Context, height: float, reach: float) -> tuple[float, float, float]:
    """Pelvis distance for two hands meeting midway at `height` (share of the mean stature); returns
    (distance, actor lean, reactor lean) with leans making up for a distance kept for the feet."""
    need = []
    for mover, other in ((ctx.actor_rig, ctx.reactor_rig), (ctx.reactor_rig, ctx.actor_rig)):
        h = height * 0.5 * (mover.height + other.height) / other.height
        need.append(standoff(mover, other, h, 0.0, 0.15, reach))
    # each reaches to the middle: the pair distance is twice the shorter reach
    distance = 2.0 * min(need) - 0.1
    floor = (CLOSEST + 0.1) * ctx.mean_scale
    lean = min(lean_to_reach(0.5 * (floor - distance)), 0.25) if distance < floor else 0.0
    return max(distance, floor), lean, lean


def handshake(ctx: Context) -> Scene:
    rng = ctx.rng
    side = ctx.actor_hand  # both shake with the actor's dominant hand
    close, lean_a, lean_r = _meet_distance(ctx, 0.6, rng.uniform(0.82, 0.9))
    close += ctx.personal_space()
    start = float(rng.choice([close, rng.uniform(close + 0.2, 2.5)], p=[0.3, 0.7]))
    walk_time = 0.0 if start - close < 0.15 else (start - close) / ctx.walk_speed() + 1.0
    cue_guess = ctx.lead + walk_time + (0.5 if walk_time else 0.0)
    reach = rng.uniform(0.55, 0.8) / ctx.tempo
    freq = rng.uniform(1.8, 2.8) * ctx.tempo
    shakes = ctx.reps(cue_guess + ctx.lag + reach + 1.2, 1 / freq, 2, 8)
    scene = ctx.scene(cue_guess + ctx.lag + reach + shakes / freq + 1.6)
    a, r = scene.actor, scene.reactor
    t = scene.t
    stand = _approach(ctx, scene, start, close)
    cue = stand + (rng.uniform(0.45, 0.7) if stand > ctx.lead else 0.0)
    lag = ctx.lag
    reach_r = reach * rng.uniform(0.9, 1.15)
    grip = max(cue + reach, cue + lag + reach_r)
    shake_start = grip + rng.uniform(0.05, 0.2)
    release = shake_start + shakes / freq + rng.uniform(0.15, 0.5)
    back = rng.uniform(0.5, 0.8) / ctx.tempo
    w_a = hold(t, cue, reach, release, back)
    w_r = hold(t, cue + lag, reach_r, release + 0.05, back)
    a.lean[:, 0] += lean_a * w_a
    r.lean[:, 0] += lean_r * w_r
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = 0.6 * 0.5 * (a.rig.height + r.rig.height) + rng.uniform(-0.03, 0.05)
    meet = mid + left * rng.uniform(-0.03, 0.03) + UP * height
    meet = meet + UP * (rng.uniform(0.025, 0.05) * ctx.amplitude * oscillation(t, shake_start, freq, shakes))[:, None]
    # right hands: the actor's palm faces its left, where the reactor's hand is (mirrored for left hands)
    toward = left if side == 1 else -left
    down = 0.25 * UP
    hands_meet(scene, ((a, side, w_a, forward - down), (r, side, w_r, -forward - down)), meet, toward,
               (t >= grip + 0.05) & (t < release))
    for p, w in ((a, w_a), (r, w_r)):
        p.head[:, 0] += 0.15 * w
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], shakes=shakes, approach=bool(stand > ctx.lead))
    return scene


def high_five(ctx: Context) -> Scene:
    rng = ctx.rng
    double = bool(rng.random() < 0.25)
    side = ctx.actor_hand
    high = rng.uniform(0.92, 1.02)
    close, lean_a, lean_r = _meet_distance(ctx, high, rng.uniform(0.85, 0.92))
    start = float(rng.choice([close, rng.uniform(close + 0.3, 2.5)], p=[0.4, 0.6]))
    walk_time = 0.0 if start - close < 0.15 else (start - close) / ctx.walk_speed() + 1.0
    reach = rng.uniform(0.35, 0.55) / ctx.tempo
    scene = ctx.scene(ctx.lead + walk_time + 0.5 + ctx.lag + reach + 1.6)
    a, r = scene.actor, scene.reactor
    t = scene.t
    stand = _approach(ctx, scene, start, close)
    cue = stand + (rng.uniform(0.35, 0.6) if stand > ctx.lead else 0.0)
    lag = ctx.lag
    clap = max(cue + reach, cue + lag + reach) + rng.uniform(0.05, 0.15)
    apart = clap + rng.uniform(0.1, 0.2)
    w_a = hold(t, cue, clap - cue, apart, 0.5)
    w_r = hold(t, cue + lag, clap - cue - lag, apart, 0.5)
    a.lean[:, 0] += lean_a * w_a
    r.lean[:, 0] += lean_r * w_r
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = high * 0.5 * (a.rig.height + r.rig.height)
    # the hands swing in and meet at the fingers, leaning on each other in a V (wrists apart)
    swing = 0.12 * (1.0 - ramp(t, clap - 0.25, 0.25)) + 0.1 * ramp(t, apart, 0.2)
    tilt = rng.uniform(0.3, 0.5)
    sides = (side, 1 - side) if double else (side,)
    for s_a in sides:        # facing: the actor's right hand meets the reactor's right hand
        offset = (left * 0.15 * (1 if s_a == 0 else -1)) if double else 0.0
        meet = mid + offset + UP * height
        for person, weight, sign in ((a, w_a, 1.0), (r, w_r, -1.0)):
            toward = sign * forward
            point = np.cos(tilt) * UP + np.sin(tilt) * toward
            palm = np.cos(tilt) * toward - np.sin(tilt) * UP
            length = float(np.linalg.norm(shape_tip(person.rig, s_a, "open")))
            tip = meet - toward * (HAND_RADIUS + swing[:, None])
            person.arm(s_a, weight, tip - point * length, point, palm, body_pole(person, s_a, 0.4, -0.2, -0.1),
                       body=False, grip="open")
            person.hand(s_a, "open", weight)
        scene.contact(a, SIDE_NAMES[s_a], (f"{SIDE_NAMES[s_a]}_hand",), (f"{SIDE_NAMES[s_a]}_hand",),
                      (t >= clap) & (t < apart))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], double=double, approach=bool(stand > ctx.lead))
    return scene


def hand_wrestling(ctx: Context) -> Scene:
    rng = ctx.rng
    side = ctx.actor_hand
    close, lean_a, lean_r = _meet_distance(ctx, 0.62, rng.uniform(0.78, 0.85))
    reach = rng.uniform(0.5, 0.7) / ctx.tempo
    bouts = ctx.reps(ctx.lead + ctx.lag + reach + 1.5, 1.2, 2, 12)
    freq = rng.uniform(0.6, 1.0) * ctx.tempo
    scene = ctx.scene(ctx.lead + ctx.lag + reach + bouts / freq + 1.8)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, close)
    cue = ctx.lead
    lag = ctx.lag
    grip = cue + lag + reach
    fight_end = grip + 0.2 + bouts / freq
    winner = int(rng.integers(2))          # 0: the actor pushes the hand down, 1: the reactor
    release = fight_end + 0.6
    w_a = hold(t, cue, reach, release, 0.6)
    w_r = hold(t, cue + lag, reach, release + 0.05, 0.6)
    for p, w in ((a, w_a), (r, w_r)):
        p.lean[:, 0] += lean_a * w
        p.lean[:, 2] += 0.1 * oscillation(t, grip + 0.2, freq, bouts) * w
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = 0.62 * 0.5 * (a.rig.height + r.rig.height)
    sway = 0.08 * ctx.amplitude * oscillation(t, grip + 0.2, freq, bouts)
    finish = ramp(t, fight_end, 0.5) * (1.0 if winner == 0 else -1.0)
    meet = mid + UP * height + left[:, :] * sway[:, None] - forward * 0.0 + left * (0.12 * finish)[:, None]
    toward = left if side == 1 else -left
    hands_meet(scene, ((a, side, w_a, forward), (r, side, w_r, -forward)), meet, toward,
               (t >= grip + 0.05) & (t < release))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], winner="actor" if winner == 0 else "reactor", bouts=bouts)
    return scene


def help_up(ctx: Context) -> Scene:
    rng = ctx.rng
    side = ctx.actor_hand
    s = ctx.mean_scale
    reach = rng.uniform(0.5, 0.7) / ctx.tempo
    rise = rng.uniform(0.9, 1.4) / ctx.tempo
    scene = ctx.scene(ctx.lead + ctx.lag + reach + rise + 2.2)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, rng.uniform(0.85, 0.95) * s)
    cue = ctx.lead
    lag = ctx.lag
    grip = cue + lag + reach
    up_start = grip + rng.uniform(0.2, 0.4)
    up_end = up_start + rise
    release = up_end + rng.uniform(0.2, 0.5)
    # the reactor starts crouched low, hands on its knees, and is pulled up
    low = 1.0 - ramp(t, up_start, rise)
    r.drop += 0.45 * r.rig.scale * low
    r.lean[:, 0] += 0.45 * low
    r.head[:, 0] -= 0.2 * low
    r.style = type(r.style)(**{**r.style.__dict__, "width": 0.13 * r.rig.scale})
    r_other = 1 - side
    r.gesture(r_other, hold(t, -1.0, 0.1, up_start, 0.6), (0.02, -0.32, 0.3), (0.0, -1.0, 0.4),
              (0.0, -1.0, 0.0), (0.3, 0.0, -0.2), shape="relaxed")
    w_a = hold(t, cue, reach, release, 0.6)
    w_r = hold(t, cue + lag, reach, release + 0.05, 0.6)
    a.lean[:, 0] += 0.4 * hold(t, cue, reach, up_start, 0.3) - 0.15 * hold(t, up_start, 0.3, up_end, 0.5)
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = (0.55 + 0.07 * (1.0 - low)) * 0.5 * (a.rig.height + r.rig.height)
    meet = mid - forward * 0.05 + UP * height[:, None]
    toward = left if side == 1 else -left
    hands_meet(scene, ((a, side, w_a, forward - 0.5 * UP), (r, side, w_r, -forward + 0.3 * UP)), meet, toward,
               (t >= grip + 0.05) & (t < release))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    scene.note(hand=SIDE_NAMES[side])
    return scene


def pull(ctx: Context) -> Scene:
    rng = ctx.rng
    side = ctx.actor_hand
    close, lean_a, lean_r = _meet_distance(ctx, 0.6, rng.uniform(0.85, 0.92))
    close += 0.1
    reach = rng.uniform(0.5, 0.7) / ctx.tempo
    distance = rng.uniform(1.0, 3.0)
    speed = rng.uniform(0.6, 1.0)
    scene = ctx.scene(ctx.lead + 1.5 + distance / speed + 2.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, close)
    grab = ctx.lead
    gripped = grab + reach
    # the reactor reaches out as it is taken by the hand (it offers it)
    cue = gripped + rng.uniform(0.3, 0.5)            # the actor starts to pull (steps back)
    lag = ctx.lag
    a.walk_to(cue, (0.0, -distance), speed, accel=0.35)
    r_end = r.walk_to(cue + lag, (0.0, close - distance), speed, accel=0.35)
    release = r_end + 0.3
    w_a = hold(t, grab, reach, release, 0.6)
    w_r = hold(t, grab, reach * 1.1, release + 0.05, 0.6)
    a.lean[:, 0] += lean_a * w_a - 0.15 * hold(t, cue, 0.3, r_end, 0.5)
    r.lean[:, 0] += lean_r * w_r + 0.08 * hold(t, cue + lag, 0.3, r_end, 0.5)
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = 0.6 * 0.5 * (a.rig.height + r.rig.height)
    meet = mid + UP * height
    toward = left if side == 1 else -left
    hands_meet(scene, ((a, side, w_a, forward - 0.3 * UP), (r, side, w_r, -forward - 0.3 * UP)), meet, toward,
               (t >= gripped + 0.05) & (t < release))
    scene.cue(cue, lag, "pelvis", "pelvis")
    scene.note(hand=SIDE_NAMES[side], meters=round(distance, 1))
    return scene
