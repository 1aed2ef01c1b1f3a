"""The viewer in a real headless browser: the page loads, a sequence plays, the 3D canvas is drawn.

Chromium comes from the system packages (`make test` installs it); Playwright
drives it through `executable_path` and never downloads a browser of its own.
WebGL runs on Chromium's software rasteriser (SwiftShader through ANGLE).
"""

from __future__ import annotations

import io
import shutil
import socket
import time

import numpy as np
import pytest
from viz_data import interaction, write_root

from interx.viz.viewer import Viewer

pytest.importorskip("viser")
sync_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ARGS = ["--headless=new", "--no-sandbox", "--use-gl=angle", "--use-angle=swiftshader", "--enable-unsafe-swiftshader",
        "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run",
        "--disable-quic"]
SEQ = "G001T000A002R000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pixels(png: bytes) -> np.ndarray:
    from matplotlib.image import imread
    return (imread(io.BytesIO(png), format="png")[..., :3] * 255).astype(np.float64)


@pytest.fixture
def chromium():
    if CHROMIUM is None:
        pytest.skip("no chromium on PATH: install the system package (make test does: apt-get install chromium)")
    return CHROMIUM


def test_viewer_page_plays_a_sequence_on_a_drawn_canvas(tmp_path, chromium, monkeypatch):
    monkeypatch.setenv("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    root = write_root(tmp_path / "data", [interaction(SEQ, frames=90)])
    with Viewer(root, port=free_port()) as viewer, sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1000, "height": 600})
            page.goto(viewer.url, wait_until="load", timeout=60_000)
            canvas = page.locator("canvas").first
            canvas.wait_for(state="visible", timeout=60_000)
            deadline = time.monotonic() + 30
            while not viewer._server.get_clients() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert viewer._server.get_clients(), "the page never connected to the viewer"
            viewer.select(SEQ)
            viewer.play()
            page.wait_for_timeout(2000)        # the scene arrives and a few frames are drawn
            first = pixels(canvas.screenshot())
            page.wait_for_timeout(700)
            second = pixels(canvas.screenshot())
        finally:
            browser.close()
    # The scene's part of the canvas: left of the control panel (top right) and below the
    # software-rendering notice (top left); the viewer's camera looks at the pair there.
    h, w, _ = first.shape
    scene_first, scene_second = first[int(0.3 * h):, : int(0.58 * w)], second[int(0.3 * h):, : int(0.58 * w)]
    flat = scene_first.reshape(-1, 3)
    assert flat.std(axis=0).max() > 5.0, "the 3D canvas is blank (one colour)"
    assert len(np.unique(flat.astype(np.uint8), axis=0)) > 20
    changed = np.abs(scene_first - scene_second).max(axis=-1) > 30
    assert changed.sum() > 50, "the 3D scene did not change while the sequence played"
