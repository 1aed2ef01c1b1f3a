"""Reading untrusted files without running their code, and writing files atomically.

Readers:
    `read_npz` / `read_npy`: array files parsed by hand from their `.npy` headers. The
    header (dtype, shape) is read and checked BEFORE any data is read, so an object
    array is refused (no pickle is ever loaded), and a file that declares an absurd
    shape is refused instead of allocated. Truncated or corrupt files (bad zip, bad
    CRC, short data) are refused.
    `read_restricted_pickle`: an unpickler that imports nothing; it admits only
    dicts, lists, strings and ints (bools count as ints), so no code in a file runs.
    `read_text_bytes`: a file's bytes with a size limit.

Writers (all atomic: temp file in the same folder, fsync, `os.replace`; `durable=False`
skips the fsyncs, for bulk writers that sync once at the end: a killed process
still never leaves a partial file, only a machine crash could):
    `atomic_path`, `atomic_write`, `write_bytes`, `write_text`, `write_json`,
    `write_npz`, `write_npy`, `write_restricted_pickle`.

Every failure is a `DataError` naming the file; `FormatError` (a DataError) also
keeps what is wrong and what was expected apart, for validation reports.
"""

from __future__ import annotations

import io
import json
import math
import os
import pickle
import tempfile
import zipfile
import zlib
from collections.abc import Collection, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.lib.format as npy_format

from interx.errors import DataError, UsageError

# Largest number of array elements one file may declare (all its arrays together).
# 1e8 float32 is 400 MB; the longest Inter-X sequence needs under 3e6 per array.
MAX_ELEMENTS = 100_000_000
MAX_PICKLE_BYTES = 64 * 2**20
MAX_TEXT_BYTES = 16 * 2**20


class FormatError(DataError):
    """A file is malformed: `what` is wrong, `expected` says what was expected."""

    def __init__(self, what: str, expected: str, path: Path | str | None = None):
        self.what = " ".join(str(what).split())
        self.expected = " ".join(str(expected).split())
        super().__init__(f"{self.what} (expected {self.expected})", path)


# ---------------------------------------------------------------------------------------
# Arrays


def _read_array(fp: IO[bytes], member_size: int, source: Path, label: str, used: int, limit: int) -> np.ndarray:
    """Read one `.npy` stream of `member_size` bytes; the file may hold `limit` elements, `used` are read."""
    try:
        version = npy_format.read_magic(fp)
        if version == (1, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_1_0(fp)
        elif version == (2, 0):
            shape, fortran_order, dtype = npy_format.read_array_header_2_0(fp)
        else:
            raise FormatError(f"{label}: npy format version {version}", "version 1.0 or 2.0", source)
    except FormatError:
        raise
    except (ValueError, EOFError, TypeError, SyntaxError) as exc:
        raise FormatError(f"{label}: unreadable array header ({exc})", "a valid .npy header", source) from None
    if dtype.hasobject:
        raise FormatError(f"{label}: object array (it would need pickle to load)", "numeric or string data", source)
    count = math.prod(int(n) for n in shape)
    if used + count > limit:
        so_far = f", {used + count} in the file" if used else ""
        raise FormatError(f"{label}: declares shape {tuple(shape)} ({count} elements{so_far})",
                          f"at most {limit} elements per file", source)
    nbytes = count * dtype.itemsize
    if member_size != fp.tell() + nbytes:
        raise FormatError(f"{label}: holds {member_size - fp.tell()} data bytes but its header declares {nbytes}",
                          "a complete, untruncated array", source)
    buf = bytearray(nbytes)
    if fp.readinto(buf) != nbytes or fp.read(1):  # the extra read lets zipfile check the CRC
        raise FormatError(f"{label}: truncated data", "a complete, untruncated array", source)
    array = np.frombuffer(buf, dtype=dtype)
    return array.reshape(shape[::-1]).T if fortran_order else array.reshape(shape)


def read_npz(path: Path | str, max_elements: int = MAX_ELEMENTS,
             keys: Collection[str] | None = None) -> dict[str, np.ndarray]:
    """All arrays of an `.npz` file (or only those named in `keys`), keyed without the `.npy` suffix.

    Never unpickles: object arrays are refused naming the file and key. Each
    header is checked before its data is read; the arrays read may declare at
    most `max_elements` elements in all. Members not ending in `.npy`, and with
    `keys` the members not named there, are skipped unread.
    """
    path = Path(path)
    if not path.is_file():
        raise FormatError("file missing", "an .npz file", path)
    arrays: dict[str, np.ndarray] = {}
    used = 0
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if info.is_dir() or not info.filename.endswith(".npy"):
                    continue
                key = info.filename[: -len(".npy")]
                if keys is not None and key not in keys:
                    continue
                with zf.open(info) as fp:
                    arrays[key] = _read_array(fp, info.file_size, path, f"key {key!r}", used, max_elements)
                used += arrays[key].size
    except DataError:
        raise
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError,
            RuntimeError) as exc:
        raise FormatError(f"unreadable or truncated npz ({type(exc).__name__}: {exc})",
                          "a complete zip of .npy arrays", path) from None
    return arrays


