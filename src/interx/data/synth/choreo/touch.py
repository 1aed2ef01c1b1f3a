"""One person's hand (or foot) on the other: pats, touches, massages, grabs, pushes, strikes, kicks.

The touching hand's target is a point on the partner's capsule surface (from the
partner's solved body), so it follows the partner; the scene then closes the
remaining gap exactly. The reactor answers `lag` seconds after the actor's cue.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from interx.data.synth import ik
from interx.data.synth.choreo.common import (CLOSEST, HAND_RADIUS, SIDE_NAMES, Context, body_pole, capsule,
                                             face_each_other, fist_at, hold, lean_to_reach, palm_on,
                                             press_profile, standoff, step_back, window)
from interx.data.synth.hands import shape_tip
from interx.data.synth.performer import Performer
from interx.data.synth.scene import Scene
from interx.data.synth.timing import oscillation, ramp

UP = np.array([0.0, 1.0, 0.0])
TORSO = ("chest", "abdomen")


def _hands_in_front(p: Performer, start: float, end: float, clasp: bool = False) -> None:
    """Both hands come up in front of the chest (surprise, or clasped shyly)."""
    w = hold(p.t, start, 0.4, end, 0.5)
    for side in range(2):
        if clasp:
            p.gesture(side, w, (-0.12, -0.3, 0.18), (-0.8, -0.3, 0.5), (-1.0, 0.0, 0.0), (0.25, -0.3, -0.2))
        else:
            p.gesture(side, w, (0.1, 0.0, 0.26), (0.1, 1.0, 0.2), (0.0, 0.0, 1.0), shape="open")


def _side_by_side(ctx: Context, scene: Scene, start: float, lateral: float, behind: float = 0.0) -> tuple[float, int]:
    """The actor walks from in front of the reactor to stand at its side (`behind` meters back from its
    shoulder line) facing the same way, turned a little toward it.

    Returns (time it stands, the actor's hand nearer the reactor)."""
    rng = ctx.rng
    a = scene.actor
    side = 1 if rng.random() < 0.5 else -1            # +1: the actor ends on the reactor's left
    distance = rng.uniform(1.2, 2.2)
    face_each_other(scene, distance)
    # the reactor faces -z, its left is -x
    turn = 0.35 * behind / max(lateral, 1e-6)
    # around the reactor's side (not through its arm), then in beside it
    waypoints = [(-side * (lateral + 0.25), distance - 0.3), (-side * lateral, distance + behind)]
    stand = a.walk_path(start, waypoints, ctx.walk_speed() * 0.85, face=np.pi - side * turn)
    near = 1 if side == 1 else 0          # on the reactor's left, the reactor is on the actor's right
    return stand, near


def _pat_back(ctx: Context) -> Scene:
    rng = ctx.rng
    taps = ctx.reps(ctx.lead + 4.5, 0.45, 2, 8)
    freq = rng.uniform(1.8, 2.6) * ctx.tempo
    scene = ctx.scene(ctx.lead + 3.5 + taps / freq + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    stand, side = _side_by_side(ctx, scene, ctx.lead, 0.42 * ctx.mean_scale, 0.28 * ctx.mean_scale)
    cue = stand + rng.uniform(0.4, 0.6)
    reach = rng.uniform(0.45, 0.6) / ctx.tempo
    arrive, leave = cue + reach, cue + reach + taps / freq
    towards = -1.0 if side == 1 else 1.0       # the reactor turns to the actor: toward its left when on its left
    w_r = hold(t, cue + ctx.lag, 0.5, leave + 0.3, 0.6)
    r.lean[:, 2] += towards * 0.25 * w_r
    r.head[:, 1] += towards * 0.5 * w_r
    scene.solve()
    lift, touching = press_profile(t, arrive, leave, taps, 0.07)
    w = hold(t, cue, reach, leave, 0.5)
    r_fwd, r_left = r.facing(), ik.left_of(r.yaw)
    start, end, _ = capsule(r, "chest")
    near_end = np.sum((end - start) * (r_left * -towards), -1).mean() > 0   # the chest end on the actor's side
    along = rng.uniform(0.62, 0.8) if near_end else rng.uniform(0.2, 0.38)
    normal = ik.normalize(-r_fwd + 0.35 * UP)
    tangent = r_left * towards - 0.6 * UP            # fingers across the back and down
    wrist, point, palm = palm_on(a, side, r, "chest", along, normal, tangent,
                                 off=lift + 0.12 * (1 - ramp(t, cue, reach)))
    a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.35, -0.25, -0.2), body=False, grip="open")
    a.hand(side, "open", w)
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("chest",), touching)
    scene.cue(cue, ctx.lag, f"{SIDE_NAMES[side]}_wrist", "left_shoulder" if towards < 0 else "right_shoulder")
    scene.note(hand=SIDE_NAMES[side], taps=taps)
    return scene


