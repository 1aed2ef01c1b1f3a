"""What every choreography shares: the sampled context and small helpers for common moves.

Pair frame: the actor starts at the origin facing +z; the reactor usually
stands `distance` ahead facing back (-z). Body-frame vectors are (out, up,
forward) from a shoulder, "out" pointing away from the midline on that side.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.body.capsules import capsule_segments
from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth.hands import shape_tip
from interx.data.synth.performer import Performer
from interx.data.synth.rig import Rig
from interx.data.synth.scene import Scene
from interx.data.synth.timing import pulse, window  # noqa: F401  (window: re-exported for the families)

SIDE_NAMES = ("left", "right")


@dataclass
class Context:
    """Parameters drawn for one sequence before its choreography runs.

    Attributes:
        rigs, genders: P1's and P2's.
        actor: 0 when P1 acts, 1 when P2 acts.
        hands: dominant hand of P1 and P2 (0 left, 1 right).
        target: wanted length in seconds (the scene may be longer when the moves need it).
        lead: idle seconds before the actor's cue.
        lag: seconds from the actor's cue to the reactor's response.
        tempo: speed factor of gestures (> 1 faster).
        amplitude: size factor of gestures.
        familiarity: 1-4, the group's familiarity (more familiar pairs stand closer).
    """

    rng: np.random.Generator
    fps: float
    rigs: tuple[Rig, Rig]
    genders: tuple[str, str]
    actor: int
    hands: tuple[int, int]
    target: float
    lead: float
    lag: float
    tempo: float
    amplitude: float
    familiarity: int

    def scene(self, needed: float) -> Scene:
        """A scene lasting the longer of `needed` and the target (plus a short idle tail)."""
        return Scene(self.rigs, self.genders, self.actor, max(needed + 0.3, self.target), self.fps, self.rng)

    @property
    def actor_rig(self) -> Rig:
        return self.rigs[self.actor]

    @property
    def reactor_rig(self) -> Rig:
        return self.rigs[1 - self.actor]

    @property
    def actor_hand(self) -> int:
        return self.hands[self.actor]

    @property
    def reactor_hand(self) -> int:
        return self.hands[1 - self.actor]

    @property
    def mean_scale(self) -> float:
        return 0.5 * (self.rigs[0].scale + self.rigs[1].scale)

    def reps(self, fixed: float, each: float, low: int, high: int) -> int:
        """Repetitions (within [low, high]) whose total `fixed + n * each` seconds best fills the target."""
        n = int(np.floor((self.target - fixed) / max(each, 1e-6)))
        return int(np.clip(n, low, high))

    def personal_space(self) -> float:
        """Extra meters of distance: unfamiliar pairs keep farther apart."""
        return 0.04 * (4 - self.familiarity)

    def walk_speed(self) -> float:
        return float(self.rng.uniform(0.9, 1.4)) * self.tempo ** 0.5


def standoff(actor: Rig, reactor: Rig, height: float, depth: float, lateral: float = 0.0,
             reach: float = 0.85) -> float:
    """Pelvis distance at which the actor's shoulder reaches a point of the reactor with `reach` of its arm.

    The point is `height` (share of the reactor's stature) above the floor and
    `depth` meters in front of the reactor's pelvis (toward the actor), `lateral`
    meters sideways from the actor's shoulder. Facing pairs; a point out of
    reach from any distance gives the distance of 0.3 m past the point.
    """
    from interx.body.joints import JOINT_INDEX

    shoulder = actor.rest[JOINT_INDEX["left_shoulder"]]
    rise = height * reactor.height - (shoulder[1] - actor.floor)
    across = max(abs(lateral), 0.0)
    flat = (reach * actor.arm_length) ** 2 - rise ** 2 - across ** 2
    ahead = float(np.sqrt(flat)) if flat > 0.01 else 0.1
    return ahead + depth + float(shoulder[2])


CLOSEST = 0.5   # m (for a 1.70 m pair): facing pelvises closer than this put the toes into each other


def lean_to_reach(short: float) -> float:
    """Forward trunk pitch (radians) that brings the shoulders `short` meters further forward."""
    return float(np.arcsin(np.clip(short / 0.45, 0.0, 0.7)))


def face_each_other(scene: Scene, distance: float) -> None:
    """Actor at the origin facing +z, reactor `distance` meters ahead facing it."""
    scene.actor.xz[:] = 0.0
    scene.actor.yaw[:] = 0.0
    scene.reactor.xz[:] = (0.0, distance)
    scene.reactor.yaw[:] = np.pi


def hold(t: np.ndarray, start: float, rise: float, end: float, fall: float) -> np.ndarray:
    """Weight rising over `rise` from `start`, 1 until `end`, falling over `fall`."""
    return pulse(t, start, rise, max(end - start - rise, 0.0), fall)


def ground_between(a: Performer, b: Performer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(T, 3) midpoint of the two pelvises on the ground, unit direction a->b and a's left of it."""
    pa, pb = a.trunk_joints[:, 0] * [1, 0, 1], b.trunk_joints[:, 0] * [1, 0, 1]
    forward = ik.normalize(pb - pa)
    left = ik.cross(np.broadcast_to([0.0, 1.0, 0.0], forward.shape), forward)
    return 0.5 * (pa + pb), forward, left


HAND_RADIUS = geo.capsule_radius("left_hand")


def body_pole(p: Performer, side: int, out: float = 0.3, up: float = -0.35, forward: float = -0.1) -> np.ndarray:
    """(T, 3) world elbow pole from body-frame offsets (elbow out and down by default)."""
    return p.to_world(side, np.array([out, up, forward]) * p.rig.scale)


def capsule(p: Performer, name: str) -> tuple[np.ndarray, np.ndarray, float]:
    """(start (T, 3), end (T, 3), radius) of one of `p`'s capsules in its last solve."""
    starts, ends, radii = capsule_segments(p.joints)
    i = geo.CAPSULE_ID[name]
    return starts[:, i], ends[:, i], float(radii[i])


def palm_on(p: Performer, side: int, partner: Performer, name: str, along: float, around: np.ndarray,
            tangent: np.ndarray, shape: str = "open", centre: float = 0.45, off=0.0):
    """Wrist target (T, 3), hand capsule direction and palm direction for a palm laid on a partner's capsule.

    The hand's capsule lies tangent to the partner's capsule `name` at fraction
    `along` of its axis, on the side `around` (world direction out of the axis),
    pointing along `tangent`, its point at `centre` of its length touching, or
    `off` meters ((T,) or a number) off the surface. Pass the result with
    `grip=shape` to `Performer.arm`.
    """
    start, end, radius = capsule(partner, name)
    touch = geo.surface_point(start, end, radius, along, around, offset=HAND_RADIUS + np.asarray(off)[..., None])
    axis = ik.normalize(end - start)
    around = ik.normalize(np.broadcast_to(around, touch.shape) - np.sum(around * axis, -1, keepdims=True) * axis)
    tangent = np.broadcast_to(tangent, touch.shape)
    tangent = ik.normalize(tangent - np.sum(tangent * around, -1, keepdims=True) * around)
    length = float(np.linalg.norm(shape_tip(p.rig, side, shape)))
    return touch - tangent * centre * length, tangent, -around


def step_back(p: Performer, start: float, distance: float, speed: float = 0.9) -> float:
    """Step back (against the current heading) by `distance` meters; returns when it stands again."""
    i = p.frame(start)
    return p.walk_to(start, p.xz[i] - distance * ik.facing(p.yaw[i])[[0, 2]], speed, accel=0.25)



def fist_at(p: Performer, side: int, partner: Performer, name: str, along: float, normal: np.ndarray,
            palm: np.ndarray, shape: str = "fist", off=0.0):
    """Wrist target (T, 3), capsule direction and palm direction for a hand whose tip (knuckles) meets a
    partner's capsule `name` at fraction `along`, on the side `normal`, `off` meters short of it."""
    start, end, radius = capsule(partner, name)
    axis = ik.normalize(end - start)
    normal = np.broadcast_to(normal, start.shape)
    normal = ik.normalize(normal - np.sum(normal * axis, -1, keepdims=True) * axis)
    tip = start + along * (end - start) + (radius + HAND_RADIUS + np.asarray(off)[..., None]) * normal
    length = float(np.linalg.norm(shape_tip(p.rig, side, shape)))
    return tip + normal * length, -normal, palm


def press_profile(t: np.ndarray, arrive: float, leave: float, taps: int, lift: float = 0.08):
    """How far (m) a touching hand is lifted off the surface: 0 from `arrive` to `leave` except `taps - 1`
    lifts of `lift` meters between pats. Returns (lift (T,), touching (T,) bool)."""
    offset = np.zeros_like(t)
    if taps > 1:
        period = (leave - arrive) / taps
        for k in range(1, taps):
            offset += lift * pulse(t, arrive + k * period - 0.55 * period, 0.3 * period, 0.0, 0.3 * period)
    touching = (t >= arrive) & (t < leave) & (offset < 1e-4)
    return offset, touching