def read_npy(path: Path | str, max_elements: int = MAX_ELEMENTS) -> np.ndarray:
    """One `.npy` array, header checked first (object arrays and absurd shapes refused)."""
    path = Path(path)
    if not path.is_file():
        raise FormatError("file missing", "an .npy file", path)
    try:
        with open(path, "rb") as fp:
            return _read_array(fp, os.fstat(fp.fileno()).st_size, path, "array", 0, max_elements)
    except DataError:
        raise
    except OSError as exc:
        raise FormatError(f"unreadable npy ({exc})", "a readable .npy file", path) from None


# ---------------------------------------------------------------------------------------
# Pickles

_PICKLE_TYPES = (dict, list, str, int)


class _NoImportUnpickler(pickle.Unpickler):
    """Resolves no global at all: no class is built and no function is called."""

    def __init__(self, file: IO[bytes], source: Path):
        super().__init__(file)
        self._source = source

    def find_class(self, module: str, name: str) -> Any:
        raise FormatError(f"pickle refers to {module}.{name}, which is never loaded",
                          "only dicts, lists, strings and ints", self._source)

    def persistent_load(self, pid: Any) -> Any:
        raise FormatError("pickle uses persistent ids", "only dicts, lists, strings and ints", self._source)


def check_plain(obj: Any, source: Path | str | None = None) -> None:
    """Raise FormatError unless `obj` is built only of dicts, lists, strings and ints."""
    stack, seen = [obj], set()
    while stack:
        item = stack.pop()
        if not isinstance(item, _PICKLE_TYPES):
            raise FormatError(f"pickle holds a {type(item).__name__}", "only dicts, lists, strings and ints",
                              source)
        if id(item) in seen or not isinstance(item, (dict, list)):
            continue
        seen.add(id(item))
        if isinstance(item, dict):
            for key in item:
                if not isinstance(key, (str, int)):
                    raise FormatError(f"pickle has a dict key of type {type(key).__name__}",
                                      "string or int keys", source)
            stack.extend(item.values())
        else:
            stack.extend(item)


def read_restricted_pickle(path: Path | str, max_bytes: int = MAX_PICKLE_BYTES) -> Any:
    """Load a pickle that may hold only dicts, lists, strings and ints.

    No global is ever resolved (so no code in the file runs); anything else,
    including tuples, floats, bytes and sets, is refused with a FormatError.
    """
    path = Path(path)
    data = read_text_bytes(path, max_bytes)
    try:
        obj = _NoImportUnpickler(io.BytesIO(data), path).load()
    except DataError:
        raise
    except Exception as exc:  # a malformed pickle can raise nearly anything; none of it is code from the file
        raise FormatError(f"malformed pickle ({type(exc).__name__}: {exc})", "a valid pickle", path) from None
    check_plain(obj, path)
    return obj


# ---------------------------------------------------------------------------------------
# Bytes


def read_text_bytes(path: Path | str, max_bytes: int = MAX_TEXT_BYTES) -> bytes:
    """A file's bytes; a missing file or one over `max_bytes` is a FormatError."""
    path = Path(path)
    try:
        with open(path, "rb") as fp:
            size = os.fstat(fp.fileno()).st_size
            if size > max_bytes:
                raise FormatError(f"file of {size} bytes", f"at most {max_bytes} bytes", path)
            return fp.read(max_bytes + 1)
    except FileNotFoundError:
        raise FormatError("file missing", "the file to exist", path) from None
    except IsADirectoryError:
        raise FormatError("a folder", "a file", path) from None
    except OSError as exc:
        raise FormatError(f"unreadable ({exc.strerror})", "a readable file", path) from None


