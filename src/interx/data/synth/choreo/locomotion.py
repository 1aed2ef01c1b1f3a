"""Moving through the room: walking toward each other and chasing."""

from __future__ import annotations

import numpy as np

from interx.data.synth.choreo.common import SIDE_NAMES, Context, face_each_other, hold, palm_on, body_pole
from interx.data.synth.gait import GaitStyle
from interx.data.synth.scene import Scene
from interx.data.synth.timing import ramp

UP = np.array([0.0, 1.0, 0.0])


def walk_towards(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    start = rng.uniform(2.5, 5.0)
    stop = rng.uniform(0.8, 1.3) * s + ctx.personal_space()
    meet_halfway = bool(rng.random() < 0.7)
    speed = ctx.walk_speed()
    share = rng.uniform(0.35, 0.5) if meet_halfway else 0.15
    walk_a = (start - stop) * (1.0 - share)
    scene = ctx.scene(ctx.lead + ctx.lag + walk_a / speed + 2.5)
    a, r = scene.actor, scene.reactor
    face_each_other(scene, start)
    cue = ctx.lead
    a.walk_to(cue, (0.0, walk_a), speed, accel=0.35)
    r.walk_to(cue + ctx.lag, (0.0, start - (start - stop) * share), speed * rng.uniform(0.8, 1.0), accel=0.35)
    scene.cue(cue, ctx.lag, "pelvis", "pelvis")
    scene.note(meters=round(start, 1), halfway=meet_halfway)
    return scene


def chase(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    run = float(np.clip(ctx.target - ctx.lead - 2.0, 2.0, 12.0))
    speed = rng.uniform(2.2, 3.2) * ctx.tempo ** 0.5
    gap = rng.uniform(2.0, 3.2)
    caught = bool(rng.random() < 0.5)
    scene = ctx.scene(ctx.lead + ctx.lag + run + 4.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, gap)
    for p in (a, r):
        p.style = GaitStyle(step=0.95 * p.rig.scale, lift=0.16 * p.rig.scale, flight=0.3, width=0.08 * p.rig.scale)
        p.swing = 1.6
    cue = ctx.lead
    lag = ctx.lag
    # the reactor turns and flees along +z; the actor runs after it (slower if it catches up at the end)
    flee = speed * 0.95 * run
    r_end = r.walk_to(cue + lag, (0.0, gap + flee), speed * 0.95, face=0.0, accel=0.5, turn=0.5)
    behind = 1.2 * s if caught else rng.uniform(1.5, 2.5)
    chase_to = gap + flee - behind
    accel = 0.9
    a_end = a.walk_to(cue, (0.0, chase_to), chase_to / max(r_end - cue - accel, 0.5), accel=accel)
    a.xz[:, 1] = np.minimum(a.xz[:, 1], r.xz[:, 1] - 1.2 * s)   # never on the runner's heels while running
    if caught:          # once the runner stops, the chaser closes in to arm's length
        a_end = a.walk_to(max(a_end, r_end), (0.0, gap + flee - 0.55 * s), 0.8, accel=0.3)
    for p in (a, r):
        p.lean[:, 0] += 0.2 * hold(t, cue, 0.6, max(a_end, r_end) - 0.6, 0.6)
    scene.solve()
    if caught:     # a hand lands on the runner's back as they stop
        side = ctx.actor_hand
        touch = max(a_end, r_end) + 0.1
        w = hold(t, touch - 0.5, 0.5, touch + 0.4, 0.5)
        wrist, point, palm = palm_on(a, side, r, "chest", 0.5, -r.facing() + 0.2 * UP, -UP,
                                     off=0.1 * (1 - ramp(t, touch - 0.5, 0.5)) + 0.1 * ramp(t, touch + 0.4, 0.2))
        a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.3, -0.4, -0.1), body=False, grip="open")
        scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("chest",), (t >= touch) & (t < touch + 0.4))
    scene.cue(cue, lag, "pelvis", "pelvis")
    scene.note(caught=caught, seconds=round(run))
    return scene
