"""Data-quality audit of a release or cache, and the finger-noise fix.

The Inter-X release has two known problems: the two bodies interpenetrate in
close contact, and finger tracking is noisy. `audit` measures, per sequence and
per class, and lists the worst sequences:

- penetration (`interx.eval.interaction`, body capsules): mean depth over
  frames (m), max depth (m), share of frames deeper than 1 cm; evaluated on
  frames taken at (at most) 30 fps.
- finger jitter: the high-frequency part of a joint's trajectory is what a
  zero-phase low-pass filter removes (Butterworth of order `order`, cutoff
  `cutoff_hz`, `scipy.signal.sosfiltfilt` along time). Finger jitter is its RMS
  (mm) over the 20 finger joints below the finger bases, in their palm's frame
  (`local_points`: so neither the hand's travel nor its turning counts); body
  jitter is the same over the 18 body joints that move relative to the pelvis,
  in the pelvis frame; the ratio finger / body says how much noisier the
  fingers are than the body. Computed at the data's own rate (120 fps for a
  raw release, 30 for a cache): numbers of a release and of its cache are not
  comparable.
- foot skating (`interx.eval.interaction.foot_skating`): share of grounded
  foot steps sliding faster than 0.2 m/s, and the mean grounded speed (m/s).

Values per sequence are means over both people. Sources: a raw release
(SMPL-X npz, joints from the built-in skeleton with each file's betas), an
official processed release, or a cache (`interx preprocess`), whose joints are
used as stored. A sequence that cannot be read is reported and skipped.

`fix_fingers(root, out)` writes a copy of a raw release whose finger rotations
(pose_lhand, pose_rhand) are low-pass filtered: each joint's rotation as a unit
quaternion made sign-continuous over time, the same zero-phase Butterworth
filter on its four components, renormalised, back to axis-angle. Everything
else (body, root, translation, betas, texts, splits, annotations, markers) is
copied unchanged; a sequence that cannot be read is copied as it is and reported.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from interx.body import rotations
from interx.body.joints import BODY, JOINT_INDEX, LEFT_HAND, PARENTS, RIGHT_HAND
from interx.data.names import parse_name
from interx.data.types import MODEL_FPS, PersonMotion
from interx.errors import DataError, InterxError, UsageError
from interx.eval.interaction import foot_skating, pair_capsule_gaps, penetration_depth, penetration_stats

J = JOINT_INDEX
PELVIS = J["pelvis"]
WRISTS = (J["left_wrist"], J["right_wrist"])
# Palm frames: (joint along u, (joints whose difference gives v)) per hand; the finger joints below the bases.
PALM = tuple((J[f"{s}_middle1"], (J[f"{s}_index1"], J[f"{s}_pinky1"])) for s in ("left", "right"))
FINGERS = tuple(tuple(j for j in hand if PARENTS[j] not in WRISTS) for hand in (LEFT_HAND, RIGHT_HAND))
# Body joints that move relative to the pelvis (not the hips and spine1, which are rigid with it).
ARTICULATED_BODY = tuple(j for j in BODY if j != PELVIS and PARENTS[j] != PELVIS)
METRICS = ("penetration_mean_depth", "penetration_max_depth", "penetration_frame_share", "finger_jitter_mm",
           "body_jitter_mm", "finger_jitter_ratio", "foot_skating_ratio", "foot_skating_speed")
# metric that ranks each "worst" list
WORST_BY = {"penetration": "penetration_frame_share", "finger_jitter": "finger_jitter_ratio",
            "foot_skating": "foot_skating_ratio"}


@dataclass(frozen=True)
class QualitySettings:
    """How the audit and the fix measure and filter."""

    cutoff_hz: float = 6.0
    """Low-pass cutoff (Hz): slower motion is movement, faster is jitter."""
    order: int = 4
    """Butterworth filter order (applied forwards and backwards: zero phase)."""
    contact_fps: float = MODEL_FPS
    """Penetration is measured on frames taken at most this often."""
    worst: int = 10
    """How many sequences each worst list names."""


# ---------------------------------------------------------------------------------------
# Filtering


def lowpass(x: np.ndarray, fps: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Zero-phase Butterworth low-pass along axis 0 (float64).

    Args:
        x: (T, ...) samples at `fps`.
        fps: sampling rate; must exceed 2 * cutoff_hz.
        cutoff_hz: cutoff frequency.
        order: filter order.

    Returns:
        (T, ...) filtered; sequences too short to filter (T < 4) are returned unchanged.
    """
    from scipy.signal import butter, sosfiltfilt

    if fps <= 2.0 * cutoff_hz:
        raise UsageError(f"a {cutoff_hz:g} Hz cutoff needs data faster than {2 * cutoff_hz:g} fps, got {fps:g}")
    x = np.asarray(x, dtype=np.float64)
    if len(x) < 4:
        return x.copy()
    sos = butter(order, cutoff_hz, btype="low", fs=fps, output="sos")
    return sosfiltfilt(sos, x, axis=0, padlen=min(3 * (2 * len(sos) + 1), len(x) - 1))


