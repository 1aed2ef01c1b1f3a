"""Skeleton videos of two-person motion: mp4 or gif, one or several clips side by side.

Each clip gets a panel: P1 and P2 as stick figures in two colours with every
finger bone (the 15 finger joints per hand joined by `PARENTS`), a floor grid,
the clip's title, a clock, and on contact frames the touching capsules drawn
red with a "contact" marker (`interx.viz.contact`). The texts go below as a
wrapped caption (one shared caption when every panel has the same texts).

Speed: the figure and all its artists are built once; a frame only restores
the static background (grid, titles, caption) and redraws the moving artists
with new data (blitting on matplotlib's Agg canvas), and the RGBA buffer goes
straight into the ffmpeg bundled with imageio-ffmpeg. All projection is done
up front, vectorised over frames.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interx.body.capsules import capsule_segments
from interx.data.safe_io import atomic_path
from interx.errors import UsageError
from interx.viz.camera import floor_grid, frame_scene, project
from interx.viz.clip import MotionClip, at_fps, cut, synchronise
from interx.viz.contact import touching
from interx.viz.style import BODY_BONES, CONTACT_COLOR, FINGER_BONES, GRID_COLOR, HEAD, PERSON_COLORS

FORMATS = (".mp4", ".gif")
DPI = 100
CAPTION_FONT = 9.0        # points
CAPTION_LINES = 4         # per caption, the rest is elided
_BLOCK = 16               # video sizes are multiples of the codec's macro block


def _round_up(value: float, block: int = _BLOCK) -> int:
    return int(np.ceil(value / block) * block)


def _caption_lines(texts: Sequence[str], width_px: int) -> list[str]:
    """The texts wrapped to a panel width, at most CAPTION_LINES lines."""
    chars = max(20, int(width_px / (CAPTION_FONT * DPI / 72.0 * 0.52)))
    lines = [line for text in texts for line in textwrap.wrap(" ".join(text.split()), chars)]
    if len(lines) > CAPTION_LINES:
        lines = lines[:CAPTION_LINES]
        lines[-1] = lines[-1][: chars - 3].rstrip() + "..."
    return lines


def _bones(xy: np.ndarray, bones: np.ndarray) -> np.ndarray:
    """(T, 2, J, 2) projected joints -> (T, 2, B, 2, 2) bone segments."""
    return np.stack([xy[:, :, bones[:, 0]], xy[:, :, bones[:, 1]]], axis=-2)


def _limits(xy: np.ndarray, aspect: float, margin: float = 0.06) -> tuple[tuple[float, float], tuple[float, float]]:
    """Axis limits holding every projected point, widened to `aspect` = width / height."""
    pts = xy.reshape(-1, 2)
    lo, hi = pts.min(axis=0), pts.max(axis=0)
    centre, half = (lo + hi) / 2.0, np.maximum((hi - lo) / 2.0, 1e-3) * (1.0 + margin)
    half = np.maximum(half, [half[1] * aspect, half[0] / aspect])
    return (centre[0] - half[0], centre[0] + half[0]), (centre[1] - half[1], centre[1] + half[1])


class _Panel:
    """One clip's axes: artists created once, fed new data per frame."""

    def __init__(self, fig, rect: Sequence[float], clip: MotionClip, view: str, show_contact: bool):
        from matplotlib.collections import LineCollection

        joints = clip.joints
        eye, basis, floor = frame_scene(joints, view)
        xy, depth = project(joints, eye, basis)                      # (T, 2, 55, 2), (T, 2, 55)
        grid = floor_grid(joints, floor)                             # (L, 2, 3)
        grid_xy, _ = project(np.broadcast_to(grid, (len(eye),) + grid.shape), eye, basis)
        self.static_grid = view != "orbit"
        self.grid = grid_xy                                          # (T, L, 2, 2)
        self.body = _bones(xy, BODY_BONES)                           # (T, 2, 21, 2, 2)
        self.fingers = _bones(xy, FINGER_BONES)                      # (T, 2, 30, 2, 2)
        self.head = xy[:, :, HEAD]                                   # (T, 2, 2)
        self.order = np.argsort(-depth.mean(axis=2), axis=1)         # far person first, (T, 2)
        self.fps = clip.fps
        if show_contact:
            contact, parts = touching(joints)
            self.contact = contact if clip.contact is None else clip.contact
            starts, ends, _ = capsule_segments(joints)
            seg, _ = project(np.stack([starts, ends], axis=-2), eye, basis)  # (T, 2, C, 2, 2)
            self.capsules, self.parts = seg, parts
        else:
            self.contact = None

        ax = fig.add_axes(rect)
        ax.set_axis_off()
        width_px, height_px = rect[2] * fig.bbox.width, rect[3] * fig.bbox.height
        xlim, ylim = _limits(xy, width_px / height_px)
        ax.set_xlim(*xlim)
        ax.set_ylim(*ylim)
        ax.set_autoscale_on(False)
        self.ax = ax

        self.grid_lines = ax.add_collection(LineCollection(self.grid[0], colors=GRID_COLOR, linewidths=0.8,
                                                           animated=not self.static_grid))
        self.body_lines, self.finger_lines, self.heads = [], [], []
        for p in range(2):
            color = PERSON_COLORS[p]
            self.body_lines.append(ax.add_collection(LineCollection(self.body[0, p], colors=color, linewidths=3.5,
                                                                    capstyle="round", animated=True)))
            self.finger_lines.append(ax.add_collection(LineCollection(self.fingers[0, p], colors=color,
                                                                      linewidths=1.3, animated=True)))
            self.heads.append(ax.plot(*self.head[0, p], "o", color=color, markersize=9, animated=True)[0])
        self.contact_lines = ax.add_collection(LineCollection([], colors=CONTACT_COLOR, linewidths=5.0,
                                                              capstyle="round", animated=True))
        ax.text(0.5, 0.985, clip.title, transform=ax.transAxes, ha="center", va="top", fontsize=11,
                fontweight="bold")
        self.clock = ax.text(0.02, 0.015, "", transform=ax.transAxes, ha="left", va="bottom", fontsize=9,
                             color="#404040", animated=True)
        self.contact_mark = ax.text(0.98, 0.015, "contact", transform=ax.transAxes, ha="right", va="bottom",
                                    fontsize=11, fontweight="bold", color="white", animated=True,
                                    bbox=dict(boxstyle="round,pad=0.3", facecolor=CONTACT_COLOR, edgecolor="none"))

    def draw(self, t: int) -> None:
        """Set frame t's data and draw the moving artists onto the canvas."""
        draw = self.ax.draw_artist
        if not self.static_grid:
            self.grid_lines.set_segments(self.grid[t])
            draw(self.grid_lines)
        for p in self.order[t]:
            self.body_lines[p].set_segments(self.body[t, p])
            self.finger_lines[p].set_segments(self.fingers[t, p])
            self.heads[p].set_data([self.head[t, p, 0]], [self.head[t, p, 1]])
            draw(self.body_lines[p])
            draw(self.finger_lines[p])
            draw(self.heads[p])
        if self.contact is not None and self.contact[t]:
            self.contact_lines.set_segments(self.capsules[t][self.parts[t]])
            draw(self.contact_lines)
            draw(self.contact_mark)
        self.clock.set_text(f"{t / self.fps:5.2f} s")
        draw(self.clock)


