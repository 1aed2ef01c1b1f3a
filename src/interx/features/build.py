"""Building a cache from a release: streamed, parallel over worker processes, atomic.

Per sequence (in a worker): read -> resample to 30 fps -> drop when shorter than
24 or longer than 999 frames (the official processing's filter) -> joints ->
official frame -> canonicalising transform -> train statistics. The parent
appends each result to its split's files in the order of the split file, so
the cache's bytes do not depend on the number of workers. At most a few
sequences per worker are in flight: memory stays flat however large the release.

A bad sequence (missing or malformed file, bad text, ...) is reported with its
name, file and problem and skipped; with `strict` it aborts the build. Only
`DataError`s count as bad input: anything else is a bug and aborts the build.
Either way an abort leaves no cache at the target and an older cache intact.

Workers are separate processes started fresh ('spawn'), each running the
compiled kinematics on one thread. Functions passed as `stat_features` must be
importable module-level functions (workers receive them by name).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

import numpy as np

from interx import __version__
from interx.body.model import BodyModel, BuiltinBody
from interx.data.names import parse_name
from interx.data.safe_io import write_json
from interx.data.splits import SPLITS
from interx.data.types import MODEL_FPS, Interaction
from interx.data.validate import OFFICIAL_MAX_FRAMES, OFFICIAL_MIN_FRAMES, Problem
from interx.errors import DataError, UsageError
from interx.features import layout
from interx.features.normalize import Moments, stats_arrays
from interx.features.representations import PairArrays, default_stat_features
from interx.features.resample import resampled_length
from interx.features.sequence import prepare_pair
from interx.features.sources import Source
from interx.parallel import ordered_map

Progress = Callable[[int, int], None]
_IN_FLIGHT_PER_WORKER = 4


@dataclass(frozen=True)
class BuildOptions:
    """What, besides the source, decides a cache's content (recorded in its manifest)."""

    split_set: str = "official"
    body: str = "builtin"
    neutral: bool = False
    body_only: bool = False
    fps: float = MODEL_FPS
    min_frames: int = OFFICIAL_MIN_FRAMES
    max_frames: int = OFFICIAL_MAX_FRAMES
    stat_features: tuple[str, ...] = ()


@dataclass
class BuildSummary:
    """What a build did: per-split counts, sequences skipped as bad, sequences dropped by length."""

    cache: str
    source: str
    source_kind: str
    splits: dict[str, dict[str, int]]
    problems: list[Problem] = field(default_factory=list)
    dropped: list[Problem] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"cache": self.cache, "source": self.source, "source_kind": self.source_kind, "splits": self.splits,
                "problems": [asdict(p) for p in self.problems], "dropped": [asdict(p) for p in self.dropped],
                "seconds": self.seconds}


def body_name(body: BodyModel) -> str:
    """The body model as recorded in a manifest: its name, and its model folder when it has one."""
    name = str(getattr(body, "name", type(body).__name__))
    folder = getattr(body, "model_dir", None)
    return name if folder is None else f"{name} ({Path(folder).resolve()})"


# ---------------------------------------------------------------------------------------
# One sequence (runs in a worker)


@dataclass
class _Result:
    name: str
    split: str
    item: PairArrays | None = None
    meta: dict | None = None
    betas: np.ndarray | None = None
    moments: dict[str, Moments] | None = None
    problem: Problem | None = None
    dropped: Problem | None = None


def _problem(source: Source, name: str, exc: DataError) -> Problem:
    text = str(exc)
    file = "-"
    if exc.path:
        path = Path(exc.path)
        try:
            file = path.resolve().relative_to(source.root).as_posix()
        except ValueError:
            file = str(path)
        text = text.removeprefix(f"{exc.path}: ")
    what, expected = (exc.what, exc.expected) if hasattr(exc, "expected") else (text, "")
    return Problem(name, file, what, expected)


def _betas(interaction: Interaction) -> np.ndarray:
    out = np.zeros((2, layout.NUM_BETAS), dtype=np.float32)
    for k, person in enumerate(interaction.persons):
        values = np.asarray(person.betas, dtype=np.float32).reshape(-1)[:layout.NUM_BETAS]
        out[k, :len(values)] = values
    return out