def pat_on_back(ctx: Context) -> Scene:
    return _pat_back(ctx)


def _facing_touch(ctx: Context, distance: float, where: str, taps: int, duration: float, rub: float = 0.0):
    """The actor, facing the reactor at `distance`, lays its dominant hand on the reactor's head: `where`
    'cheek', 'top' or 'mouth'. Returns (scene, side, cue, arrive, leave, touching)."""
    rng = ctx.rng
    side = ctx.actor_hand
    reach = rng.uniform(0.45, 0.65) / ctx.tempo
    scene = ctx.scene(ctx.lead + reach + duration + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    cue = ctx.lead
    arrive, leave = cue + reach, cue + reach + duration
    w = hold(t, cue, reach, leave, 0.5)
    if where == "top":   # the reactor bows its head to it, more when taller
        taller = r.rig.height - a.rig.height
        r.lean[:, 0] += np.clip(0.3 + 1.5 * taller, 0.2, 0.5) * hold(t, cue + ctx.lag, 0.4, leave + 0.2, 0.5)
        r.head[:, 0] += 0.35 * hold(t, cue + ctx.lag, 0.4, leave + 0.2, 0.5)
    # the hand rises in front of the actor's own face first, then goes to the partner
    a.gesture(side, hold(t, cue, 0.35 * reach, arrive + 0.1, 0.3), (0.0, 0.25, 0.25), (0.0, 1.0, 0.5),
              (0.0, 0.0, 1.0), (0.35, -0.3, -0.1), shape="open")
    return scene, side, cue, arrive, leave, hold(t, cue + 0.2 * reach, 0.8 * reach, leave, 0.5)


def _head_touch(ctx: Context, where: str) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    if where == "cheek":
        taps = int(rng.integers(1, 4))
        duration = float(np.clip(ctx.target - ctx.lead - 2.5, 0.6, 3.0))
    elif where == "top":
        taps, duration = 1, float(np.clip(ctx.target - ctx.lead - 2.5, 0.8, 4.0))
    else:
        taps, duration = 1, float(np.clip(ctx.target - ctx.lead - 2.5, 0.8, 5.0))
    height = {"cheek": 0.9, "top": 0.97, "mouth": 0.88}[where]
    reach = standoff(ctx.actor_rig, ctx.reactor_rig, height, 0.08, 0.1, rng.uniform(0.75, 0.88))
    distance = max(reach, (CLOSEST + (0.1 if where == "top" else 0.0)) * s)
    scene, side, cue, arrive, leave, w = _facing_touch(ctx, distance, where, taps, duration)
    a, r = scene.actor, scene.reactor
    t = scene.t
    if where != "top":       # for the crown the reactor bows to the hand instead
        a.lean[:, 0] += lean_to_reach(distance - reach) * w
    lag = ctx.lag
    if where == "top":
        joint = "head"
    else:
        _hands_in_front(r, cue + lag, leave + 0.3, clasp=where == "cheek")
        r.lean[:, 0] -= 0.06 * hold(t, cue + lag, 0.4, leave, 0.5)
        joint = "left_wrist"
    scene.solve()
    lift, touching = press_profile(t, arrive, leave, taps, 0.05)
    # off the surface while coming and going
    approach = 0.12 * (1 - ramp(t, cue + 0.2 * (arrive - cue), 0.8 * (arrive - cue))) + 0.12 * ramp(t, leave, 0.3)
    r_fwd, r_left = r.facing(), ik.left_of(r.yaw)
    # which cheek: the one on the actor's hand side (the reactor's opposite side)
    cheek = -r_left if side == 0 else r_left
    if where == "cheek":
        normal, along, tangent = ik.normalize(cheek + 0.6 * r_fwd), 0.25, UP - 0.3 * r_fwd
    elif where == "top":
        normal, along, tangent = None, 1.0, -r_fwd
    else:
        normal, along, tangent = r_fwd, 0.12, -cheek
    if normal is None:     # on the crown: the cap at the end of the head capsule, tilted toward the actor
        start, end, radius = capsule(r, "head")
        rub = 0.02 * oscillation(t, arrive + 0.2, 1.5, max(int(duration * 1.5) - 1, 1))
        normal = ik.normalize(ik.normalize(end - start) + 0.4 * r_fwd + rub[:, None] * r_left)
        touch = end + (radius + HAND_RADIUS + lift + approach)[:, None] * normal
        point = ik.normalize(tangent - np.sum(tangent * normal, -1, keepdims=True) * normal)
        wrist, palm = touch - point * 0.5 * float(np.linalg.norm(shape_tip(a.rig, side, "open"))), -normal
    else:
        wrist, point, palm = palm_on(a, side, r, "head", along, normal, tangent, off=lift + approach, centre=0.5)
    pole = body_pole(a, side, 0.45, 0.3, -0.1) if where == "top" else body_pole(a, side, 0.35, -0.3, -0.1)
    a.arm(side, w, wrist, point, palm, pole, body=False, grip="open")
    a.hand(side, "open", w)
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("head",), touching)
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", joint)
    scene.note(hand=SIDE_NAMES[side], taps=taps, seconds=round(duration))
    return scene