def high_frequency_rms(x: np.ndarray, fps: float, cutoff_hz: float, order: int = 4) -> float:
    """RMS (same unit as x) of what `lowpass` removes, over all samples and points of x (T, P, 3)."""
    x = np.asarray(x, dtype=np.float64)
    residual = x - lowpass(x, fps, cutoff_hz, order)
    return float(np.sqrt(np.mean(np.sum(residual ** 2, axis=-1))))


def smooth_rotations(aa: np.ndarray, fps: float, cutoff_hz: float, order: int = 4) -> np.ndarray:
    """Low-pass filtered rotations (module doc: quaternions, sign-continuous, renormalised).

    Args:
        aa: (T, J, 3) axis-angle at `fps`.

    Returns:
        (T, J, 3) float32 axis-angle.
    """
    quat = rotations.aa_to_quat(np.asarray(aa, dtype=np.float64))                  # (T, J, 4)
    flips = np.sum(quat[1:] * quat[:-1], axis=-1) < 0.0                              # (T-1, J)
    sign = np.concatenate([np.ones((1, quat.shape[1])), np.where(np.cumsum(flips, axis=0) % 2 == 1, -1.0, 1.0)])
    smooth = lowpass(quat * sign[..., None], fps, cutoff_hz, order)
    smooth /= np.maximum(np.linalg.norm(smooth, axis=-1, keepdims=True), 1e-12)
    return rotations.quat_to_aa(smooth).astype(np.float32)


# ---------------------------------------------------------------------------------------
# Measures


def local_points(joints: np.ndarray, origin: int, first: int, second: tuple[int, int],
                 points: Sequence[int]) -> np.ndarray:
    """Points in the frame of a rigid part, built from its joints' positions alone.

    The frame: origin at joint `origin`; u along first - origin; v along
    second[0] - second[1] made orthogonal to u; w = u x v. For a part whose
    joints are rigidly attached (the pelvis with its hips and spine1, a wrist
    with the finger bases) this is the part's own orientation, so the points
    keep only the articulation below it.

    Args:
        joints: (T, 55, 3).

    Returns:
        (T, len(points), 3) float64.
    """
    x = np.asarray(joints, dtype=np.float64)
    u = x[:, first] - x[:, origin]
    u /= np.maximum(np.linalg.norm(u, axis=-1, keepdims=True), 1e-12)
    v = x[:, second[0]] - x[:, second[1]]
    v -= np.sum(v * u, axis=-1, keepdims=True) * u
    v /= np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
    frame = np.stack([u, v, np.cross(u, v)], axis=-1)                                # (T, 3, 3) columns u, v, w
    return np.einsum("tpi,tij->tpj", x[:, list(points)] - x[:, origin, None], frame)


