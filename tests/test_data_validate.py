"""The validator: each check fed a crafted bad input and found with the right sequence and file; the CLI."""

from __future__ import annotations

import io
import json
import os
import pickle
import re
import shutil
import subprocess
import sys
import zipfile

import h5py
import numpy as np
import numpy.lib.format as fmt
import pytest
from fixtures_release import random_interaction, write_tiny_processed, write_tiny_release

from interx.cli_app import main
from interx.data import raw
from interx.data.safe_io import read_npz
from interx.data.splits import read_split
from interx.data.validate import validate_release
from interx.errors import DataError, UsageError

SEQ = "G002T000A001R000"
P1 = f"motions/{SEQ}/P1.npz"
P2 = f"motions/{SEQ}/P2.npz"
TEXT = f"texts/{SEQ}.txt"


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean") / "release"
    write_tiny_release(root)
    return root


@pytest.fixture
def release(clean, tmp_path):
    root = tmp_path / "release"
    shutil.copytree(clean, root)
    return root


def _edit_person(root, file, **changes):
    path = root / file
    arrays = read_npz(path)
    for key, value in changes.items():
        if value is None:
            arrays.pop(key)
        else:
            arrays[key] = value(arrays) if callable(value) else value
    path.unlink()
    np.savez(path, **arrays)


def _set(key, index, value):
    def edit(arrays):
        array = arrays[key].copy()
        array[index] = value
        return array
    return edit


def _split_of(root, name, split_set="official"):
    return next(s for s in ("train", "val", "test") if name in read_split(root, s, split_set))


def _append_line(path, line):
    path.write_text(path.read_text() + line + "\n")


def _remove_line(path, line):
    path.write_text("".join(f"{n}\n" for n in path.read_text().split() if n != line))


def _copy_sequence(root, name):
    shutil.copytree(root / f"motions/{SEQ}", root / f"motions/{name}")