def pat_on_cheek(ctx: Context) -> Scene:
    return _head_touch(ctx, "cheek")


def touch_head(ctx: Context) -> Scene:
    return _head_touch(ctx, "top")


def cover_mouth(ctx: Context) -> Scene:
    return _head_touch(ctx, "mouth")


def massage_shoulder(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    kneads = ctx.reps(ctx.lead + 4.0, 0.9, 2, 25)
    freq = rng.uniform(0.9, 1.4) * ctx.tempo
    scene = ctx.scene(ctx.lead + 3.5 + kneads / freq + 1.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    distance = rng.uniform(1.0, 1.8)
    a.xz[:], a.yaw[:] = 0.0, 0.0
    r.xz[:], r.yaw[:] = (0.0, distance), 0.0           # the reactor's back to the actor
    stand = a.walk_to(ctx.lead, (0.0, distance - 0.42 * s), ctx.walk_speed() * 0.8)
    cue = stand + rng.uniform(0.4, 0.6)
    reach = rng.uniform(0.5, 0.7) / ctx.tempo
    arrive, leave = cue + reach, cue + reach + kneads / freq
    w_r = hold(t, cue + ctx.lag, 0.5, leave, 0.6)
    r.shrug -= 0.08 * w_r[:, None]
    r.lean[:, 0] -= 0.12 * w_r                      # leans back into the hands
    r.head[:, 0] -= 0.2 * w_r
    for side in range(2):      # hands come up in front of the chest first, and go back down there
        a.gesture(side, hold(t, cue, 0.4 * reach, leave + 0.4, 0.4), (0.02, 0.22, 0.12), (0.0, 1.0, 0.6),
                  (0.0, -0.3, 1.0), (0.4, -0.2, -0.1), shape="cup")
    scene.solve()
    w = hold(t, cue + 0.2 * reach, 0.8 * reach, leave + 0.15, 0.4)
    knead = oscillation(t, arrive + 0.1, freq, kneads)
    touching = window(t, arrive, leave)
    r_fwd = r.facing()
    start, end, _ = capsule(r, "chest")
    a_left = ik.left_of(a.yaw)
    for side in range(2):
        outward = a_left if side == 0 else -a_left
        at_end = np.sum((end - start) * outward, -1).mean() > 0
        along = (0.9 if at_end else 0.1) + 0.05 * knead * (1 if at_end else -1)
        normal = ik.normalize(UP - 0.5 * r_fwd + 0.2 * knead[:, None] * r_fwd)
        wrist, point, palm = palm_on(a, side, r, "chest", 0.0, normal, r_fwd - 0.3 * UP,
                                     off=0.12 * (1 - ramp(t, cue + 0.3 * reach, 0.7 * reach))
                                     + 0.15 * ramp(t, leave, 0.3))
        # palm_on at along 0; move along the shoulder line to the kneading point
        wrist = wrist + along[:, None] * (end - start)
        a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.35, -0.35, -0.1), body=False, grip="cup")
        a.hand(side, "cup", w)
        scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("chest",), touching)
    scene.cue(cue, ctx.lag, "left_wrist", "head")
    scene.note(kneads=kneads, seconds=round(kneads / freq))
    return scene


