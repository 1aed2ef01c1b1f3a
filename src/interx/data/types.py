"""The toolkit's data types: one person's SMPL-X motion and a two-person interaction.

Glossary: T frames, J joints (55, SMPL-X order), P persons (2). Rotations are
axis-angle at this level (the file boundary). Units meters and seconds; y up.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from interx.body.joints import NUM_JOINTS
from interx.data.names import parse_name

RAW_FPS = 120.0   # the Inter-X release's capture rate
MODEL_FPS = 30.0  # the rate every model and metric runs at
GENDERS = ("neutral", "male", "female")


@dataclass(frozen=True)
class PersonMotion:
    """One person's SMPL-X parameters over T frames at `fps`.

    Attributes:
        root_orient: (T, 3) global orientation, axis-angle.
        pose_body: (T, 21, 3) body joints 1-21, axis-angle.
        pose_lhand, pose_rhand: (T, 15, 3) full axis-angle hands (no mean pose added).
        trans: (T, 3) root translation, meters.
        betas: (10,) shape coefficients (more are allowed).
        gender: 'neutral', 'male' or 'female'.
        fps: frames per second of every array above.
        pose_jaw: optional (T, 3); pose_eye: optional (T, 2, 3) (left, right);
        face_expr: optional (T, E). Absent means zero.
    """

    root_orient: np.ndarray
    pose_body: np.ndarray
    pose_lhand: np.ndarray
    pose_rhand: np.ndarray
    trans: np.ndarray
    betas: np.ndarray
    gender: str = "neutral"
    fps: float = RAW_FPS
    pose_jaw: np.ndarray | None = None
    pose_eye: np.ndarray | None = None
    face_expr: np.ndarray | None = None

    @property
    def num_frames(self) -> int:
        return int(self.trans.shape[0])

    def full_pose(self) -> np.ndarray:
        """All 55 joint rotations, (T, 55, 3) float32 axis-angle (jaw/eyes zero when absent)."""
        t = self.num_frames
        pose = np.zeros((t, NUM_JOINTS, 3), dtype=np.float32)
        pose[:, 0] = self.root_orient
        pose[:, 1:22] = self.pose_body
        if self.pose_jaw is not None:
            pose[:, 22] = self.pose_jaw
        if self.pose_eye is not None:
            pose[:, 23:25] = self.pose_eye
        pose[:, 25:40] = self.pose_lhand
        pose[:, 40:55] = self.pose_rhand
        return pose

    @classmethod
    def from_full_pose(cls, pose: np.ndarray, trans: np.ndarray, betas: np.ndarray | None = None,
                       gender: str = "neutral", fps: float = RAW_FPS) -> "PersonMotion":
        """Build from (T, 55, 3) axis-angle and (T, 3) translation; jaw/eyes kept only if non-zero."""
        pose = np.asarray(pose, dtype=np.float32)
        jaw = pose[:, 22] if np.any(pose[:, 22]) else None
        eye = pose[:, 23:25] if np.any(pose[:, 23:25]) else None
        return cls(
            root_orient=pose[:, 0].copy(), pose_body=pose[:, 1:22].copy(),
            pose_lhand=pose[:, 25:40].copy(), pose_rhand=pose[:, 40:55].copy(),
            trans=np.asarray(trans, dtype=np.float32).copy(),
            betas=np.zeros(10, np.float32) if betas is None else np.asarray(betas, np.float32).reshape(-1),
            gender=gender, fps=float(fps),
            pose_jaw=None if jaw is None else jaw.copy(), pose_eye=None if eye is None else eye.copy(),
        )

    def frames(self, index: np.ndarray | slice, fps: float | None = None) -> "PersonMotion":
        """A new motion holding the selected frames (optionally at a new rate)."""
        def pick(a):
            return None if a is None else a[index]
        return replace(
            self, root_orient=self.root_orient[index], pose_body=self.pose_body[index],
            pose_lhand=self.pose_lhand[index], pose_rhand=self.pose_rhand[index],
            trans=self.trans[index], pose_jaw=pick(self.pose_jaw), pose_eye=pick(self.pose_eye),
            face_expr=pick(self.face_expr), fps=self.fps if fps is None else float(fps),
        )


@dataclass(frozen=True)
class Interaction:
    """Two people interacting: P1 and P2 with the same frame count and rate.

    Attributes:
        name: the sequence name, GgggTtttAaaaRrrr.
        persons: (P1, P2).
        texts: descriptions of the whole interaction (may be empty).
        action: class id 0-39 (from the name).
        familiarity: 1-4 for the group, when known.
        actor: index (0 or 1) of the person who starts the interaction, when known.
    """

    name: str
    persons: tuple[PersonMotion, PersonMotion]
    texts: tuple[str, ...] = ()
    action: int = -1
    familiarity: int | None = None
    actor: int | None = None
    meta: dict = field(default_factory=dict)

    @property
    def fps(self) -> float:
        return self.persons[0].fps

    @property
    def num_frames(self) -> int:
        return self.persons[0].num_frames

    @property
    def group(self) -> int:
        return parse_name(self.name).group

    @property
    def take(self) -> int:
        return parse_name(self.name).take

    @property
    def repetition(self) -> int:
        return parse_name(self.name).repetition
