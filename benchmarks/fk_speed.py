"""Forward kinematics speed: person-frames per second for the 55 SMPL-X joints.

interx: `interx.body.kinematics.pose_joints` (compiled kernel, all cores) on
random axis-angle poses, after a warm-up call that compiles it, timed over
`--frames` frames in batches of `--batch`.
smplx: the `smplx` package's SMPLX forward (CPU, torch's threads) on the same
work, with a made-up model file of the real sizes written to a temporary folder
(the package computes the whole mesh to get joints): batched, and one frame at a
time as the official Inter-X processing runs it.

Goal: >= 1,000,000 person-frames/s on 2 CPU cores. Run (without MKL_CBWR, which
slows torch's matrix products several times over):
    python benchmarks/fk_speed.py [--frames 2000000] [--batch 250000] [--smplx-batch 512]
Wall-clock rates suffer when other processes share the cores; the rate per CPU
second (all threads together) times the core count is the idle-machine figure.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np


def _random_motion(rng: np.random.Generator, frames: int) -> tuple[np.ndarray, np.ndarray]:
    pose = (0.3 * rng.standard_normal((frames, 55, 3))).astype(np.float32)
    trans = rng.standard_normal((frames, 3)).astype(np.float32)
    return pose, trans


class Clock:
    """Wall-clock and process CPU seconds (all threads) of the timed sections."""

    def __init__(self):
        self.wall = self.cpu = 0.0

    def __enter__(self):
        self._start = (time.perf_counter(), time.process_time())
        return self

    def __exit__(self, *exc):
        self.wall += time.perf_counter() - self._start[0]
        self.cpu += time.process_time() - self._start[1]


def interx_rate(frames: int, batch: int, seed: int = 0) -> tuple[float, float]:
    """(per wall second, per CPU second) person-frames of pose_joints over `frames` frames in batches of `batch`."""
    from interx.body.kinematics import pose_joints
    from interx.body.skeleton import rest_joints

    pose, trans = _random_motion(np.random.default_rng(seed), batch)
    rest = rest_joints()
    pose_joints(pose[:1000], trans[:1000], rest)  # warm-up: compile or load the cached kernel
    done, clock = 0, Clock()
    while done < frames:
        with clock:
            pose_joints(pose, trans, rest)
        done += batch
    return done / clock.wall, done / clock.cpu


def smplx_rate(batch: int, repeats: int, seed: int = 0) -> tuple[float, float]:
    """(per wall second, per CPU second) frames of the smplx package's SMPLX forward on batches of `batch`."""
    import smplx
    import torch

    from interx.body.fake_smplx import write_fake_smplx

    rng = np.random.default_rng(seed)
    with tempfile.TemporaryDirectory() as folder:
        path = write_fake_smplx(Path(folder) / "SMPLX_NEUTRAL.npz", rng)
        model = smplx.create(str(path), model_type="smplx", use_pca=False, flat_hand_mean=True, num_betas=10,
                             batch_size=batch)
    pose, trans = (torch.from_numpy(a) for a in _random_motion(rng, batch))
    args = dict(global_orient=pose[:, 0], body_pose=pose[:, 1:22].reshape(batch, -1), jaw_pose=pose[:, 22],
                leye_pose=pose[:, 23], reye_pose=pose[:, 24], left_hand_pose=pose[:, 25:40].reshape(batch, -1),
                right_hand_pose=pose[:, 40:55].reshape(batch, -1), transl=trans, betas=torch.zeros(batch, 10),
                expression=torch.zeros(batch, 10), return_verts=False)
    with torch.no_grad():
        model(**args)  # warm-up
        clock = Clock()
        with clock:
            for _ in range(repeats):
                model(**args).joints[:, :55]
    return batch * repeats / clock.wall, batch * repeats / clock.cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, default=2_000_000, help="frames timed for interx")
    parser.add_argument("--batch", type=int, default=250_000, help="frames per pose_joints call")
    parser.add_argument("--smplx-batch", type=int, default=512, help="frames per smplx forward")
    args = parser.parse_args()
    import numba

    print(f"cores: {os.cpu_count()}, numba threads: {numba.get_num_threads()}, load average: "
          f"{os.getloadavg()[0]:.2f} (other processes make wall-clock figures low; "
          "per CPU-second times the cores is the figure on an idle machine)")
    rows = [("interx pose_joints", f"{args.frames:,} frames", interx_rate(args.frames, args.batch))]
    rows.append(("smplx SMPLX forward", f"batches of {args.smplx_batch}", smplx_rate(args.smplx_batch, 4)))
    rows.append(("smplx SMPLX forward", "one frame at a time (official)", smplx_rate(1, 200)))
    for name, how, (wall, cpu) in rows:
        print(f"{name:20s} {how:32s} {wall:>12,.0f} frames/s wall  {cpu:>12,.0f} frames per CPU-second")
    ours = rows[0][2]
    for _, how, theirs in rows[1:]:
        print(f"ratio interx / smplx ({how}): {ours[0] / theirs[0]:,.0f}x wall, {ours[1] / theirs[1]:,.0f}x CPU")

if __name__ == "__main__":
    main()
