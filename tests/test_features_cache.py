"""The preprocessing cache: round trip, workers, statistics, atomicity, staleness, bad input, length filter,
processed source."""

import os
import shutil

import numpy as np
import pytest
from fixtures_release import random_interaction, release_names, write_tiny_processed, write_tiny_release

from interx.body.joints import BODY, NUM_JOINTS
from interx.data import processed as proc
from interx.data import raw
from interx.data.names import format_name
from interx.errors import DataError, UsageError
from interx.features import build as build_module
from interx.features.cache import build_cache, ensure_cache, is_stale, open_cache
from interx.features.frames import to_official_frame
from interx.features.representations import intergen_262_rows
from interx.features.sequence import prepare_pair
from interx.body.kinematics import pose_joints
from interx.body.skeleton import rest_joints


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("release") / "rel"
    write_tiny_release(root)
    return root


@pytest.fixture(scope="module")
def cache(release, tmp_path_factory):
    out = tmp_path_factory.mktemp("cache") / "cache"
    summary = build_cache(release, out)
    assert summary.ok and not summary.dropped
    return open_cache(out)


def _arrays(folder):
    return {f.name: np.load(f, allow_pickle=False) for f in sorted(folder.rglob("*.npy"))}


def test_round_trip_values_equal_what_was_written(cache, release):
    source = raw.open_release(release)
    assert cache.splits == ("train", "val", "test")
    for split in cache.splits:
        data = cache.split(split)
        assert list(data.names) == source.split(split)
        for i, name in enumerate(data.names):
            inter = source.read(name)
            item = prepare_pair(inter)
            np.testing.assert_array_equal(data.pose(i), item.pose)
            np.testing.assert_array_equal(data.trans(i), item.trans)
            np.testing.assert_array_equal(data.joints(i), item.joints)
            np.testing.assert_array_equal(data.canonical(i), item.canonical)
            np.testing.assert_array_equal(data.canonical_joints(i), item.canonical_joints())
            np.testing.assert_array_equal(data.intergen_262(i), item.intergen_262())
            np.testing.assert_array_equal(data.evaluator_672(i), item.evaluator_672())
            assert data.official_56x6(i).shape == (25, 56, 6)
            assert data.texts[i] == inter.texts and data.actions[i] == inter.action and data.lengths[i] == 25
            assert (data.familiarity[i], data.actors[i]) == (inter.familiarity, inter.actor)
            back = data.to_interaction(i)
            assert back.fps == 30.0 and back.name == name and back.texts == inter.texts
            np.testing.assert_array_equal(back.persons[1].pose_body, item.pose[:, 1, 1:22])
            np.testing.assert_array_equal(back.persons[0].betas, inter.persons[0].betas)
            assert back.persons[1].gender == inter.persons[1].gender
    assert not data.pose(0).flags.writeable                       # memory-mapped, read-only


def test_workers_give_identical_bytes(cache, release, tmp_path):
    build_cache(release, tmp_path / "w2", workers=2)
    first, second = _arrays(cache.path), _arrays(tmp_path / "w2")
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    with np.load(tmp_path / "w2" / "stats.npz") as stats:
        for key in stats.files:
            np.testing.assert_array_equal(stats[key], cache.stats[key])


