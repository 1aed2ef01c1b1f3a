"""Forecast metrics for two-person motion: MPJPE at horizons, ADE/FDE and aligned errors.

Glossary: B windows, T predicted frames (the future only), P = 2 persons,
J joints, positions in meters at `fps`. Predictions and targets are
(B, T, 2, J, 3). Every error is a Euclidean distance in meters, averaged over
windows, persons and joints.

- MPJPE at a horizon of h seconds: the error on future frame round(h * fps)
  (1-based; index round(h * fps) - 1), so 0.5 s at 30 fps is the 15th frame.
- ADE: MPJPE averaged over all T future frames; FDE: MPJPE on the last frame.
- Root-aligned: each person's root (pelvis) is subtracted per frame from both
  prediction and target: the pose error without the trajectory error.
- Rigid-aligned (ExPI's AME): each predicted person is rotated and translated
  (Kabsch, no scale) per frame onto the target person before the error.
- Root distance: | ||root_P1 - root_P2||_pred - ||root_P1 - root_P2||_target |,
  how well the distance between the two people is forecast.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.body.joints import JOINT_INDEX
from interx.errors import UsageError

DEFAULT_HORIZONS = (0.5, 1.0, 1.5, 2.0)  # seconds
ROOT = JOINT_INDEX["pelvis"]


def _check_pair(pred, target) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pred, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    if p.shape != t.shape or p.ndim != 5 or p.shape[2] != 2 or p.shape[4] != 3:
        raise UsageError(f"forecast metrics need prediction and target of equal shape (B, T, 2, J, 3), "
                         f"got {p.shape} and {t.shape}")
    return p, t


def _per_frame(errors: np.ndarray) -> np.ndarray:
    """(B, T, 2, J) distances -> (T,) mean over windows, persons and joints."""
    return errors.mean(axis=(0, 2, 3))


def mpjpe_per_frame(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Mean per-joint position error for each future frame.

    Args:
        pred, target: (B, T, 2, J, 3) meters.

    Returns:
        (T,) meters.
    """
    p, t = _check_pair(pred, target)
    return _per_frame(np.linalg.norm(p - t, axis=-1))


def root_aligned_per_frame(pred: np.ndarray, target: np.ndarray, root: int = ROOT) -> np.ndarray:
    """Per-frame error after subtracting each person's root joint from its own joints.

    Args:
        pred, target: (B, T, 2, J, 3) meters.
        root: index of the root joint among the J (pelvis).

    Returns:
        (T,) meters.
    """
    p, t = _check_pair(pred, target)
    p = p - p[..., root:root + 1, :]
    t = t - t[..., root:root + 1, :]
    return _per_frame(np.linalg.norm(p - t, axis=-1))


def rigid_align(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Rotate and translate each point set onto its target (Kabsch, no scale).

    Args:
        source, target: (..., J, 3) corresponding points.

    Returns:
        (..., J, 3) the source moved by the proper rotation and translation that
        minimise the summed squared distance to the target.
    """
    s = np.asarray(source, dtype=np.float64)
    t = np.asarray(target, dtype=np.float64)
    s_mean, t_mean = s.mean(axis=-2, keepdims=True), t.mean(axis=-2, keepdims=True)
    s0, t0 = s - s_mean, t - t_mean
    h = np.einsum("...ji,...jk->...ik", s0, t0)                      # (..., 3, 3) cross-covariance
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(u) * np.linalg.det(vt))                # -1 would be a reflection
    vt = vt.copy()
    vt[..., 2, :] *= np.where(d == 0, 1.0, d)[..., None]
    rot = np.swapaxes(vt, -1, -2) @ np.swapaxes(u, -1, -2)           # (..., 3, 3), rot @ s ~ t
    return s0 @ np.swapaxes(rot, -1, -2) + t_mean


def rigid_aligned_per_frame(pred: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per-frame error after aligning each predicted person rigidly to its target (ExPI's AME).

    Args:
        pred, target: (B, T, 2, J, 3) meters.

    Returns:
        (T,) meters.
    """
    p, t = _check_pair(pred, target)
    return _per_frame(np.linalg.norm(rigid_align(p, t) - t, axis=-1))


def root_distance_error_per_frame(pred: np.ndarray, target: np.ndarray, root: int = ROOT) -> np.ndarray:
    """Per-frame error of the distance between the two people's roots.

    Args:
        pred, target: (B, T, 2, J, 3) meters.
        root: index of the root joint among the J (pelvis).

    Returns:
        (T,) meters, mean over windows of | d_pred - d_target |.
    """
    p, t = _check_pair(pred, target)
    d_pred = np.linalg.norm(p[:, :, 0, root] - p[:, :, 1, root], axis=-1)   # (B, T)
    d_true = np.linalg.norm(t[:, :, 0, root] - t[:, :, 1, root], axis=-1)
    return np.abs(d_pred - d_true).mean(axis=0)


def horizon_indices(horizons: Sequence[float], fps: float, num_frames: int) -> np.ndarray:
    """Frame indices of the horizons: h seconds -> index round(h * fps) - 1.

    Args:
        horizons: seconds after the last observed frame, each > 0.
        fps: frame rate of the forecast.
        num_frames: T, the number of predicted frames.

    Returns:
        (H,) int64 indices into the T future frames.
    """
    idx = np.rint(np.asarray(horizons, dtype=np.float64) * fps).astype(np.int64) - 1
    if idx.size and (idx.min() < 0 or idx.max() >= num_frames):
        raise UsageError(f"horizons {tuple(horizons)} s at {fps:g} fps need frames 1..{idx.max() + 1}, "
                         f"but the forecast has {num_frames}")
    return idx


def forecast_metrics(pred: np.ndarray, target: np.ndarray, fps: float,
                     horizons: Sequence[float] = DEFAULT_HORIZONS, root: int = ROOT) -> dict[str, float]:
    """Every forecast number for one set of predictions.

    Args:
        pred, target: (B, T, 2, J, 3) meters at `fps`, the future frames only.
        fps: frame rate (30 for the project's protocol).
        horizons: seconds at which the curves are read (default 0.5, 1.0, 1.5, 2.0).
        root: index of the root joint among the J (pelvis).

    Returns:
        {"ade", "fde", "mpjpe@{h}s", "root_aligned@{h}s", "root_aligned_mean",
         "rigid_aligned@{h}s", "rigid_aligned_mean", "root_distance@{h}s",
         "root_distance_mean"} in meters, h written as in `f"{h:g}"` (e.g. "mpjpe@0.5s").
    """
    p, t = _check_pair(pred, target)
    idx = horizon_indices(horizons, fps, p.shape[1])
    curves = {
        "mpjpe": mpjpe_per_frame(p, t),
        "root_aligned": root_aligned_per_frame(p, t, root),
        "rigid_aligned": rigid_aligned_per_frame(p, t),
        "root_distance": root_distance_error_per_frame(p, t, root),
    }
    out = {"ade": float(curves["mpjpe"].mean()), "fde": float(curves["mpjpe"][-1])}
    for name, curve in curves.items():
        out.update({f"{name}@{h:g}s": float(curve[i]) for h, i in zip(horizons, idx)})
        if name != "mpjpe":
            out[f"{name}_mean"] = float(curve.mean())
    return out