def massage_leg(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    kneads = ctx.reps(ctx.lead + 4.0, 0.9, 2, 20)
    freq = rng.uniform(0.9, 1.4) * ctx.tempo
    scene = ctx.scene(ctx.lead + 4.0 + kneads / freq + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, rng.uniform(1.2, 2.0))
    leg = int(rng.integers(2))                       # the reactor's leg being massaged
    r_side = -1.0 if leg == 0 else 1.0               # its left leg is at -x (the reactor faces -z)
    a.style = replace(a.style, width=0.17 * a.rig.scale)     # knees apart, either side of the reactor's leg
    stand = a.walk_to(ctx.lead, (0.09 * r_side, float(r.xz[0, 1]) - 0.56 * s), ctx.walk_speed() * 0.8)
    kneel = stand + 0.1
    crouch = hold(t, kneel, 0.8, 1e9, 0.5)
    a.drop += 0.35 * a.rig.scale * crouch
    a.lean[:, 0] += 0.6 * crouch
    cue = kneel + 0.8 + rng.uniform(0.3, 0.5)
    reach = rng.uniform(0.45, 0.6) / ctx.tempo
    arrive, leave = cue + reach, cue + reach + kneads / freq
    a.drop -= 0.35 * a.rig.scale * ramp(t, leave + 0.5, 0.8)
    a.lean[:, 0] -= 0.6 * ramp(t, leave + 0.5, 0.8)
    r_hand = ctx.reactor_hand
    r.gesture(r_hand, hold(t, cue + ctx.lag, 0.5, leave, 0.5), (0.1, -0.42, 0.0), (-0.6, -0.6, 0.2),
              (-1.0, 0.0, 0.0), (0.55, -0.2, -0.1), shape="fist")
    scene.solve()
    w = hold(t, cue, reach, leave, 0.5)
    knead = oscillation(t, arrive + 0.1, freq, kneads)
    touching = window(t, arrive, leave)
    r_fwd, r_left = r.facing(), ik.left_of(r.yaw)
    thigh = f"{SIDE_NAMES[leg]}_thigh"
    for side in range(2):
        around = ik.normalize(r_fwd + (0.5 if side == 0 else -0.5) * -r_left)
        wrist, point, palm = palm_on(a, side, r, thigh, 0.5 + (0.08 if side == 0 else -0.08) + 0.05 * knead,
                                     around, UP, off=0.1 * (1 - ramp(t, cue, reach)))
        a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.4, -0.3, -0.1), body=False, grip="cup")
        a.hand(side, "cup", w)
        scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), (thigh,), touching)
    scene.cue(cue, ctx.lag, "left_wrist", f"{SIDE_NAMES[r_hand]}_wrist")
    scene.note(leg=SIDE_NAMES[leg], kneads=kneads)
    return scene


def _guard(p: Performer, start: float, end: float) -> None:
    """Both fists up in front of the chest, from `start` until `end`."""
    w = hold(p.t, start, 0.4, end, 0.5)
    for side in range(2):
        p.gesture(side, w, (-0.02, -0.05, 0.28), (0.0, 0.6, 1.0), (-1.0, 0.0, 0.0), (0.3, -0.4, -0.1), shape="fist")


def _recoil(p: Performer, start: float, back: float, hunch: bool, hand: int, spot: tuple) -> None:
    """Taken by surprise at `start`: hunch over (or lean back), step back `back` meters, a hand to `spot`."""
    t = p.t
    w = hold(t, start, 0.3, start + 0.9, 0.6)
    p.lean[:, 0] += (0.3 if hunch else -0.2) * w
    if back > 0:
        step_back(p, start + 0.15, back)
    p.gesture(hand, hold(t, start, 0.35, start + 1.2, 0.5), spot, (-0.9, 0.2, 0.3), (0.0, 0.0, -1.0),
              (0.3, -0.4, -0.1), shape="open")


