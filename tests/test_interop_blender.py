"""Blender itself (the `bpy` package, headless) imports our BVH and glTF files as they are.

Skipped when `bpy` is not installed (`pip install bpy`: large; Blender 4.5's
wheel is for Python 3.11). Blender runs in a child process, so its
start-up and shut-down never touch the test process.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys

import numpy as np
import pytest

from interx.body import skeleton
from interx.body.joints import JOINT_INDEX
from interx.body.kinematics import pose_joints
from interx.data.bvh import smplx_bvh, write_bvh

pytestmark = pytest.mark.skipif(importlib.util.find_spec("bpy") is None,
                                reason="the bpy package (Blender as a Python module) is not installed")

_SCRIPT = """
import json, sys
import bpy
bvh, glb, frames, bones = sys.argv[1], sys.argv[2], json.loads(sys.argv[3]), json.loads(sys.argv[4])
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_anim.bvh(filepath=bvh, global_scale=1.0, rotate_mode="NATIVE", axis_forward="-Z", axis_up="Y",
                        update_scene_fps=True)
arm = next(o for o in bpy.data.objects if o.type == "ARMATURE")
start = int(arm.animation_data.action.frame_range[0])
heads = []
for frame in frames:
    bpy.context.scene.frame_set(start + frame)
    heads.append([list(arm.matrix_world @ arm.pose.bones[b].head) for b in bones])
out = {"bones": len(arm.data.bones), "fps": bpy.context.scene.render.fps, "heads": heads}
bpy.ops.wm.read_factory_settings(use_empty=True)
bpy.ops.import_scene.gltf(filepath=glb)
meshes = [o for o in bpy.data.objects if o.type == "MESH"]
out["meshes"] = sorted((o.name, len(o.data.vertices), len(o.data.shape_keys.key_blocks)) for o in meshes)
print("RESULT" + json.dumps(out))
"""


def test_blender_imports_bvh_and_gltf(tmp_path):
    from interx.viz.mesh_export import glb_bytes

    rng = np.random.default_rng(3)
    frames = 8
    pose = rng.normal(0.0, 0.3, (frames, 55, 3)).astype(np.float32)
    trans = rng.normal(0.0, 0.5, (frames, 3)).astype(np.float32)
    rest = skeleton.rest_joints(None)
    write_bvh(tmp_path / "p.bvh", smplx_bvh(pose, trans, rest, 30.0))
    vertices = rng.normal(0.0, 1.0, (frames, 40, 3)).astype(np.float32)
    faces = (np.arange(40)[:, None] + [0, 1, 2]) % 40               # every vertex used, no degenerate triangle
    (tmp_path / "p.glb").write_bytes(glb_bytes([("P1", vertices, faces)], 30.0))
    bones = ["pelvis", "left_wrist", "right_ankle", "head", "right_index3"]
    picked = [0, 3, 7]
    run = subprocess.run([sys.executable, "-c", _SCRIPT, str(tmp_path / "p.bvh"), str(tmp_path / "p.glb"),
                          json.dumps(picked), json.dumps(bones)], capture_output=True, text=True, timeout=600)
    lines = [line for line in run.stdout.splitlines() if line.startswith("RESULT")]
    assert run.returncode == 0 and lines, run.stderr[-2000:]
    result = json.loads(lines[-1][len("RESULT"):])
    assert result["bones"] == 55 and result["fps"] == 30
    joints = pose_joints(pose, trans, rest)[picked][:, [JOINT_INDEX[b] for b in bones]]
    blender = np.array(result["heads"])                         # Blender is z up: (x, -z, y) of ours
    np.testing.assert_allclose(blender, joints[..., [0, 2, 1]] * [1, -1, 1], atol=1e-4)
    assert result["meshes"] == [["P1", 40, 1 + frames]]         # basis + one shape key per frame