class _Scene:
    """The whole figure: panels side by side over a caption band."""

    def __init__(self, clips: Sequence[MotionClip], view: str, panel_px: int, show_contact: bool):
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        n = len(clips)
        shared = all(c.texts == clips[0].texts for c in clips)
        captions = ([_caption_lines(clips[0].texts, panel_px * n)] if shared
                    else [_caption_lines(c.texts, panel_px) for c in clips])
        line_px = CAPTION_FONT * DPI / 72.0 * 1.35
        band = _round_up(max(len(c) for c in captions) * line_px + 10) if any(captions) else 0
        panel_px = _round_up(panel_px)
        width, height = panel_px * n, panel_px + band
        fig = Figure(figsize=(width / DPI, height / DPI), dpi=DPI, facecolor="white")
        self.canvas = FigureCanvasAgg(fig)
        bottom = band / height
        self.panels = [_Panel(fig, (i / n, bottom, 1.0 / n, 1.0 - bottom), clip, view, show_contact)
                       for i, clip in enumerate(clips)]
        for i, lines in enumerate(captions):
            centre = 0.5 if shared else (i + 0.5) / n
            fig.text(centre, bottom - 4 / height, "\n".join(lines), ha="center", va="top", fontsize=CAPTION_FONT,
                     color="#202020", linespacing=1.25)
        self.size = (width, height)
        self.num_frames = clips[0].num_frames
        self.canvas.draw()
        self.background = self.canvas.copy_from_bbox(fig.bbox)

    def frame(self, t: int) -> np.ndarray:
        """Frame t as a (H, W, 4) uint8 RGBA view of the canvas (valid until the next call)."""
        self.canvas.restore_region(self.background)
        for panel in self.panels:
            panel.draw(t)
        return np.asarray(self.canvas.buffer_rgba())


