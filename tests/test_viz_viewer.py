"""The browser viewer's server side: browsing, playback, its port, and what it serves over HTTP."""

from __future__ import annotations

import http.client
import socket
import sys
import time

import numpy as np
import pytest
from viz_data import interaction, write_root

from interx.cli_app import main
from interx.errors import InterxError, UsageError
from interx.viz.viewer import ALL_CLASSES, Viewer

pytest.importorskip("viser")

WAVE, SHAKE = "G001T000A002R000", "G002T000A001R000"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def roots(tmp_path_factory):
    base = tmp_path_factory.mktemp("viewer")
    real = write_root(base / "real", [interaction(WAVE, frames=30),
                                      interaction(SHAKE, frames=20, gap=0.3, texts=("They shake hands firmly.",))])
    generated = write_root(base / "generated", [interaction(WAVE, frames=24, gap=1.0)])
    return real, generated


@pytest.fixture(scope="module")
def viewer(roots):
    real, generated = roots
    with Viewer(real, port=free_port(), compare=generated) as v:
        yield v


def wait_for(condition, timeout=5.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return False


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.putrequest("GET", path, skip_host=False, skip_accept_encoding=True)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_browse_by_name_class_and_text(viewer):
    assert viewer.names == [WAVE, SHAKE] or viewer.names == sorted([WAVE, SHAKE])
    assert viewer.search("shake") == [SHAKE]             # text search
    assert viewer.search("g001") == [WAVE]               # name search, any case
    assert viewer.class_labels() == ["1: Handshake", "2: Wave"]
    assert viewer.search("", "1: Handshake") == [SHAKE]  # class
    assert viewer.search("", ALL_CLASSES) == viewer.names
    assert viewer.search("nothing like this") == []


def test_select_shows_both_sides_and_annotations(viewer):
    viewer.pause()
    viewer.select(WAVE)
    assert viewer.current == WAVE
    assert viewer.num_frames == 30                        # generated (24) padded to the real clip's 30
    gui = viewer._gui
    assert gui["action"].value == "2: Wave" and gui["group"].value == "1" and gui["familiarity"].value == "3 of 4"
    assert "waves" in gui["texts"].value
    real, generated = viewer._people[0][0].points, viewer._people[1][0].points
    assert real.shape == (51, 2, 3)
    assert viewer._sides[1].position[0] > 0.5             # the compared scene sits beside, along x
    viewer.select(SHAKE)                                   # only in the real folder: the other side hides
    assert viewer._sides[1].visible is False and viewer.num_frames == 20
    with pytest.raises(UsageError):
        viewer.select("G009T000A000R000")


def test_play_pause_and_scrub(viewer):
    viewer.select(WAVE)
    viewer.seek(7)
    before = viewer._people[0][0].points.copy()
    assert viewer.frame == 7
    viewer.seek(12)
    assert not np.allclose(before, viewer._people[0][0].points)   # the drawn pose follows the slider
    viewer.play()
    assert wait_for(lambda: viewer.frame not in (12, 13, 14))
    viewer.pause()
    frame = viewer.frame
    time.sleep(0.3)
    assert viewer.frame == frame


def test_serves_no_file_outside_its_client(viewer, roots):
    real, _ = roots
    secret = real / "motions" / WAVE / "P1.npz"
    for path in ("/../../../../etc/passwd", "/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/..%2f..%2f..%2fetc%2fpasswd",
                 "//etc/passwd", f"/{secret}", f"/../../../..{secret}", "/motions/" + WAVE + "/P1.npz"):
        status, body = get(viewer.port, path)
        assert status == 404 and b"root:" not in body and secret.read_bytes()[:64] not in body
    status, body = get(viewer.port, "/")                  # the viewer's own client is what it serves
    assert status == 200 and body[:15].lower() == b"<!doctype html>"


def test_port_taken_is_an_error(roots):
    real, _ = roots
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(InterxError, match=f"127.0.0.1:{port}"):
            Viewer(real, port=port).start()


def test_cli_port_taken_is_one_line_exit_1(roots, capsys):
    real, _ = roots
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        status = main(["view", str(real), "--port", str(port)])
    err = capsys.readouterr().err
    assert status == 1 and err.count("\n") == 1 and str(port) in err


def test_defaults_to_localhost(roots):
    assert Viewer(roots[0]).host == "127.0.0.1"


def test_missing_viser_names_the_extra(roots, monkeypatch):
    monkeypatch.setitem(sys.modules, "viser", None)
    with pytest.raises(UsageError, match="viewer"):
        Viewer(roots[0], port=free_port()).start()


def test_not_a_folder_is_a_data_error(tmp_path):
    from interx.errors import DataError
    with pytest.raises(DataError):
        Viewer(tmp_path / "missing")
    with pytest.raises(DataError):
        Viewer(tmp_path)


def test_meshes_instead_of_skeletons_with_a_smplx_body(roots, tmp_path):
    pytest.importorskip("interx.body.skinning")
    from interx.body.fake_smplx import write_fake_smplx
    from interx.body.smplx_model import SmplxBody

    write_fake_smplx(tmp_path / "SMPLX_NEUTRAL.npz", np.random.default_rng(0), num_dirs=20, num_vertices=400,
                     num_faces=600)
    with Viewer(roots[0], port=free_port(), body=SmplxBody(tmp_path)) as v:
        v.select(WAVE)
        assert v.meshes and v._people[0][0].visible is False
        mesh = v._meshes[0][0]
        assert mesh.vertices.shape == (400, 3) and mesh.faces.shape == (600, 3)
        first = mesh.vertices.copy()
        v.seek(10)
        assert np.abs(mesh.vertices - first).max() > 0.05      # the mesh follows the frame


def test_browse_a_cache(tmp_path):
    pytest.importorskip("interx.features.cache")
    from viz_data import write_cache

    cache, names = write_cache(tmp_path)
    with Viewer(cache, port=free_port()) as v:
        assert v.names == sorted(names)
        v.select(names[2])
        assert v.num_frames == 30 and v._gui["action"].value == "0: Hug" and v._gui["group"].value == "3"


def test_cli_view_serves_until_interrupted(roots):
    import signal
    import subprocess

    port = free_port()
    # as from a terminal: a runner started in the background by a non-interactive shell ignores SIGINT,
    # and its children would inherit that
    proc = subprocess.Popen([sys.executable, "-c", "from interx.cli_app import main; main()", "view", str(roots[0]),
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        line = proc.stdout.readline()
        assert line.strip() == f"viewer at http://127.0.0.1:{port} (Ctrl-C to stop)"
        assert get(port, "/")[0] == 200
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=90)      # drains both pipes while it shuts down (a loaded CI is slow)
        assert proc.returncode == 0
        assert out == "" and err == ""
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