def jitter_measures(joints: np.ndarray, fps: float, settings: QualitySettings = QualitySettings()) -> dict:
    """Finger and body jitter of one person (module doc).

    Args:
        joints: (T, 55, 3) meters at `fps`.

    Returns:
        {"finger_jitter_mm", "body_jitter_mm", "finger_jitter_ratio"}.
    """
    x = np.asarray(joints, dtype=np.float64)
    hands = np.concatenate([local_points(x, WRISTS[k], *PALM[k], FINGERS[k]) for k in range(2)], axis=1)
    body = local_points(x, PELVIS, J["spine1"], (J["left_hip"], J["right_hip"]), ARTICULATED_BODY)
    finger = 1000.0 * high_frequency_rms(hands, fps, settings.cutoff_hz, settings.order)
    trunk = 1000.0 * high_frequency_rms(body, fps, settings.cutoff_hz, settings.order)
    return {"finger_jitter_mm": finger, "body_jitter_mm": trunk, "finger_jitter_ratio": finger / max(trunk, 1e-6)}


def sequence_quality(pair_joints: np.ndarray, fps: float, settings: QualitySettings = QualitySettings()) -> dict:
    """Every audit number of one sequence (module doc).

    Args:
        pair_joints: (T, 2, 55, 3) meters at `fps`, y up.
        fps: frame rate.

    Returns:
        {metric: float} for the names in `METRICS`.
    """
    x = np.asarray(pair_joints, dtype=np.float32)
    if x.ndim != 4 or x.shape[1:] != (2, 55, 3) or len(x) < 4:
        raise UsageError(f"the audit needs (T >= 4, 2, 55, 3) joints, got shape {x.shape}")
    step = max(1, int(round(fps / settings.contact_fps)))
    pen = penetration_stats(penetration_depth(pair_capsule_gaps(x[::step])))
    people = [jitter_measures(x[:, k], fps, settings) for k in range(2)]
    skate = foot_skating(np.swapaxes(x, 0, 1), fps)
    out = {"penetration_mean_depth": pen["mean_depth"], "penetration_max_depth": pen["max_depth"],
           "penetration_frame_share": pen["frame_share"]}
    out.update({k: float(np.mean([p[k] for p in people])) for k in people[0]})
    out.update({"foot_skating_ratio": float(skate["ratio"].mean()), "foot_skating_speed": float(skate["speed"].mean())})
    return out


# ---------------------------------------------------------------------------------------
# Sources


def _sequences(source: Path) -> tuple[str, list[str], Callable[[str], tuple[np.ndarray, float]]]:
    """(kind, names, read(name) -> (pair joints, fps)) of a release or a cache."""
    from interx.features import layout

    if layout.is_cache_dir(source):
        from interx.features.cache import open_cache

        cache = open_cache(source)
        where = {name: (split, i) for split in cache.splits for i, name in enumerate(cache.split(split).names)}
        fps = float(cache.options.fps)

        def read_cached(name: str):
            split, i = where[name]
            return np.asarray(cache.split(split).joints(i)), fps

        return "cache", list(where), read_cached
    from interx.body.model import interaction_joints
    from interx.features.sources import Source

    release = Source(source)
    if release.kind == "raw":
        from interx.data.raw import RawRelease

        names = RawRelease(source).names
    else:
        names = [n for split in release.splits().values() for n in split]

    def read_release(name: str):
        interaction = release.read(name)
        return interaction_joints(interaction), float(interaction.fps)

    return release.kind, names, read_release


def _class_of(name: str, action_names) -> str:
    action = parse_name(name).action
    return action_names[action] if 0 <= action < len(action_names) else str(action)


