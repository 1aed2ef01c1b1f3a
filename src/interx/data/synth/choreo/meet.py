"""Hands that meet between the two people: handshake, high-five, hand wrestling.

Both hands reach one world meeting point (it moves for shaking or wrestling);
the actor's hand is then pulled onto the reactor's hand surface.
"""

from __future__ import annotations

import numpy as np

from interx.data.synth import ik
from interx.data.synth.choreo.common import (HAND_RADIUS, SIDE_NAMES, Context, body_pole, face_each_other,
                                             ground_between, hold)
from interx.data.synth.hands import shape_tip
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation


def _approach(ctx: Context, scene: Scene, start_distance: float, end_distance: float) -> float:
    """The actor walks from `start_distance` to `end_distance` after the lead; returns when it stands again."""
    face_each_other(scene, start_distance)
    if start_distance - end_distance < 0.15:
        face_each_other(scene, end_distance)
        return ctx.lead
    return scene.actor.walk_to(ctx.lead, (0.0, start_distance - end_distance), ctx.walk_speed())


def handshake(ctx: Context) -> Scene:
    rng = ctx.rng
    side = ctx.actor_hand  # both shake with the actor's dominant hand
    s = ctx.mean_scale
    close = (0.68 + rng.uniform(-0.04, 0.06)) * s + ctx.personal_space()
    start = float(rng.choice([close, rng.uniform(close + 0.2, 2.5)], p=[0.3, 0.7]))
    speed_walk = ctx.walk_speed()
    walk_time = 0.0 if start - close < 0.15 else (start - close) / speed_walk + 0.9
    cue_guess = ctx.lead + walk_time + (0.5 if walk_time else 0.0)
    reach = rng.uniform(0.55, 0.8) / ctx.tempo
    shakes = ctx.reps(cue_guess + ctx.lag + reach + 1.2, 1 / 2.2, 2, 8)
    freq = rng.uniform(1.8, 2.8) * ctx.tempo
    fixed = cue_guess + ctx.lag + reach + shakes / freq + rng.uniform(0.2, 0.6) + 0.8
    scene = ctx.scene(fixed)
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
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = 0.6 * 0.5 * (a.rig.height + r.rig.height) + rng.uniform(-0.03, 0.05)
    lateral = left * rng.uniform(-0.03, 0.03)
    meet = mid + lateral + np.array([0.0, height, 0.0])
    amp = rng.uniform(0.025, 0.05) * ctx.amplitude
    meet = meet + np.array([0.0, 1.0, 0.0]) * (amp * oscillation(t, shake_start, freq, shakes))[:, None]
    # right hands: the actor's palm faces its left, where the reactor's hand is (mirrored for left hands)
    toward = left if side == 1 else -left
    w_a = hold(t, cue, reach, release, back)
    w_r = hold(t, cue + lag, reach_r, release + 0.05, back)
    for p, w, sign in ((a, w_a, 1.0), (r, w_r, -1.0)):
        length = float(np.linalg.norm(shape_tip(p.rig, side, "grip")))
        palm = sign * toward
        point = ik.normalize(sign * forward + np.array([0.0, -0.25, 0.0]))
        wrist = meet - palm * HAND_RADIUS - point * 0.45 * length
        p.arm(side, w, wrist, point, palm, body_pole(p, side, 0.3, -0.4, -0.05), body=False, grip="grip")
        p.hand(side, "open", w * (1.0 - hold(t, grip - 0.1, 0.15, release, 0.2)))
        p.hand(side, "grip", hold(t, grip - 0.1, 0.15, release, 0.2))
        p.head[:, 0] += 0.15 * w
    contact = (t >= grip + 0.05) & (t < release)
    name = f"{SIDE_NAMES[side]}_hand"
    scene.contact(a, SIDE_NAMES[side], (name,), (name,), contact)
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], shakes=shakes, approach=bool(stand > ctx.lead))
    return scene
