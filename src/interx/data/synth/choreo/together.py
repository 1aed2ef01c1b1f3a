"""Close-body interactions: hug, kiss on the cheek, whisper, link arms, shoulder to shoulder, carry, sit, dance."""

from __future__ import annotations

import numpy as np

from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth.choreo.common import (HAND_RADIUS, SIDE_NAMES, Context, body_pole, capsule,
                                             face_each_other, ground_between, hold, palm_on, step_back, window)
from interx.data.synth.hands import shape_tip
from interx.data.synth.performer import Performer
from interx.data.synth.rig import ARM_CHAINS
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation, ramp

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
        wrist = touch - point * 0.45 * length
        if side != over:       # the forearm wraps on along the hand's line: the elbow out there
            forearm = float(np.linalg.norm(p.rig.bone(*ARM_CHAINS[side][1:])))
            pole = wrist - point * forearm + 0.1 * outward + 0.05 * normal
        p.arm(side, weight, wrist, point, -normal, pole, body=False, grip="open")
        p.hand(side, "open", weight)
        # a few millimetres off: the forearm behind the hand wraps the flank without sinking in
        scene.contact(p, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), TORSO, touching, gap=0.005)


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


def _lean_in(ctx: Context, kiss: bool) -> Scene:
    """The actor steps close and leans its head to the reactor's cheek (kiss) or ear (whisper)."""
    rng = ctx.rng
    s = ctx.mean_scale
    side = 1.0 if rng.random() < 0.5 else -1.0        # which side of the reactor's face (+1: its left)
    start = rng.uniform(0.9, 1.8)
    close = 0.52 * s
    speed = ctx.walk_speed() * 0.8
    hold_for = rng.uniform(0.3, 0.7) if kiss else float(np.clip(ctx.target - ctx.lead - 4.0, 1.0, 5.0))
    scene = ctx.scene(ctx.lead + (start - close) / speed + 1.0 + 0.8 + hold_for + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, start)
    r.xz[:, 0] = side * -0.1 * s                      # the reactor's left is -x: offset so the faces pass
    cue = ctx.lead
    stand = a.walk_to(cue, (0.0, start - close), speed)
    lean_start = stand + 0.1
    near = lean_start + 0.7 / ctx.tempo
    leave = near + hold_for
    w = hold(t, lean_start, near - lean_start, leave, 0.6)
    a.lean[:, 0] += 0.3 * w
    a.lean[:, 1] += side * 0.1 * w           # the actor's left is +x: lean toward the reactor's side of the face
    a.head[:, 1] += side * 0.5 * w
    a.head[:, 2] += side * 0.15 * w
    # the reactor turns its cheek (or ear) to it
    w_r = hold(t, cue + ctx.lag, 0.5, leave + 0.2, 0.6)
    r.head[:, 1] -= side * 0.35 * w_r
    r.lean[:, 1] += side * 0.08 * w_r
    r.lean[:, 0] -= 0.08 * w_r
    if not kiss:    # a hand cupped beside the mouth
        hand = 0 if side > 0 else 1
        a.gesture(hand, w, (-0.1, 0.2, 0.14), (-0.3, 1.0, 0.3), (-1.0, 0.0, 0.3), (0.3, -0.3, 0.0), shape="cup")
    scene.solve()
    heads = window(t, near, leave)
    scene.contact(a, "root", ("head",), ("head",), heads, gap=0.0 if kiss else 0.08, axes="xz", declare=kiss)
    scene.cue(cue, ctx.lag, "pelvis", "head")
    scene.note(side="left" if side > 0 else "right", seconds=round(hold_for, 1))
    return scene


def kiss_on_cheek(ctx: Context) -> Scene:
    return _lean_in(ctx, kiss=True)


def whisper(ctx: Context) -> Scene:
    return _lean_in(ctx, kiss=False)


def _beside(ctx: Context, scene: Scene, lateral: float) -> tuple[float, int]:
    """The actor walks around to stand beside the reactor facing the same way; returns (time, the actor's
    hand on the reactor's side)."""
    a = scene.actor
    side = 1 if ctx.rng.random() < 0.5 else -1        # +1: the actor ends on the reactor's left (x < 0)
    distance = ctx.rng.uniform(1.2, 2.0)
    face_each_other(scene, distance)
    stand = a.walk_path(ctx.lead, [(-side * (lateral + 0.25), distance - 0.3), (-side * lateral, distance)],
                        ctx.walk_speed() * 0.85, face=np.pi)
    return stand, (1 if side == 1 else 0)


