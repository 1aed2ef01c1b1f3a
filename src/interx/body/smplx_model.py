"""The real SMPL-X body model, read from the user's licensed files (never shipped with interx).

A model folder holds `SMPLX_NEUTRAL.npz`, `SMPLX_MALE.npz` and `SMPLX_FEMALE.npz`
(only the genders used need to be there). Each file is read with numpy, no
pickle and no `smplx` package; only these keys are read, every other member
(the release's pickled extras included) is skipped unread:

| key | shape | use |
| --- | --- | --- |
| v_template | (V, 3) | template mesh, meters (V = 10,475 in the release) |
| shapedirs | (V, 3, D) | shape then expression bases (`shape_layout`) |
| J_regressor | (55, V) | joints from vertices |
| kintree_table | (2, 55) | row 0: parents; must be SMPL-X's tree (`interx.body.joints.PARENTS`) |
| posedirs | (V, 3, 486) | pose blend shapes (meshes only) |
| weights | (V, 55) | skinning weights (meshes only) |
| f | (F, 3) | triangles (meshes only) |

Rest joints (55, 3) = J_regressor @ (v_template + shapedirs[:, :, :n] . betas), n =
len(betas), exactly as the `smplx` package computes them (facial expression is
left out of joints: the release has none). `interx.body.kinematics` poses them;
`interx.body.skinning` makes meshes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interx.body.joints import NUM_JOINTS, PARENTS
from interx.body.model import BodyModel, BuiltinBody
from interx.data.safe_io import read_npz
from interx.data.types import GENDERS
from interx.errors import DataError

NUM_POSE_BASIS = (NUM_JOINTS - 1) * 9  # 486: (R - I) of every joint but the root
JOINT_KEYS = ("v_template", "shapedirs", "J_regressor", "kintree_table")
MESH_KEYS = JOINT_KEYS + ("posedirs", "weights", "f")


def model_filename(gender: str) -> str:
    """'SMPLX_NEUTRAL.npz', 'SMPLX_MALE.npz' or 'SMPLX_FEMALE.npz'."""
    return f"SMPLX_{gender.upper()}.npz"


def shape_layout(num_dirs: int) -> tuple[int, slice]:
    """(number of shape components, columns of the expression components) of a (V, 3, D) shapedirs.

    As the `smplx` package splits it: D >= 400 (v1.1 files) holds 300 shape then 100
    expression components; a smaller D (v1.0 files: 20) holds 10 shape then 10 expression.
    """
    if num_dirs >= 400:
        return 300, slice(300, 400)
    return min(num_dirs, 10), slice(10, min(num_dirs, 20))


@dataclass(frozen=True)
class SmplxSkeleton:
    """The joint part of one SMPL-X file, regressed once (float64, meters).

    Attributes:
        template: (55, 3) J_regressor @ v_template.
        shape_dirs: (55, 3, S) J_regressor applied to the S shape components.
        expr_dirs: (55, 3, E) J_regressor applied to the E expression components.
    """

    template: np.ndarray
    shape_dirs: np.ndarray
    expr_dirs: np.ndarray

    def rest_joints(self, betas: np.ndarray, expression: np.ndarray | None = None) -> np.ndarray:
        """(55, 3) float64 rest joints for betas (n,); expression (..., e) gives (..., 55, 3)."""
        rest = self.template + self.shape_dirs[..., : betas.shape[-1]] @ betas
        if expression is None:
            return rest
        return rest + np.einsum("jce,...e->...jc", self.expr_dirs[..., : expression.shape[-1]], expression)


@dataclass(frozen=True)
class SmplxMesh:
    """The arrays linear blend skinning needs from one SMPL-X file (float32 unless said).

    Attributes:
        v_template: (V, 3) template vertices, meters.
        shape_dirs: (V, 3, S) shape components; expr_dirs: (V, 3, E) expression components.
        pose_dirs: (486, 3 V) pose blend shapes, rows ordered as the flattened (R_j - I) of joints 1..54.
        weights: (V, 55) skinning weights.
        faces: (F, 3) int64 vertex indices of the triangles.
        skeleton: the joint part of the same file.
    """

    v_template: np.ndarray
    shape_dirs: np.ndarray
    expr_dirs: np.ndarray
    pose_dirs: np.ndarray
    weights: np.ndarray
    faces: np.ndarray
    skeleton: SmplxSkeleton

    @property
    def num_vertices(self) -> int:
        return int(self.v_template.shape[0])


def _numeric(arrays: dict[str, np.ndarray], key: str, path: Path) -> np.ndarray:
    array = arrays[key]
    if array.dtype == np.bool_ or not np.issubdtype(array.dtype, np.number) or np.iscomplexobj(array):
        raise DataError(f"SMPL-X key {key} has dtype {array.dtype} (expected real numbers)", path)
    if not np.all(np.isfinite(array)):
        raise DataError(f"SMPL-X key {key} holds NaN or Inf", path)
    return array


def _expect(ok: bool, key: str, array: np.ndarray, expected: str, path: Path) -> None:
    if not ok:
        raise DataError(f"SMPL-X key {key} has shape {array.shape} (expected {expected})", path)


def read_model_arrays(path: Path | str, keys: tuple[str, ...] = MESH_KEYS) -> dict[str, np.ndarray]:
    """The named keys of one SMPL-X npz, checked (shapes, dtypes, finite, SMPL-X tree); others unread.

    Raises DataError naming the file for a missing file, missing key or wrong shape.
    """
    path = Path(path)
    if not path.is_file():
        raise DataError("SMPL-X model file missing", path)
    arrays = read_npz(path, keys=keys)
    missing = [key for key in keys if key not in arrays]
    if missing:
        raise DataError(f"SMPL-X model lacks keys {', '.join(missing)}", path)
    arrays = {key: _numeric(arrays, key, path) for key in keys}
    v = arrays["v_template"]
    _expect(v.ndim == 2 and v.shape[1] == 3 and v.shape[0] > 0, "v_template", v, "(V, 3)", path)
    n = v.shape[0]
    checks = {
        "shapedirs": (lambda a: a.ndim == 3 and a.shape[:2] == (n, 3) and a.shape[2] > 0, f"({n}, 3, D)"),
        "J_regressor": (lambda a: a.shape == (NUM_JOINTS, n), f"({NUM_JOINTS}, {n})"),
        "kintree_table": (lambda a: a.shape == (2, NUM_JOINTS), f"(2, {NUM_JOINTS})"),
        "posedirs": (lambda a: a.shape == (n, 3, NUM_POSE_BASIS), f"({n}, 3, {NUM_POSE_BASIS})"),
        "weights": (lambda a: a.shape == (n, NUM_JOINTS), f"({n}, {NUM_JOINTS})"),
        "f": (lambda a: a.ndim == 2 and a.shape[1] == 3, "(F, 3)"),
    }
    for key in keys[1:]:
        test, expected = checks[key]
        _expect(test(arrays[key]), key, arrays[key], expected, path)
    parents = arrays["kintree_table"][0, 1:]
    if not np.array_equal(parents, PARENTS[1:]):
        raise DataError("SMPL-X kintree_table is not the SMPL-X joint tree (expected the 55-joint parents)", path)
    if "f" in arrays:
        faces = arrays["f"]
        if not np.issubdtype(faces.dtype, np.integer) or faces.size and (faces.min() < 0 or faces.max() >= n):
            raise DataError(f"SMPL-X faces f are not integer indices below {n}", path)
    return arrays


def _skeleton(arrays: dict[str, np.ndarray]) -> SmplxSkeleton:
    regressor = arrays["J_regressor"].astype(np.float64)
    dirs = arrays["shapedirs"]
    num_shape, expr_cols = shape_layout(dirs.shape[2])
    used = np.tensordot(regressor, dirs[:, :, : max(num_shape, expr_cols.stop)], axes=(1, 0))  # (55, 3, D')
    return SmplxSkeleton(
        template=regressor @ arrays["v_template"].astype(np.float64),
        shape_dirs=np.ascontiguousarray(used[:, :, :num_shape]),
        expr_dirs=np.ascontiguousarray(used[:, :, expr_cols]),
    )


class SmplxBody:
    """SMPL-X from a model folder, as a `BodyModel` (joints) and for meshes (`interx.body.skinning`).

    Args:
        model_dir: folder holding SMPLX_NEUTRAL.npz (and SMPLX_MALE.npz / SMPLX_FEMALE.npz).
        neutral: use the neutral model with zero betas whatever a file says (the
            official Inter-X processing); otherwise each person's gender and betas
            choose the model and shape (the official viewer).

    Files are read on first use and kept; rest joints are cached per (gender, betas).
    """

    def __init__(self, model_dir: Path | str, neutral: bool = False):
        self.model_dir = Path(model_dir)
        if not self.model_dir.is_dir():
            raise DataError("SMPL-X model folder missing (expected a folder holding SMPLX_NEUTRAL.npz)",
                            self.model_dir)
        self.neutral = bool(neutral)
        self.name = "smplx-neutral" if self.neutral else "smplx"
        self._skeletons: dict[str, SmplxSkeleton] = {}
        self._meshes: dict[str, SmplxMesh] = {}
        self._rest: dict[tuple[str, bytes], np.ndarray] = {}

    def model_path(self, gender: str) -> Path:
        """The file of one gender's model."""
        return self.model_dir / model_filename(gender)

    def resolve(self, betas: np.ndarray | None, gender: str) -> tuple[str, np.ndarray]:
        """The (gender, float64 betas) actually used: neutral and no betas when `neutral`.

        Raises DataError when the gender is unknown or betas exceed the model's shape components.
        """
        if self.neutral:
            return "neutral", np.zeros(0)
        if gender not in GENDERS:
            raise DataError(f"gender {gender!r} is not one of {', '.join(GENDERS)}", self.model_dir)
        betas = np.zeros(0) if betas is None else np.asarray(betas, dtype=np.float64).reshape(-1)
        available = self.skeleton(gender).shape_dirs.shape[-1]
        if betas.shape[0] > available:
            raise DataError(f"betas has {betas.shape[0]} values but the model has {available} shape components",
                            self.model_path(gender))
        return gender, betas

    def skeleton(self, gender: str = "neutral") -> SmplxSkeleton:
        """The regressed joint arrays of one gender's file (read once)."""
        if gender not in self._skeletons:
            if gender in self._meshes:
                self._skeletons[gender] = self._meshes[gender].skeleton
            else:
                self._skeletons[gender] = _skeleton(read_model_arrays(self.model_path(gender), JOINT_KEYS))
        return self._skeletons[gender]

    def rest_joints(self, betas: np.ndarray | None = None, gender: str = "neutral") -> np.ndarray:
        """(55, 3) float32 rest joints, meters, for betas (n,) and a gender (see `neutral`)."""
        gender, betas = self.resolve(betas, gender)
        key = (gender, betas.tobytes())
        if key not in self._rest:
            self._rest[key] = self.skeleton(gender).rest_joints(betas).astype(np.float32)
        return self._rest[key].copy()

    def mesh(self, gender: str = "neutral") -> SmplxMesh:
        """Everything skinning needs from one gender's file (read once; about 150 MB in memory)."""
        gender = "neutral" if self.neutral else gender
        if gender not in self._meshes:
            arrays = read_model_arrays(self.model_path(gender), MESH_KEYS)
            dirs = arrays["shapedirs"]
            num_shape, expr_cols = shape_layout(dirs.shape[2])
            n = arrays["v_template"].shape[0]
            self._meshes[gender] = SmplxMesh(
                v_template=arrays["v_template"].astype(np.float32),
                shape_dirs=np.ascontiguousarray(dirs[:, :, :num_shape], dtype=np.float32),
                expr_dirs=np.ascontiguousarray(dirs[:, :, expr_cols], dtype=np.float32),
                pose_dirs=np.ascontiguousarray(arrays["posedirs"].reshape(n * 3, NUM_POSE_BASIS).T,
                                               dtype=np.float32),
                weights=arrays["weights"].astype(np.float32),
                faces=arrays["f"].astype(np.int64),
                skeleton=self._skeletons[gender] if gender in self._skeletons else _skeleton(arrays),
            )
        return self._meshes[gender]

    def faces(self, gender: str = "neutral") -> np.ndarray:
        """(F, 3) int64 triangles of the mesh."""
        return self.mesh(gender).faces


class _ZeroShape:
    """A body model that ignores each file's betas and gender: the default-shape neutral body."""

    def __init__(self, body: BodyModel):
        self.body = body
        self.name = f"{body.name}-neutral"

    def rest_joints(self, betas: np.ndarray | None = None, gender: str = "neutral") -> np.ndarray:
        return self.body.rest_joints(None, "neutral")


def body_model(model_dir: Path | str | None = None, neutral: bool = False) -> BodyModel:
    """The body model that `--smplx-model DIR` and `--neutral` ask for.

    No folder: the built-in skeleton (with `neutral`, at its default size for
    everyone). A folder: `SmplxBody(model_dir, neutral)`.
    """
    if model_dir is None:
        return _ZeroShape(BuiltinBody()) if neutral else BuiltinBody()
    return SmplxBody(model_dir, neutral=neutral)
