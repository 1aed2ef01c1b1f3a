"""Round trips of every Inter-X reader and writer, every shape variant, frame rates and annotations."""

from __future__ import annotations

import zipfile
from pathlib import Path

import hypothesis.extra.numpy as hnp
import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from fixtures_release import random_interaction, random_person, release_names, write_tiny_release

from interx.data import annotations as ann
from interx.data import processed as proc
from interx.data import raw
from interx.data.classes import ACTION_NAMES
from interx.data.safe_io import (FormatError, atomic_write, read_npy, read_npz, read_restricted_pickle, write_json,
                                 write_npy, write_npz, write_restricted_pickle)
from interx.data.splits import make_split, read_split, split_path, write_split
from interx.data.types import MODEL_FPS, RAW_FPS, Interaction
from interx.errors import DataError, UsageError

PERSON_FIELDS = ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans", "betas",
                 "pose_jaw", "pose_eye", "face_expr")


def assert_same_person(a, b):
    for key in PERSON_FIELDS:
        x, y = getattr(a, key), getattr(b, key)
        assert (x is None) == (y is None), key
        if x is not None:
            assert x.dtype == np.float32 and x.shape == y.shape, key
            np.testing.assert_array_equal(x, y, err_msg=key)
    assert (a.gender, a.fps) == (b.gender, b.fps)


# --- one person --------------------------------------------------------------------------

@pytest.mark.parametrize("extras", [False, True])
@pytest.mark.parametrize("fps", [RAW_FPS, 30.0, 59.94])
def test_person_round_trip(tmp_path, extras, fps):
    person = random_person(np.random.default_rng(1), 17, fps=fps, gender="female", extras=extras)
    raw.write_person(tmp_path / "P1.npz", person)
    assert_same_person(raw.read_person(tmp_path / "P1.npz"), person)


def test_person_file_has_release_keys_shapes_and_dtypes(tmp_path):
    raw.write_person(tmp_path / "P1.npz", random_person(np.random.default_rng(2), 9))
    with np.load(tmp_path / "P1.npz", allow_pickle=False) as data:
        shapes = {key: (data[key].shape, data[key].dtype.kind) for key in data.files}
    assert shapes == {"root_orient": ((9, 3), "f"), "pose_body": ((9, 21, 3), "f"), "pose_lhand": ((9, 15, 3), "f"),
                      "pose_rhand": ((9, 15, 3), "f"), "trans": ((9, 3), "f"), "betas": ((1, 10), "f"),
                      "gender": ((), "U")}
    assert np.load(tmp_path / "P1.npz")["root_orient"].dtype == np.float32


def test_mocap_framerate_written_only_off_120_and_honoured(tmp_path):
    rng = np.random.default_rng(3)
    raw.write_person(tmp_path / "a.npz", random_person(rng, 5, fps=RAW_FPS))
    raw.write_person(tmp_path / "b.npz", random_person(rng, 5, fps=30.0))
    assert "mocap_framerate" not in read_npz(tmp_path / "a.npz")
    assert float(read_npz(tmp_path / "b.npz")["mocap_framerate"]) == 30.0
    assert raw.read_person(tmp_path / "a.npz").fps == 120.0
    assert raw.read_person(tmp_path / "b.npz").fps == 30.0


def _release_style_arrays(rng, frames):
    """Arrays in every accepted variant other than the one the writer uses, float64."""
    return {
        "root_orient": rng.standard_normal((frames, 3)),
        "pose_body": rng.standard_normal((frames, 63)),
        "pose_lhand": rng.standard_normal((frames, 45)),
        "pose_rhand": rng.standard_normal((frames, 45)),
        "trans": rng.standard_normal((frames, 3)),
        "betas": rng.standard_normal(10),
        "gender": np.array(b"male"),
        "pose_jaw": rng.standard_normal((frames, 3)),
        "pose_eye": rng.standard_normal((frames, 6)),
        "mocap_framerate": np.array(60),
    }


