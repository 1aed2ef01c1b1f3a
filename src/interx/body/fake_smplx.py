"""Made-up SMPL-X model files: every key and shape the real release has, none of its values.

The licensed SMPL-X files can never be shipped, so tests, benchmarks and demos
that need "a SMPL-X model" write one of these. It loads in the `smplx` package
(`smplx.create(path, model_type='smplx', ...)`, which needs the real vertex count
for its landmark and extra-joint vertex ids) and in `interx.body.smplx_model`.

The body is a cloud of vertices around the built-in skeleton's rest joints: each
vertex belongs to one joint, the joint regressor averages a joint's own vertices,
skinning weights split between a vertex's joint and that joint's parent, and the
shape, expression and pose bases are small random fields. Nothing here is
derived from the real model.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from interx.body.joints import NUM_JOINTS, PARENTS
from interx.body.skeleton import rest_joints
from interx.data.safe_io import write_npz
from interx.errors import UsageError

NUM_VERTICES = 10475  # the release's mesh size (the smplx package indexes vertices up to 9,929)
NUM_FACES = 20908
NUM_LANDMARKS = 51


def fake_smplx_arrays(rng: np.random.Generator, num_dirs: int = 400, num_vertices: int = NUM_VERTICES,
                      num_faces: int = NUM_FACES, dtype=np.float32) -> dict[str, np.ndarray]:
    """The arrays of a SMPL-X npz with made-up values.

    Args:
        rng: the generator every value is drawn from.
        num_dirs: columns of shapedirs: 400 (300 shape + 100 expression, v1.1) or 20 (10 + 10, v1.0).
        num_vertices, num_faces: mesh size (at least 2 vertices per joint).
        dtype: float dtype of the float arrays.

    Returns:
        v_template, shapedirs, J_regressor, kintree_table, weights, posedirs, f,
        hands_componentsl/r, hands_meanl/r, lmk_faces_idx, lmk_bary_coords.
    """
    if num_vertices < 2 * NUM_JOINTS:
        raise UsageError(f"num_vertices must be at least {2 * NUM_JOINTS}, not {num_vertices}")
    owner = np.arange(num_vertices) % NUM_JOINTS  # vertex v belongs to joint v mod 55
    v_template = rest_joints()[owner] + 0.03 * rng.standard_normal((num_vertices, 3))
    regressor = np.zeros((NUM_JOINTS, num_vertices))
    regressor[owner, np.arange(num_vertices)] = rng.uniform(0.5, 1.5, num_vertices)
    regressor /= regressor.sum(axis=1, keepdims=True)
    weights = np.zeros((num_vertices, NUM_JOINTS))
    own = rng.uniform(0.6, 1.0, num_vertices)
    weights[np.arange(num_vertices), owner] = own
    weights[np.arange(num_vertices), np.maximum(PARENTS[owner], 0)] += 1.0 - own  # the root keeps it all
    group = rng.integers(0, NUM_JOINTS, num_faces)  # each triangle joins three vertices of one joint
    members = (num_vertices - 1 - group) // NUM_JOINTS + 1
    faces = group[:, None] + NUM_JOINTS * (rng.random((num_faces, 3)) * members[:, None]).astype(np.int64)
    kintree = np.stack([PARENTS, np.arange(NUM_JOINTS)]).astype(np.int64)
    kintree[0, 0] = 2**32 - 1  # as the release stores the root's parent
    hand = 3 * 15
    return {
        "v_template": v_template.astype(dtype),
        "shapedirs": (0.004 * rng.standard_normal((num_vertices, 3, num_dirs))).astype(dtype),
        "J_regressor": regressor.astype(dtype),
        "kintree_table": kintree,
        "weights": weights.astype(dtype),
        "posedirs": (0.002 * rng.standard_normal((num_vertices, 3, (NUM_JOINTS - 1) * 9))).astype(dtype),
        "f": faces.astype(np.uint32),
        "hands_componentsl": rng.standard_normal((hand, hand)).astype(dtype),
        "hands_componentsr": rng.standard_normal((hand, hand)).astype(dtype),
        "hands_meanl": (0.2 * rng.standard_normal(hand)).astype(dtype),
        "hands_meanr": (0.2 * rng.standard_normal(hand)).astype(dtype),
        "lmk_faces_idx": rng.integers(0, num_faces, NUM_LANDMARKS).astype(np.int64),
        "lmk_bary_coords": rng.dirichlet(np.ones(3), NUM_LANDMARKS).astype(dtype),
    }


def write_fake_smplx(path: Path | str, rng: np.random.Generator, **options) -> Path:
    """Write `fake_smplx_arrays(rng, **options)` to `path` (an uncompressed npz, atomically); returns path.

    A full-size file is about 115 MB in float32: write it to a temporary folder.
    """
    write_npz(path, fake_smplx_arrays(rng, **options))
    return Path(path)
