"""A browser viewer for two-person motion, on viser (the `viewer` extra).

`Viewer(path)` serves a page with a 3D scene and a panel: pick a sequence by
name, class or text search, play, pause and scrub it, and read its texts,
class, group and familiarity. With `compare` a second folder or cache (e.g.
generated outputs beside the real data) is shown next to the first, offset
along x, matched by sequence name. Skeletons (body and every finger bone) are
drawn; with a SMPL-X body (`interx.body.smplx_model.SmplxBody`) the people
are skinned meshes instead (`interx.body.skinning`).

Security: the server listens on 127.0.0.1 unless told otherwise, on exactly
the port given (an occupied port is an error, never silently replaced). It
serves only viser's own web client and the scene and panel data this class
sends over the websocket: no file under PATH or anywhere else is reachable
by URL, and texts from data files are shown in plain text fields (no
markdown or HTML rendering).

Playback runs at `fps` (30) on a timer thread; the frame slider drives what
is drawn, so scrubbing and playing share one path.
"""

from __future__ import annotations

import contextlib
import io
import socket
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from interx.body.model import BodyModel, interaction_joints
from interx.data.names import parse_name
from interx.errors import InterxError, UsageError
from interx.viz.clip import resample_index
from interx.viz.collection import Collection, open_collection
from interx.viz.style import BODY_BONES, FINGER_BONES, PERSON_COLORS, rgb

ALL_CLASSES = "(all classes)"
NO_MATCH = "(no match)"
MAX_OPTIONS = 500          # sequences listed in the dropdown at once; search narrows the rest
COMPARE_GAP = 1.0          # meters between the two side-by-side scenes
_BONES = np.concatenate([BODY_BONES, FINGER_BONES])   # (51, 2)


def _import_viser():
    try:
        import viser
    except ModuleNotFoundError as exc:
        if exc.name != "viser":
            raise
        raise UsageError("the browser viewer needs the 'viewer' extra: pip install 'interx[viewer]'") from None
    return viser


def _quiet():
    """Swallow what viser prints (a banner on start, a line on stop); the caller reports the URL."""
    return contextlib.redirect_stdout(io.StringIO())


