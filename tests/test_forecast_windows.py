"""Forecast windows: extraction per split (no test frame seen in training) and the window frame."""

import numpy as np
import pytest

from forecast_fixtures import build_tiny_cache
from interx.body.joints import BODY, PARENTS
from interx.datasets.forecast import (ForecastProtocol, ForecastWindows, canonical_windows, from_window_frame,
                                      split_windows, to_window_frame, window_starts,
                                      window_transform)
from interx.datasets.pairs import mirror_pairs, subset_mirror, subset_parents
from interx.features.cache import open_cache
from interx.features.frames import facing_yaw


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return open_cache(build_tiny_cache(tmp_path_factory.mktemp("forecast_windows")))


def test_window_starts_known_answers():
    assert window_starts(100, 90, 5).tolist() == [0, 5, 10]
    assert window_starts(90, 90, 5).tolist() == [0]
    assert window_starts(89, 90, 5).tolist() == []
    assert window_starts(270, 90, 90).tolist() == [0, 90, 180]
    assert split_windows([100, 50, 181], 90, 90).tolist() == [[0, 0], [2, 0], [2, 90]]


def test_protocol_defaults():
    p = ForecastProtocol()
    assert (p.observe, p.predict, p.fps, p.window, p.num_joints) == (30, 60, 30.0, 90, 22)
    assert p.stride("train") == 5 and p.stride("test") == 90 and p.stride("val") == 90
    assert ForecastProtocol(joints="body+hands").num_joints == 52
    assert subset_parents(BODY).tolist() == PARENTS[:22].tolist()


def _frames_seen(windows: ForecastWindows) -> set:
    split = windows.split
    return {(split.names[s], f) for s, start in windows.windows for f in range(start, start + 90)}


def test_no_test_frame_is_seen_in_training(cache):
    protocol = ForecastProtocol()
    train = ForecastWindows(cache.split("train"), protocol)
    test = ForecastWindows(cache.split("test"), protocol)
    assert len(train) == 3 * len(cache.split("train")) and len(test) == len(cache.split("test"))
    assert not _frames_seen(train) & _frames_seen(test)
    assert not set(cache.split("train").names) & set(cache.split("test").names)
    # test windows never overlap within a sequence
    for s in np.unique(test.windows[:, 0]):
        starts = np.sort(test.windows[test.windows[:, 0] == s, 1])
        assert np.all(np.diff(starts) >= protocol.window)


def test_items_match_the_cache_and_block(cache):
    windows = ForecastWindows(cache.split("train"), ForecastProtocol())
    block = windows.arrays()
    item = windows[4]
    seq, start = windows.windows[4]
    raw = cache.split("train").joints(int(seq))[start:start + 90, :, :22]
    back = from_window_frame(np.concatenate([item["history"], item["future"]])[None], item["transform"][None])[0]
    np.testing.assert_allclose(back, raw, atol=1e-5)
    np.testing.assert_allclose(block.history[4], item["history"], atol=1e-6)
    np.testing.assert_allclose(block.future[4], item["future"], atol=1e-6)
    assert block.actor.shape == (len(windows),) and set(block.actor.tolist()) <= {-1, 0, 1}


def test_window_frame_round_trip_and_definition():
    rng = np.random.default_rng(3)
    motion = rng.normal(0.0, 1.0, (5, 90, 2, 22, 3)).astype(np.float32)
    moved, transform = canonical_windows(motion, 30)
    # P1's root at the last observed frame is the origin, and P1 faces +z there
    np.testing.assert_allclose(moved[:, 29, 0, 0], 0.0, atol=1e-5)
    np.testing.assert_allclose(facing_yaw(moved[:, 29, 0]), 0.0, atol=1e-5)
    np.testing.assert_allclose(from_window_frame(moved, transform), motion, atol=1e-5)
    np.testing.assert_allclose(to_window_frame(motion, transform), moved, atol=1e-6)
    # the transform only looks at observed frames
    changed = motion.copy()
    changed[:, 30:] += 5.0
    np.testing.assert_array_equal(window_transform(changed[:, :30]), transform)
    # a rigid motion about y: distances are preserved
    d0 = np.linalg.norm(motion[:, :, 0, 5] - motion[:, :, 1, 7], axis=-1)
    d1 = np.linalg.norm(moved[:, :, 0, 5] - moved[:, :, 1, 7], axis=-1)
    np.testing.assert_allclose(d0, d1, atol=1e-4)


def test_augmented_draws_are_swapped_or_mirrored_windows_in_their_own_frame(cache):
    plain = ForecastWindows(cache.split("train"), ForecastProtocol())
    augmented = ForecastWindows(cache.split("train"), ForecastProtocol(), augment=True)
    raw = plain.raw(2)
    perm = subset_mirror(BODY)
    candidates = [raw, raw[:, ::-1], mirror_pairs(raw, perm), mirror_pairs(raw[:, ::-1], perm)]
    seen = set()
    for seed in range(12):
        item = augmented.draw(2, np.random.default_rng(seed))
        np.testing.assert_allclose(item["history"][-1, 0, 0], 0.0, atol=1e-5)   # P1's root at the origin
        back = from_window_frame(np.concatenate([item["history"], item["future"]])[None], item["transform"][None])[0]
        matches = [k for k, c in enumerate(candidates) if np.allclose(back, c, atol=1e-4)]
        assert len(matches) == 1
        seen.add(matches[0])
    assert seen == {0, 1, 2, 3}
    np.testing.assert_array_equal(plain.draw(2, np.random.default_rng(0))["history"], plain[2]["history"])
