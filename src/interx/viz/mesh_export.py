"""Meshes of both people for other tools: one OBJ per frame and person, or one animated binary glTF.

Vertices come from the real SMPL-X model (`interx.body.skinning.person_vertices`
with an `interx.body.smplx_model.SmplxBody`), meters, y up (glTF's own axes).

- OBJ: `SEQ_P1_000000.obj`, `SEQ_P2_000000.obj`, ... (frame numbers of the
  sequence), each `v x y z` lines then `f a b c` triangles (1-based).
- glTF (`.glb`): one mesh per person whose base shape is the first exported
  frame and which holds one morph target per frame (the offset from the base);
  an animation sets the weight of frame k's target to 1 at its time and every
  other to 0 (STEP interpolation), so glTF viewers and Blender's importer play
  the sequence at its frame rate.
"""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from interx.errors import UsageError

FORMATS = ("obj", "gltf")


def obj_text(vertices: np.ndarray, faces: np.ndarray, precision: int = 5) -> str:
    """Wavefront OBJ text of one triangle mesh: vertices (V, 3) meters, faces (F, 3) 0-based."""
    out = io.StringIO()
    np.savetxt(out, np.asarray(vertices, np.float64), fmt=f"v %.{precision}f %.{precision}f %.{precision}f")
    np.savetxt(out, np.asarray(faces, np.int64) + 1, fmt="f %d %d %d")
    return out.getvalue()


def _pad(data: bytes, fill: bytes) -> bytes:
    return data + fill * (-len(data) % 4)


def glb_bytes(meshes: Sequence[tuple[str, np.ndarray, np.ndarray]], fps: float) -> bytes:
    """A binary glTF 2.0 file animating each (name, vertices (T, V, 3), faces (F, 3)) by morph targets."""
    frames = {m[1].shape[0] for m in meshes}
    if len(frames) != 1:
        raise UsageError(f"all meshes need the same frame count, not {sorted(frames)}")
    count = frames.pop()
    blob = io.BytesIO()
    views, accessors = [], []

    def add(array: np.ndarray, component: int, kind: str, target: int | None, bounds: bool = False) -> int:
        data = np.ascontiguousarray(array)
        offset = blob.tell()
        blob.write(_pad(data.tobytes(), b"\0"))
        view = {"buffer": 0, "byteOffset": offset, "byteLength": data.nbytes}
        if target is not None:
            view["target"] = target
        views.append(view)
        accessor = {"bufferView": len(views) - 1, "componentType": component, "count": int(data.shape[0]),
                    "type": kind}
        if bounds:
            accessor["min"] = [float(v) for v in data.reshape(data.shape[0], -1).min(axis=0)]
            accessor["max"] = [float(v) for v in data.reshape(data.shape[0], -1).max(axis=0)]
        accessors.append(accessor)
        return len(accessors) - 1

    float_type, uint_type, array_buffer, element_buffer = 5126, 5125, 34962, 34963
    gltf_meshes, nodes, channels, samplers = [], [], [], []
    times = add(np.arange(count, dtype=np.float32).reshape(-1, 1) / float(fps), float_type, "SCALAR", None, True)
    for index, (name, vertices, faces) in enumerate(meshes):
        vertices = np.asarray(vertices, np.float32)
        base = add(vertices[0], float_type, "VEC3", array_buffer, bounds=True)
        indices = add(np.asarray(faces, np.uint32).reshape(-1, 1), uint_type, "SCALAR", element_buffer)
        targets = [{"POSITION": add(vertices[k] - vertices[0], float_type, "VEC3", array_buffer, bounds=True)}
                   for k in range(count)]
        gltf_meshes.append({"name": name, "primitives": [{"attributes": {"POSITION": base}, "indices": indices,
                                                          "targets": targets}],
                            "weights": [1.0 if k == 0 else 0.0 for k in range(count)]})
        nodes.append({"name": name, "mesh": index})
        weights = add(np.eye(count, dtype=np.float32).reshape(-1, 1), float_type, "SCALAR", None)
        samplers.append({"input": times, "output": weights, "interpolation": "STEP"})
        channels.append({"sampler": len(samplers) - 1, "target": {"node": index, "path": "weights"}})
    binary = blob.getvalue()
    document = {
        "asset": {"version": "2.0", "generator": "interx"},
        "scene": 0, "scenes": [{"nodes": list(range(len(nodes)))}], "nodes": nodes, "meshes": gltf_meshes,
        "animations": [{"name": "motion", "channels": channels, "samplers": samplers}],
        "buffers": [{"byteLength": len(binary)}], "bufferViews": views, "accessors": accessors,
    }
    text = _pad(json.dumps(document, separators=(",", ":")).encode("utf-8"), b" ")
    total = 12 + 8 + len(text) + 8 + len(binary)
    return (struct.pack("<4sII", b"glTF", 2, total) + struct.pack("<I4s", len(text), b"JSON") + text
            + struct.pack("<I4s", len(binary), b"BIN\0") + binary)


def export_sequence_meshes(motion_dir: Path | str, out: Path | str, body, fmt: str = "obj", every: int = 1,
                           progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Write the meshes of both people of `motion_dir` (ROOT/motions/SEQ) into `out`; returns the files.

    Args:
        body: an `interx.body.smplx_model.SmplxBody` (the real model's vertices and faces).
        fmt: "obj" (one file per frame and person) or "gltf" (one `SEQ.glb`).
        every: keep every `every`-th frame (the glTF plays at fps / every).
        progress: optional callable(done, total) per file written.
    """
    from interx.body.skinning import person_vertices
    from interx.data.raw import read_interaction
    from interx.data.safe_io import write_bytes, write_text

    if fmt not in FORMATS:
        raise UsageError(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    if every < 1:
        raise UsageError(f"every must be >= 1, not {every}")
    interaction = read_interaction(motion_dir)
    out = Path(out)
    keep = np.arange(0, interaction.num_frames, every)
    people = [(f"{interaction.name}_P{k}", person.frames(keep), body.faces(body.resolve(person.betas,
                                                                                        person.gender)[0]))
              for k, person in enumerate(interaction.persons, start=1)]
    if fmt == "gltf":
        meshes = [(label, person_vertices(person, body), faces) for label, person, faces in people]
        path = out / f"{interaction.name}.glb"
        write_bytes(path, glb_bytes(meshes, interaction.fps / every), overwrite=False)
        if progress is not None:
            progress(1, 1)
        return [path]
    paths, total = [], 2 * len(keep)
    for label, person, faces in people:
        vertices = person_vertices(person, body)
        for frame, verts in zip(keep, vertices):
            path = out / f"{label}_{frame:06d}.obj"
            write_text(path, obj_text(verts, faces), overwrite=False)
            paths.append(path)
            if progress is not None:
                progress(len(paths), total)
    return paths