def audit(source: Path | str, settings: QualitySettings = QualitySettings(),
          progress: Callable[[int, int], None] | None = None) -> dict:
    """Audit every sequence of a release or cache (module doc).

    Returns:
        JSON-ready {"source", "kind", "settings", "count", "errors": [{"name", "problem"}],
        "summary": {metric: mean over sequences}, "sequences": {name: {metric: value}},
        "classes": {class name: {metric: mean, "count"}}, "worst": {list: [{"name", metric: value}]}}.
    """
    from interx.data.classes import ACTION_NAMES

    source = Path(source)
    kind, names, read = _sequences(source)
    sequences, errors = {}, []
    for done, name in enumerate(names, 1):
        try:
            joints, fps = read(name)
            sequences[name] = sequence_quality(joints, fps, settings)
        except InterxError as exc:
            errors.append({"name": name, "problem": str(exc)})
        if progress is not None:
            progress(done, len(names))
    classes: dict[str, dict] = {}
    for name, values in sequences.items():
        classes.setdefault(_class_of(name, ACTION_NAMES), []).append(values)
    order = {c: i for i, c in enumerate(ACTION_NAMES)}
    class_table = {c: {**{m: float(np.mean([v[m] for v in rows])) for m in METRICS}, "count": len(rows)}
                   for c, rows in sorted(classes.items(), key=lambda kv: order.get(kv[0], len(order)))}
    worst = {}
    for label, metric in WORST_BY.items():
        ranked = sorted(sequences, key=lambda n: (-sequences[n][metric], n))[:settings.worst]
        worst[label] = [{"name": n, metric: sequences[n][metric]} for n in ranked]
    summary = {m: float(np.mean([v[m] for v in sequences.values()])) for m in METRICS} if sequences else {}
    return {"source": str(source), "kind": kind, "settings": asdict(settings), "count": len(sequences),
            "errors": errors, "summary": summary, "sequences": sequences, "classes": class_table, "worst": worst}


# ---------------------------------------------------------------------------------------
# Fix


def smooth_fingers(person: PersonMotion, settings: QualitySettings = QualitySettings()) -> PersonMotion:
    """The person with both hands' rotations low-pass filtered (module doc); everything else unchanged."""
    return replace(person, pose_lhand=smooth_rotations(person.pose_lhand, person.fps, settings.cutoff_hz,
                                                       settings.order),
                   pose_rhand=smooth_rotations(person.pose_rhand, person.fps, settings.cutoff_hz, settings.order))


def _link_or_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def fix_fingers(root: Path | str, out: Path | str, settings: QualitySettings = QualitySettings(),
                progress: Callable[[int, int], None] | None = None) -> dict:
    """Write a copy of the raw release at `root` into the new folder `out` with smoothed finger rotations.

    Returns:
        {"out", "fixed": count, "copied_unchanged": [{"name", "problem"}]}.
    """
    from interx.data.raw import MOTIONS_DIR, RawRelease, read_person, write_person
    from interx.data.safe_io import prepare_output_dir
    from interx.features.sources import source_kind

    root, out = Path(root), Path(out)
    if source_kind(root) != "raw":
        raise UsageError(f"{root}: --fix fingers rewrites a raw release (SMPL-X npz files); this is a processed one")
    if out.resolve() == root.resolve():
        raise UsageError("--out must be a new folder, not the release itself")
    names = RawRelease(root).names
    out = prepare_output_dir(out)
    for top in sorted(root.iterdir()):
        if top.name == MOTIONS_DIR:
            continue
        for path in [top] if top.is_file() else sorted(top.rglob("*")):
            if path.is_file() and not path.is_symlink():
                _link_or_copy(path, out / path.relative_to(root))
    fixed, unchanged = 0, []
    for done, name in enumerate(names, 1):
        folder, target = root / MOTIONS_DIR / name, out / MOTIONS_DIR / name
        target.mkdir(parents=True, exist_ok=True)
        try:
            people = {p: read_person(folder / f"{p}.npz") for p in ("P1", "P2")}
            for p, person in people.items():
                write_person(target / f"{p}.npz", smooth_fingers(person, settings), durable=False)
            fixed += 1
        except (DataError, UsageError) as exc:
            unchanged.append({"name": name, "problem": str(exc)})
            for src in folder.glob("*"):
                if src.is_file():
                    shutil.copy2(src, target / src.name)
        if progress is not None:
            progress(done, len(names))
    os.sync()
    return {"out": str(out), "fixed": fixed, "copied_unchanged": unchanged}