class _SequenceWorker:
    """Turns one sequence name into a `_Result`; one per worker process."""

    def __init__(self, root: str, options: BuildOptions, body: BodyModel, stat_features: Mapping[str, Callable]):
        self.source = Source(root, options.split_set)
        self.options, self.body, self.stat_features = options, body, dict(stat_features)

    def __call__(self, name: str, split: str, want_stats: bool) -> _Result:
        opts = self.options
        try:
            interaction = self.source.read(name)
            frames = resampled_length(interaction.num_frames, interaction.fps, opts.fps)
            if not opts.min_frames <= frames <= opts.max_frames:
                return _Result(name, split, dropped=Problem(
                    name, "-", f"{frames} frames at {opts.fps:g} fps; dropped as the official processing does",
                    f"{opts.min_frames}-{opts.max_frames} frames", "warning"))
            item = prepare_pair(interaction, self.body, opts.neutral, opts.body_only, opts.fps)
        except DataError as exc:
            return _Result(name, split, problem=_problem(self.source, name, exc))
        seq = parse_name(name)
        meta = {"texts": list(interaction.texts), "action": seq.action, "group": seq.group, "take": seq.take,
                "repetition": seq.repetition, "familiarity": interaction.familiarity, "actor": interaction.actor,
                "genders": [p.gender for p in interaction.persons]}
        moments = ({key: Moments.of(fn(item)) for key, fn in self.stat_features.items()} if want_stats else None)
        item = replace(item)  # a fresh copy without derived arrays cached on it: only the compact ones travel
        return _Result(name, split, item=item, meta=meta, betas=_betas(interaction), moments=moments)


_WORKER: _SequenceWorker | None = None  # the worker process's own instance, set by _init_worker


def _init_worker(root: str, options: BuildOptions, body: BodyModel, stat_features: Mapping[str, Callable]) -> None:
    global _WORKER
    import numba

    numba.set_num_threads(1)  # parallelism comes from the processes
    _WORKER = _SequenceWorker(root, options, body, stat_features)


def _work(task: tuple[str, str, bool]) -> _Result:
    return _WORKER(*task)


def _results(tasks: list[tuple[str, str, bool]], workers: int, init_args: tuple) -> Iterator[_Result]:
    """Results in task order; at most a few tasks per worker in flight."""
    if workers <= 1:
        import numba

        worker = _SequenceWorker(*init_args)
        threads = numba.get_num_threads()
        numba.set_num_threads(1)  # per-sequence batches are too small to gain from threads
        try:
            for task in tasks:
                yield worker(*task)
        finally:
            numba.set_num_threads(threads)
        return
    yield from ordered_map(_work, tasks, workers, initializer=_init_worker, initargs=init_args,
                           in_flight=_IN_FLIGHT_PER_WORKER)


# ---------------------------------------------------------------------------------------
# Writing (in the parent)


class _NpyAppender:
    """A `.npy` file grown by appending rows; the header's row count is written on `close`.

    The header is reserved at its largest size up front (padded with spaces, as
    the format allows), so closing rewrites it in place without copying data.
    """

    def __init__(self, path: Path, dtype, row_shape: tuple[int, ...]):
        self.path, self.dtype, self.row_shape = path, np.dtype(dtype), tuple(row_shape)
        self.rows = 0
        self._size = len(self._header(10 ** 18))
        self._fp = open(path, "wb")
        self._fp.write(self._header(0, self._size))

    def _header(self, rows: int, size: int | None = None) -> bytes:
        text = repr({"descr": np.lib.format.dtype_to_descr(self.dtype), "fortran_order": False,
                     "shape": (rows, *self.row_shape)})
        prefix = np.lib.format.magic(1, 0)
        body_len = len(text) + 1 if size is None else size - len(prefix) - 2
        if size is None:
            body_len += -(len(prefix) + 2 + body_len) % 64  # align the data to 64 bytes
        body = text.ljust(body_len - 1) + "\n"
        return prefix + len(body).to_bytes(2, "little") + body.encode("latin1")

    def append(self, array: np.ndarray) -> None:
        array = np.ascontiguousarray(array, dtype=self.dtype)
        if array.shape[1:] != self.row_shape:
            raise ValueError(f"{self.path.name}: rows of shape {array.shape[1:]}, expected {self.row_shape}")
        self._fp.write(memoryview(array).cast("B"))
        self.rows += len(array)

    def close(self) -> None:
        self._fp.seek(0)
        self._fp.write(self._header(self.rows, self._size))
        self._fp.flush()
        os.fsync(self._fp.fileno())
        self._fp.close()

    def abort(self) -> None:
        self._fp.close()