def _truncate(root):
    data = (root / P1).read_bytes()
    (root / P1).write_bytes(data[: len(data) // 3])


def _absurd_header(root):
    buf = io.BytesIO()
    fmt.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": (10**9, 21, 3)})
    (root / P1).unlink()
    with zipfile.ZipFile(root / P1, "w") as zf:
        zf.writestr("pose_body.npy", buf.getvalue())


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch pwned_by_validate",))


# (fault name, damage, expected (sequence, file, regex), the sequence reader fails, only SEQ and '-' have errors)
FAULTS = [
    ("missing P1", lambda r: (r / P1).unlink(), (SEQ, P1, "file missing"), True, True),
    ("missing P2", lambda r: (r / P2).unlink(), (SEQ, P2, "file missing"), True, True),
    ("missing text", lambda r: (r / TEXT).unlink(), (SEQ, TEXT, "text file missing"), False, True),
    ("truncated npz", _truncate, (SEQ, P1, "unreadable or truncated npz"), True, True),
    ("not a zip", lambda r: (r / P2).write_text("hello"), (SEQ, P2, "unreadable or truncated npz"), True, True),
    ("missing key", lambda r: _edit_person(r, P1, pose_lhand=None, trans=None),
     (SEQ, P1, "missing keys pose_lhand, trans"), True, True),
    ("wrong shape", lambda r: _edit_person(r, P1, pose_body=np.zeros((100, 20, 3))),
     (SEQ, P1, r"pose_body has shape \(100, 20, 3\)"), True, True),
    ("frames of one key", lambda r: _edit_person(r, P2, pose_rhand=np.zeros((99, 15, 3))),
     (SEQ, P2, "pose_rhand has 99 frames"), True, True),
    ("P1/P2 frames differ", lambda r: raw.write_person(
        r / P2, random_interaction(np.random.default_rng(0), SEQ, 90).persons[1], overwrite=True),
     (SEQ, f"motions/{SEQ}", "P1 has 100 frames, P2 has 90"), True, True),
    ("NaN", lambda r: _edit_person(r, P1, pose_body=_set("pose_body", (3, 4, 1), np.nan)),
     (SEQ, P1, "pose_body has 1 NaN/Inf values"), True, True),
    ("Inf", lambda r: _edit_person(r, P2, trans=_set("trans", (7, 2), np.inf)),
     (SEQ, P2, "trans has 1 NaN/Inf values"), True, True),
    ("zero length", lambda r: [_edit_person(r, f, **{k: (lambda a, k=k: a[k][:0]) for k in
                                                      ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans")})
                               for f in (P1, P2)],
     (SEQ, P1, "no frames"), True, True),
    ("absurd translation", lambda r: _edit_person(r, P1, trans=_set("trans", (5, 0), 150.0)),
     (SEQ, P1, "translation reaches 150 m"), True, True),
    ("empty text", lambda r: (r / TEXT).write_text("\n  \n"), (SEQ, TEXT, "no text"), True, True),
    ("non-UTF-8 text", lambda r: (r / TEXT).write_bytes(b"A hug\xff\xfe"), (SEQ, TEXT, "not UTF-8"), True, True),
    ("object array", lambda r: _edit_person(r, P1, gender=np.array(["male"], dtype=object)),
     (SEQ, P1, "key 'gender': object array"), True, True),
    ("absurd header", _absurd_header, (SEQ, P1, r"declares shape \(1000000000, 21, 3\)"), True, True),
    ("bad gender", lambda r: _edit_person(r, P1, gender=np.array("alien")), (SEQ, P1, "gender is 'alien'"), True, True),
    ("bad frame rate", lambda r: _edit_person(r, P1, mocap_framerate=np.array(-5.0)),
     (SEQ, P1, "mocap_framerate is -5.0"), True, True),
    ("fps differ", lambda r: _edit_person(r, P1, mocap_framerate=np.array(60.0)),
     (SEQ, f"motions/{SEQ}", "P1 is at 60 fps, P2 at 120 fps"), True, True),
    ("action outside 0-39", lambda r: _copy_sequence(r, "G002T000A040R000"),
     ("G002T000A040R000", "motions/G002T000A040R000", "action id 40 outside 0-39"), None, False),
    ("bad folder name", lambda r: (r / "motions/hello").mkdir(),
     ("hello", "motions/hello", "bad sequence name 'hello'"), None, False),
    ("split name not on disk", lambda r: _append_line(r / "splits/train.txt", "G007T000A000R000"),
     ("G007T000A000R000", "splits/train.txt", "listed but not on disk"), False, False),
    ("on disk in no split", lambda r: _remove_line(r / f"splits/{_split_of(r, SEQ)}.txt", SEQ),
     (SEQ, f"motions/{SEQ}", "in no official split"), False, True),
    ("in two splits", lambda r: _append_line(r / f"splits/{'test' if _split_of(r, SEQ) != 'test' else 'val'}.txt", SEQ),
     (SEQ, None, r"in (train|val) and (val|test)"), False, True),
    ("split line escapes", lambda r: _append_line(r / "splits/val.txt", "../../etc/passwd"),
     ("-", "splits/val.txt", "line 5: bad sequence name '../../etc/passwd'"), False, True),
    ("split file missing", lambda r: (r / "splits/test.txt").unlink(),
     ("-", "splits/test.txt", "split file missing"), False, False),
    ("cross-group group shared", lambda r: _append_line(
        r / f"splits/cross_group/{'val' if _split_of(r, SEQ, 'cross_group') != 'val' else 'test'}.txt",
        "G002T000A000R000") or _remove_line(r / f"splits/cross_group/{_split_of(r, SEQ, 'cross_group')}.txt",
                                            "G002T000A000R000"),
     ("-", "splits/cross_group/", "group 002 is in"), False, True),
    ("malicious pickle", lambda r: (r / "annots/interaction_order.pkl").write_bytes(pickle.dumps({SEQ: _RunsCode()})),
     ("-", "annots/interaction_order.pkl", "posix.system, which is never loaded"), True, True),
    ("malformed pickle", lambda r: (r / "annots/interaction_order.pkl").write_bytes(b"\x80\x04\x95junk"),
     ("-", "annots/interaction_order.pkl", "malformed pickle"), True, True),
    ("order value", lambda r: (r / "annots/interaction_order.pkl").write_bytes(pickle.dumps({SEQ: 7})),
     ("-", "annots/interaction_order.pkl", f"{SEQ} has order value 7"), True, True),
    ("familiarity", lambda r: (r / "annots/familiarity.txt").write_text("1\nfriends\n"),
     ("-", "annots/familiarity.txt", "line 2 is 'friends'"), True, True),
    ("big five", lambda r: np.save(r / "annots/big_five.npy", np.zeros((3, 5))),
     ("-", "annots/big_five.npy", r"shape \(3, 5\)"), True, True),
    ("markers", lambda r: (r / f"skeletons/{SEQ}").mkdir(parents=True) or [
        np.save(r / f"skeletons/{SEQ}/{f}", np.zeros((100, 63, 3), np.float32)) for f in ("P1.npy", "P2.npy")],
     (SEQ, f"skeletons/{SEQ}/P1.npy", r"shape \(100, 63, 3\)"), False, True),
]


def _find(report, sequence, file, pattern):
    return [p for p in report.errors if p.sequence == sequence and (file is None or p.file.startswith(file))
            and re.search(pattern, p.what)]


def test_clean_release_has_no_problem(clean):
    report = validate_release(clean)
    assert report.problems == [] and report.ok and report.kind == "raw"
    assert report.summary() == {"sequences": 12, "sequences_with_errors": 0, "errors": 0, "warnings": 0,
                                "split_train": 4, "split_val": 4, "split_test": 4}


@pytest.mark.parametrize("fault, damage, expected, reader_fails, only_this", FAULTS, ids=[f[0] for f in FAULTS])
def test_each_fault_is_found_where_it_is(release, fault, damage, expected, reader_fails, only_this, monkeypatch):
    monkeypatch.chdir(release.parent)
    damage(release)
    report = validate_release(release)
    found = _find(report, *expected)
    assert found, f"{fault}: {expected} not in {[p.line() for p in report.problems]}"
    assert not report.ok and report.sequences >= 12
    if only_this:
        assert {p.sequence for p in report.errors} <= {SEQ, "-"}, [p.line() for p in report.errors]
    if reader_fails is not None:
        if reader_fails:
            with pytest.raises(DataError):
                raw.RawRelease(release).read(SEQ)
        else:
            raw.RawRelease(release).read(SEQ)
    assert not (release.parent / "pwned_by_validate").exists()


def test_out_of_range_action_refused_by_reader(release):
    _copy_sequence(release, "G002T000A040R000")
    with pytest.raises(DataError, match="action id 40"):
        raw.read_interaction(release / "motions/G002T000A040R000")
    assert "G002T000A040R000" not in raw.list_sequences(release)


def test_many_bad_sequences_do_not_stop_the_run(release):
    names = raw.list_sequences(release)
    (release / f"motions/{names[0]}/P1.npz").write_bytes(b"junk")
    _edit_person(release, f"motions/{names[5]}/P2.npz", trans=_set("trans", (0, 0), np.nan))
    (release / f"texts/{names[11]}.txt").unlink()
    report = validate_release(release)
    assert report.sequences == 12
    assert {p.sequence for p in report.errors} == {names[0], names[5], names[11]}
    assert report.summary()["sequences_with_errors"] == 3


def test_warnings_and_strict(release):
    (release / "annots/big_five.npy").unlink()
    report = validate_release(release)
    assert report.ok and [(p.file, p.severity) for p in report.problems] == [("annots/big_five.npy", "warning")]
    strict = validate_release(release, strict=True)
    assert not strict.ok and strict.errors[0].file == "annots/big_five.npy"


def test_short_sequences_get_a_warning(tmp_path):
    write_tiny_release(tmp_path / "r", frames=40)
    report = validate_release(tmp_path / "r")
    assert report.ok and len(report.warnings) == 12
    assert "10 frames at 30 fps" in report.warnings[0].what


def test_missing_root_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="no such folder"):
        validate_release(tmp_path / "nothing")


def test_empty_folder_reports_missing_motions(tmp_path):
    report = validate_release(tmp_path)
    assert any(p.file == "motions" and "motions folder missing" in p.what for p in report.errors)


def test_json_report(release, tmp_path):
    (release / P1).unlink()
    report = validate_release(release)
    report.write_json(tmp_path / "out" / "report.json")
    data = json.loads((tmp_path / "out" / "report.json").read_text())
    assert data["ok"] is False and data["summary"]["errors"] == 1
    assert data["problems"] == [{"sequence": SEQ, "file": P1, "what": "file missing",
                                 "expected": "P1.npz and P2.npz in every motion folder", "severity": "error"}]


# --- processed release -----------------------------------------------------------------------------------

@pytest.fixture
def processed(tmp_path):
    root = tmp_path / "processed"
    write_tiny_processed(root)
    return root


def _h5(root, split, edit):
    with h5py.File(root / f"motions/{split}.h5", "a") as f:
        first = sorted(f.keys())[0]
        edit(f, first)
        return first


def test_clean_processed_release(processed):
    report = validate_release(processed)
    assert report.kind == "processed" and report.problems == [] and report.sequences == 12


def _nan(f, first):
    f[first][2, 0, 1] = np.nan


def _far(f, first):
    f[first][2, 55, 4] = -500.0


PROCESSED_FAULTS = [
    ("NaN", _nan, "train", (None, "motions/train.h5", "P1: root_orient has 1 NaN/Inf values")),
    ("far", _far, "val", (None, "motions/val.h5", "P2: translation reaches 500 m")),
    ("shape", lambda f, _: f.create_dataset("G009T000A000R000", data=np.zeros((30, 56, 3))), "test",
     ("G009T000A000R000", "motions/test.h5", r"shape \(30, 56, 3\)")),
    ("zero length", lambda f, _: f.create_dataset("G009T000A000R000", data=np.zeros((0, 56, 6))), "test",
     ("G009T000A000R000", "motions/test.h5", "P1: no frames")),
    ("external link", lambda f, _: f.__setitem__("G009T000A000R000", h5py.ExternalLink("/x.h5", "x")), "test",
     ("G009T000A000R000", "motions/test.h5", "HDF5 ExternalLink")),
    ("bad name", lambda f, first: f.__setitem__("../x", f[first][()]), "test",
     ("-", "motions/test.h5", "bad sequence name")),
]


@pytest.mark.parametrize("fault, edit, split, expected", PROCESSED_FAULTS, ids=[f[0] for f in PROCESSED_FAULTS])
def test_processed_faults(processed, fault, edit, split, expected):
    first = _h5(processed, split, edit)
    sequence, file, pattern = expected
    report = validate_release(processed)
    assert _find(report, sequence or first, file, pattern), [p.line() for p in report.problems]


def test_processed_text_and_duplicate_faults(processed):
    names = {s: sorted(h5py.File(processed / f"motions/{s}.h5", "r").keys()) for s in ("train", "val")}
    (processed / f"texts_processed/{names['train'][0]}.txt").unlink()
    (processed / f"texts_processed/{names['train'][1]}.txt").write_text("caption without fields\n")
    with h5py.File(processed / "motions/val.h5", "a") as f:
        f[names["train"][2]] = np.zeros((30, 56, 6), np.float32)
    report = validate_release(processed)
    assert _find(report, names["train"][0], "texts_processed/", "text file missing")
    assert _find(report, names["train"][1], "texts_processed/", "line 1 has 1 '#'-separated fields")
    assert _find(report, names["train"][2], "motions/val.h5", "also in train.h5")
    assert {p.sequence for p in report.errors} == {names["train"][0], names["train"][1], names["train"][2]}


# --- the command -------------------------------------------------------------------------------------

def test_cli_clean_release_exits_0(clean, capsys):
    assert main(["validate", str(clean)]) == 0
    out = capsys.readouterr().out
    assert "sequences with errors" in out and "raw release" in out


def test_cli_bad_release_exits_1_with_one_line_per_problem(release, capsys, tmp_path):
    _edit_person(release, P1, pose_body=_set("pose_body", (3, 4, 1), np.nan))
    (release / TEXT).unlink()
    assert main(["validate", str(release), "--json", str(tmp_path / "r.json")]) == 1
    captured = capsys.readouterr()
    lines = captured.out.splitlines()
    assert f"{SEQ}  {P1}  pose_body has 1 NaN/Inf values (expected finite numbers)" in lines
    assert any(line.startswith(f"{SEQ}  {TEXT}  text file missing") for line in lines)
    assert "Traceback" not in captured.err
    assert json.loads((tmp_path / "r.json").read_text())["summary"]["errors"] == 2


def test_cli_strict_and_usage_errors(release, capsys, tmp_path):
    (release / "annots/familiarity.txt").unlink()
    assert main(["validate", str(release)]) == 0
    assert main(["validate", str(release), "--strict"]) == 1
    assert main(["validate", str(tmp_path / "missing")]) == 2
    assert main(["validate"]) == 2
    assert main(["validate", str(release), "--bogus"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and "no such folder" in err


def test_cli_subprocess_lines_are_not_wrapped(release):
    _edit_person(release, P1, trans=_set("trans", (5, 0), 150.0))
    result = subprocess.run(
        [sys.executable, "-c", "from interx.cli_app import main; main()", "validate", str(release)],
        capture_output=True, text=True, env={**os.environ, "COLUMNS": "40"}, timeout=120,
    )
    assert result.returncode == 1, result.stderr
    assert f"{SEQ}  {P1}  translation reaches 150 m from the origin (expected |trans| <= 100 m)" in result.stdout
    assert "Traceback" not in result.stderr
