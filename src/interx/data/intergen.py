"""InterGen / InterHuman interop: write the folder InterGen's data loader reads, and read one back.

The layout (InterGen `datasets/interhuman.py`, `utils/preprocess.py`):

```
DIR/
  motions_processed/person1/<id>.npy   (T, 492) float32, 30 fps, one row per frame
  motions_processed/person2/<id>.npy
  annots/<id>.txt                      descriptions, one per line
  train.txt val.txt test.txt           ids, one per line, EVERY line ending in a newline
  ignore_list.txt                      ids to skip (written empty)
```

The loader walks DIR for `.npy` files under `person1`, keeps ids listed in the
split file of its mode (it compares `id + "\\n"`, hence the final newline),
finds the partner by replacing `person1` with `person2` and the text by
replacing `motions_processed` with `annots`, `person1` with '' and `npy` with
`txt` in the path (so DIR's own path must not contain those words).
`load_motion` keeps columns 0:66 and 186:312 of each row, and
`process_motion_np` turns the positions to y up with
`[[1, 0, 0], [0, 0, 1], [0, -1, 0]]`: the file is z up.

Columns of a row (the InterHuman processed release: SMPL-H joints):

| columns | what |
| --- | --- |
| 0:186 | 62 joint positions (x, y, z), meters, z up: 0-21 the body (SMPL-X 0-21), 22-36 left hand, 37-51 right hand (index1-3, middle1-3, pinky1-3, ring1-3, thumb1-3: SMPL-X 25-54), 52-56 left fingertips, 57-61 right fingertips (thumb, index, middle, ring, pinky) |
| 186:492 | 51 local joint rotations in 6D for joints 1-51 (same numbering; no root): the first two COLUMNS of each rotation matrix, row by row (R00, R01, R10, R11, R20, R21) |

An Inter-X position (x, y, z) (y up) is written (x, -z, y). The 6D layout is
the one InterGen's mirroring code implies: `swap_left_right_rot` negates
entries 1, 2 and 4 under the x-mirror, which are R01, R10 and R20 only in this
layout (pytorch3d's first-two-rows layout would negate entries 1, 2 and 3). Local
rotations do not depend on the world's axes, so they are written as they are.
Fingertips are not SMPL-X joints: they are placed `FINGERTIP_EXTENSION` of the
last finger segment beyond the third joint (`interx.body.skeleton`).

Reading back (`import_intergen`) recovers as much as the file holds:
rotations of joints 1-51 from the 6D columns (hands included when the row has
all 492 columns; a 192-column row, InterGen's reduced one, gives flat hands),
the root orientation by a least-squares fit of the posed body to the 22 body
positions, the translation from the pelvis position, and the stature from the
body's bone lengths (betas[0] of the built-in skeleton). Lost for good: the
other betas and gender (neutral), jaw, eyes and expression, the frame rate
above 30 fps, the action label and familiarity/actor annotations (an id that
is not an Inter-X name gets a made-up name, see `import_intergen`), and the
cross-group splits. Positions come back exactly when the folder was written
with the same body model; otherwise the report gives the joint error.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interx.body import rotations
from interx.body.joints import BODY, JOINT_INDEX, LEFT_HAND, NUM_JOINTS, RIGHT_HAND
from interx.body.kinematics import forward_kinematics
from interx.data.types import MODEL_FPS, Interaction, PersonMotion
from interx.errors import DataError, UsageError

MOTIONS_DIR = "motions_processed"
PERSON_DIRS = ("person1", "person2")
ANNOTS_DIR = "annots"
SPLIT_FILES = {"train": "train.txt", "val": "val.txt", "test": "test.txt"}
IGNORE_FILE = "ignore_list.txt"
ROW = 492
REDUCED_ROW = 192                    # InterGen's in-memory row: 22 positions + 21 rotations
NUM_POSITIONS = 62
NUM_ROTATIONS = 51
ROTATION_START = NUM_POSITIONS * 3   # 186
FPS = MODEL_FPS                      # InterHuman's processed rate

# Row joint k (0-51) is SMPL-X joint SMPLH_TO_SMPLX[k]; rows 52-61 are fingertips.
SMPLH_TO_SMPLX = np.array(BODY + LEFT_HAND + RIGHT_HAND, dtype=np.int64)
_TIP_FINGERS = ("thumb", "index", "middle", "ring", "pinky")
FINGERTIPS = tuple((JOINT_INDEX[f"{side}_{f}2"], JOINT_INDEX[f"{side}_{f}3"])
                   for side in ("left", "right") for f in _TIP_FINGERS)
# Inter-X (y up) -> InterHuman file (z up): file = Z_UP @ p
Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])
_SIXD_ORDER = [0, 2, 4, 1, 3, 5]     # file 6D -> the rows-6D of the transpose


def mat_to_columns6d(mat: np.ndarray) -> np.ndarray:
    """Rotation matrices (..., 3, 3) -> InterGen's 6D (..., 6): (R00, R01, R10, R11, R20, R21)."""
    return rotations.mat_to_sixd(np.swapaxes(mat, -1, -2))[..., [0, 3, 1, 4, 2, 5]]


