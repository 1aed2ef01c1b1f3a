"""AMASS-style SMPL-X npz files, for tools that read AMASS rather than the Inter-X release.

The Inter-X release's per-person npz (`interx.data.raw`: root_orient, pose_body,
pose_lhand, pose_rhand, trans, betas (1, 10), gender, optional mocap_framerate)
is what the official Inter-X viewer (aitviewer's `SMPLSequence` built from those
keys) reads, and every file interx writes or imports is one. Two other common
readers want AMASS's keys instead, and disagree with the release on shapes:

- the SMPL-X Blender add-on ("Add Animation") requires `trans`, `gender`,
  `mocap_frame_rate` or `mocap_framerate`, `betas` and `poses`; it reads
  `poses[frame].reshape(-1, 3)` as all 55 SMPL-X joints in order (165 values:
  root, body 21, jaw, left eye, right eye, left hand 15, right hand 15), sets
  one shape key per entry of a 1-D `betas`, and needs `int(mocap_framerate)`
  at least its target rate (30 by default);
- aitviewer's `SMPLSequence.from_amass` reads `poses` as root, body 21, left
  hand 15, right hand 15 (156 values, the SMPL-H layout, also with a SMPL-X
  layer), `betas[np.newaxis]` (so 1-D), `gender.item()` and `mocap_framerate`.

`amass_arrays` writes one of the two layouts (`layout="smplx"`, 165 values, or
`"smplh"`, 156) with 1-D betas, a 0-d gender string, both frame-rate keys and
`surface_model_type`. Axes stay interx's (y up): choose the add-on's "SMPL-X"
format (not "AMASS", which assumes z up) and pass `z_up=False` to aitviewer.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interx.body.joints import BODY_AND_HANDS
from interx.data.types import PersonMotion
from interx.errors import UsageError

LAYOUTS = {"smplx": 165, "smplh": 156}


def amass_arrays(person: PersonMotion, layout: str = "smplx") -> dict[str, np.ndarray]:
    """The AMASS keys for one person (module doc); float32 arrays, float64 frame rate."""
    if layout not in LAYOUTS:
        raise UsageError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    pose = person.full_pose()                                   # (T, 55, 3)
    if layout == "smplh":
        pose = pose[:, list(BODY_AND_HANDS)]                    # (T, 52, 3): no jaw, eyes
    return {
        "poses": pose.reshape(person.num_frames, -1).astype(np.float32),
        "trans": np.asarray(person.trans, np.float32),
        "betas": np.asarray(person.betas, np.float32).reshape(-1),
        "gender": np.array(person.gender),
        "mocap_framerate": np.array(float(person.fps)),
        "mocap_frame_rate": np.array(float(person.fps)),
        "surface_model_type": np.array(layout),
    }


def export_sequence_amass(motion_dir: Path | str, out: Path | str, layout: str = "smplx") -> list[Path]:
    """Write `SEQ_P1.npz` and `SEQ_P2.npz` (AMASS keys) for the sequence in `motion_dir` into `out`."""
    from interx.data.raw import read_interaction
    from interx.data.safe_io import write_npz

    interaction = read_interaction(motion_dir)
    paths = []
    for number, person in enumerate(interaction.persons, start=1):
        path = Path(out) / f"{interaction.name}_P{number}.npz"
        write_npz(path, amass_arrays(person, layout), overwrite=False)
        paths.append(path)
    return paths
