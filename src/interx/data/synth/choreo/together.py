"""Close-body interactions: hug, kiss on the cheek, whisper, link arms, shoulder to shoulder, carry, sit, dance."""

from __future__ import annotations

import numpy as np

from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth.choreo.common import (HAND_RADIUS, SIDE_NAMES, Context, body_pole, capsule,
                                             face_each_other, hold, step_back, window)
from interx.data.synth.hands import shape_tip
from interx.data.synth.performer import Performer
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation

UP = np.array([0.0, 1.0, 0.0])
TORSO = ("chest", "abdomen")


def _embrace(scene: Scene, p: Performer, q: Performer, over: int, arc: np.ndarray, weight: np.ndarray,
             touching: np.ndarray, rng: np.random.Generator) -> None:
    """p's arms around q, criss-cross style: arm `over` goes over q's shoulder onto its upper back, the other
    under q's arm around its waist. `arc` (T,) runs 0 -> 1 as the hands travel around q's body onto it."""
    back, up = -q.facing(), UP
    p_left = ik.left_of(p.yaw)
    off = 0.15 * (1.0 - arc)
    for side in range(2):
        outward = (1.0 if side == 0 else -1.0) * p_left   # world direction of p's side `side`
        length = float(np.linalg.norm(shape_tip(p.rig, side, "open")))
        if side == over:
            start, end, radius = capsule(q, "chest")
            toward_end = np.sum((end - start) * outward, -1).mean() > 0
            final = rng.uniform(0.85, 0.95) if toward_end else rng.uniform(0.05, 0.15)
            along = final + (0.5 if toward_end else -0.5) * (1.0 - arc)
            beta = (1.0 + 1.6 * (1.0 - arc))[:, None]
            normal = np.cos(beta) * back + np.sin(beta) * up
            touch = start + along[:, None] * (end - start) + (radius + HAND_RADIUS + off[:, None]) * normal
            tangent = -0.8 * up - 0.5 * outward + 0.3 * back
            pole = body_pole(p, side, 0.45, 0.35, 0.0)
        else:
            angle = rng.uniform(0.7, 1.0) + 1.2 * (1.0 - arc)[:, None]
            normal = np.cos(angle) * back + np.sin(angle) * outward
            tangent = np.sin(angle) * back - np.cos(angle) * outward - 0.2 * up
            start, end, radius = capsule(q, "abdomen")
            touch = geo.surface_point(start, end, radius, rng.uniform(0.4, 0.7), normal, HAND_RADIUS + off[:, None])
            normal = ik.normalize(touch - (start + end) / 2 * [1, 0, 1] - (touch * [0, 1, 0]))
            pole = body_pole(p, side, 0.45, -0.15, -0.1)
        point = ik.normalize(tangent - np.sum(tangent * normal, -1, keepdims=True) * normal)
        p.arm(side, weight, touch - point * 0.45 * length, point, -normal, pole, body=False, grip="open")
        p.hand(side, "open", weight)
        scene.contact(p, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), TORSO, touching)


def hug(ctx: Context) -> Scene:
    """The actor walks in (or leans in) opening its arms, the reactor opens its own; they embrace
    criss-cross (one arm over the partner's shoulder, one around the waist, heads over the shoulders),
    hold and sway, let go and step apart."""
    rng = ctx.rng
    s = ctx.mean_scale
    close = 0.38 * s
    start = float(rng.choice([close + rng.uniform(0.25, 0.45), rng.uniform(1.0, 2.2)], p=[0.35, 0.65]))
    speed = ctx.walk_speed() * 0.9
    walk = (start - close) / speed + 1.0
    wrap = rng.uniform(0.7, 1.0) / ctx.tempo
    hold_for = float(np.clip(ctx.target - ctx.lead - walk - wrap - 2.2, 0.8, 12.0)) * rng.uniform(0.8, 1.0)
    sways = int(rng.integers(0, 3))
    over = int(rng.integers(2))
    scene = ctx.scene(ctx.lead + walk + wrap + hold_for + 2.2)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, start)
    # heads go over the partner's shoulder on each one's over side; the reactor stands shifted to its own
    # over side (the actor's left is +x, the reactor's -x) so that the heads pass each other
    r.xz[:, 0] = 0.08 * s * (-1.0 if over == 0 else 1.0)
    cue = ctx.lead
    arrive = a.walk_to(cue, (0.0, start - close), speed)
    lag = ctx.lag
    embrace = max(arrive, cue + lag + 0.4) + 0.1
    release = embrace + wrap + hold_for
    apart = release + rng.uniform(0.5, 0.8) / ctx.tempo
    together = hold(t, embrace - 0.2, wrap, release + 0.2, 0.6)
    for p in (a, r):
        p.lean[:, 0] += rng.uniform(0.1, 0.18) * together
        turn = 1.0 if over == 0 else -1.0        # heads go over the partner's shoulder on the over side
        p.lean[:, 1] += turn * 0.1 * together
        p.head[:, 1] += turn * 0.5 * together
        p.head[:, 2] += turn * 0.2 * together
    if sways:
        rock = 0.08 * ctx.amplitude * oscillation(t, embrace + wrap, 0.4 * ctx.tempo, sways)
        a.lean[:, 2] += rock
        r.lean[:, 2] += rock
    step_back(a, apart, rng.uniform(0.25, 0.5))
    # open arms, wide: the actor as it comes close, the reactor in response
    for p, opens in ((a, max(cue, arrive - 0.9)), (r, cue + lag)):
        w_open = hold(t, opens, 0.6, embrace + 0.3, 0.4)
        for side in range(2):
            up = 0.05 if side == over else -0.3
            p.arm(side, w_open, np.array([0.4, up, 0.15]) * p.rig.scale, (0.7, 0.0, 0.7), (0.0, 0.0, 1.0),
                  np.array([0.4, -0.2, -0.3]) * p.rig.scale)
    scene.solve()
    arc = hold(t, embrace, wrap, release, 0.6)
    touching = window(t, embrace + wrap + 0.05, release)
    _embrace(scene, a, r, over, arc, hold(t, embrace - 0.3, 0.35, release + 0.5, 0.4), touching, rng)
    _embrace(scene, r, a, over, arc, hold(t, embrace - 0.25, 0.35, release + 0.55, 0.4), touching, rng)
    scene.contact(a, "root", TORSO, TORSO, touching, gap=0.004, axes="xz")
    scene.cue(cue, lag, "pelvis" if arrive > cue + 0.2 else "left_wrist", "left_wrist")
    scene.note(walk=bool(arrive > cue + 0.2), seconds=round(hold_for), sway=sways)
    return scene