class _SplitWriter:
    """Appends one split's sequences to its folder; `finish` writes the per-sequence arrays and index."""

    def __init__(self, folder: Path, split: str):
        folder.mkdir(parents=True)
        self.folder, self.split = folder, split
        self.frames = {
            "pose": _NpyAppender(folder / "pose.npy", np.float32, (2, 55, 3)),
            "trans": _NpyAppender(folder / "trans.npy", np.float32, (2, 3)),
            "joints": _NpyAppender(folder / "joints.npy", np.float32, (2, 55, 3)),
        }
        self.lengths: list[int] = []
        self.canonical: list[np.ndarray] = []
        self.rest_pelvis: list[np.ndarray] = []
        self.betas: list[np.ndarray] = []
        self.index: dict[str, list] = {key: [] for key in ("names", "texts", "actions", "groups", "takes",
                                                           "repetitions", "familiarity", "actors", "genders")}

    def add(self, result: _Result) -> None:
        item, meta = result.item, result.meta
        for key, appender in self.frames.items():
            appender.append(getattr(item, key))
        self.lengths.append(item.num_frames)
        self.canonical.append(item.canonical)
        self.rest_pelvis.append(item.rest_pelvis)
        self.betas.append(result.betas)
        for key, value in (("names", result.name), ("texts", meta["texts"]), ("actions", meta["action"]),
                           ("groups", meta["group"]), ("takes", meta["take"]), ("repetitions", meta["repetition"]),
                           ("familiarity", meta["familiarity"]), ("actors", meta["actor"]),
                           ("genders", meta["genders"])):
            self.index[key].append(value)

    def finish(self) -> dict[str, int]:
        for appender in self.frames.values():
            appender.close()
        count = len(self.lengths)
        lengths = np.asarray(self.lengths, dtype=np.int64)
        arrays = {
            "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
            "lengths": lengths,
            "actions": np.asarray(self.index["actions"], dtype=np.int64),
            "canonical": np.asarray(self.canonical, dtype=np.float32).reshape(count, 4),
            "rest_pelvis": np.asarray(self.rest_pelvis, dtype=np.float32).reshape(count, 2, 3),
            "betas": np.asarray(self.betas, dtype=np.float32).reshape(count, 2, layout.NUM_BETAS),
        }
        for key, array in arrays.items():
            np.save(self.folder / f"{key}.npy", array, allow_pickle=False)
        write_json(self.folder / layout.INDEX, {"split": self.split, **self.index})
        return {"sequences": count, "frames": int(lengths.sum())}

    def abort(self) -> None:
        for appender in self.frames.values():
            appender.abort()


# ---------------------------------------------------------------------------------------
# The build


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_abandoned(out: Path) -> None:
    """Delete temporary folders that killed builds of `out` left behind (their process is gone)."""
    prefix = f".{out.name}.{layout.BUILD_PREFIX}"
    for entry in out.parent.glob(f"{prefix}*"):
        pid = entry.name[len(prefix):].split("-", 1)[0]
        if entry.is_dir() and pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def _check_target(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out} is a file; a cache is a folder")
    if out.is_dir() and any(out.iterdir()) and not layout.is_cache_dir(out):
        raise UsageError(f"{out} is a non-empty folder that is not an interx cache; refusing to replace it")


def _install(tmp: Path, out: Path) -> None:
    """Rename the finished folder into place; an existing cache is moved aside first, then deleted."""
    if out.exists():
        old = tmp.with_name(tmp.name + ".old")
        os.replace(out, old)
        os.replace(tmp, out)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(tmp, out)