def test_train_statistics_equal_direct_computation(cache):
    train = cache.split("train")
    rows = np.concatenate([intergen_262_rows(train.item(i)) for i in range(len(train))]).astype(np.float64)
    np.testing.assert_allclose(cache.stats["intergen_262_mean"], rows.mean(0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(cache.stats["intergen_262_std"], rows.std(0), rtol=1e-5, atol=1e-6)
    assert int(cache.stats["intergen_262_count"]) == len(rows)
    assert cache.stats["official_56x6_mean"].shape == (56, 6)
    assert cache.stats["evaluator_672_std"].shape == (672,)


def test_failed_build_leaves_old_cache_intact_and_no_temporary_folder(release, tmp_path, monkeypatch):
    out = tmp_path / "cache"
    build_cache(release, out)
    before = _arrays(out)
    manifest = (out / "manifest.json").read_bytes()
    calls = {"n": 0}
    real = build_module.prepare_pair

    def crash_after_five(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 5:
            raise RuntimeError("simulated crash")
        return real(*args, **kwargs)

    monkeypatch.setattr(build_module, "prepare_pair", crash_after_five)
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_cache(release, out, body_only=True)
    assert calls["n"] == 6
    assert (out / "manifest.json").read_bytes() == manifest
    after = _arrays(out)
    assert all(np.array_equal(before[k], after[k]) for k in before)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cache"]
    # without an old cache, a failed build leaves nothing at the target
    with pytest.raises(RuntimeError):
        build_cache(release, tmp_path / "fresh")
    assert not (tmp_path / "fresh").exists()


def test_abandoned_temporary_folder_is_never_trusted_and_is_cleaned(release, tmp_path):
    dead = tmp_path / ".cache.building-999999999-x"            # what a killed build leaves
    (dead / "train").mkdir(parents=True)
    with pytest.raises(DataError, match="manifest"):
        open_cache(dead)
    assert is_stale(dead, release)
    build_cache(release, tmp_path / "cache")
    assert not dead.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["cache"]


def test_refuses_to_replace_a_folder_that_is_not_a_cache(release, tmp_path):
    (tmp_path / "precious").mkdir()
    (tmp_path / "precious" / "notes.txt").write_text("keep me")
    with pytest.raises(UsageError, match="not an interx cache"):
        build_cache(release, tmp_path / "precious")
    assert (tmp_path / "precious" / "notes.txt").read_text() == "keep me"


def test_staleness_detected_and_rebuilt(tmp_path):
    root = tmp_path / "rel"
    names = write_tiny_release(root)
    out = tmp_path / "cache"
    cache = ensure_cache(root, out)
    assert not is_stale(cache, root) and not is_stale(out)
    stamp = (out / "manifest.json").stat().st_mtime_ns
    assert ensure_cache(root, out).manifest == cache.manifest          # fresh: not rebuilt
    assert (out / "manifest.json").stat().st_mtime_ns == stamp
    p1 = raw.sequence_paths(root, names[0])["P1"]
    info = p1.stat()
    os.utime(p1, ns=(info.st_atime_ns, info.st_mtime_ns + 10**9))    # touched
    assert is_stale(out, root)
    rebuilt = ensure_cache(root, out)
    assert rebuilt.manifest["fingerprint"] != cache.manifest["fingerprint"] and not is_stale(rebuilt)
    (root / "texts" / f"{names[1]}.txt").write_text("A new description.\n")   # modified
    assert is_stale(out, root)
    ensure_cache(root, out)
    assert not is_stale(out, root)
    assert ensure_cache(root, out, body_only=True).options.body_only   # other options: rebuilt
    assert is_stale(out, tmp_path / "elsewhere")                        # another source


def test_bad_sequences_are_reported_and_skipped_or_fatal_when_strict(tmp_path):
    root = tmp_path / "rel"
    names = write_tiny_release(root)
    bad = raw.sequence_paths(root, names[2])["P2"]
    bad.write_bytes(bad.read_bytes()[:300])                             # truncated npz
    shutil.rmtree(raw.sequence_paths(root, names[5])["motion_dir"])     # in a split, not on disk
    summary = build_cache(root, tmp_path / "cache")
    assert not summary.ok
    problems = {p.sequence: p for p in summary.problems}
    assert set(problems) == {names[2], names[5]}
    assert problems[names[2]].file == f"motions/{names[2]}/P2.npz"
    assert "truncated" in problems[names[2]].what or "unreadable" in problems[names[2]].what
    assert problems[names[5]].file.startswith(f"motions/{names[5]}/P1.npz")
    cache = open_cache(tmp_path / "cache")
    kept = [n for s in cache.splits for n in cache.split(s).names]
    assert len(kept) == len(names) - 2 and names[2] not in kept
    assert sum(c["errors"] for c in summary.splits.values()) == 2
    assert cache.manifest["problems"][0]["sequence"] in (names[2], names[5])
    with pytest.raises(DataError, match=names[2]):
        build_cache(root, tmp_path / "strict", strict=True)
    assert not (tmp_path / "strict").exists()


def test_length_filter_drops_as_the_official_processing(tmp_path):
    rng = np.random.default_rng(5)
    frames = {format_name(1, 0, 0, 0): 92, format_name(1, 0, 1, 0): 93, format_name(1, 0, 2, 0): 3996,
              format_name(1, 0, 3, 0): 3997}   # 23, 24, 999 and 1000 frames at 30 fps
    raw.write_release(tmp_path / "rel", (random_interaction(rng, n, t) for n, t in frames.items()),
                      splits={"train": list(frames), "val": [], "test": []})
    summary = build_cache(tmp_path / "rel", tmp_path / "cache")
    assert summary.ok
    assert sorted(p.sequence for p in summary.dropped) == [format_name(1, 0, 0, 0), format_name(1, 0, 3, 0)]
    assert all(p.severity == "warning" for p in summary.dropped)
    train = open_cache(tmp_path / "cache").split("train")
    assert list(train.lengths) == [24, 999] and summary.splits["train"]["dropped"] == 2
    assert len(open_cache(tmp_path / "cache").split("val")) == 0


def test_body_only_zeroes_everything_but_the_body(release, tmp_path):
    build_cache(release, tmp_path / "cache", body_only=True)
    data = open_cache(tmp_path / "cache").split("val")
    pose = np.asarray(data.pose(0))
    hands_and_face = [j for j in range(NUM_JOINTS) if j not in BODY]
    np.testing.assert_array_equal(pose[:, :, hands_and_face], 0.0)
    assert np.abs(pose[:, :, list(BODY)]).sum() > 0


def test_processed_release_as_source(tmp_path):
    splits = write_tiny_processed(tmp_path / "proc")
    summary = build_cache(tmp_path / "proc", tmp_path / "cache")
    assert summary.ok and summary.source_kind == "processed"
    release = proc.ProcessedRelease(tmp_path / "proc")
    cache = open_cache(tmp_path / "cache")
    rest = rest_joints()
    for split, names in splits.items():
        data = cache.split(split)
        assert list(data.names) == sorted(names)
        for i, name in enumerate(data.names):
            motion = release.motion(name)
            np.testing.assert_array_equal(data.official_56x6(i)[:, :55], motion[:, :55])  # rotations untouched
            pose = motion[:, :55].reshape(-1, 55, 2, 3).transpose(0, 2, 1, 3)
            trans = motion[:, 55].reshape(-1, 2, 3)
            joints = np.stack([pose_joints(pose[:, k], trans[:, k], rest) for k in range(2)], axis=1)
            _, expected_trans, _ = to_official_frame(joints, trans)        # neutral body, zero betas
            np.testing.assert_allclose(data.trans(i), expected_trans, atol=1e-6)
            assert data.texts[i] == release.texts(name)
            np.testing.assert_array_equal(data.betas(i), 0.0)
            assert data.genders[i] == ("neutral", "neutral")
    with pytest.raises(UsageError, match="official split"):
        build_cache(tmp_path / "proc", tmp_path / "cg", split_set="cross_group")


def test_cross_group_split_set(release, tmp_path):
    build_cache(release, tmp_path / "cache", split_set="cross_group")
    cache = open_cache(tmp_path / "cache")
    groups = [set(cache.split(s).groups) for s in cache.splits]
    assert not (groups[0] & groups[1]) and not (groups[0] & groups[2]) and not (groups[1] & groups[2])
    assert sum(len(cache.split(s)) for s in cache.splits) == len(release_names())
    assert cache.options.split_set == "cross_group"



@pytest.mark.parametrize("dims", [1, 4, 16, 18, 20, 24])
def test_appended_npy_files_load_back_for_any_header_length(tmp_path, dims):
    row_shape = (1,) * dims          # the header text grows with the number of dimensions
    rows = np.arange(3, dtype=np.float32).reshape(3, *row_shape)
    appender = build_module._NpyAppender(tmp_path / "a.npy", np.float32, row_shape)
    appender.append(rows[:1])
    appender.append(rows[1:])
    appender.close()
    np.testing.assert_array_equal(np.load(tmp_path / "a.npy", mmap_mode="r", allow_pickle=False), rows)
