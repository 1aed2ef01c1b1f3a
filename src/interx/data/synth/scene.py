"""A two-person scene: performers, world placement, contacts, causal timing and the final checks.

A choreography builds a `Scene`, writes both performers' channels in the pair
frame (the actor at the origin facing +z), calls `solve()` (which places the
pair at a random spot and heading of one world frame and solves both bodies),
derives world targets from the solved bodies, declares contacts and the cue,
and calls `finish()`. Scenes are solved at the models' rate (30 fps); `finish`

1. keeps hands and forearms a little off the partner away from their declared
   contacts (`_repel`) and pulls every declared contact onto the partner's
   capsule surface (`_correct`: analytic IK with the measured gap removed), in
   a few alternating passes;
2. upsamples both people to the release rate (120 fps, `resample`), adds the
   fingers' tracking noise at that rate, and
3. checks what the written files will hold, with the joints computed exactly
   as a reader computes them from the float32 parameters:

- each declared contact has a surface gap of at most `CONTACT_GAP` on its frames;
- no capsule of one person sinks more than `MAX_PENETRATION` into the other on any frame;
- planted feet put the lowest joint near the floor (y = 0);
- the reactor's response starts 0.2-0.6 s after the actor's cue, as measured by
  `measure_lag` on the two named joints.

A failed check raises `Reject`; the generator then draws new parameters.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from interx.body.joints import JOINT_INDEX
from interx.body.kinematics import pose_joints
from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth.performer import Performer
from interx.data.synth.resample import upsample_positions, upsample_rotations
from interx.data.synth.rig import SIDES, Rig
from interx.data.synth.timing import minjerk
from interx.data.types import RAW_FPS, PersonMotion

CONTACT_GAP = 0.008        # m, largest gap accepted on a declared contact frame (the promise is 1 cm)
MAX_PENETRATION = 0.018    # m, deepest overlap accepted on any frame (the promise is 2 cm)
LAG_RANGE = (0.2, 0.6)     # s, reactor's response after the actor's cue
ONSET_SPEED = 0.08         # m/s, joint speed that marks the start of a movement
QUIET_BEFORE = 0.25        # s before the cue from which onsets are searched
FLOOR_RANGE = (-0.02, 0.05)  # m, lowest joint height while both feet are planted
FADE = 0.25                # s over which a contact correction fades in and out
CAPSULE_NAMES_BY_ID = np.array(list(geo.CAPSULE_ID))
CLEARANCE = 0.004          # m, gap kept between a hand (or forearm) and the partner away from its contacts


class Reject(Exception):
    """The scene failed a check; the message says which."""


@dataclass(frozen=True)
class ContactRecord:
    """A declared contact: capsules of `person` (0 = P1, 1 = P2) touching capsules of the other on `frames`."""

    person: int
    capsules: tuple[str, ...]
    partner_capsules: tuple[str, ...]
    frames: np.ndarray


@dataclass(frozen=True)
class Timing:
    """The actor's cue and the reactor's response (frames at the scene's rate; joints by name)."""

    cue_frame: int
    lag_frames: int
    actor_joint: str
    reactor_joint: str


@dataclass(frozen=True)
class SceneResult:
    persons: tuple[PersonMotion, PersonMotion]
    actor: int
    timing: Timing
    contacts: tuple[ContactRecord, ...]
    facts: dict
    checks: dict = field(default_factory=dict)


@dataclass
class _Contact:
    who: int
    limb: str
    caps: np.ndarray
    partner_caps: np.ndarray
    frames: np.ndarray
    influence: np.ndarray
    gap: float
    axes: str
    declare: bool
    names: tuple[tuple[str, ...], tuple[str, ...]]


def onset(joints: np.ndarray, joint: str, fps: float, start: int, threshold: float = ONSET_SPEED) -> int | None:
    """First frame at or after `start` at which `joint` moves faster than `threshold` m/s (None if never)."""
    p = joints[:, JOINT_INDEX[joint]]
    speed = np.linalg.norm(np.diff(p, axis=0), axis=-1) * fps
    hits = np.flatnonzero(speed[start:] > threshold)
    return None if hits.size == 0 else start + int(hits[0])


def measure_lag(actor_joints: np.ndarray, reactor_joints: np.ndarray, timing: Timing, fps: float) -> float | None:
    """Seconds from the actor's movement onset to the reactor's, both searched from QUIET_BEFORE before the cue."""
    start = max(timing.cue_frame - int(QUIET_BEFORE * fps), 0)
    a = onset(actor_joints, timing.actor_joint, fps, start)
    r = onset(reactor_joints, timing.reactor_joint, fps, start)
    return None if a is None or r is None else (r - a) / fps


class Scene:
    """Two performers over `duration` seconds, solved at `fps` and written at `out_fps` (an integer multiple);
    `actor` is 0 (P1 acts) or 1 (P2 acts)."""

    def __init__(self, rigs: tuple[Rig, Rig], genders: tuple[str, str], actor: int, duration: float, fps: float,
                 rng: np.random.Generator, out_fps: float = RAW_FPS):
        frames = max(int(round(duration * fps)), 2)
        self.fps, self.out_fps, self.rng = fps, out_fps, rng
        self.t = np.arange(frames) / fps
        self.people = tuple(Performer(rigs[i], self.t, fps, rng, genders[i]) for i in range(2))
        self.actor_index = actor
        self.actor, self.reactor = self.people[actor], self.people[1 - actor]
        self.people[0].partner, self.people[1].partner = self.people[1], self.people[0]
        self.facts: dict = {}
        self._contacts: list[_Contact] = []
        self._timing: tuple | None = None
        self._placed = False

    @property
    def frames(self) -> int:
        return self.t.shape[0]

    def index(self, person: Performer) -> int:
        return 0 if person is self.people[0] else 1

    def partner(self, person: Performer) -> Performer:
        return self.people[1 - self.index(person)]

    # --- world ----------------------------------------------------------------------

    def _place(self) -> None:
        """Move the pair from its frame to a random place and heading of the world (once)."""
        yaw = self.rng.uniform(-np.pi, np.pi)
        shift = self.rng.uniform(-1.5, 1.5, size=2)  # a translation of the ground plane
        c, s = np.cos(yaw), np.sin(yaw)
        for p in self.people:
            x, z = p.xz[:, 0].copy(), p.xz[:, 1].copy()
            p.xz[:, 0] = x * c + z * s + shift[0]
            p.xz[:, 1] = -x * s + z * c + shift[1]
            x, z = p.shift[:, 0].copy(), p.shift[:, 2].copy()
            p.shift[:, 0], p.shift[:, 2] = x * c + z * s, -x * s + z * c
            p.yaw += yaw
        self._placed = True

    def solve(self, *who: Performer, exact: bool = False) -> None:
        """Solve the given performers (both by default); the first call places the pair in the world."""
        if not self._placed:
            self._place()
        for p in who or self.people:
            p.solve(exact=exact)

    # --- declarations ---------------------------------------------------------------

    def cue(self, time: float, lag: float, actor_joint: str, reactor_joint: str) -> None:
        """The actor's movement of `actor_joint` starts at `time`; the reactor's `reactor_joint` at time + lag."""
        self._timing = (time, lag, actor_joint, reactor_joint)

    def contact(self, who: Performer, limb: str, caps: tuple[str, ...], partner_caps: tuple[str, ...],
                frames: np.ndarray, gap: float = 0.0, axes: str = "xyz", declare: bool = True,
                fade: float = FADE) -> None:
        """Bring `who`'s capsules `caps` to touch the partner's `partner_caps` on `frames` ((T,) bool).

        `limb` is what moves to close the gap: 'left' or 'right' (the wrist target),
        'left_foot' or 'right_foot' (the ankle target) or 'root' (the pelvis; `axes`
        'xz' or 'y' restricts it). `gap` is the surface gap aimed at. Declared
        contacts are checked and recorded in the metadata. The correction eases in and
        out over `fade` seconds around the frames.
        """
        frames = np.flatnonzero(np.asarray(frames, bool))
        if frames.size == 0:
            raise Reject(f"contact {caps} -> {partner_caps} has no frames")
        # influence: 1 on the contact frames, easing to 0 within FADE seconds of them
        nearest = np.searchsorted(frames, np.arange(self.frames)).clip(1, frames.size - 1)
        distance = np.minimum(np.abs(frames[nearest] - np.arange(self.frames)),
                              np.abs(frames[nearest - 1] - np.arange(self.frames))) / self.fps
        influence = 1.0 - minjerk(distance / fade)
        self._contacts.append(_Contact(self.index(who), limb, geo.capsule_ids(caps), geo.capsule_ids(partner_caps),
                                       frames, influence, gap, axes, declare, (tuple(caps), tuple(partner_caps))))

    def note(self, **facts) -> None:
        """Record facts about the motion (hand used, repetitions, speed...) for the texts."""
        self.facts.update(facts)

    # --- finishing ------------------------------------------------------------------

    def _correct(self, c: _Contact) -> Performer | None:
        """Move `c`'s limb by the gap measured on its frames; returns the performer moved (None if closed)."""
        me, other = self.people[c.who], self.people[1 - c.who]
        gap, normal = geo.contact_gap(me.joints[c.frames], other.joints[c.frames], c.caps, c.partner_caps)
        error = gap - c.gap
        if np.abs(error).max() < 2e-4:
            return None
        if c.axes == "xz":
            horizontal = normal * np.array([1.0, 0.0, 1.0])
            delta = -error[:, None] * horizontal / np.maximum((horizontal ** 2).sum(-1, keepdims=True), 0.3)
        elif c.axes == "y":
            vertical = normal * np.array([0.0, 1.0, 0.0])
            delta = -error[:, None] * vertical / np.maximum((vertical ** 2).sum(-1, keepdims=True), 0.3)
        else:
            delta = -error[:, None] * normal
        every = np.arange(self.frames)
        spread = np.stack([np.interp(every, c.frames, delta[:, k]) for k in range(3)], -1) * c.influence[:, None]
        if c.limb in ("left", "right"):
            me.fix_arm[:, 0 if c.limb == "left" else 1] += spread
        elif c.limb in ("left_foot", "right_foot"):
            me.fix_foot[:, 0 if c.limb == "left_foot" else 1] += spread
        else:
            me.fix_root += spread
        return me

    def _repel(self, who: int, side: int) -> bool:
        """Push `who`'s hand on `side` out of the partner where it sinks in (away from its declared contacts).

        On frames where the hand or forearm comes closer than CLEARANCE to any
        capsule of the partner (a hand's declared contact pairs excepted on their
        frames), the wrist target moves out along the separating direction, the
        push spread smoothly over neighbouring frames. Returns whether it moved.
        """
        me, other = self.people[who], self.people[1 - who]
        near = np.flatnonzero(np.linalg.norm((me.joints[:, 0] - other.joints[:, 0])[:, [0, 2]], axis=1) < 1.4)
        if near.size == 0:
            return False
        name = SIDES[side]
        mine = geo.capsule_ids((f"{name}_hand", f"{name}_forearm"))
        theirs = np.arange(len(geo.CAPSULE_ID))
        allowed = np.zeros((self.frames, len(mine), len(theirs)), dtype=bool)   # declared contacts, both ways
        for c in self._contacts:
            own, partner = (c.caps, c.partner_caps) if c.who == who else (c.partner_caps, c.caps)
            if np.isin(mine, own).any():
                # the touching hand, and the forearm behind it, may rest on the surface (a hand's
                # forearm included) while it comes to the contact, holds it and leaves it
                partner = np.union1d(partner, np.array([geo.CAPSULE_ID[n.replace("_hand", "_forearm")]
                                                        for n in CAPSULE_NAMES_BY_ID[partner] if n.endswith("_hand")],
                                                       dtype=np.int64))
                allowed[np.ix_(np.flatnonzero(c.influence > 0.01), [0, 1], partner)] = True
        still = np.zeros(self.frames, dtype=bool)
        if self._timing is not None:     # never stir a hand that must keep still before its cue
            cue, lag = self._timing[:2]
            quiet = (cue + lag) if who != self.actor_index else cue
            still = (self.t >= quiet - 2 * QUIET_BEFORE) & (self.t < quiet)
            near = near[~still[near]]
            if near.size == 0:
                return False
        gap, normal = geo.pair_gaps(me.joints[near], other.joints[near], mine, theirs)   # (F, 2, C), (F, 2, C, 3)
        gap[allowed[near]] = np.inf
        flat = gap.reshape(len(near), -1)
        worst = flat.argmin(axis=1)
        # between solved frames things move on: keep half a frame's travel of both hands in hand
        wrists = [JOINT_INDEX[f"{s}_wrist"] for s in SIDES]
        step = lambda j: np.linalg.norm(np.gradient(j, axis=0), axis=-1)  # noqa: E731  (T, ...) m per frame
        travel = 0.5 * (step(me.joints[:, JOINT_INDEX[f"{name}_wrist"]]) + step(other.joints[:, wrists]).max(axis=1))
        need = np.maximum(CLEARANCE + travel[near] - flat[np.arange(len(near)), worst], 0.0)
        if not need.any():
            return False
        push = np.zeros((self.frames, 3))
        push[near] = need[:, None] * normal.reshape(len(near), -1, 3)[np.arange(len(near)), worst]
        width = 2 * int(0.08 * self.fps) + 1
        size = maximum_filter1d(np.linalg.norm(push, axis=1), width)
        direction = ik.normalize(uniform_filter1d(push, width, axis=0))
        push = 0.6 * uniform_filter1d(size, width)[:, None] * direction
        if still.any():     # fade the push out toward the still window (no jumps at its edges)
            fade = uniform_filter1d(maximum_filter1d(still.astype(float), width), 3 * width)
            push *= (1.0 - np.clip(2.0 * fade, 0.0, 1.0))[:, None]
        me.fix_arm[:, side] += push
        return True

    def _settle(self, passes: int) -> None:
        """Passes of keeping hands out of the partner, then closing the contacts on the joints that gives."""
        for _ in range(passes):
            pushed = {id(p): p for who, p in enumerate(self.people) for side in range(2) if self._repel(who, side)}
            if pushed:
                self.solve(*pushed.values())
            moved = {id(p): p for p in (self._correct(c) for c in
                                         sorted(self._contacts, key=lambda c: c.limb != "root")) if p is not None}
            if moved:
                self.solve(*moved.values())
            if not (pushed or moved):
                return
            for p in self.people:
                p.freeze_swivel = True     # elbows settle after the first pass; later passes only fine-tune

    def _quick_check(self) -> None:
        """Reject early, on the solved frames, what the output check would reject anyway."""
        depth = geo.penetration(self.people[0].joints, self.people[1].joints).max()
        if depth > MAX_PENETRATION:
            raise Reject(f"bodies overlap by {depth:.3f} m (solved frames)")

    def finish(self, passes: int = 2) -> SceneResult:
        """Close the contacts, keep hands out of the partner, upsample to the output rate, check, return.

        Raises Reject when a check fails on the output (see the module docstring).
        """
        if self._timing is None:
            raise Reject("no cue declared")
        factor = int(round(self.out_fps / self.fps))
        out_frames = factor * (self.frames - 1) + 1
        out_t = np.arange(out_frames) / self.out_fps
        for p in self.people:
            p.make_fingers(out_t, factor)
        self.solve()
        self._settle(passes)
        self._quick_check()
        self.solve(exact=True)
        persons, joints = [], []
        for p in self.people:
            pose = upsample_rotations(p.pose[:, :22], factor)
            full = np.zeros((out_frames, 55, 3), dtype=np.float32)
            full[:, :22] = pose
            full[:, 25:40], full[:, 40:55] = p.fingers_out[:, 0], p.fingers_out[:, 1]
            trans = upsample_positions(p.trans, factor).astype(np.float32)
            persons.append(PersonMotion.from_full_pose(full, trans, p.rig.betas, p.gender, self.out_fps))
            joints.append(pose_joints(full, trans, p.rig.rest).astype(np.float64))
        cue, lag, actor_joint, reactor_joint = self._timing
        timing = Timing(int(round(cue * self.out_fps)), int(round(lag * self.out_fps)), actor_joint, reactor_joint)
        records = []
        for c in self._contacts:
            keyed = np.zeros(self.frames, dtype=bool)
            keyed[c.frames] = True
            # an output frame is in contact when the solved frames on both sides of it are
            between = keyed[np.arange(out_frames) // factor] & keyed[np.minimum(-(-np.arange(out_frames) // factor),
                                                                               self.frames - 1)]
            if c.declare:
                records.append(ContactRecord(c.who, *c.names, np.flatnonzero(between)))
        self.output_joints = joints      # kept for inspection when a check fails
        checks = self._check(joints, timing, records, factor)
        return SceneResult(tuple(persons), self.actor_index, timing, tuple(records), dict(self.facts), checks)

    def _check(self, joints: list[np.ndarray], timing: Timing, records: list[ContactRecord], factor: int) -> dict:
        """The promises, on the output joints (see the module docstring); Reject on the first broken one."""
        worst_gap = 0.0
        for c in records:
            gap, _ = geo.contact_gap(joints[c.person][c.frames], joints[1 - c.person][c.frames],
                                     geo.capsule_ids(c.capsules), geo.capsule_ids(c.partner_capsules))
            worst_gap = max(worst_gap, float(gap.max()))
            if gap.max() > CONTACT_GAP:
                raise Reject(f"contact {c.capsules} -> {c.partner_capsules} leaves a gap of {gap.max():.3f} m")
        depth = float(geo.penetration(joints[0], joints[1], stride=1).max())     # every frame, every pair
        if depth > MAX_PENETRATION:
            raise Reject(f"bodies overlap by {depth:.3f} m")
        for p, j in zip(self.people, joints):
            _, _, stance = p.feet()
            planted = np.repeat(stance.all(axis=1) & (p.drop < 0.05), factor)[:j.shape[0]]
            if planted.any():
                low = j[planted, :, 1].min(axis=1)
                if low.min() < FLOOR_RANGE[0] or low.max() > FLOOR_RANGE[1]:
                    raise Reject(f"lowest joint at {low.min():.3f}..{low.max():.3f} m while standing")
        lag = measure_lag(joints[self.actor_index], joints[1 - self.actor_index], timing, self.out_fps)
        if lag is None or not LAG_RANGE[0] <= lag <= LAG_RANGE[1]:
            raise Reject(f"measured response lag {lag} s")
        return {"max_contact_gap": worst_gap, "max_penetration": depth, "measured_lag": lag}