def columns6d_to_mat(sixd: np.ndarray) -> np.ndarray:
    """InterGen's 6D (..., 6) -> rotation matrices (..., 3, 3) (Gram-Schmidt on the two columns)."""
    return np.swapaxes(rotations.sixd_to_mat(np.asarray(sixd)[..., _SIXD_ORDER]), -1, -2)


def person_rows(person: PersonMotion, rest_joints: np.ndarray) -> np.ndarray:
    """(T, 492) float32 InterHuman rows of one person (any frame rate: the caller resamples to 30 fps).

    rest_joints: (55, 3) rest joints of the person's body model, meters.
    """
    from interx.body.skeleton import FINGERTIP_EXTENSION

    rest = np.asarray(rest_joints, dtype=np.float64)
    local = rotations.aa_to_mat(person.full_pose().astype(np.float64))                # (T, 55, 3, 3)
    joints, glob = forward_kinematics(local, rest)                                     # (T, 55, 3), (T, 55, 3, 3)
    joints = joints + person.trans[:, None, :]
    second, third = (np.array(ids) for ids in zip(*FINGERTIPS))
    tips = joints[:, third] + FINGERTIP_EXTENSION * (glob[:, third] @ (rest[third] - rest[second])[..., None])[..., 0]
    positions = np.concatenate([joints[:, SMPLH_TO_SMPLX], tips], axis=1) @ Z_UP.T     # (T, 62, 3)
    sixd = mat_to_columns6d(local[:, SMPLH_TO_SMPLX[1:]])                              # (T, 51, 6)
    frames = person.num_frames
    return np.concatenate([positions.reshape(frames, -1), sixd.reshape(frames, -1)], axis=1).astype(np.float32)


