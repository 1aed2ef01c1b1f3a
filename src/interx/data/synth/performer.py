"""One person being choreographed: time channels and target layers, solved into SMPL-X parameters.

A choreography writes a performer's channels (all (T, ...) arrays over the
scene's frames) and adds target layers, then the scene solves them:

- root channels (planned before the scene is placed in the world): `xz` pelvis
  ground position (the feet step to follow it), `shift` a pelvis offset (T, 3)
  the feet do not step for, `yaw` heading, `drop` pelvis lowering (crouch, m), `lean`
  trunk (forward pitch, roll to the left, twist to the left; radians), `head`
  (nod down, turn left, tilt; radians), `shrug` collar elevation per side;
- arm layers: wrist position, hand pointing direction, palm direction and elbow
  pole, either in the body frame ((out, up, forward) meters from the shoulder,
  rotating with the chest; "out" is away from the body's midline) or in world
  coordinates; blended over the hanging arm with a (T,) weight;
- foot layers: ankle targets in world coordinates over the gait's footsteps;
- hand shapes: (T,) weights per `hands.SHAPES` name.

Under every arm layer the arm hangs with gravity and swings against the legs
while walking. Where a world-space target drives an arm near the partner, the
elbow swings about the shoulder-wrist axis to stay out of the partner's body.
Idle life is added at solve time: breathing, a slight sway of the pelvis over
planted feet, a drifting gaze and finger-tracking noise. Solves are cached:
the lower body is redone only when its inputs change, an arm only when its own do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.ndimage import maximum_filter1d, uniform_filter1d

from interx.body.capsules import capsule_segments
from interx.body.joints import JOINT_INDEX, LEFT_HAND, NUM_JOINTS, RIGHT_HAND
from interx.data.synth import contact as geo
from interx.data.synth import ik
from interx.data.synth._rot_kernel import euler_yxz, mat_to_quat, quat_to_mat
from interx.data.synth.gait import Footsteps, GaitStyle, plan_footsteps
from interx.data.synth.hands import finger_pose, shape_tip
from interx.data.synth.rig import (ARM_CHAINS, ARM_HINGES, COLLARS, LEG_CHAINS, LEG_HINGE, LEG_REACH, PALM_NORMAL,
                                   TRUNK_JOINTS, Rig, Trunk, assemble_pose, middle_tip, solve_chain,
                                   trunk_kinematics)
from interx.data.synth.timing import ramp, smooth_noise, travel

_SPINE3 = JOINT_INDEX["spine3"]
_HEAD, _JAW = JOINT_INDEX["head"], JOINT_INDEX["jaw"]
_FEET = (JOINT_INDEX["left_foot"], JOINT_INDEX["right_foot"])
_HANDS = (LEFT_HAND, RIGHT_HAND)
_TIPS = (JOINT_INDEX["left_middle3"], JOINT_INDEX["right_middle3"])
# share of the trunk's forward pitch taken by pelvis, spine1, spine2, spine3
_PITCH_SHARE = np.array([0.3, 0.2, 0.2, 0.3])
_SOFT_KNEES = 0.006  # m the pelvis sits below straight-legged standing height
_SWIVELS = np.radians([0.0, 30.0, -30.0, 60.0, -60.0, 90.0, -90.0, 135.0, -135.0, 180.0])
_ARM_RADII = np.array([geo.capsule_radius("left_upper_arm"), geo.capsule_radius("left_forearm")])


@dataclass
class ArmLayer:
    """A wrist target blended in with `weight` (T,); vectors (T, 3) in the body frame or the world."""

    weight: np.ndarray
    wrist: np.ndarray
    point: np.ndarray
    palm: np.ndarray
    pole: np.ndarray
    body: bool


@dataclass
class FootLayer:
    """An ankle target (T, 3) world with foot yaw and toe-up pitch (T,), blended in with `weight` (T,)."""

    weight: np.ndarray
    ankle: np.ndarray
    yaw: np.ndarray
    pitch: np.ndarray


def _seq(value, frames: int) -> np.ndarray:
    """`value` ((3,) or (T, 3)) as a (T, 3) float64 array."""
    return np.broadcast_to(np.asarray(value, dtype=np.float64), (frames, 3)).copy()


class Performer:
    """Channels, layers and the solved pose of one person (see the module docstring)."""

    def __init__(self, rig: Rig, t: np.ndarray, fps: float, rng: np.random.Generator, gender: str = "neutral"):
        self.rig, self.t, self.fps, self.rng, self.gender = rig, t, fps, rng, gender
        frames = t.shape[0]
        self.xz = np.zeros((frames, 2))
        self.yaw = np.zeros(frames)
        self.drop = np.zeros(frames)
        self.lean = np.zeros((frames, 3))
        self.head = np.zeros((frames, 3))
        self.shrug = np.zeros((frames, 2))
        self.shift = np.zeros((frames, 3))   # pelvis offset the feet do not step for (lunges, leaning in)
        s = rig.scale
        self.style = GaitStyle(step=0.55 * s, lift=0.07 * s, flight=0.0, width=0.09 * s)
        self.lead = int(rng.integers(2))
        self.swing = 1.0
        self.arm_layers: tuple[list[ArmLayer], list[ArmLayer]] = ([], [])
        self.foot_layers: tuple[list[FootLayer], list[FootLayer]] = ([], [])
        self.hand_shapes: tuple[dict[str, np.ndarray], dict[str, np.ndarray]] = ({}, {})
        self.fix_arm = np.zeros((frames, 2, 3))
        self.fix_foot = np.zeros((frames, 2, 3))
        self.fix_root = np.zeros((frames, 3))
        # idle life, fixed per performer
        self._sway = smooth_noise(rng, t, rng.uniform(0.003, 0.007), 2, low=0.08, high=0.3)
        self._gaze = smooth_noise(rng, t, rng.uniform(0.01, 0.03), 3, low=0.05, high=0.25)
        breath_rate = rng.uniform(0.2, 0.33)
        self._breath = np.sin(2 * np.pi * breath_rate * t + rng.uniform(0, 2 * np.pi)) * rng.uniform(0.008, 0.015)
        self.fingers: np.ndarray | None = None
        self.fingers_out: np.ndarray | None = None
        self._tips: list[np.ndarray] | None = None
        self._lower: dict | None = None
        self.partner: Performer | None = None
        self.freeze_swivel = False
        self._swivel: list[np.ndarray | None] = [None, None]
        self._arm_cache: list[tuple | None] = [None, None]
        self.steps: Footsteps | None = None
        self.joints: np.ndarray | None = None
        self.pose: np.ndarray | None = None
        self.trans: np.ndarray | None = None
        self.arm_shortfall = np.zeros((frames, 2))
        self.trunk_joints: np.ndarray | None = None
        self.chest: np.ndarray | None = None

    # --- time -----------------------------------------------------------------------

    @property
    def frames(self) -> int:
        return self.t.shape[0]

    def frame(self, time: float) -> int:
        """Frame index of a time in seconds (clipped to the scene)."""
        return int(np.clip(round(time * self.fps), 0, self.frames - 1))

    # --- channels -------------------------------------------------------------------

    def move(self, channel: np.ndarray, start: float, duration: float, value, index=None) -> None:
        """From `start`, ease channel[..., index] from its value then to `value` over `duration`; hold after."""
        i = self.frame(start)
        view = channel if index is None else channel[..., index]
        w = ramp(self.t[i:], start, duration).reshape((-1,) + (1,) * (view.ndim - 1))
        current = view[i].copy()
        view[i:] = current + (np.asarray(value, dtype=np.float64) - current) * w
        if index is not None:
            channel[..., index] = view

    def walk_path(self, start: float, points, speed: float, face: float | None = None, accel: float = 0.45) -> float:
        """Walk the pelvis through ground points (K, 2) without stopping at the corners; returns the arrival
        time. With `face`, turn to that heading over the walk."""
        i = self.frame(start)
        path = np.vstack([self.xz[i], np.asarray(points, dtype=np.float64).reshape(-1, 2)])
        lengths = np.linalg.norm(np.diff(path, axis=0), axis=1)
        marks = np.concatenate([[0.0], np.cumsum(lengths)])
        covered, end = travel(self.t[i:], start, float(marks[-1]), speed, accel)
        self.xz[i:] = np.stack([np.interp(covered, marks, path[:, k]) for k in range(2)], -1)
        if face is not None:
            self.turn_to(start, face, max(end - start, 0.4))
        return end

    def lunge(self, profile: np.ndarray, forward: float = 0.0, left: float = 0.0, up: float = 0.0) -> None:
        """Shift the pelvis by `profile` (T,) times (forward, left, up) meters of the current heading,
        without stepping (call before the scene is placed, like every root channel)."""
        self.shift += profile[:, None] * (forward * ik.facing(self.yaw) + left * ik.left_of(self.yaw)
                                          + up * np.array([0.0, 1.0, 0.0]))

    def turn_to(self, start: float, yaw: float, duration: float) -> None:
        """Turn to heading `yaw` the short way round."""
        current = self.yaw[self.frame(start)]
        self.move(self.yaw, start, duration, current + (yaw - current + np.pi) % (2 * np.pi) - np.pi)

    def walk_to(self, start: float, xz, speed: float, face: float | None = None,
                accel: float = 0.45, turn: float | None = None) -> float:
        """Walk the pelvis to ground point `xz` from `start`; optionally turn to `face` on the way
        (over `turn` seconds, by default the whole walk).

        Returns the time of arrival (seconds).
        """
        i = self.frame(start)
        p0 = self.xz[i].copy()
        delta = np.asarray(xz, dtype=np.float64) - p0
        dist = float(np.linalg.norm(delta))
        covered, end = travel(self.t[i:], start, dist, speed, accel)
        if dist > 1e-9:
            self.xz[i:] = p0 + delta / dist * covered[:, None]
        if face is not None:
            self.turn_to(start, face, turn if turn is not None else max(end - start, 0.4))
        return end

    # --- layers ---------------------------------------------------------------------

    def arm(self, side: int, weight: np.ndarray, wrist, point, palm, pole, body: bool = True,
            grip: str | None = None) -> None:
        """Blend a wrist target into arm `side` (0 left, 1 right) with `weight` (T,).

        `point` is where the hand points, or, with `grip` (a hand shape name, world
        layers only), the direction of the hand's capsule (wrist to middle fingertip
        joint) when the hand holds that shape; `palm` is where the palm faces.
        """
        n = self.frames
        point, palm = _seq(point, n), _seq(palm, n)
        if grip is not None:
            if body:
                raise ValueError("grip-aligned hands are given in world coordinates")
            rot = ik.align(shape_tip(self.rig, side, grip), PALM_NORMAL, point, palm)
            point, palm = rot @ self.rig.hand_point(side), rot @ PALM_NORMAL
        self.arm_layers[side].append(ArmLayer(np.asarray(weight, np.float64), _seq(wrist, n), point, palm,
                                              _seq(pole, n), body))

    def gesture(self, side: int, weight: np.ndarray, wrist, point, palm, pole=(0.35, -0.3, -0.2),
                shape: str | None = None) -> None:
        """A body-frame arm layer with positions given for the 1.70 m reference body (scaled to this one),
        optionally with a hand shape under the same weight."""
        s = self.rig.scale
        self.arm(side, weight, np.asarray(wrist, dtype=np.float64) * s, point, palm, np.asarray(pole) * s)
        if shape is not None:
            self.hand(side, shape, weight)

    def foot(self, side: int, weight: np.ndarray, ankle: np.ndarray, yaw: np.ndarray, pitch=0.0) -> None:
        """Blend a world ankle target into leg `side` with `weight` (T,)."""
        n = self.frames
        self.foot_layers[side].append(FootLayer(np.asarray(weight, np.float64), _seq(ankle, n),
                                                np.broadcast_to(yaw, (n,)).astype(np.float64),
                                                np.broadcast_to(pitch, (n,)).astype(np.float64)))

    def hand(self, side: int, shape: str, weight: np.ndarray) -> None:
        """Add `weight` (T,) of hand shape `shape` to hand `side`."""
        shapes = self.hand_shapes[side]
        shapes[shape] = shapes.get(shape, 0.0) + np.asarray(weight, np.float64)

    # --- body-frame helpers ---------------------------------------------------------

    def to_world(self, side: int, local: np.ndarray, point: bool = True) -> np.ndarray:
        """(T, 3) world coordinates of body-frame (out, up, forward) vectors of `side` (needs a solve).

        With point=True the result is a position relative to that side's shoulder.
        """
        sign = np.array([1.0 if side == 0 else -1.0, 1.0, 1.0])
        vec = np.einsum("tij,tj->ti", self.chest, _seq(local, self.frames) * sign)
        return vec + self.trunk_joints[:, ARM_CHAINS[side][0]] if point else vec

    def facing(self) -> np.ndarray:
        """(T, 3) the pelvis' planned facing direction in the world (after placement)."""
        return ik.facing(self.yaw)

    # --- solve ----------------------------------------------------------------------

    def _trunk(self) -> Trunk:
        pitch, roll, twist = self.lean[:, 0], self.lean[:, 1], self.lean[:, 2]
        breath = self._breath
        head = self.head + self._gaze
        # Euler YXZ angles of spine1..3, neck, head, then the pelvis (heading and pitch) and the collars
        euler = np.zeros((self.frames, 8, 3))
        euler[:, :3, 0] = (twist / 3)[:, None]
        euler[:, :3, 1] = _PITCH_SHARE[1:] * pitch[:, None]
        euler[:, 1:3, 1] += (0.5 * breath)[:, None]
        euler[:, :3, 2] = (-roll / 3)[:, None]
        euler[:, 3] = head[:, [1, 0, 2]] * [0.4, 0.4, -0.4]
        euler[:, 3, 1] -= breath
        euler[:, 4] = head[:, [1, 0, 2]] * [0.6, 0.6, -0.6]
        euler[:, 5, 0], euler[:, 5, 1] = self.yaw, _PITCH_SHARE[0] * pitch
        # elevation raises each shoulder: +z rotation lifts the left (+x) side, -z the right
        euler[:, 6, 2], euler[:, 7, 2] = self.shrug[:, 0] + 0.3 * breath, -(self.shrug[:, 1] + 0.3 * breath)
        mats = euler_yxz(euler)
        spine, neck, head_rot, pelvis_rot, collars = mats[:, :3], mats[:, 3], mats[:, 4], mats[:, 5], mats[:, 6:]
        pelvis = np.zeros((self.frames, 3))
        pelvis[:, [0, 2]] = self.xz + self._sway
        pelvis[:, 1] = self.rig.pelvis_height - _SOFT_KNEES * self.rig.scale - self.drop
        pelvis += self.fix_root + self.shift
        return Trunk(pelvis=pelvis, root=pelvis_rot, spine=spine, neck=neck, head=head_rot, collars=collars)

    def feet(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Ankle targets (T, 2, 3), foot rotations (T, 2, 3, 3) and stance (T, 2) bool."""
        if self.steps is None:
            self.steps = plan_footsteps(self.xz, self.yaw, self.fps, self.style, self.lead)
        steps = self.steps
        ankle = np.empty((self.frames, 2, 3))
        ankle[:, :, [0, 2]] = steps.ground
        ankle[:, :, 1] = self.rig.ankle_height + steps.lift
        yaw, pitch = steps.yaw.copy(), np.zeros((self.frames, 2))
        stance = steps.stance.copy()
        for side in range(2):
            for layer in self.foot_layers[side]:
                w = layer.weight
                ankle[:, side] += w[:, None] * (layer.ankle - ankle[:, side])
                yaw[:, side] += w * ((layer.yaw - yaw[:, side] + np.pi) % (2 * np.pi) - np.pi)
                pitch[:, side] += w * (layer.pitch - pitch[:, side])
                stance[:, side] &= w < 1e-3
        ankle += self.fix_foot
        rot = euler_yxz(np.stack([yaw, -pitch, np.zeros_like(yaw)], -1))     # heading, then toe pitch
        return ankle, rot, stance

    def _lower_to_reach(self, joints: np.ndarray, ankle: np.ndarray, stance: np.ndarray) -> np.ndarray:
        """(T,) extra pelvis lowering so that every planted foot is within reach of its hip."""
        reach = LEG_REACH * self.rig.leg_length
        need = np.zeros(self.frames)
        for side in range(2):
            hip = joints[:, LEG_CHAINS[side][0]]
            horizontal = np.linalg.norm((hip - ankle[:, side])[:, [0, 2]], axis=1)
            height = np.sqrt(np.maximum(reach ** 2 - horizontal ** 2, 0.0))
            need = np.maximum(need, np.where(stance[:, side], hip[:, 1] - ankle[:, side, 1] - height, 0.0))
        need = np.maximum(need, 0.0)
        width = max(int(0.12 * self.fps), 1)
        return uniform_filter1d(maximum_filter1d(need, 2 * width + 1, mode="nearest"), 2 * width + 1,
                                mode="nearest")

    def _lower_body(self) -> dict:
        """Trunk, legs and everything derived from them; recomputed only when their inputs changed."""
        inputs = [self.xz, self.yaw, self.drop, self.lean, self.head, self.shrug, self.shift, self.fix_root,
                  self.fix_foot]
        inputs += [x for side in self.foot_layers for layer in side
                   for x in (layer.weight, layer.ankle, layer.yaw, layer.pitch)]
        key = hash(b"".join(np.ascontiguousarray(x).tobytes() for x in inputs))
        if self._lower is not None and self._lower["key"] == key:
            return self._lower
        rig = self.rig
        trunk = self._trunk()
        joints, globals_ = trunk_kinematics(rig, trunk)
        ankle, foot_rot, stance = self.feet()
        lower = self._lower_to_reach(joints, ankle, stance)
        trunk.pelvis[:, 1] -= lower
        joints[:, :, 1] -= lower[:, None]
        full = np.empty((self.frames, NUM_JOINTS, 3))
        full[:, :TRUNK_JOINTS] = joints
        full[:, [_JAW, _JAW + 1, _JAW + 2]] = joints[:, _HEAD, None]
        legs = np.empty((self.frames, 2, 3, 3, 3))
        for side in range(2):
            hip_i, knee_i, ankle_i = LEG_CHAINS[side]
            pole = joints[:, hip_i] + 0.5 * ik.facing(np.arctan2(foot_rot[:, side, 0, 2], foot_rot[:, side, 2, 2]))
            legs[:, side], full[:, knee_i], full[:, ankle_i], _ = solve_chain(
                rig, LEG_CHAINS[side], LEG_HINGE, joints[:, hip_i], globals_[:, 0], ankle[:, side], pole,
                foot_rot[:, side])
            toe = _FEET[side]
            full[:, toe] = full[:, ankle_i] + foot_rot[:, side] @ rig.bone(ankle_i, toe)
        self._lower = {"key": key, "trunk": trunk, "joints": joints, "globals": globals_, "ankle": ankle,
                       "legs": legs, "full": full, "targets": {}}
        return self._lower

    def solve(self, exact: bool = False) -> None:
        """Solve the current channels and layers into `joints` (T, 55, 3).

        The joints that capsules use come straight from the IK geometry (the other
        hand joints sit at the wrist). With `exact`, the SMPL-X parameters `pose`
        (T, 55, 3) axis-angle and `trans` (T, 3) are made too.
        """
        rig = self.rig
        low = self._lower_body()
        joints, globals_ = low["joints"], low["globals"]
        self.trunk_joints, self.chest = joints, globals_[:, _SPINE3]
        full = low["full"].copy()
        arms = np.empty((self.frames, 2, 3, 3, 3))
        for side in range(2):
            shoulder_i, elbow_i, wrist_i = ARM_CHAINS[side]
            hand = list(_HANDS[side])
            cache_key = (side, len(self.arm_layers[side]))
            if cache_key not in low["targets"]:
                low["targets"][cache_key] = self._arm_targets(side, low["ankle"])
            wrist, hand_rot, pole = low["targets"][cache_key]
            # an arm whose inputs did not change since the last solve keeps its joints
            settled = self.freeze_swivel or not any(not layer.body for layer in self.arm_layers[side])
            key = (low["key"], cache_key, hash(self.fix_arm[:, side].tobytes()), self._tips is not None) \
                if settled else None
            last = self._arm_cache[side]
            if not exact and key is not None and last is not None and last[0] == key:
                full[:, [elbow_i, wrist_i] + hand] = last[1]
                continue
            pole = self._clear_pole(side, joints[:, shoulder_i], wrist + self.fix_arm[:, side], pole)
            arm, full[:, elbow_i], full[:, wrist_i], self.arm_shortfall[:, side] = solve_chain(
                rig, ARM_CHAINS[side], ARM_HINGES[side], joints[:, shoulder_i], globals_[:, COLLARS[side]],
                wrist + self.fix_arm[:, side], pole, hand_rot, rotations=exact)
            if exact:
                arms[:, side] = arm
            full[:, hand] = full[:, wrist_i, None]
            tip = self._tips[side] if self._tips is not None else middle_tip(rig, side)
            tips = np.broadcast_to(tip, (self.frames, 3))[..., None]
            full[:, _TIPS[side]] = full[:, wrist_i] + (hand_rot @ tips)[..., 0]
            self._arm_cache[side] = (key, full[:, [elbow_i, wrist_i] + hand].copy())
        self.joints = full
        if exact:
            fingers = self.fingers if self.fingers is not None else np.zeros((self.frames, 2, 15, 3))
            self.pose = assemble_pose(low["trunk"], low["legs"], arms, fingers)
            self.trans = low["trunk"].pelvis - rig.rest[0]

    def _clear_pole(self, side: int, shoulder: np.ndarray, wrist: np.ndarray, pole: np.ndarray) -> np.ndarray:
        """Swing the elbow about the shoulder-wrist axis to keep the arm out of the partner's body.

        On frames where a world-space target drives the arm and the partner is near,
        a few swivel angles of the elbow are tried; the one leaving the most room
        between this arm's upper arm and forearm and the partner's capsules wins
        (ties go to the choreographed pole), and the chosen angle is smoothed in time.
        The wrist is unaffected.
        """
        if self.freeze_swivel and self._swivel[side] is not None:
            return self._swing(shoulder, wrist, pole, self._swivel[side])
        partner = self.partner
        driven = sum((layer.weight for layer in self.arm_layers[side] if not layer.body), np.zeros(self.frames))
        if partner is None or partner.joints is None or not driven.any():
            return pole
        near = np.linalg.norm((partner.joints[:, 0] - shoulder)[:, [0, 2]], axis=1) < 1.3
        frames = np.flatnonzero((driven > 0.01) & near)
        if frames.size == 0:
            return pole
        l1 = float(np.linalg.norm(self.rig.bone(*ARM_CHAINS[side][:2])))
        l2 = float(np.linalg.norm(self.rig.bone(*ARM_CHAINS[side][1:])))
        sh, wr = shoulder[frames], wrist[frames]
        dist = np.clip(np.linalg.norm(wr - sh, axis=1), abs(l1 - l2) + 1e-4, (l1 + l2) * 0.9999)
        u = ik.normalize(wr - sh)
        wr = sh + dist[:, None] * u
        cos_a = np.clip((l1 * l1 + dist * dist - l2 * l2) / (2.0 * l1 * dist), -1.0, 1.0)
        v0 = ik.perpendicular(u, pole[frames] - sh)
        w0 = ik.cross(u, v0)
        bends = np.cos(_SWIVELS)[None, :, None] * v0[:, None] + np.sin(_SWIVELS)[None, :, None] * w0[:, None]
        elbows = sh[:, None] + l1 * (cos_a[:, None, None] * u[:, None] + np.sqrt(1 - cos_a ** 2)[:, None, None] * bends)
        count = len(_SWIVELS)
        starts = np.concatenate([np.broadcast_to(sh[:, None], elbows.shape), elbows], axis=1)   # (F, 2K, 3)
        ends = np.concatenate([elbows, np.broadcast_to(wr[:, None], elbows.shape)], axis=1)
        radii = np.repeat(_ARM_RADII, count)
        p_starts, p_ends, p_radii = capsule_segments(partner.joints[frames])                  # (F, C, 3)
        gaps = geo.segment_gaps(starts, ends, radii, p_starts, p_ends, p_radii)               # (F, 2K, C)
        clearance = gaps.min(axis=2).reshape(len(frames), 2, count).min(axis=1)                # (F, K)
        cost = 100.0 * np.maximum(0.015 - clearance, 0.0) + 0.02 * np.abs(_SWIVELS)[None]
        chosen = np.zeros(self.frames)
        chosen[frames] = _SWIVELS[np.argmin(cost, axis=1)]
        chosen = uniform_filter1d(chosen, max(int(0.2 * self.fps), 1), mode="nearest")
        self._swivel[side] = chosen
        return self._swing(shoulder, wrist, pole, chosen)

    @staticmethod
    def _swing(shoulder: np.ndarray, wrist: np.ndarray, pole: np.ndarray, angle: np.ndarray) -> np.ndarray:
        """The pole turned by `angle` (T,) radians about the shoulder-wrist axis."""
        u = ik.normalize(wrist - shoulder)
        v = ik.perpendicular(u, pole - shoulder)
        return shoulder + np.cos(angle)[:, None] * v + np.sin(angle)[:, None] * ik.cross(u, v)

    def _arm_targets(self, side: int, ankle: np.ndarray):
        """Blended world wrist (T, 3), hand rotation (T, 3, 3) and elbow pole (T, 3).

        Positions blend linearly; hand orientations blend as quaternions (along
        the shorter arc), so that turning the hand over never passes through an
        undefined direction.
        """
        rig = self.rig
        s = rig.scale
        length = 0.92 * rig.arm_length
        # the hanging arm swings against the legs while walking
        stride = np.einsum("ti,ti->t", ankle[:, 1] - ankle[:, 0], self.facing()) / max(self.style.step, 1e-6)
        angle = 0.35 * self.swing * stride * (1.0 if side == 0 else -1.0)
        wrist = np.stack([np.full(self.frames, 0.06 * s), -length * np.cos(angle), 0.04 * s + length * np.sin(angle)],
                         -1)
        point = np.stack([np.zeros(self.frames), -np.cos(angle), 0.1 + np.sin(angle)], -1)
        # hanging arms follow gravity: a frame that turns with the chest but stays upright
        forward = ik.normalize(self.chest[:, :, 2] * [1.0, 0.0, 1.0])
        upright = np.stack([ik.cross(np.broadcast_to([0.0, 1.0, 0.0], forward.shape), forward),
                            np.broadcast_to([0.0, 1.0, 0.0], forward.shape), forward], -1)
        sign = np.array([1.0 if side == 0 else -1.0, 1.0, 1.0])
        shoulder = self.trunk_joints[:, ARM_CHAINS[side][0]]
        hang = lambda v: np.einsum("tij,tj->ti", upright, _seq(v, self.frames) * sign)  # noqa: E731
        wrist = shoulder + hang(wrist)
        quat = mat_to_quat(rig.hand_rotation(side, hang(point), hang([-1.0, 0.0, 0.0])))
        pole = shoulder + hang([0.08 * s, -0.2 * s, -0.35 * s])     # elbows hang back, close to the body
        for layer in self.arm_layers[side]:
            if layer.body:
                target = (self.to_world(side, layer.wrist), self.to_world(side, layer.point, point=False),
                          self.to_world(side, layer.palm, point=False), self.to_world(side, layer.pole))
            else:
                target = (layer.wrist, layer.point, layer.palm, layer.pole)
            w = layer.weight[:, None]
            wrist, pole = wrist + w * (target[0] - wrist), pole + w * (target[3] - pole)
            active = layer.weight > 0.0
            if active.any():
                other = mat_to_quat(rig.hand_rotation(side, target[1][active], target[2][active]))
                here = quat[active]
                other = np.where(np.sum(here * other, -1, keepdims=True) < 0, -other, other)
                mixed = here + w[active] * (other - here)
                quat[active] = mixed / np.linalg.norm(mixed, axis=-1, keepdims=True)
        return wrist, quat_to_mat(quat), pole

    def make_fingers(self, out_t: np.ndarray, factor: int) -> None:
        """Fix the finger poses (shapes plus tracking noise) at the output times `out_t` (T,), every
        `factor`-th of which is a solved frame; later solves use them."""
        shapes = [{name: np.interp(out_t, self.t, w) for name, w in self.hand_shapes[side].items()}
                  for side in range(2)]
        self.fingers_out = np.stack([finger_pose(side, shapes[side], self.rng, out_t)
                                     for side in range(2)], axis=1)
        self.fingers = self.fingers_out[::factor]
        self._tips = [middle_tip(self.rig, side, self.fingers[:, side]) for side in range(2)]