def decode_utf8(data: bytes, path: Path | str) -> str:
    """UTF-8 text (a leading BOM dropped); invalid bytes are a FormatError naming the offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})",
                          "UTF-8 text", path) from None


# ---------------------------------------------------------------------------------------
# Atomic writers


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path | str, overwrite: bool = True, durable: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is fsynced (if `durable`) and renamed to `path`.

    On an exception the temporary file is removed and `path` is untouched. With
    `overwrite=False` an existing `path` is never replaced (DataError instead).
    The parent folder is created when missing.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if not overwrite and path.exists():
        raise DataError("already exists; refusing to overwrite it", path)
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        if durable:
            with open(tmp, "rb") as fp:
                os.fsync(fp.fileno())
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path appeared meanwhile: never replaces it
            except FileExistsError:
                raise DataError("already exists; refusing to overwrite it", path) from None
            except OSError:  # a file system without hard links
                if path.exists():
                    raise DataError("already exists; refusing to overwrite it", path) from None
                os.replace(tmp, path)
        if durable:
            _fsync_dir(path.parent)
    finally:
        tmp.unlink(missing_ok=True)


@contextmanager
def atomic_write(path: Path | str, mode: str = "wb", overwrite: bool = True,
                 encoding: str | None = None, durable: bool = True) -> Iterator[IO]:
    """Open a temporary file for writing (`mode` 'wb' or 'w'); renamed to `path` on success."""
    if mode not in ("wb", "w"):
        raise UsageError(f"atomic_write mode must be 'wb' or 'w', not {mode!r}")
    with atomic_path(path, overwrite=overwrite, durable=durable) as tmp:
        if mode == "w":
            with open(tmp, "w", encoding=encoding or "utf-8", newline="") as fp:
                yield fp
        else:
            with open(tmp, "wb") as fp:
                yield fp


def write_bytes(path: Path | str, data: bytes, overwrite: bool = True, durable: bool = True) -> None:
    with atomic_write(path, "wb", overwrite=overwrite, durable=durable) as fp:
        fp.write(data)


def write_text(path: Path | str, text: str, overwrite: bool = True, durable: bool = True) -> None:
    """Write UTF-8 text exactly as given (no newline translation)."""
    write_bytes(path, text.encode("utf-8"), overwrite=overwrite, durable=durable)


def write_json(path: Path | str, obj: Any, overwrite: bool = True) -> None:
    """Write `obj` as indented JSON (NaN/Inf refused) plus a final newline."""
    write_text(path, json.dumps(obj, indent=2, allow_nan=False) + "\n", overwrite=overwrite)


def _check_arrays(arrays: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for key, value in arrays.items():
        value = np.asarray(value)
        if value.dtype.hasobject:
            raise UsageError(f"array {key!r} has dtype object; only numeric and string arrays are written")
        out[key] = value
    return out


def write_npz(path: Path | str, arrays: Mapping[str, np.ndarray], compress: bool = False,
              overwrite: bool = True, durable: bool = True) -> None:
    """Write arrays to an `.npz` (object arrays refused), atomically."""
    arrays = _check_arrays(arrays)
    compression = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
    with atomic_write(path, "wb", overwrite=overwrite, durable=durable) as fp:
        with zipfile.ZipFile(fp, "w", compression=compression, allowZip64=True) as zf:
            for key, value in arrays.items():
                with zf.open(f"{key}.npy", "w", force_zip64=True) as member:
                    npy_format.write_array(member, value, allow_pickle=False)


def write_npy(path: Path | str, array: np.ndarray, overwrite: bool = True, durable: bool = True) -> None:
    """Write one array to an `.npy` (object arrays refused), atomically."""
    array = _check_arrays({"array": array})["array"]
    with atomic_write(path, "wb", overwrite=overwrite, durable=durable) as fp:
        np.save(fp, array, allow_pickle=False)


def write_restricted_pickle(path: Path | str, obj: Any, overwrite: bool = True) -> None:
    """Pickle `obj` (dicts, lists, strings and ints only, so `read_restricted_pickle` reads it back)."""
    try:
        check_plain(obj)
    except FormatError as exc:
        raise UsageError(f"cannot write {path}: {exc.what}; {exc.expected}") from None
    write_bytes(path, pickle.dumps(obj, protocol=4), overwrite=overwrite)


def prepare_output_dir(root: Path | str, append: bool = False) -> Path:
    """Create the folder a dataset is written to; a non-empty one is refused unless `append`."""
    root = Path(root)
    if root.exists() and not root.is_dir():
        raise UsageError(f"{root} is a file, not a folder")
    if root.is_dir() and any(root.iterdir()) and not append:
        raise UsageError(f"{root} is not empty; refusing to write into it without --append")
    root.mkdir(parents=True, exist_ok=True)
    return root