def prepare_clips(clips: Sequence[MotionClip], fps: float = 30.0,
                  seconds: tuple[float | None, float | None] | None = None, sync: str = "pad") -> list[MotionClip]:
    """Resample every clip to `fps`, cut it to `seconds` (start, end) and give all one length."""
    if not clips:
        raise UsageError("nothing to render: no clips given")
    prepared = [at_fps(c, fps) for c in clips]
    if seconds is not None:
        prepared = [cut(c, *seconds) for c in prepared]
    return synchronise(prepared, sync)


def _writer_options(suffix: str) -> dict:
    if suffix == ".gif":
        return dict(codec="gif", pix_fmt_out="pal8", macro_block_size=1, quality=None, output_params=[
            "-filter_complex", "split[a][b];[a]palettegen=reserve_transparent=0[p];[b][p]paletteuse",
            "-loop", "0", "-f", "gif"])
    return dict(codec="libx264", pix_fmt_out="yuv420p", quality=7, output_params=["-preset", "veryfast", "-f", "mp4"])


def render_video(clips: Sequence[MotionClip], out: Path | str, fps: float = 30.0, view: str = "front",
                 seconds: tuple[float | None, float | None] | None = None, sync: str = "pad",
                 panel_px: int = 480, contact: bool = True) -> Path:
    """Render clips side by side, in sync, into an mp4 or gif (written atomically).

    Args:
        clips: one panel per clip, left to right (e.g. truth, generation, forecast);
            joints (T, 2, 55, 3) meters at each clip's own fps.
        out: FILE.mp4 or FILE.gif.
        fps: frame rate of the video; clips are resampled to it.
        view: 'front', 'side', 'top' or 'orbit' (`interx.viz.camera`).
        seconds: (start, end) in seconds of each clip's timeline; None ends are open.
        sync: 'pad' (repeat the last frame of shorter clips) or 'trim' (cut to the shortest).
        panel_px: width and height of one panel in pixels (rounded up to a multiple of 16).
        contact: highlight contact frames.

    Returns:
        The path written.
    """
    import imageio_ffmpeg

    out = Path(out)
    if out.suffix.lower() not in FORMATS:
        raise UsageError(f"{out}: the video must end in {' or '.join(FORMATS)}")
    prepared = prepare_clips(clips, fps, seconds, sync)
    scene = _Scene(prepared, view, panel_px, contact)
    with atomic_path(out) as tmp:
        writer = imageio_ffmpeg.write_frames(str(tmp), scene.size, pix_fmt_in="rgba", fps=fps,
                                             ffmpeg_log_level="error", **_writer_options(out.suffix.lower()))
        writer.send(None)
        try:
            for t in range(scene.num_frames):
                writer.send(scene.frame(t))
        finally:
            writer.close()
    return out