def test_every_shape_variant_reads_to_the_canonical_shapes(tmp_path):
    arrays = _release_style_arrays(np.random.default_rng(4), 7)
    np.savez(tmp_path / "P1.npz", **arrays)
    person = raw.read_person(tmp_path / "P1.npz")
    assert person.pose_body.shape == (7, 21, 3) and person.pose_lhand.shape == (7, 15, 3)
    assert person.pose_rhand.shape == (7, 15, 3) and person.betas.shape == (10,)
    assert person.pose_eye.shape == (7, 2, 3) and person.pose_jaw.shape == (7, 3)
    assert person.gender == "male" and person.fps == 60.0
    np.testing.assert_array_equal(person.pose_body[:, 4], arrays["pose_body"][:, 12:15].astype(np.float32))
    np.testing.assert_array_equal(person.pose_eye[:, 1], arrays["pose_eye"][:, 3:6].astype(np.float32))
    assert all(getattr(person, k).dtype == np.float32 for k in PERSON_FIELDS if getattr(person, k) is not None)
    # writing it back gives the writer's variant, same values
    raw.write_person(tmp_path / "P2.npz", person)
    assert_same_person(raw.read_person(tmp_path / "P2.npz"), person)
    assert read_npz(tmp_path / "P2.npz")["pose_eye"].shape == (7, 6)


def test_betas_one_by_n_and_gender_unicode_accepted(tmp_path):
    arrays = _release_style_arrays(np.random.default_rng(5), 3)
    arrays.update(betas=np.ones((1, 16)), gender=np.array("neutral"), pose_body=np.zeros((3, 21, 3)))
    np.savez(tmp_path / "P1.npz", **arrays)
    person = raw.read_person(tmp_path / "P1.npz")
    assert person.betas.shape == (16,) and person.gender == "neutral"


def test_write_person_refuses_to_overwrite_by_default(tmp_path):
    person = random_person(np.random.default_rng(6), 4)
    raw.write_person(tmp_path / "P1.npz", person)
    before = (tmp_path / "P1.npz").read_bytes()
    with pytest.raises(DataError, match="already exists"):
        raw.write_person(tmp_path / "P1.npz", random_person(np.random.default_rng(7), 4))
    assert (tmp_path / "P1.npz").read_bytes() == before


# --- texts, markers -------------------------------------------------------------------------

def test_texts_round_trip(tmp_path):
    raw.write_texts(tmp_path / "t.txt", ["One hugs the other.", "  A hug.  "])
    assert (tmp_path / "t.txt").read_text() == "One hugs the other.\nA hug.\n"
    assert raw.read_texts(tmp_path / "t.txt") == ("One hugs the other.", "A hug.")
    (tmp_path / "u.txt").write_bytes("\ufeffcafé line\r\n\r\nsecond".encode("utf-8"))
    assert raw.read_texts(tmp_path / "u.txt") == ("café line", "second")


def test_markers_round_trip(tmp_path):
    markers = np.random.default_rng(8).standard_normal((6, 2, 64, 3)).astype(np.float32)
    raw.write_markers(tmp_path, "G001T000A000R000", markers)
    assert raw.read_markers(tmp_path / "skeletons/G001T000A000R000/P2.npy").shape == (6, 64, 3)
    release = raw.RawRelease(tmp_path)
    np.testing.assert_array_equal(release.markers("G001T000A000R000"), markers)
    assert release.markers("G002T000A000R000") is None


# --- the release ----------------------------------------------------------------------------