def _kabsch(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """(T, 3, 3) rotations R minimising sum |R source_i - target_i|^2 over points i; inputs (T, N, 3) centred."""
    u, _, vt = np.linalg.svd(np.swapaxes(target, -1, -2) @ source)
    sign = np.sign(np.linalg.det(u @ vt))
    u[..., :, 2] *= sign[..., None]
    return u @ vt


def person_from_rows(rows: np.ndarray, source: Path | str | None = None,
                     fps: float = FPS) -> tuple[PersonMotion, float]:
    """One person from InterHuman rows (T, 492) or (T, 192): (motion on the built-in skeleton, mean joint error).

    The error is the mean distance (meters) of the rebuilt body joints from the file's 22 positions.

    See the module doc for what is recovered.
    """
    from interx.body import skeleton
    from interx.body.kinematics import pose_joints
    from interx.data.retarget import betas_for_stature, fit_stature

    rows = np.asarray(rows, dtype=np.float64)
    if rows.ndim != 2 or rows.shape[1] not in (ROW, REDUCED_ROW) or rows.shape[0] < 1:
        raise DataError(f"motion array of shape {rows.shape} (expected (T, {ROW}) or (T, {REDUCED_ROW}))", source)
    if not np.all(np.isfinite(rows)):
        raise DataError("motion array holds NaN or Inf", source)
    frames = rows.shape[0]
    full = rows.shape[1] == ROW
    count = NUM_POSITIONS if full else len(BODY)
    positions = rows[:, : 3 * count].reshape(frames, count, 3) @ Z_UP                 # (T, count, 3) y up
    sixd = rows[:, 3 * count:].reshape(frames, -1, 6)
    local = np.broadcast_to(np.eye(3), (frames, NUM_JOINTS, 3, 3)).copy()
    local[:, SMPLH_TO_SMPLX[1: 1 + sixd.shape[1]]] = columns6d_to_mat(sixd)
    body = positions[:, : len(BODY)]                                                  # (T, 22, 3)
    points = np.zeros((frames, NUM_JOINTS, 3))
    points[:, : len(BODY)] = body
    betas = betas_for_stature(fit_stature(points, BODY))
    rest = skeleton.rest_joints(betas).astype(np.float64)
    posed, _ = forward_kinematics(local, rest)                                         # root rotation identity
    local[:, 0] = _kabsch(posed[:, 1: len(BODY)] - posed[:, :1], body[:, 1:] - body[:, :1])
    pose = rotations.mat_to_aa(local).astype(np.float32)
    trans = (body[:, 0] - rest[0]).astype(np.float32)
    person = PersonMotion.from_full_pose(pose, trans, betas, fps=fps)
    error = np.linalg.norm(pose_joints(pose, trans, rest.astype(np.float32))[:, : len(BODY)] - body, axis=-1)
    return person, float(error.mean())


# ---------------------------------------------------------------------------------------
# Export


@dataclass(frozen=True)
class IntergenExport:
    """What `export_intergen` wrote: ids per split and the number of sequences."""

    out: Path
    splits: dict[str, list[str]]
    count: int
    notes: tuple[str, ...] = ()


def _source_interactions(source: Path) -> tuple[Iterator[tuple[str, Interaction]], str]:
    """(iterator of (split, interaction) from a cache or a raw release, a note on where splits came from)."""
    from interx.features.layout import is_cache_dir

    if is_cache_dir(source):
        from interx.features.cache import open_cache

        cache = open_cache(source)

        def from_cache():
            for split in cache.splits:
                part = cache.split(split)
                for i in range(len(part)):
                    yield split, part.to_interaction(i)

        return from_cache(), "splits from the cache"
    from interx.data.raw import RawRelease

    release = RawRelease(source)
    if not release.names:
        raise DataError("no sequences: neither an interx cache nor an Inter-X folder with motions/", source)
    membership = {}
    note = "no split files in the folder: every sequence listed in train.txt"
    if release.has_split_set():
        note = "official splits of the folder (sequences in none are left out of the lists)"
        for split in SPLIT_FILES:
            for name in release.split(split):
                membership[name] = split

    def from_release():
        for name in release.names:
            split = membership.get(name, None if membership else "train")
            yield split, release.read(name)

    return from_release(), note


def export_intergen(source: Path | str, out: Path | str, body=None, append: bool = False,
                    progress=None) -> IntergenExport:
    """Write the InterHuman layout (module doc) for every sequence of a raw Inter-X folder or an interx cache.

    Args:
        source: an Inter-X folder (ROOT with motions/) or an interx cache folder.
        out: the folder to write; a non-empty one is refused unless `append`
            (existing files are never overwritten; split lists are merged).
        body: `interx.body.model.BodyModel` for the positions (the built-in skeleton by default).
        progress: optional callable(done) called after each sequence.
    """
    from interx.body.model import BuiltinBody
    from interx.data.safe_io import prepare_output_dir, read_text_bytes, write_npy, write_text
    from interx.features.resample import resample_interaction

    source, body = Path(source), BuiltinBody() if body is None else body
    interactions, note = _source_interactions(source)
    out = prepare_output_dir(out, append)
    splits: dict[str, list[str]] = {split: [] for split in SPLIT_FILES}
    count = 0
    for split, interaction in interactions:
        interaction = resample_interaction(interaction, FPS)
        for person, folder in zip(interaction.persons, PERSON_DIRS):
            rows = person_rows(person, body.rest_joints(person.betas, person.gender))
            write_npy(out / MOTIONS_DIR / folder / f"{interaction.name}.npy", rows, overwrite=False)
        if interaction.texts:
            write_text(out / ANNOTS_DIR / f"{interaction.name}.txt",
                       "".join(t + "\n" for t in interaction.texts), overwrite=False)
        if split is not None:
            splits[split].append(interaction.name)
        count += 1
        if progress is not None:
            progress(count)
    for split, file in SPLIT_FILES.items():
        path = out / file
        old = _lines(path, read_text_bytes) if path.exists() else []
        names = old + [n for n in splits[split] if n not in set(old)]
        write_text(path, "".join(n + "\n" for n in names))
    if not (out / IGNORE_FILE).exists():
        write_text(out / IGNORE_FILE, "")
    notes = [note]
    clash = [word for word in ("npy", PERSON_DIRS[0], MOTIONS_DIR) if word in str(out.resolve())]
    if clash:
        notes.append(f"the folder's path contains {', '.join(clash)}: InterGen's loader, which edits whole paths, "
                     f"will not find the texts; move the folder")
    return IntergenExport(out=out, splits=splits, count=count, notes=tuple(notes))


def _lines(path: Path, reader) -> list[str]:
    """The non-blank lines of a UTF-8 text file, stripped."""
    from interx.data.safe_io import decode_utf8

    return [line.strip() for line in decode_utf8(reader(path), path).splitlines() if line.strip()]


# ---------------------------------------------------------------------------------------
# Import


@dataclass(frozen=True)
class IntergenImport:
    """What `import_intergen` did: InterGen id -> Inter-X name, per-sequence mean body joint error (m)."""

    names: dict[str, str]
    errors: dict[str, float]
    skipped: tuple[str, ...] = ()


def _name_for(identifier: str, number: int, group: int, action: int) -> str:
    """The id itself when it is an Inter-X name, else G<group>T<number // 1000>A<action>R<number % 1000>."""
    from interx.data.names import NAME_PATTERN, format_name, parse_name

    if NAME_PATTERN.fullmatch(identifier):
        parse_name(identifier)
        return identifier
    return format_name(group, number // 1000, action, number % 1000)


def import_intergen(folder: Path | str, root: Path | str, group: int = 0, action: int = 0,
                    append: bool = False) -> IntergenImport:
    """Read an InterHuman/InterGen folder (module doc) into an Inter-X folder at `root` (30 fps files).

    Ids that are Inter-X names keep them; other ids are numbered in sorted order
    (numeric ids by value) and named G<group>T<k // 1000>A<action>R<k % 1000>
    (the action cannot be known from InterHuman: `action` is written for all).
    Ids on the ignore list are skipped. The folder's split lists become the
    official splits (a missing list is written empty; with no list at all none
    is written). A non-empty `root` is refused unless `append`.
    """
    from interx.data.names import parse_name
    from interx.data.raw import write_release
    from interx.data.safe_io import read_npy, read_text_bytes

    folder = Path(folder)
    first = folder / MOTIONS_DIR / PERSON_DIRS[0]
    if not first.is_dir():
        raise DataError(f"no {MOTIONS_DIR}/{PERSON_DIRS[0]} folder: not an InterGen/InterHuman folder", folder)
    ids = sorted((p.stem for p in first.glob("*.npy")),
                 key=lambda s: (not s.isdigit(), int(s) if s.isdigit() else 0, s))   # numeric ids by value
    ignored = set(_lines(folder / IGNORE_FILE, read_text_bytes)) if (folder / IGNORE_FILE).is_file() else set()
    skipped = tuple(i for i in ids if i in ignored)
    ids = [i for i in ids if i not in ignored]
    if not ids:
        raise DataError("no motions to import", first)
    names = {identifier: _name_for(identifier, k, group, action) for k, identifier in enumerate(ids)}
    if len(set(names.values())) != len(names):
        raise UsageError("two InterGen ids map to the same Inter-X name; import them in parts with other --group")
    split_lists = {split: [names[i] for i in _lines(folder / file, read_text_bytes) if i in names]
                   if (folder / file).is_file() else [] for split, file in SPLIT_FILES.items()}
    if not any((folder / file).is_file() for file in SPLIT_FILES.values()):
        split_lists = {}
    errors: dict[str, float] = {}

    def interactions() -> Iterator[Interaction]:
        for identifier in ids:
            people = []
            for person_dir in PERSON_DIRS:
                path = folder / MOTIONS_DIR / person_dir / f"{identifier}.npy"
                person, error = person_from_rows(read_npy(path), path)
                people.append(person)
                errors[names[identifier]] = max(errors.get(names[identifier], 0.0), error)
            if people[0].num_frames != people[1].num_frames:
                raise DataError(f"person1 has {people[0].num_frames} frames, person2 {people[1].num_frames}",
                                folder / MOTIONS_DIR / PERSON_DIRS[1] / f"{identifier}.npy")
            text_path = folder / ANNOTS_DIR / f"{identifier}.txt"
            texts = tuple(_lines(text_path, read_text_bytes)) if text_path.is_file() else ()
            name = names[identifier]
            yield Interaction(name=name, persons=(people[0], people[1]), texts=texts, action=parse_name(name).action)

    write_release(root, interactions(), splits=split_lists or None, append=append)
    return IntergenImport(names=names, errors=errors, skipped=skipped)