def _push(ctx: Context, knock: bool) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    reach_at = standoff(ctx.actor_rig, ctx.reactor_rig, 0.72, 0.1, 0.12, rng.uniform(0.8, 0.9))
    distance = max(reach_at, (CLOSEST + 0.08) * s)
    lag = ctx.lag
    reach = float(np.clip(min(rng.uniform(0.25, 0.4) / ctx.tempo, lag - 0.04), 0.18, 0.45))
    shove = rng.uniform(0.25, 0.4)
    back = rng.uniform(0.7, 1.1) if knock else rng.uniform(0.25, 0.6) * ctx.amplitude
    scene = ctx.scene(ctx.lead + reach + shove + (4.0 if knock else 2.0))
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    cue = ctx.lead
    hit, leave = cue + reach, cue + reach + shove
    a.lean[:, 0] += (lean_to_reach(distance - reach_at) + 0.1) * hold(t, cue, reach, leave, 0.6)
    a.lunge(hold(t, cue + 0.1, reach + shove - 0.1, leave, 0.6), forward=0.12 * s)
    # the reactor is driven back from the moment the hands land, then steps back
    r.lean[:, 0] -= 0.25 * hold(t, cue + lag, 0.3, cue + lag + 0.5, 0.7)
    r.lunge(hold(t, cue + lag, shove + 0.15, leave + 0.15, 0.5), forward=-0.1 * s)
    steady = step_back(r, leave, back, speed=1.2 if knock else 0.9)
    if knock:      # stumbles, sits down hard, hands to the floor behind
        sit = steady - 0.2
        fall = hold(t, sit, 0.5, 1e9, 0.5)
        r.drop += (r.rig.pelvis_height - 0.22 * r.rig.scale) * fall
        r.lean[:, 0] -= 0.25 * fall
        for side in range(2):
            r.gesture(side, fall, (0.12, -0.55, -0.3), (0.0, -1.0, -0.3), (0.0, -1.0, 0.0), (0.2, 0.0, -0.4),
                      shape="open")
    scene.solve()
    if knock:
        for side in range(2):   # the legs slide forward as it sits
            ankle = r.joints[:, 7 + side].copy()
            ankle[:, [0, 2]] += 0.45 * r.rig.scale * r.facing()[:, [0, 2]]
            ankle[:, 1] = r.rig.ankle_height
            r.foot(side, hold(t, sit + 0.1, 0.4, 1e9, 0.5), ankle, r.yaw, 0.3)
        scene.solve(r)
    for side in range(2):        # the hands come up in front of the actor's chest on the way
        a.gesture(side, hold(t, cue, 0.45 * reach, leave + 0.3, 0.4), (-0.02, -0.08, 0.22), (0.0, 1.0, 0.3),
                  (0.0, 0.0, 1.0), (0.3, -0.4, -0.1), shape="open")
    w = hold(t, cue + 0.3 * reach, 0.7 * reach, leave, 0.45)
    touching = window(t, hit, leave)
    r_fwd, r_left = r.facing(), ik.left_of(r.yaw)
    start, end, _ = capsule(r, "chest")
    for side in range(2):
        outward = ik.left_of(a.yaw) if side == 0 else -ik.left_of(a.yaw)
        at_end = np.sum((end - start) * outward, -1).mean() > 0
        along = 0.78 if at_end else 0.22
        wrist, point, palm = palm_on(a, side, r, "chest", along, r_fwd + 0.1 * UP, UP + 0.2 * r_fwd,
                                     off=0.1 * (1 - ramp(t, cue, reach)) + 0.12 * ramp(t, leave, 0.25))
        a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.5, -0.25, 0.0), body=False, grip="open")
        a.hand(side, "open", w)
        scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("chest",), touching)
    scene.cue(cue, lag, "left_wrist", "spine3")
    scene.note(distance=round(back, 1), fell=knock)
    return scene


def push(ctx: Context) -> Scene:
    return _push(ctx, knock=False)


def knock_over(ctx: Context) -> Scene:
    return _push(ctx, knock=True)


def hit(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    side = ctx.actor_hand
    belly = bool(rng.random() < 0.5)
    height = 0.6 if belly else 0.73
    reach_at = standoff(ctx.actor_rig, ctx.reactor_rig, height, 0.12, 0.05, rng.uniform(0.85, 0.92))
    distance = max(reach_at, (CLOSEST + 0.1) * s)
    punch = rng.uniform(0.16, 0.26) / ctx.tempo
    lag = float(np.clip(max(ctx.lag, punch + 0.06), 0.25, 0.55))
    guard_on = 0.1
    cue = max(ctx.lead, guard_on + 0.75)
    scene = ctx.scene(cue + 3.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    impact, back = cue + punch, cue + punch + 0.1
    _guard(a, guard_on, back + 0.6)
    a.lean[:, 0] += (lean_to_reach(distance - reach_at) + 0.05) * hold(t, cue, punch, back, 0.4)
    a.lean[:, 2] += (0.25 if side == 1 else -0.25) * hold(t, cue, punch, back, 0.4)   # the shoulder drives in
    _recoil(r, cue + lag, rng.uniform(0.0, 0.4), belly, ctx.reactor_hand,
            (-0.12, -0.42 if belly else -0.25, 0.16))
    scene.solve()
    r_fwd = r.facing()
    name = "abdomen" if belly else "chest"
    along = rng.uniform(0.4, 0.7) if belly else rng.uniform(0.3, 0.7)
    wrist, point, palm = fist_at(a, side, r, name, along, r_fwd, -UP, off=0.06 * (1 - ramp(t, cue, punch)))
    w = hold(t, cue, punch, back, 0.35)
    a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.2, -0.5, -0.1), body=False, grip="fist")
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), (name,), window(t, impact, back))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[ctx.reactor_hand]}_wrist")
    scene.note(hand=SIDE_NAMES[side], target="stomach" if belly else "chest")
    return scene