def shoulder_to_shoulder(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    hold_for = float(np.clip(ctx.target - ctx.lead - 5.0, 1.0, 8.0))
    scene = ctx.scene(ctx.lead + 4.0 + hold_for + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    stand, near = _beside(ctx, scene, 0.58 * s)
    cue = stand + rng.uniform(0.3, 0.5)
    lean = 0.1
    touch = cue + 0.4 / ctx.tempo
    leave = touch + hold_for
    toward_r = 1.0 if near == 0 else -1.0              # roll toward the reactor (its left or right)
    w = hold(t, cue, touch - cue, leave, 0.6)
    a.lean[:, 1] += toward_r * lean * w
    a.lunge(w, left=toward_r * 0.04 * s)
    w_r = hold(t, cue + ctx.lag, 0.4, leave, 0.6)
    r.lean[:, 1] -= toward_r * 0.1 * w_r
    r.lunge(w_r, left=-toward_r * 0.03 * s)
    r.head[:, 2] -= toward_r * 0.15 * w_r
    scene.solve()
    arm_a = tuple(f"{SIDE_NAMES[near]}_{part}" for part in ("upper_arm", "forearm", "hand"))
    arm_r = tuple(f"{SIDE_NAMES[1 - near]}_{part}" for part in ("upper_arm", "forearm", "hand"))
    scene.contact(a, "root", arm_a, arm_r, window(t, touch + 0.1, leave), axes="xz", fade=0.7)
    scene.cue(cue, ctx.lag, "head", "head")
    scene.note(seconds=round(hold_for))
    return scene


def link_arms(ctx: Context) -> Scene:
    """Arm in arm: the actor slips its hand into the crook of the reactor's near arm, the reactor draws the
    arm in to hold it, and they walk off together."""
    rng = ctx.rng
    s = ctx.mean_scale
    walk = rng.uniform(1.5, 4.0) * (1.0 if ctx.target > 6 else 0.5)
    speed = rng.uniform(0.7, 1.0)
    scene = ctx.scene(ctx.lead + 4.0 + 1.5 + walk / speed + 2.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    stand, near = _beside(ctx, scene, 0.55 * s)
    r_near = 1 - near
    cue = stand + rng.uniform(0.4, 0.6)
    lag = ctx.lag
    hooked = cue + lag + 0.6
    w_hold = hold(t, cue + lag, 0.5, 1e9, 0.5)        # the reactor offers its arm, forearm forward
    r.gesture(r_near, w_hold, (0.16, -0.3, 0.28), (0.3, 0.0, 1.0), (-1.0, 0.0, 0.0), (0.05, -0.3, -0.35),
              shape="relaxed")
    r.head[:, 1] += (1.0 if near == 1 else -1.0) * 0.3 * w_hold
    a.swing = r.swing = 0.0          # linked arms do not swing
    r.lead = a.lead                  # and both step off with the same foot
    go = hooked + rng.uniform(0.3, 0.6)
    end = go + walk / speed + 0.9
    for p in (a, r):
        p.walk_to(go, p.xz[p.frame(go)] + (0.0, -walk), speed)
    scene.solve()
    w = hold(t, cue, hooked - cue, 1e9, 0.5)
    arm = f"{SIDE_NAMES[r_near]}_forearm"
    start, stop, _ = capsule(r, arm)
    wrist, point, palm = palm_on(a, near, r, arm, 0.7, UP, ik.normalize(stop - start), shape="open",
                                 off=0.1 * (1 - ramp(t, cue, hooked - cue)))
    a.arm(near, w, wrist, point, palm, body_pole(a, near, 0.05, -0.3, -0.35), body=False, grip="open")
    a.hand(near, "open", w)
    scene.contact(a, SIDE_NAMES[near], (f"{SIDE_NAMES[near]}_hand",), (arm,), window(t, hooked + 0.1, end))
    scene.cue(cue, lag, f"{SIDE_NAMES[near]}_wrist", f"{SIDE_NAMES[r_near]}_wrist")
    scene.note(meters=round(walk, 1))
    return scene


def dance(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    beat = rng.uniform(1.6, 2.2) * ctx.tempo          # steps per second
    turns = rng.uniform(0.1, 0.25) * rng.choice([-1.0, 1.0])   # revolutions per second around each other
    both = bool(rng.random() < 0.6)
    reach = 0.6 / ctx.tempo
    dance_time = float(np.clip(ctx.target - ctx.lead - 2.5, 2.0, 28.0))
    scene = ctx.scene(ctx.lead + ctx.lag + reach + dance_time + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    distance = 0.85 * s
    face_each_other(scene, distance)
    cue = ctx.lead
    lag = ctx.lag
    held = cue + lag + reach
    go = held + 0.3
    stop = go + dance_time
    # both circle the middle, facing each other, with a bounce on the beat
    angle = 2 * np.pi * turns * np.clip(t - go, 0.0, stop - go)
    for p, phase in ((a, np.pi), (r, 0.0)):
        radius = 0.5 * distance
        p.xz[:] = np.stack([radius * np.sin(angle + phase), 0.5 * distance + radius * np.cos(angle + phase)], -1)
        p.yaw[:] = angle + phase + np.pi
        p.drop += 0.03 * p.rig.scale * (0.5 - 0.5 * np.cos(2 * np.pi * beat * np.clip(t - go, 0, stop - go)))
        p.lean[:, 1] += 0.06 * oscillation(t, go, 0.5 * beat, max(int(0.5 * beat * dance_time) - 1, 1))
    w_a = hold(t, cue, reach, stop, 0.6)
    w_r = hold(t, cue + lag, reach, stop + 0.05, 0.6)
    scene.solve()
    mid, forward, left = ground_between(a, r)
    height = 0.62 * 0.5 * (a.rig.height + r.rig.height)
    touching = window(t, held + 0.05, stop)
    from interx.data.synth.choreo.meet import hands_meet
    for s_a in ((0, 1) if both else (ctx.actor_hand,)):
        s_r = 1 - s_a         # facing: the actor's left hand holds the reactor's right
        lateral = (0.2 if s_a == 0 else -0.2) * s
        meet = mid + left * lateral + UP * height
        # the actor's palm up under the reactor's, the hands pointing at each other
        hands_meet(scene, ((a, s_a, w_a, forward), (r, s_r, w_r, -forward)), meet, UP, touching, shape="grip",
                   poles=(0.3, -0.5, -0.1), centre=0.75)
    scene.cue(cue, lag, f"{SIDE_NAMES[ctx.actor_hand]}_wrist",
              f"{SIDE_NAMES[1 - ctx.actor_hand]}_wrist")
    scene.note(both_hands=both, seconds=round(dance_time), direction="left" if turns > 0 else "right")
    return scene


def sit_on_leg(ctx: Context) -> Scene:
    """The reactor squats as on a chair; the actor backs onto its thighs and sits on its lap."""
    rng = ctx.rng
    s = ctx.mean_scale
    sit_for = float(np.clip(ctx.target - ctx.lead - 5.0, 1.0, 6.0))
    start = rng.uniform(1.2, 2.0)
    scene = ctx.scene(ctx.lead + 4.0 + sit_for + 2.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, start)
    cue = ctx.lead
    lag = ctx.lag
    squat = hold(t, cue + lag, 0.9, 1e9, 0.8)
    r.drop += 0.36 * r.rig.scale * squat
    r.lean[:, 0] += 0.08 * squat
    r.style = type(r.style)(**{**r.style.__dict__, "width": 0.12 * r.rig.scale})
    for side in range(2):
        r.gesture(side, squat, (0.05, -0.3, 0.25), (0.0, -0.6, 1.0), (0.0, -1.0, 0.0), (0.3, -0.3, -0.2))
    # the actor walks up, turns its back, and sits
    spot = start - 0.5 * s
    a.style = type(a.style)(**{**a.style.__dict__, "width": 0.11 * a.rig.scale})
    near = a.walk_to(cue, (0.0, spot - 0.3), ctx.walk_speed() * 0.8)
    a.turn_to(near, np.pi, 0.9)
    stand = a.walk_to(near + 1.0, (0.0, spot), 0.6)
    down = max(stand, cue + lag + 0.9) + 0.2
    seat = hold(t, down, 0.8, down + 0.8 + sit_for, 0.9)
    a.drop += 0.3 * a.rig.scale * seat
    a.lunge(seat, forward=-0.2 * s)           # back onto the lap, feet staying where they are
    a.lean[:, 0] += 0.1 * seat
    scene.solve()
    sitting = window(t, down + 0.9, down + 0.8 + sit_for)
    scene.contact(a, "root", ("pelvis", "hips", "left_thigh", "right_thigh"), ("left_thigh", "right_thigh"),
                  sitting, axes="y")
    scene.cue(cue, lag, "pelvis", "pelvis")
    scene.note(seconds=round(sit_for))
    return scene


def carry_on_back(ctx: Context) -> Scene:
    """The actor turns its back and bends for a piggyback; the reactor leans onto its back, arms over its
    shoulders."""
    rng = ctx.rng
    s = ctx.mean_scale
    ride = float(np.clip(ctx.target - ctx.lead - 5.0, 1.0, 5.0))
    scene = ctx.scene(ctx.lead + 4.5 + ride + 2.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    start = rng.uniform(1.0, 1.6)
    face_each_other(scene, start)
    cue = ctx.lead
    lag = ctx.lag
    # the actor walks in and turns around: its back to the reactor
    spot = start - 0.45 * s
    near = a.walk_to(cue, (0.0, spot - 0.3), ctx.walk_speed() * 0.8)
    a.turn_to(near, np.pi, 0.9)
    stand = a.walk_to(near + 1.0, (0.0, spot), 0.6)
    bend = hold(t, stand, 0.6, stand + 0.6 + 0.8 + ride, 0.8)
    a.lean[:, 0] += 0.45 * bend
    a.drop += 0.15 * a.rig.scale * bend
    for side in range(2):      # hands braced on the thighs
        a.gesture(side, bend, (0.04, -0.5, 0.22), (0.0, -1.0, 0.3), (0.0, -1.0, 0.0), (0.3, -0.1, -0.3),
                  shape="relaxed")
    # the reactor opens its arms at the cue, then leans onto the actor's back and is lifted
    on = stand + 0.7
    r.lean[:, 0] += 0.3 * hold(t, on, 0.5, on + 0.5 + ride, 0.8)
    r.walk_to(on - 0.4, (0.0, start - 0.05 * s), 0.5)
    step_back(r, on + 0.7 + ride, 0.3)
    for side in range(2):
        r.gesture(side, hold(t, cue + lag, 0.5, on + 0.2, 0.4), (0.3, 0.0, 0.3), (0.5, 0.2, 1.0), (0.0, 0.0, 1.0))
    scene.solve()
    w = hold(t, on - 0.2, 0.5, on + 0.9 + ride, 0.6)
    touching = window(t, on + 0.4, on + 0.5 + ride)
    a_fwd, a_left = a.facing(), ik.left_of(a.yaw)
    start_c, end_c, _ = capsule(a, "chest")
    for side in range(2):
        outward = (1.0 if side == 0 else -1.0) * ik.left_of(r.yaw)
        at_end = np.sum((end_c - start_c) * outward, -1).mean() > 0
        wrist, point, palm = palm_on(r, side, a, "chest", 0.9 if at_end else 0.1, ik.normalize(UP - 0.5 * a_fwd),
                                     a_fwd, off=0.1 * (1 - ramp(t, on - 0.2, 0.5))
                                     + 0.2 * ramp(t, on + 0.5 + ride, 0.4))
        r.arm(side, w, wrist, point, palm, body_pole(r, side, 0.4, -0.2, -0.1), body=False, grip="open")
        r.hand(side, "open", w)
        scene.contact(r, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("chest",), touching)
    trunk = TORSO + ("pelvis", "hips")
    scene.contact(r, "root", trunk, trunk, touching, gap=0.004, axes="xz", fade=0.6)
    scene.cue(cue, lag, "pelvis", "left_wrist")
    scene.note(seconds=round(ride))
    return scene
