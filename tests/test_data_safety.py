"""Untrusted input: pickles that try to run code, npz headers that lie, HDF5 links, path escapes."""

from __future__ import annotations

import io
import os
import pickle
import tracemalloc
import zipfile

import h5py
import numpy as np
import numpy.lib.format as npy_format
import pytest
from fixtures_release import random_person, write_tiny_processed, write_tiny_release

from interx.data import annotations as ann
from interx.data import processed as proc
from interx.data import raw
from interx.data.safe_io import (FormatError, read_npy, read_npz, read_restricted_pickle, read_text_bytes,
                                 write_npz)
from interx.data.splits import read_split
from interx.data.validate import Problem
from interx.errors import DataError, UsageError

NAME = "G001T000A000R000"


class _RunsCode:
    """Unpickling this with the stock unpickler would run a shell command."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _npy_bytes(header: dict, data: bytes = b"") -> bytes:
    buf = io.BytesIO()
    npy_format.write_array_header_1_0(buf, header)
    return buf.getvalue() + data


def _zip(path, members: dict[str, bytes]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)


# --- pickles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("protocol", range(pickle.HIGHEST_PROTOCOL + 1))
def test_malicious_pickle_never_runs(tmp_path, protocol):
    marker = tmp_path / "pwned"
    path = tmp_path / "interaction_order.pkl"
    path.write_bytes(pickle.dumps({NAME: _RunsCode(marker)}, protocol=protocol))
    with pytest.raises(FormatError, match="never loaded") as info:
        ann.read_interaction_order(path)
    assert str(path) in str(info.value)
    assert not marker.exists()
    # the same file really would run code through the stock unpickler
    pickle.loads(path.read_bytes())
    assert marker.exists()


def test_malicious_pickle_in_a_release_is_refused_when_reading(tmp_path):
    write_tiny_release(tmp_path)
    marker = tmp_path / "pwned"
    (tmp_path / "annots/interaction_order.pkl").write_bytes(pickle.dumps({NAME: _RunsCode(marker)}))
    with pytest.raises(DataError, match="interaction_order.pkl"):
        raw.read_interaction(tmp_path / "motions" / NAME)
    assert not marker.exists()


@pytest.mark.parametrize("obj, what", [
    ((1, 2), "tuple"), (1.5, "float"), (b"bytes", "bytes"), ({1, 2}, "set"), ({NAME: None}, "NoneType"),
    ({(1, 2): 3}, "key of type tuple"), ([[1], frozenset()], "frozenset"),
])
def test_pickle_with_other_types_refused(tmp_path, obj, what):
    path = tmp_path / "x.pkl"
    path.write_bytes(pickle.dumps(obj, protocol=4))
    with pytest.raises(FormatError, match=what):
        read_restricted_pickle(path)


@pytest.mark.parametrize("data", [b"", b"\x80\x04garbage", b"not a pickle at all", b"\x80\x05\x95\xff\xff\xff\xff"])
def test_malformed_pickle_is_a_data_error(tmp_path, data):
    path = tmp_path / "x.pkl"
    path.write_bytes(data)
    with pytest.raises(FormatError, match="malformed pickle"):
        read_restricted_pickle(path)


def test_self_referencing_pickle_is_checked_without_looping(tmp_path):
    loop: list = []
    loop.append(loop)
    (tmp_path / "x.pkl").write_bytes(pickle.dumps({"a": loop}))
    assert read_restricted_pickle(tmp_path / "x.pkl")["a"][0] is not None


# --- npz and npy -----------------------------------------------------------------------------

def test_object_array_refused_naming_file_and_key(tmp_path):
    path = tmp_path / "P1.npz"
    np.savez(path, trans=np.zeros((2, 3)), gender=np.array(["male", None], dtype=object))
    with pytest.raises(FormatError, match="key 'gender': object array") as info:
        read_npz(path)
    assert str(path) in str(info.value)
    with pytest.raises(UsageError, match="object"):
        write_npz(tmp_path / "w.npz", {"g": np.array([None], dtype=object)})


def test_absurd_declared_shape_refused_without_allocation(tmp_path):
    path = tmp_path / "P1.npz"
    header = {"descr": "<f4", "fortran_order": False, "shape": (10**10, 55, 3)}
    _zip(path, {"trans.npy": _npy_bytes(header, b"\0" * 64)})
    tracemalloc.start()
    try:
        with pytest.raises(FormatError, match=r"declares shape \(10000000000, 55, 3\)"):
            read_npz(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2_000_000  # bytes: nothing near the declared 6.6 TB was allocated
    with pytest.raises(FormatError, match="declares shape"):
        raw.read_person(path)


def test_element_limit_is_configurable_and_counts_the_whole_file(tmp_path):
    path = tmp_path / "a.npz"
    write_npz(path, {"a": np.zeros(60), "b": np.zeros(60)})
    assert read_npz(path, max_elements=120)["b"].shape == (60,)
    with pytest.raises(FormatError, match=r"key 'b': .*120 in the file.*at most 100 elements per file"):
        read_npz(path, max_elements=100)
    np.save(tmp_path / "m.npy", np.zeros((5, 64, 3)))
    with pytest.raises(FormatError, match="declares shape"):
        read_npy(tmp_path / "m.npy", max_elements=10)


def test_header_promising_more_data_than_present_refused(tmp_path):
    path = tmp_path / "a.npz"
    _zip(path, {"trans.npy": _npy_bytes({"descr": "<f4", "fortran_order": False, "shape": (1000, 3)}, b"\0" * 12)})
    with pytest.raises(FormatError, match="header declares 12000"):
        read_npz(path)
    (tmp_path / "b.npy").write_bytes(_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (9,)}, b"\0" * 8))
    with pytest.raises(FormatError, match="truncated|declares"):
        read_npy(tmp_path / "b.npy")


def test_truncated_corrupt_and_foreign_files_refused(tmp_path):
    good = tmp_path / "good.npz"
    write_npz(good, {"trans": np.arange(300, dtype=np.float32).reshape(100, 3)})
    data = good.read_bytes()
    (tmp_path / "cut.npz").write_bytes(data[: len(data) // 2])
    flipped = bytearray(data)
    offset = data.index(np.arange(300, dtype=np.float32).tobytes()[:64]) + 40
    flipped[offset] ^= 0xFF
    (tmp_path / "crc.npz").write_bytes(bytes(flipped))
    (tmp_path / "text.npz").write_text("hello")
    _zip(tmp_path / "badhead.npz", {"trans.npy": b"\x93NUMPY\x01\x00\x10\x00{'descr': 'xx'}\n"})
    for name, what in [("cut", "unreadable or truncated"), ("crc", "unreadable or truncated"),
                       ("text", "unreadable or truncated"), ("badhead", "header"), ("missing", "file missing")]:
        with pytest.raises(FormatError, match=what) as info:
            read_npz(tmp_path / f"{name}.npz")
        assert f"{name}.npz" in str(info.value) and "\n" not in str(info.value)


# --- text --------------------------------------------------------------------------------------

def test_text_problems_are_data_errors(tmp_path):
    (tmp_path / "latin.txt").write_bytes("caf\xe9".encode("latin-1"))
    with pytest.raises(FormatError, match="not UTF-8 text .byte 0xe9 at offset 3"):
        raw.read_texts(tmp_path / "latin.txt")
    (tmp_path / "blank.txt").write_text(" \n\n")
    with pytest.raises(FormatError, match="no text"):
        raw.read_texts(tmp_path / "blank.txt")
    (tmp_path / "big.txt").write_bytes(b"x" * 2000)
    with pytest.raises(FormatError, match="file of 2000 bytes"):
        read_text_bytes(tmp_path / "big.txt", max_bytes=1000)


# --- names and paths ------------------------------------------------------------------------------

def test_split_file_cannot_point_outside_the_release(tmp_path):
    write_tiny_release(tmp_path)
    (tmp_path / "splits/train.txt").write_text(f"{NAME}\n../../etc/passwd\n")
    with pytest.raises(FormatError, match="line 2: bad sequence name '../../etc/passwd'"):
        read_split(tmp_path, "train")
    for bad in ("../../etc/passwd", "G001T000A000R000/../../x", "/etc", "G001T000A040R000"):
        with pytest.raises(DataError):
            raw.sequence_paths(tmp_path, bad)


def test_problem_lines_escape_terminal_control_characters():
    line = Problem("-", "splits/train.txt", "line 1: bad sequence name '\x1b[2J\x1b]0;owned\x07'", "a name").line()
    assert "\x1b" not in line and "\x07" not in line and "\\x1b[2J" in line


# --- HDF5 -------------------------------------------------------------------------------------

def _processed_with(root, build):
    write_tiny_processed(root)
    with h5py.File(root / "motions/val.h5", "a") as f:
        build(f)
    return proc.ProcessedRelease(root)


def test_h5_external_link_refused(tmp_path):
    with h5py.File(tmp_path / "elsewhere.h5", "w") as f:
        f["x"] = np.zeros((30, 56, 6), np.float32)
    release = _processed_with(tmp_path / "rel", lambda f: f.__setitem__(
        "G009T000A000R000", h5py.ExternalLink(str(tmp_path / "elsewhere.h5"), "x")))
    with pytest.raises(FormatError, match="G009T000A000R000 is an HDF5 ExternalLink"):
        release.motion("G009T000A000R000")
    with pytest.raises(FormatError, match="ExternalLink"):
        list(proc.read_split_file(tmp_path / "rel/motions/val.h5"))


def test_h5_soft_link_external_storage_virtual_and_groups_refused(tmp_path):
    raw_bytes = tmp_path / "raw.bin"
    raw_bytes.write_bytes(b"\0" * (30 * 56 * 6 * 4))
    with h5py.File(tmp_path / "v.h5", "w") as f:
        f["x"] = np.zeros((30, 56, 6), np.float32)

    def build(f):
        first = sorted(f.keys())[0]
        f["G009T000A000R000"] = h5py.SoftLink(f"/{first}")
        f.create_dataset("G009T000A001R000", shape=(30, 56, 6), dtype="f4",
                         external=[(str(raw_bytes), 0, h5py.h5f.UNLIMITED)])
        layout = h5py.VirtualLayout(shape=(30, 56, 6), dtype="f4")
        layout[:] = h5py.VirtualSource(str(tmp_path / "v.h5"), "x", shape=(30, 56, 6))
        f.create_virtual_dataset("G009T000A002R000", layout)
        f.create_group("G009T000A003R000")
        f["G009T000A004R000"] = np.zeros((30, 55, 6), np.float32)

    release = _processed_with(tmp_path / "rel", build)
    for name, what in [("G009T000A000R000", "SoftLink"), ("G009T000A001R000", "outside this file"),
                       ("G009T000A002R000", "outside this file"), ("G009T000A003R000", "is a group"),
                       ("G009T000A004R000", r"shape \(30, 55, 6\)")]:
        with pytest.raises(FormatError, match=what):
            release.motion(name)
    with h5py.File(tmp_path / "rel/motions/val.h5", "a") as f:
        f["not_a_name"] = np.zeros((30, 56, 6), np.float32)
    with pytest.raises(DataError, match="bad sequence name 'not_a_name'"):
        proc.ProcessedRelease(tmp_path / "rel").splits


def test_not_an_h5_file(tmp_path):
    (tmp_path / "motions").mkdir()
    (tmp_path / "motions/test.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 20)
    with pytest.raises(FormatError, match="unreadable HDF5"):
        proc.ProcessedRelease(tmp_path).splits


# --- fuzzing: any damage is a DataError, never another exception -------------------------------

def test_randomly_damaged_npz_is_a_data_error_or_reads(tmp_path):
    good = tmp_path / "good.npz"
    raw.write_person(good, random_person(np.random.default_rng(0), 8, extras=True), compress=True)
    data = good.read_bytes()
    rng = np.random.default_rng(1)
    outcomes = {"read": 0, "refused": 0}
    for trial in range(150):
        damaged = bytearray(data)
        if trial % 3 == 0:
            damaged = damaged[: rng.integers(0, len(data))]
        else:
            for at in rng.integers(0, len(data), size=1 + trial % 4):
                damaged[at] = rng.integers(0, 256)
        path = tmp_path / f"d{trial}.npz"
        path.write_bytes(bytes(damaged))
        try:
            raw.read_person(path)
            outcomes["read"] += 1
        except DataError:
            outcomes["refused"] += 1
    assert outcomes["refused"] > 100


def test_random_bytes_as_pickle_never_escape(tmp_path):
    rng = np.random.default_rng(2)
    seed = pickle.dumps({NAME: 1, "G001T000A001R000": [0, "x"]}, protocol=2)
    for trial in range(300):
        data = bytearray(seed)
        for at in rng.integers(0, len(data), size=1 + trial % 3):
            data[at] = rng.integers(0, 256)
        path = tmp_path / "p.pkl"
        path.write_bytes(bytes(data))
        try:
            read_restricted_pickle(path)
        except FormatError:
            pass