def slap(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    side = ctx.actor_hand
    reach_at = standoff(ctx.actor_rig, ctx.reactor_rig, 0.9, 0.08, 0.05, rng.uniform(0.85, 0.92))
    distance = max(reach_at, (CLOSEST + 0.05) * s)
    swing = rng.uniform(0.18, 0.28) / ctx.tempo
    lag = float(np.clip(max(ctx.lag, swing + 0.06), 0.25, 0.55))
    wind = 0.1
    cue = max(ctx.lead, wind + 0.8)
    scene = ctx.scene(cue + 3.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    impact, away = cue + swing, cue + swing + 0.07
    a.gesture(side, hold(t, wind, 0.5, cue + 0.1, 0.2), (0.35, 0.2, 0.12), (0.3, 0.5, 1.0), (-1.0, 0.0, 0.2),
              (0.4, -0.2, -0.2), shape="open")
    a.lean[:, 0] += lean_to_reach(distance - reach_at) * hold(t, cue, swing, away, 0.4)
    # the reactor's head turns away with the blow, a hand goes to the cheek
    turn = -1.0 if side == 1 else 1.0     # a right-handed slap turns the reactor's head to its right
    w_r = hold(t, cue + lag, 0.2, cue + lag + 0.6, 0.6)
    r.head[:, 1] += turn * 0.5 * w_r
    r.lean[:, 2] += turn * 0.2 * w_r
    r_side = 0 if side == 1 else 1       # the struck cheek is the reactor's left for a right-handed slap
    r.gesture(r_side, hold(t, cue + lag, 0.35, cue + lag + 1.2, 0.6), (-0.1, 0.22, 0.12), (-0.2, 1.0, 0.2),
              (-1.0, 0.0, 0.0), (0.4, -0.3, -0.1), shape="open")
    scene.solve()
    r_fwd, r_left = r.facing(), ik.left_of(r.yaw)
    cheek = -r_left if side == 0 else r_left
    wrist, point, palm = palm_on(a, side, r, "head", 0.25, ik.normalize(cheek + 0.7 * r_fwd), UP - 0.3 * r_fwd,
                                 off=0.1 * (1 - ramp(t, cue, swing)) + 0.1 * ramp(t, away, 0.2), centre=0.5)
    a.arm(side, hold(t, cue, swing, away, 0.4), wrist, point, palm, body_pole(a, side, 0.45, -0.1, -0.1),
          body=False, grip="open")
    a.hand(side, "open", hold(t, cue, swing, away, 0.4))
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), ("head",), window(t, impact, away))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[r_side]}_wrist")
    scene.note(hand=SIDE_NAMES[side])
    return scene


def block(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    side = ctx.actor_hand
    r_side = int(rng.integers(2))
    reach_at = standoff(ctx.actor_rig, ctx.reactor_rig, 0.85, 0.3, 0.05, rng.uniform(0.85, 0.92))
    distance = max(reach_at, (CLOSEST + 0.15) * s)
    lag = ctx.lag
    rise = rng.uniform(0.2, 0.3)
    cue = max(ctx.lead, 0.9)
    impact = cue + lag + rise + rng.uniform(0.03, 0.1)
    scene = ctx.scene(impact + 2.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    _guard(a, 0.1, impact + 0.5)
    w_block = hold(t, cue + lag, rise, impact + 0.4, 0.5)
    r.gesture(r_side, w_block, (-0.08, 0.2, 0.3), (-1.0, 0.25, 0.0), (0.0, 0.0, 1.0), (0.45, -0.1, 0.0),
              shape="fist")
    r.lean[:, 0] -= 0.08 * w_block
    scene.solve()
    r_fwd = r.facing()
    wrist, point, palm = fist_at(a, side, r, f"{SIDE_NAMES[r_side]}_forearm", 0.55, r_fwd, -UP,
                                 off=0.25 * (1 - ramp(t, cue, impact - cue)))
    w = hold(t, cue, 0.25, impact + 0.1, 0.4)
    a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.25, -0.45, -0.1), body=False, grip="fist")
    a.lean[:, 0] += (lean_to_reach(distance - reach_at) + 0.05) * w
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), (f"{SIDE_NAMES[r_side]}_forearm",),
                  window(t, impact, impact + 0.1))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[r_side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], block_hand=SIDE_NAMES[r_side])
    return scene


