"""Looking at motion: `interx render` (skeleton video) and `interx view` (browser viewer)."""

from __future__ import annotations

from pathlib import Path

import typer

from interx.cli_app import app, console

_SMPLX_HELP = "Folder with the SMPL-X model files (SMPLX_NEUTRAL.npz ...): joints from the real body model."


def _body(smplx_model: Path | None):
    """The body model to pose with: the built-in skeleton, or SMPL-X from the user's files."""
    if smplx_model is None:
        return None
    from interx.errors import UsageError

    try:
        from interx.body.smplx_model import body_model
    except ModuleNotFoundError as exc:
        if exc.name != "interx.body.smplx_model":
            raise
        raise UsageError("--smplx-model: this interx has no SMPL-X body model support") from None
    return body_model(smplx_model)


@app.command("render")
def render(
    source: str = typer.Argument(..., metavar="INPUT",
                                 help="A sequence folder ROOT/motions/SEQ (release or generated output), "
                                      "ROOT:SEQ, or a cache entry CACHE:SPLIT:SEQ."),
    out: Path = typer.Option(..., "--out", help="The video to write: FILE.mp4 or FILE.gif."),
    compare: list[str] = typer.Option([], "--compare", metavar="OTHER",
                                      help="Another clip shown beside INPUT, in sync (repeat for more)."),
    seconds: str | None = typer.Option(None, "--seconds", metavar="A:B",
                                       help="Only seconds A to B of each clip (A: or :B leave an end open)."),
    fps: float = typer.Option(30.0, "--fps", help="Frame rate of the video."),
    view: str = typer.Option("front", "--view", help="Camera: front, side, top or orbit."),
    sync: str = typer.Option("pad", "--sync",
                             help="Clips of different lengths: pad (hold the last frame) or trim (to the shortest)."),
    size: int = typer.Option(480, "--size", help="Width and height of one panel in pixels."),
    smplx_model: Path | None = typer.Option(None, "--smplx-model", metavar="DIR", help=_SMPLX_HELP),
) -> int:
    """Render a skeleton video of two people (and others beside it): mp4 or gif."""
    from interx.viz.clip import parse_seconds
    from interx.viz.collection import load_clip
    from interx.viz.video import render_video

    span = None if seconds is None else parse_seconds(seconds)
    body = _body(smplx_model)
    clips = [load_clip(spec, body) for spec in [source, *compare]]
    written = render_video(clips, out, fps=fps, view=view, seconds=span, sync=sync, panel_px=size)
    console.print(f"wrote {written}", soft_wrap=True)
    return 0


@app.command("view")
def view(
    path: Path = typer.Argument(..., help="An Inter-X folder, a folder of generated outputs, or a cache."),
    compare: Path | None = typer.Option(None, "--compare", metavar="PATH2",
                                        help="A second folder or cache shown beside PATH (same sequence names)."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8080, "--port", help="Port to listen on (exactly this one)."),
    smplx_model: Path | None = typer.Option(None, "--smplx-model", metavar="DIR", help=_SMPLX_HELP),
) -> int:
    """Browse sequences in a web browser: pick by name, class or text; play, pause, scrub."""
    from interx.viz.viewer import Viewer

    body = _body(smplx_model)
    viewer = Viewer(path, host=host, port=port, compare=compare, body=body)
    viewer.start()
    try:  # from here on, Ctrl-C is a clean stop (even before the first wait)
        console.print(f"viewer at {viewer.url} (Ctrl-C to stop)", soft_wrap=True)
        viewer.wait()
    except KeyboardInterrupt:
        pass
    finally:
        viewer.stop()
    return 0