def test_release_round_trip(tmp_path):
    rng = np.random.default_rng(9)
    names = release_names(groups=(1, 2), actions=(5, 7))
    originals = [random_interaction(rng, n, 12, familiarity=g, actor=a)
                 for n, g, a in zip(names, (1, 1, 3, 3), (0, 1, 1, 0))]
    scores = rng.uniform(1, 5, (4, 5)).astype(np.float32)
    splits = {"train": names[:2], "val": names[2:3], "test": names[3:]}
    assert raw.write_release(tmp_path, originals, splits=splits, big_five=scores) == names
    release = raw.open_release(tmp_path)
    assert release.names == names and len(release) == 4 and names[0] in release
    assert {s: release.split(s) for s in ("train", "val", "test")} == splits
    assert release.split("all") == names
    assert release.action_names == ACTION_NAMES
    for original in originals:
        back = release.read(original.name)
        assert back.name == original.name and back.texts == original.texts
        assert back.action == original.action and back.familiarity == original.familiarity
        assert back.actor == original.actor and back.fps == RAW_FPS
        np.testing.assert_array_equal(back.meta["big_five"], scores[0:2] if original.name[1:4] == "001" else scores[2:4])
        for a, b in zip(back.persons, original.persons):
            assert_same_person(a, b)


def test_read_interaction_finds_texts_and_annotations_from_root(tmp_path):
    write_tiny_release(tmp_path)
    name = "G002T000A001R000"
    inter = raw.read_interaction(tmp_path / "motions" / name)
    assert inter.action == 1 and inter.familiarity == 3 and inter.texts[0] == "Two people perform action 1."
    assert inter.actor == 0
    assert raw.read_interaction(tmp_path / "motions" / name, actor_convention="reversed").actor == 1
    alone = raw.read_interaction(tmp_path / "motions" / name, root=None)
    assert alone.texts == inter.texts  # root found two levels up
    moved = tmp_path / "elsewhere" / name
    moved.parent.mkdir()
    (tmp_path / "motions" / name).rename(moved)
    bare = raw.read_interaction(moved)
    assert bare.texts == () and bare.action == 1 and bare.actor is None
    assert raw.read_interaction(moved, root=tmp_path).texts == inter.texts


def test_read_interaction_refuses_bad_name_before_any_path(tmp_path):
    with pytest.raises(DataError, match="bad sequence name"):
        raw.read_interaction(tmp_path / "motions" / "..")
    with pytest.raises(DataError, match="bad sequence name"):
        raw.RawRelease(tmp_path).read("../../etc/passwd")