def build_cache(root: Path | str, out: Path | str, body: BodyModel | None = None, split_set: str = "official",
                workers: int = 1, body_only: bool = False, progress: Progress | None = None, strict: bool = False,
                neutral: bool = False, stat_features: Mapping[str, Callable] | None = None) -> BuildSummary:
    """Preprocess a release (raw or official processed layout) into a cache at `out`.

    Args:
        root: the release folder.
        out: the cache folder; an existing cache there is replaced only once the
            new one is complete. A non-empty folder that is not a cache is refused.
        body: body model for the joints (default: the built-in skeleton).
        split_set: 'official' or 'cross_group' (raw releases only).
        workers: processes; 1 runs everything in this process.
        body_only: zero jaw, eye and hand rotations (flat hands) for models that ignore them.
        progress: called as progress(done, total) after each sequence.
        strict: the first bad sequence aborts the build (DataError) instead of being skipped.
        neutral: neutral body with zero betas for every person (the official processing).
        stat_features: {name: fn(PairArrays) -> rows}; default
            `representations.default_stat_features()`. Mean/std over train rows go to stats.npz.

    Returns:
        BuildSummary (counts per split, skipped and dropped sequences, seconds).
    """
    started = time.perf_counter()
    body = BuiltinBody() if body is None else body
    stat_features = default_stat_features() if stat_features is None else dict(stat_features)
    source = Source(root, split_set)
    out = Path(out).resolve()
    _check_target(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(out)
    fingerprint = source.fingerprint()  # taken first: a source changed during the build leaves a stale cache
    splits = source.splits()
    options = BuildOptions(split_set=split_set, body=body_name(body), neutral=neutral, body_only=body_only,
                           stat_features=tuple(stat_features))
    tasks = [(name, split, split == "train") for split in SPLITS for name in splits[split]]
    summary = BuildSummary(str(out), str(source.root), source.kind, {})
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.{layout.BUILD_PREFIX}{os.getpid()}-", dir=out.parent))
    writers: dict[str, _SplitWriter] = {}
    results = _results(tasks, workers, (str(source.root), options, body, stat_features))
    try:
        writers = {split: _SplitWriter(tmp / split, split) for split in SPLITS}
        moments: dict[str, Moments] = {}
        skipped = {split: 0 for split in SPLITS}
        dropped = {split: 0 for split in SPLITS}
        for done, result in enumerate(results, 1):
            if result.problem is not None:
                if strict:
                    raise DataError(result.problem.line())
                summary.problems.append(result.problem)
                skipped[result.split] += 1
            elif result.dropped is not None:
                summary.dropped.append(result.dropped)
                dropped[result.split] += 1
            else:
                writers[result.split].add(result)
                for key, m in (result.moments or {}).items():
                    moments[key] = moments[key].merge(m) if key in moments else m
            if progress is not None:
                progress(done, len(tasks))
        for split, writer in writers.items():
            summary.splits[split] = {**writer.finish(), "dropped": dropped[split], "errors": skipped[split]}
        np.savez(tmp / layout.STATS, **stats_arrays(moments))
        summary.seconds = time.perf_counter() - started
        write_json(tmp / layout.MANIFEST, {
            "format": layout.FORMAT, "format_version": layout.FORMAT_VERSION, "interx_version": __version__,
            "source": str(source.root), "source_kind": source.kind, "fingerprint": fingerprint,
            "options": asdict(options), "action_names": list(source.action_names), "splits": summary.splits,
            "problems": [asdict(p) for p in summary.problems], "dropped": [asdict(p) for p in summary.dropped],
        })
        _install(tmp, out)
    except BaseException:
        for writer in writers.values():
            writer.abort()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        results.close()
    return summary


def manifest_options(manifest: dict) -> BuildOptions:
    """The BuildOptions recorded in a manifest (lists back to tuples)."""
    recorded = dict(manifest.get("options", {}))
    recorded["stat_features"] = tuple(recorded.get("stat_features", ()))
    return BuildOptions(**{key: recorded[key] for key in BuildOptions.__dataclass_fields__ if key in recorded})
