"""Render speed: a 10 s, 30 fps two-person skeleton video (budget: under 20 s on 2 CPU cores).

Usage: python benchmarks/render_speed.py [--seconds 10] [--size 480] [--out DIR]

The motion is made here (two people approach, wave and hold hands, fingers
curling) so the figure needs no dataset; contact frames are highlighted as in
any video. Also times a three-panel comparison and the orbit view.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from interx.body.joints import JOINT_INDEX, NUM_JOINTS
from interx.body.model import interaction_joints
from interx.data.types import Interaction, PersonMotion
from interx.viz.clip import MotionClip
from interx.viz.video import render_video

FPS = 30.0


def person(t: np.ndarray, z: np.ndarray, facing: float, phase: float) -> PersonMotion:
    pose = np.zeros((len(t), NUM_JOINTS, 3), np.float32)
    pose[:, 0, 1] = facing
    pose[:, JOINT_INDEX["left_shoulder"], 2] = 0.7 * np.sin(2 * np.pi * 0.8 * t + phase)
    pose[:, JOINT_INDEX["right_shoulder"], 1] = 1.2 * np.clip(np.sin(np.pi * t / t[-1]), 0, 1)
    pose[:, JOINT_INDEX["left_knee"], 0] = 0.4 * np.maximum(np.sin(2 * np.pi * t), 0)
    pose[:, JOINT_INDEX["right_knee"], 0] = 0.4 * np.maximum(-np.sin(2 * np.pi * t), 0)
    pose[:, 25:55, 2] = 0.4 * (1 + np.sin(2 * np.pi * 0.5 * t + phase))[:, None]
    trans = np.stack([np.zeros_like(t), np.full_like(t, 1.25), z], axis=1)
    return PersonMotion.from_full_pose(pose, trans, fps=FPS)


def clip(seconds: float, title: str, delay: float = 0.0) -> MotionClip:
    t = np.arange(int(seconds * FPS)) / FPS
    gap = 0.3 + 2.5 * np.abs(np.cos(np.pi * (t + delay) / seconds))   # apart, close, apart
    pair = Interaction("G001T000A001R000", (person(t, -gap / 2, 0.0, 0.0), person(t, gap / 2, np.pi, 1.0)),
                       texts=("Two people walk towards each other, wave and shake hands, then step back.",))
    return MotionClip(interaction_joints(pair), FPS, title, pair.texts)


def timed(label: str, clips, out: Path, **options) -> float:
    start = time.perf_counter()
    render_video(clips, out, fps=FPS, **options)
    seconds = time.perf_counter() - start
    frames = clips[0].num_frames
    print(f"{label:<40s} {seconds:6.2f} s  ({1000 * seconds / frames:5.1f} ms/frame, "
          f"{out.stat().st_size / 1e6:.2f} MB)")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", type=int, default=480, help="panel size in pixels")
    parser.add_argument("--out", type=Path, default=None, help="keep the videos in this folder")
    args = parser.parse_args()
    truth = clip(args.seconds, "truth")
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.out or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        print(f"{args.seconds:g} s at {FPS:g} fps = {truth.num_frames} frames, panel {args.size} px")
        main_figure = timed("two people, front view, mp4", [truth], folder / "front.mp4", panel_px=args.size)
        timed("two people, orbit view, mp4", [truth], folder / "orbit.mp4", panel_px=args.size, view="orbit")
        timed("truth | generated | forecast, mp4", [truth, clip(args.seconds, "generated", 0.4),
                                                    clip(args.seconds, "forecast", 0.8)],
              folder / "compare.mp4", panel_px=args.size)
        timed("two people, front view, gif", [truth], folder / "front.gif", panel_px=args.size)
    verdict = "within" if main_figure < 20.0 else "OVER"
    print(f"render speed: {main_figure:.2f} s for a {args.seconds:g} s two-person video ({verdict} the 20 s budget)")


if __name__ == "__main__":
    main()