def test_write_release_refuses_non_empty_folder_without_append(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    rng = np.random.default_rng(10)
    with pytest.raises(UsageError, match="not empty"):
        raw.write_release(tmp_path, [random_interaction(rng, "G001T000A000R000")])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_append_adds_sequences_and_merges_lists_without_rewriting(tmp_path):
    names = write_tiny_release(tmp_path)
    before = {p: p.read_bytes() for p in (tmp_path / "motions").rglob("*.npz")}
    rng = np.random.default_rng(11)
    new = random_interaction(rng, "G009T001A003R000", familiarity=2, actor=1)
    raw.write_release(tmp_path, [new], splits={"train": [new.name]}, append=True)
    release = raw.RawRelease(tmp_path)
    assert release.names == sorted(names + [new.name])
    assert release.split("all") == names + [new.name]
    assert release.split("train")[-1] == new.name and len(release.split("train")) == 5
    assert release.familiarity[9] == 2 and release.familiarity[1] == 2
    assert release.actor(new.name) == 1 and release.actor(names[0]) == 0
    assert all(p.read_bytes() == b for p, b in before.items())
    with pytest.raises(DataError, match="already exists"):
        raw.write_interaction(tmp_path, new, append=True)
    assert all(p.read_bytes() == b for p, b in before.items())


def test_append_refuses_conflicting_annotations(tmp_path):
    write_tiny_release(tmp_path)
    rng = np.random.default_rng(12)
    conflicting = random_interaction(rng, "G001T005A000R000", familiarity=4)  # group 1 has level 2
    with pytest.raises(DataError, match="refusing to rewrite"):
        raw.write_interaction(tmp_path, conflicting, append=True)
    assert ann.read_familiarity(tmp_path / "annots/familiarity.txt")[1] == 2


def test_writer_refuses_inconsistent_interactions(tmp_path):
    rng = np.random.default_rng(13)
    good = random_interaction(rng, "G001T000A000R000", 10)
    short = Interaction(good.name, (good.persons[0], random_person(rng, 9)), good.texts)
    with pytest.raises(UsageError, match="frames"):
        raw.write_release(tmp_path / "a", [short])
    wrong_action = Interaction(good.name, good.persons, good.texts, action=5)
    with pytest.raises(UsageError, match="action"):
        raw.write_release(tmp_path / "b", [wrong_action])


# --- annotations ------------------------------------------------------------------------------

def test_action_names_round_trip_without_trailing_newline(tmp_path):
    ann.write_action_names(tmp_path / "a.txt", ACTION_NAMES)
    text = (tmp_path / "a.txt").read_text()
    assert not text.endswith("\n") and text.split("\n")[34] == "Kiss on cheek"
    assert ann.read_action_names(tmp_path / "a.txt") == ACTION_NAMES
    (tmp_path / "b.txt").write_text("\n".join(ACTION_NAMES) + "\n")
    assert ann.read_action_names(tmp_path / "b.txt") == ACTION_NAMES


def test_big_five_and_familiarity_round_trip(tmp_path):
    scores = np.arange(20, dtype=np.float32).reshape(4, 5)
    ann.write_big_five(tmp_path / "b.npy", scores)
    back = ann.read_big_five(tmp_path / "b.npy")
    np.testing.assert_array_equal(back, scores)
    np.testing.assert_array_equal(ann.big_five_of(back, 2), scores[2:4])
    assert ann.big_five_of(back, 3) is None
    ann.write_familiarity(tmp_path / "f.txt", {1: 4, 3: 2})
    assert (tmp_path / "f.txt").read_text() == "4\n0\n2\n"
    assert ann.read_familiarity(tmp_path / "f.txt") == {1: 4, 3: 2}
    (tmp_path / "g.txt").write_text("1\n5\n")
    with pytest.raises(FormatError, match="line 2"):
        ann.read_familiarity(tmp_path / "g.txt")


def test_interaction_order_round_trip_and_conventions(tmp_path):
    order = {"G001T000A000R000": 0, "G001T000A001R000": 1}
    ann.write_interaction_order(tmp_path / "o.pkl", order)
    assert ann.read_interaction_order(tmp_path / "o.pkl") == order
    assert [ann.actor_from_order(v, "readme") for v in (0, 1)] == [0, 1]
    assert [ann.actor_from_order(v, "reversed") for v in (0, 1)] == [1, 0]
    assert all(ann.actor_from_order(ann.order_from_actor(a, c), c) == a for a in (0, 1) for c in ann.ACTOR_CONVENTIONS)
    with pytest.raises(UsageError, match="convention"):
        ann.actor_from_order(0, "sideways")
    write_restricted_pickle(tmp_path / "bad.pkl", {"G001T000A000R000": 2})
    with pytest.raises(FormatError, match="order value 2"):
        ann.read_interaction_order(tmp_path / "bad.pkl")
    write_restricted_pickle(tmp_path / "list.pkl", ["G001T000A000R000"])
    with pytest.raises(FormatError, match="a dict"):
        ann.read_interaction_order(tmp_path / "list.pkl")


# --- splits ---------------------------------------------------------------------------------------

def test_split_files_round_trip(tmp_path):
    names = release_names()
    write_split(tmp_path, "train", names[:5])
    write_split(tmp_path, "all", names)
    write_split(tmp_path, "test", names[5:], split_set="cross_group")
    assert read_split(tmp_path, "train") == names[:5]
    assert read_split(tmp_path, "test", "cross_group") == names[5:]
    assert not split_path(tmp_path, "all").read_text().endswith("\n")
    assert split_path(tmp_path, "train").read_text().endswith("\n")
    assert split_path(tmp_path, "test", "cross_group") == tmp_path / "splits/cross_group/test.txt"
    with pytest.raises(DataError, match="already exists"):
        write_split(tmp_path, "train", names[5:])
    assert write_split(tmp_path, "train", names[3:7], merge=True) == names[:7]
    with pytest.raises(UsageError):
        read_split(tmp_path, "all", "cross_group")
    with pytest.raises(FormatError, match="split file missing"):
        read_split(tmp_path, "val")


def test_make_split_official_and_cross_group():
    names = release_names(groups=range(1, 11), actions=range(20))
    official = make_split(names, seed=3)
    assert official == make_split(names, seed=3) and official != make_split(names, seed=4)
    assert sorted(sum(official.values(), [])) == sorted(names)
    assert [len(official[s]) for s in ("train", "val", "test")] == [160, 10, 30]
    for split in ("train", "val", "test"):
        assert {n[1:4] for n in official[split]} == {f"{g:03d}" for g in range(1, 11)}
    cross = make_split(names, fractions=(0.6, 0.2, 0.2), seed=3, by_group=True)
    groups = {s: {n[1:4] for n in v} for s, v in cross.items()}
    assert [len(groups[s]) for s in ("train", "val", "test")] == [6, 2, 2]
    assert not (groups["train"] & groups["val"] or groups["train"] & groups["test"] or groups["val"] & groups["test"])
    assert sorted(sum(cross.values(), [])) == sorted(names)


# --- processed release ----------------------------------------------------------------------------

def test_processed_layout_known_answer():
    rng = np.random.default_rng(14)
    inter = random_interaction(rng, "G001T000A004R000", 6, fps=MODEL_FPS)
    motion = proc.to_processed(inter)
    p1, p2 = inter.persons
    assert motion.shape == (6, 56, 6) and motion.dtype == np.float32
    np.testing.assert_array_equal(motion[:, 0, 0:3], p1.root_orient)
    np.testing.assert_array_equal(motion[:, 1:22, 3:6], p2.pose_body)
    np.testing.assert_array_equal(motion[:, 25:40, 0:3], p1.pose_lhand)
    np.testing.assert_array_equal(motion[:, 40:55, 3:6], p2.pose_rhand)
    np.testing.assert_array_equal(motion[:, 22:25], 0.0)
    np.testing.assert_array_equal(motion[:, 55, 0:3], p1.trans)
    np.testing.assert_array_equal(motion[:, 55, 3:6], p2.trans)
    back = proc.from_processed(inter.name, motion, inter.texts)
    assert back.fps == MODEL_FPS and back.action == 4 and back.texts == inter.texts
    for a, b in zip(back.persons, inter.persons):
        assert a.gender == "neutral" and not a.betas.any()
        for key in ("root_orient", "pose_body", "pose_lhand", "pose_rhand", "trans"):
            np.testing.assert_array_equal(getattr(a, key), getattr(b, key))


def test_processed_refuses_other_frame_rates():
    inter = random_interaction(np.random.default_rng(15), "G001T000A004R000", 8, fps=RAW_FPS)
    with pytest.raises(UsageError, match="30 fps"):
        proc.to_processed(inter)


def test_processed_release_round_trip_and_append(tmp_path):
    rng = np.random.default_rng(16)
    names = release_names(groups=(1, 2), actions=(0, 1))
    inters = {n: random_interaction(rng, n, 30, fps=MODEL_FPS) for n in names}
    proc.write_processed(tmp_path, {"train": [inters[n] for n in names[:3]], "test": [inters[names[3]]]})
    release = proc.ProcessedRelease(tmp_path)
    assert release.splits == {"train": names[:3], "test": names[3:]}
    assert release.split("val") == [] and release.names == names
    for name, inter in inters.items():
        back = release.read(name)
        np.testing.assert_array_equal(proc.to_processed(back), proc.to_processed(inter))
        assert back.texts == inter.texts
    assert release.read(names[3]).meta["split"] == "test"
    with pytest.raises(UsageError, match="not empty"):
        proc.write_processed(tmp_path, {"val": []})
    extra = random_interaction(rng, "G003T000A002R000", 30, fps=MODEL_FPS)
    proc.write_processed(tmp_path, {"train": [extra]}, append=True)
    assert proc.ProcessedRelease(tmp_path).split("train") == sorted(names[:3] + [extra.name])
    with pytest.raises(DataError, match="already exists"):
        proc.write_processed(tmp_path, {"val": [inters[names[0]]]}, append=True)
    assert proc.ProcessedRelease(tmp_path).split("val") == []


def test_processed_texts_parse_official_lines(tmp_path):
    path = tmp_path / "G001T000A000R000.txt"
    path.write_text("Two people hug each other.#two/NUM people/NOUN hug/VERB each/DET other/ADJ#0.0#0.0\n"
                    "They embrace; #1 hug.#they/PRON embrace/VERB hug/NOUN#nan#0.0\n")
    texts = proc.read_processed_texts(path)
    assert texts[0] == proc.ProcessedText("Two people hug each other.",
                                          ("two/NUM", "people/NOUN", "hug/VERB", "each/DET", "other/ADJ"), 0.0, 0.0)
    assert texts[1].caption == "They embrace; #1 hug." and texts[1].start == 0.0
    proc.write_processed_texts(tmp_path / "out.txt", [texts[0], "A high-five."])
    back = proc.read_processed_texts(tmp_path / "out.txt")
    assert back[0] == texts[0] and back[1].tokens == ("a/OTHER", "highfive/OTHER")
    with pytest.raises(UsageError, match="without '#'"):  # the official reader would cut it at the '#'
        proc.write_processed_texts(tmp_path / "hash.txt", [texts[1]])
    (tmp_path / "bad.txt").write_text("no hashes here\n")
    with pytest.raises(FormatError, match="line 1"):
        proc.read_processed_texts(tmp_path / "bad.txt")


# --- atomic writers -----------------------------------------------------------------------------

def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "report.json"
    write_json(target, {"a": 1})
    with pytest.raises(RuntimeError):
        with atomic_write(target, "w") as fp:
            fp.write('{"half": ')
            raise RuntimeError("killed")
    assert target.read_text() == '{\n  "a": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["report.json"]
    with pytest.raises(DataError, match="already exists"):
        write_json(target, {"b": 2}, overwrite=False)


def test_npz_npy_pickle_writers_round_trip(tmp_path):
    arrays = {"a": np.arange(12, dtype=np.int16).reshape(3, 4), "b": np.array("text"),
              "c": np.asfortranarray(np.ones((2, 3))), "file": np.zeros(0)}
    write_npz(tmp_path / "x.npz", arrays, compress=True)
    back = read_npz(tmp_path / "x.npz")
    assert back.keys() == arrays.keys()
    for key in arrays:
        np.testing.assert_array_equal(back[key], arrays[key])
        assert back[key].dtype == arrays[key].dtype
    with zipfile.ZipFile(tmp_path / "x.npz") as zf:
        assert zf.getinfo("a.npy").compress_type == zipfile.ZIP_DEFLATED
    write_npy(tmp_path / "y.npy", arrays["c"])
    np.testing.assert_array_equal(read_npy(tmp_path / "y.npy"), arrays["c"])
    plain = {"k": [1, "two", {"3": -4, 5: []}], "flag": True}
    write_restricted_pickle(tmp_path / "z.pkl", plain)
    assert read_restricted_pickle(tmp_path / "z.pkl") == plain
    with pytest.raises(UsageError):
        write_restricted_pickle(tmp_path / "w.pkl", {"k": 1.5})
    assert not Path(tmp_path / "w.pkl").exists()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(array=hnp.arrays(dtype=st.sampled_from([np.float32, np.float64, np.int8, np.uint16, np.bool_, "<U3", ">f4"]),
                        shape=hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=4)),
       fortran=st.booleans())
def test_npz_reader_matches_numpy_for_any_array(tmp_path, array, fortran):
    array = np.asfortranarray(array) if fortran else array
    path = tmp_path / "h.npz"
    np.savez(path, x=array)
    back = read_npz(path)["x"]
    with np.load(path, allow_pickle=False) as ref:
        expected = ref["x"]
    assert back.dtype == expected.dtype and back.shape == expected.shape
    np.testing.assert_array_equal(back, expected)