def grab(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    side = ctx.actor_hand
    r_side = 1 - side           # facing: the actor's right hand meets the reactor's left arm
    reach_at = standoff(ctx.actor_rig, ctx.reactor_rig, 0.7, 0.0, 0.02, rng.uniform(0.72, 0.82))
    distance = max(reach_at, (CLOSEST + 0.1) * s)
    lag = ctx.lag
    reach = float(np.clip(min(rng.uniform(0.35, 0.5) / ctx.tempo, lag - 0.04), 0.2, 0.5))
    hold_for = float(np.clip(ctx.target - ctx.lead - 2.0, 0.8, 4.0))
    scene = ctx.scene(ctx.lead + reach + hold_for + 1.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    cue = ctx.lead
    arrive, release = cue + reach, cue + reach + hold_for
    # the reactor tries to pull its arm back (it cannot get free), leaning away
    w_pull = hold(t, cue + lag, 0.4, release, 0.5)
    tug = 0.04 * oscillation(t, cue + lag + 0.4, 1.5, max(int(hold_for * 1.5) - 1, 1))
    r.gesture(r_side, w_pull, np.stack([np.full_like(t, 0.12), np.full_like(t, -0.38), -0.1 + tug], -1),
              (0.0, -1.0, 0.2), (-1.0, 0.0, 0.0), (0.3, -0.2, -0.3))
    r.lean[:, 0] -= 0.06 * w_pull
    r.lean[:, 2] += (0.12 if r_side == 0 else -0.12) * w_pull      # turns that shoulder away
    a.lunge(w_pull, forward=0.1 * s)           # and the actor follows, keeping hold
    a.lean[:, 0] += (lean_to_reach(distance - reach_at) + 0.05 * w_pull) * hold(t, cue, reach, release, 0.5)
    scene.solve()
    arm = f"{SIDE_NAMES[r_side]}_upper_arm"
    start, end, _ = capsule(r, arm)
    across = ik.normalize(ik.cross(end - start, np.broadcast_to(UP, start.shape)))
    w = hold(t, cue, reach, release, 0.5)
    outward = ik.left_of(r.yaw) * (1.0 if r_side == 0 else -1.0)
    wrist, point, palm = palm_on(a, side, r, arm, 0.6, ik.normalize(r.facing() + 0.5 * outward), across,
                                 shape="grip", off=0.08 * (1 - ramp(t, cue, reach)) + 0.1 * ramp(t, release, 0.25))
    a.arm(side, w, wrist, point, palm, body_pole(a, side, 0.3, -0.4, -0.1), body=False, grip="grip")
    a.hand(side, "grip", w)
    scene.contact(a, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), (arm,), window(t, arrive, release))
    scene.cue(cue, lag, f"{SIDE_NAMES[side]}_wrist", f"{SIDE_NAMES[r_side]}_wrist")
    scene.note(hand=SIDE_NAMES[side], arm=SIDE_NAMES[r_side], seconds=round(hold_for))
    return scene


def support(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    lag = ctx.lag
    hold_for = float(np.clip(ctx.target - ctx.lead - 2.5, 0.8, 4.0))
    scene = ctx.scene(ctx.lead + lag + hold_for + 2.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, rng.uniform(0.85, 0.95) * s)
    cue = ctx.lead
    r.lunge(hold(t, cue + ctx.lag, 0.4, cue + ctx.lag + hold_for, 0.8), forward=0.1 * s)   # steps in to catch
    # the actor stumbles forward into the reactor's reach
    trip = hold(t, cue, 0.35, cue + lag + 0.6 + hold_for, 0.8)
    a.lean[:, 0] += rng.uniform(0.25, 0.4) * trip
    a.drop += 0.08 * a.rig.scale * trip
    a.head[:, 0] += 0.2 * trip
    a.walk_to(cue, (0.0, 0.3 * s), 1.2, accel=0.2)
    caught = cue + lag + 0.45
    release = caught + hold_for
    scene.solve()
    a_fwd = a.facing()
    w = hold(t, cue + lag, 0.45, release, 0.6)
    touching = window(t, caught, release)
    for side in range(2):
        a_arm = f"{SIDE_NAMES[1 - side]}_upper_arm"       # facing: the reactor's left hand meets the actor's right arm
        outward = ik.left_of(a.yaw) * (1.0 if side == 1 else -1.0)
        wrist, point, palm = palm_on(r, side, a, a_arm, 0.35, ik.normalize(a_fwd + 0.8 * outward), UP - 0.3 * a_fwd,
                                     shape="grip",
                                     off=0.08 * (1 - ramp(t, cue + lag, 0.45)) + 0.1 * ramp(t, release, 0.3))
        r.arm(side, w, wrist, point, palm, body_pole(r, side, 0.3, -0.4, -0.1), body=False, grip="grip")
        r.hand(side, "grip", w)
        scene.contact(r, SIDE_NAMES[side], (f"{SIDE_NAMES[side]}_hand",), (a_arm,), touching)
    scene.cue(cue, lag, "head", "left_wrist")
    scene.note(seconds=round(hold_for))
    return scene


def kick(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    leg = ctx.actor_hand            # kicks with the dominant side's leg
    low = bool(rng.random() < 0.5)
    target_leg = 1 - leg            # facing: the actor's right foot meets the reactor's left leg
    name = f"{SIDE_NAMES[target_leg]}_{'shin' if low else 'thigh'}"
    distance = rng.uniform(0.72, 0.82) * s
    chamber, strike = rng.uniform(0.2, 0.3) / ctx.tempo, rng.uniform(0.15, 0.22) / ctx.tempo
    lag = float(np.clip(max(ctx.lag, chamber + strike + 0.06), 0.25, 0.58))
    cue = ctx.lead
    impact = cue + chamber + strike
    scene = ctx.scene(impact + 3.0)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    for side in range(2):       # arms out a little for balance
        a.gesture(side, hold(t, cue, 0.3, impact + 0.5, 0.5), (0.25, -0.3, 0.12), (0.3, -1.0, 0.3),
                  (-1.0, 0.0, 0.0), shape="fist")
    a.lean[:, 0] -= 0.1 * hold(t, cue, chamber + strike, impact + 0.3, 0.5)
    _recoil(r, cue + lag, rng.uniform(0.0, 0.25), True, target_leg, (0.1, -0.55, 0.2))
    scene.solve()
    a_fwd, r_fwd = a.facing(), r.facing()
    start, end, radius = capsule(r, name)
    along = 0.45 if low else 0.6
    toe_reach = 1.6 * a.rig.bone(7 + leg, 10 + leg)
    yaw = a.yaw
    foot_rot = ik.yaw_mat(yaw)
    clearance = radius + 0.04 + 0.05 * (1 - ramp(t, cue + chamber, strike))
    tip = start + along * (end - start) + clearance[:, None] * ik.normalize(r_fwd)
    ankle = tip - (foot_rot @ toe_reach[:, None])[..., 0]
    hip = a.joints[:, 1 + leg]
    tuck = hip + 0.15 * a_fwd - np.array([0.0, 0.45 * a.rig.scale, 0.0])
    a.foot(leg, hold(t, cue, chamber, impact + 0.15, 0.25), tuck, yaw)
    a.foot(leg, hold(t, cue + chamber * 0.7, strike + chamber * 0.3, impact + 0.08, 0.2), ankle, yaw)
    scene.contact(a, f"{SIDE_NAMES[leg]}_foot", (f"{SIDE_NAMES[leg]}_foot",), (name,), window(t, impact, impact + 0.08))
    scene.cue(cue, lag, f"{SIDE_NAMES[leg]}_ankle", f"{SIDE_NAMES[target_leg]}_wrist")
    scene.note(leg=SIDE_NAMES[leg], target="shin" if low else "thigh")
    return scene


def step_on_foot(ctx: Context) -> Scene:
    rng = ctx.rng
    s = ctx.mean_scale
    leg = ctx.actor_hand
    target_leg = 1 - leg
    distance = rng.uniform(0.58, 0.65) * s
    lift = rng.uniform(0.3, 0.4) / ctx.tempo
    lag = float(np.clip(max(ctx.lag, lift + 0.05), 0.25, 0.58))
    press = rng.uniform(0.5, 1.2)
    cue = ctx.lead
    land, off = cue + lift, cue + lift + press
    scene = ctx.scene(off + 2.5)
    a, r = scene.actor, scene.reactor
    t = scene.t
    face_each_other(scene, distance)
    a.lunge(hold(t, cue, lift, off, 0.4), forward=0.05 * s)
    _hands_in_front(r, cue + lag, off + 0.3)
    r.lean[:, 0] += 0.2 * hold(t, cue + lag, 0.3, off + 0.2, 0.5)
    scene.solve()
    start, end, radius = capsule(r, f"{SIDE_NAMES[target_leg]}_foot")
    yaw = a.yaw
    toe_reach = 1.6 * a.rig.bone(7 + leg, 10 + leg)
    # the foot goes up and over the reactor's toes, then down onto them
    above = 0.1 * (1 - ramp(t, cue + 0.5 * lift, 0.5 * lift)) + 0.1 * ramp(t, off, 0.3)
    on_top = start + 0.8 * (end - start) + (2 * radius + above)[:, None] * UP
    ankle = on_top - 0.85 * (ik.yaw_mat(yaw) @ toe_reach[:, None])[..., 0]
    a.foot(leg, hold(t, cue, 0.5 * lift, off + 0.15, 0.35), ankle, yaw)
    scene.contact(a, f"{SIDE_NAMES[leg]}_foot", (f"{SIDE_NAMES[leg]}_foot",), (f"{SIDE_NAMES[target_leg]}_foot",),
                  window(t, land, off))
    scene.cue(cue, lag, f"{SIDE_NAMES[leg]}_ankle", "left_wrist")
    scene.note(leg=SIDE_NAMES[leg], foot=SIDE_NAMES[target_leg], seconds=round(press, 1))
    return scene