def check_port_free(host: str, port: int) -> None:
    """Raise InterxError (one line) unless `host:port` can be listened on now."""
    if not 0 < port < 65536:
        raise UsageError(f"port {port} outside 1-65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise InterxError(f"cannot listen on {host}:{port} ({exc.strerror}); pick another --port") from None


@dataclass(frozen=True)
class _Shown:
    """One side's sequence at the playback rate: joints (T, 2, 55, 3); with meshes also
    vertices (T, 2, V, 3) and faces per person (F, 3)."""

    joints: np.ndarray
    vertices: np.ndarray | None = None
    faces: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def num_frames(self) -> int:
        return int(self.joints.shape[0])


class Viewer:
    """The browser viewer of one collection (and optionally a second one beside it).

    Args:
        path: an Inter-X folder, a folder of generated outputs or a cache (`interx.viz.collection`).
        host, port: where to listen; exactly this port.
        compare: a second collection shown beside the first (same sequence names).
        body: body model (None: the built-in skeleton); a SMPL-X body
            (`interx.body.smplx_model.SmplxBody`) shows meshes.
        fps: playback rate; sequences are resampled to it.
    """

    def __init__(self, path: Path | str, host: str = "127.0.0.1", port: int = 8080,
                 compare: Path | str | None = None, body: BodyModel | None = None, fps: float = 30.0):
        self.collections: list[Collection] = [open_collection(path, body)]
        if compare is not None:
            self.collections.append(open_collection(compare, body))
        self.host, self.port, self.fps = host, int(port), float(fps)
        self.body = body
        self.meshes = callable(getattr(body, "faces", None))   # a SMPL-X body: it has a mesh
        self._names = sorted(set().union(*(c.names for c in self.collections)))
        self._action_names = self.collections[0].action_names
        self._texts: dict[str, str] | None = None
        self._server = None
        self._lock = threading.RLock()
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._shown: list[_Shown | None] = []
        self.current: str | None = None
        self.playing = False

    # --- lifecycle ------------------------------------------------------------------------

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> None:
        """Listen, build the scene and panel, show the first sequence, start the playback timer."""
        viser = _import_viser()
        check_port_free(self.host, self.port)
        with _quiet():
            server = viser.ViserServer(host=self.host, port=self.port, label="interx", verbose=False)
        if server.get_port() != self.port:  # taken between the check and the bind: viser moved on
            with _quiet():
                server.stop()
            raise InterxError(f"cannot listen on {self.host}:{self.port} (in use); pick another --port")
        self._server = server
        server.scene.set_up_direction("+y")
        self._build_scene(server)
        self._build_panel(server)
        self._stopped.clear()
        self._thread = threading.Thread(target=self._run_timer, name="interx-viewer-playback", daemon=True)
        self._thread.start()
        if self._names:
            self.select(self._names[0])

    def stop(self) -> None:
        """Stop playback and the server."""
        self._stopped.set()
        if self._thread is not None:
            self._thread.join(timeout=5.0)
            self._thread = None
        if self._server is not None:
            with _quiet():
                self._server.stop()
            self._server = None

    def wait(self) -> None:
        """Block until `stop` is called (or Ctrl-C)."""
        while not self._stopped.wait(0.5):
            pass

    def __enter__(self) -> "Viewer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # --- browsing -------------------------------------------------------------------------

    @property
    def names(self) -> list[str]:
        """Every sequence name in the collections, sorted."""
        return list(self._names)

    def class_label(self, action: int) -> str:
        name = self._action_names[action] if 0 <= action < len(self._action_names) else f"class {action}"
        return f"{action}: {name}"

    def class_labels(self) -> list[str]:
        """'id: name' of every class with a sequence here, by id."""
        return [self.class_label(a) for a in sorted({parse_name(n).action for n in self._names})]

    def search(self, text: str = "", class_label: str | None = None) -> list[str]:
        """Names whose name or texts contain `text` (any case) and, if given, of class `class_label` ('id: name')."""
        names = self._names
        if class_label not in (None, ALL_CLASSES):
            names = [n for n in names if self.class_label(parse_name(n).action) == class_label]
        needle = text.strip().lower()
        if needle:
            texts = self._search_index()
            names = [n for n in names if needle in n.lower() or needle in texts[n]]
        return names

    def _search_index(self) -> dict[str, str]:
        """Lower-cased texts of every sequence (read once, on the first text search)."""
        if self._texts is None:
            self._texts = {n: " ".join(self._holder(n).info(n).texts).lower() for n in self._names}
        return self._texts

    def _holder(self, name: str) -> Collection:
        return next(c for c in self.collections if name in c)

    def select(self, name: str) -> None:
        """Show sequence `name` from frame 0 (playing or paused as before); after `start`."""
        if self._server is None:
            raise UsageError("the viewer is not running: call start() first")
        parse_name(name)
        if name not in self._names:
            raise UsageError(f"no sequence {name} in {', '.join(str(c.root) for c in self.collections)}")
        shown = [self._load(c, name) if name in c else None for c in self.collections]
        with self._lock:
            self._shown = shown
            self.current = name
            self._place()
            self._show_info(name)
            if self._gui["sequence"].value != name and name in self._gui["sequence"].options:
                self._gui["sequence"].value = name
            self._gui["frame"].max = max(self.num_frames - 1, 1)
            if self._gui["frame"].value != 0:
                self._gui["frame"].value = 0   # draws through the slider's callback
            else:
                self._on_frame()

    def _load(self, collection: Collection, name: str) -> _Shown:
        """One side's sequence at the playback rate (skinned when showing meshes)."""
        if not self.meshes:
            clip = collection.clip(name)
            return _Shown(clip.joints[resample_index(clip.num_frames, clip.fps, self.fps)])
        from interx.body.skinning import person_vertices

        interaction = collection.interaction(name)
        index = resample_index(interaction.num_frames, interaction.fps, self.fps)
        persons = [p.frames(index, self.fps) for p in interaction.persons]
        vertices = np.stack([person_vertices(p, self.body) for p in persons], axis=1)
        faces = tuple(self.body.faces(self.body.resolve(p.betas, p.gender)[0]) for p in persons)
        joints = interaction_joints(replace(interaction, persons=tuple(persons)), self.body)
        return _Shown(joints, vertices, faces)

    @property
    def num_frames(self) -> int:
        return max((s.num_frames for s in self._shown if s is not None), default=0)

    @property
    def frame(self) -> int:
        return int(self._gui["frame"].value)

    def seek(self, frame: int) -> None:
        self._gui["frame"].value = int(np.clip(frame, 0, max(self.num_frames - 1, 0)))

    def play(self) -> None:
        self.playing = True
        self._gui["play"].label = "Pause"

    def pause(self) -> None:
        self.playing = False
        self._gui["play"].label = "Play"

    # --- scene ----------------------------------------------------------------------------

    def _build_scene(self, server) -> None:
        scene = server.scene
        self._grid = scene.add_grid("/floor", width=12.0, height=12.0, plane="xz", cell_size=0.5,
                                    section_size=1.0)
        self._people, self._labels, self._sides, self._meshes = [], [], [], []
        empty = np.zeros((len(_BONES), 2, 3), np.float32)
        for s, collection in enumerate(self.collections):
            self._sides.append(scene.add_frame(f"/side{s}", show_axes=False))
            self._labels.append(scene.add_label(f"/side{s}/title", collection.label))
            self._people.append([scene.add_line_segments(f"/side{s}/person{p + 1}", empty, rgb(PERSON_COLORS[p]),
                                                         thickness=0.02, visible=not self.meshes)
                                 for p in range(2)])
            self._meshes.append([None, None])

    def _place(self) -> None:
        """Put the floor under the people, the second scene beside the first; aim the camera;
        (re)build the meshes of the new sequence."""
        right = None   # right edge (x, meters) of the scenes placed so far
        lows, highs = [], []
        for s, shown in enumerate(self._shown):
            self._sides[s].visible = shown is not None
            if shown is None:
                continue
            lo, hi = shown.joints.reshape(-1, 3).min(axis=0), shown.joints.reshape(-1, 3).max(axis=0)
            shift = 0.0 if right is None else right + COMPARE_GAP - lo[0]
            self._sides[s].position = (shift, 0.0, 0.0)
            self._labels[s].position = ((lo[0] + hi[0]) / 2.0, hi[1] + 0.3, (lo[2] + hi[2]) / 2.0)
            right = shift + hi[0]
            lows.append(lo + [shift, 0.0, 0.0])
            highs.append(hi + [shift, 0.0, 0.0])
            if shown.vertices is not None:
                for p in range(2):
                    self._meshes[s][p] = self._server.scene.add_mesh_simple(
                        f"/side{s}/mesh{p + 1}", shown.vertices[0, p], shown.faces[p].astype(np.uint32),
                        color=rgb(PERSON_COLORS[p]))
        low, high = np.min(lows, axis=0), np.max(highs, axis=0)
        self._grid.position = ((low[0] + high[0]) / 2.0, low[1], (low[2] + high[2]) / 2.0)
        target = (low + high) / 2.0
        span = float(np.linalg.norm(high - low))
        direction = np.array([0.0, 0.35, 1.0]) / np.hypot(0.35, 1.0)
        self._server.initial_camera.look_at = tuple(target)
        self._server.initial_camera.position = tuple(target + direction * (0.8 * span + 1.2))

    def _draw(self, frame: int) -> None:
        with self._lock, self._server.atomic():
            for s, shown in enumerate(self._shown):
                if shown is None:
                    continue
                t = min(frame, shown.num_frames - 1)
                if shown.vertices is not None:
                    for p in range(2):
                        self._meshes[s][p].vertices = shown.vertices[t, p]
                else:
                    segments = shown.joints[t][:, _BONES]            # (2, 51, 2, 3)
                    for p in range(2):
                        self._people[s][p].points = segments[p]

    # --- panel ----------------------------------------------------------------------------

    def _build_panel(self, server) -> None:
        gui = server.gui
        g = {}
        g["search"] = gui.add_text("Search", "", hint="Part of a name or of a text.")
        g["class"] = gui.add_dropdown("Class", [ALL_CLASSES, *self.class_labels()], initial_value=ALL_CLASSES)
        g["matches"] = gui.add_text("Matches", "", disabled=True)
        g["sequence"] = gui.add_dropdown("Sequence", self._options(self._names))
        g["play"] = gui.add_button("Play")
        g["frame"] = gui.add_slider("Frame", min=0, max=1, step=1, initial_value=0)
        g["time"] = gui.add_text("Time", "", disabled=True)
        g["action"] = gui.add_text("Class", "", disabled=True)
        g["group"] = gui.add_text("Group", "", disabled=True)
        g["familiarity"] = gui.add_text("Familiarity", "", disabled=True)
        g["texts"] = gui.add_text("Texts", "", multiline=True, disabled=True)
        self._gui = g
        self._set_matches(self._names)

        g["search"].on_update(lambda _: self._refilter())
        g["class"].on_update(lambda _: self._refilter())
        g["sequence"].on_update(lambda _: self._on_sequence())
        g["play"].on_click(lambda _: self.pause() if self.playing else self.play())
        g["frame"].on_update(lambda _: self._on_frame())

    def _options(self, names: list[str]) -> list[str]:
        return names[:MAX_OPTIONS] if names else [NO_MATCH]

    def _set_matches(self, names: list[str]) -> None:
        shown = f" (first {MAX_OPTIONS} listed)" if len(names) > MAX_OPTIONS else ""
        self._gui["matches"].value = f"{len(names)} of {len(self._names)}{shown}"

    def _refilter(self) -> None:
        names = self.search(self._gui["search"].value, self._gui["class"].value)
        self._set_matches(names)
        self._gui["sequence"].options = self._options(names)

    def _on_sequence(self) -> None:
        name = self._gui["sequence"].value
        if name != NO_MATCH and name != self.current:
            self.select(name)

    def _on_frame(self) -> None:
        frame = self.frame
        self._gui["time"].value = f"{frame / self.fps:.2f} s of {self.num_frames / self.fps:.2f} s"
        self._draw(frame)

    def _show_info(self, name: str) -> None:
        info = self._holder(name).info(name)
        self._gui["action"].value = self.class_label(info.action)
        self._gui["group"].value = str(info.group)
        self._gui["familiarity"].value = "unknown" if info.familiarity is None else f"{info.familiarity} of 4"
        self._gui["texts"].value = "\n".join(info.texts)

    # --- playback -------------------------------------------------------------------------

    def _run_timer(self) -> None:
        period = 1.0 / self.fps
        while not self._stopped.wait(period):
            if self.playing and self.num_frames > 1:
                with self._lock:
                    self.seek((self.frame + 1) % self.num_frames)
