"""Generator items: tasks, actor-first reactions, augmentation, windows and their statistics, collation with masks."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch
from fixtures_release import release_names
from generator_fixtures import TEST_CONFIG, text_store, tiny_cache

from interx.data.raw import write_release
from interx.data.splits import make_split
from interx.data.types import MODEL_FPS, RAW_FPS, Interaction, PersonMotion
from interx.datasets.interaction import GeneratorCollate, GeneratorDataConfig, InteractionDataset
from interx.features import model_repr as mr
from interx.features.cache import build_cache, open_cache
from interx.features.frames import facing_yaw
from interx.text.cache import CachedTextEncoder

REP = mr.ModelRepresentation()
PLAIN = GeneratorDataConfig(actor_first=False, swap_prob=0.0, mirror_prob=0.0)


@pytest.fixture()
def split(tmp_path_factory):
    return open_cache(tiny_cache(tmp_path_factory.getbasetemp())).split("train")


def _pelvis(motion):
    return motion[..., REP.positions].reshape(*motion.shape[:2], 22, 3)[:, :, 0]


def _yaw0(motion):
    return float(facing_yaw(motion[0, 0, REP.positions].reshape(22, 3)))


def test_plain_items_are_the_encoded_sequences(split):
    data = InteractionDataset(split, REP, PLAIN)
    assert len(data) == len(split) and np.array_equal(data.labels, split.actions)
    item = data[0]
    np.testing.assert_array_equal(item["motion"], mr.encode(split.item(0), REP))
    assert item["text"] == split.texts[0][0] and item["action"] == split.actions[0]
    assert (item["use_text"], item["use_action"], item["use_partner"]) == (True, False, False)
    assert len(InteractionDataset(split, REP, replace(PLAIN, min_frames=26))) == 0


def test_a_reaction_puts_the_actor_first_in_its_own_frame(split):
    split.actors = (1,) * len(split)
    item = InteractionDataset(split, REP, replace(PLAIN, task="reaction"))[0]
    assert (item["use_text"], item["use_partner"]) == (True, True)
    _, pelvis = mr.canonical_parameters(split.item(0))
    np.testing.assert_allclose(_pelvis(item["motion"])[:, 0, 1], pelvis[:, 1, 1], atol=1e-5)   # P2's heights
    np.testing.assert_allclose(_pelvis(item["motion"])[0, 0, [0, 2]], 0.0, atol=1e-5)
    assert _yaw0(item["motion"]) == pytest.approx(0.0, abs=1e-4)


def test_swap_mirror_and_windows(split):
    swapped = InteractionDataset(split, REP, replace(PLAIN, swap_prob=1.0)).draw(0, np.random.default_rng(0))
    reaction = InteractionDataset(split, REP, replace(PLAIN, task="reaction"))[0]            # actor P1: no swap
    np.testing.assert_allclose(_pelvis(swapped["motion"])[:, 1, 1], _pelvis(reaction["motion"])[:, 0, 1], atol=1e-5)
    mirrored = InteractionDataset(split, REP, replace(PLAIN, mirror_prob=1.0)).draw(0, np.random.default_rng(0))
    np.testing.assert_allclose(mirrored["motion"], mr.mirror(mr.encode(split.item(0), REP), REP), atol=1e-6)
    windowed = InteractionDataset(split, REP, replace(PLAIN, max_frames=10))
    item = windowed.draw(0, np.random.default_rng(3))
    assert item["motion"].shape == (10, 2, REP.dim)
    np.testing.assert_allclose(_pelvis(item["motion"])[0, 0, [0, 2]], 0.0, atol=1e-5)
    assert _yaw0(item["motion"]) == pytest.approx(0.0, abs=1e-4)


def test_actor_first_puts_each_actor_first_and_swaps_only_sequences_without_one(split):
    assert len(split) >= 3
    split.actors = (1, 0, None) + (0,) * (len(split) - 3)
    data = InteractionDataset(split, REP, replace(PLAIN, actor_first=True, swap_prob=1.0))
    rng = np.random.default_rng(0)
    heights = [mr.canonical_parameters(split.item(i))[1][..., 1] for i in range(3)]           # (T, 2) pelvis y
    items = [data.draw(i, rng) for i in range(3)]
    assert not any(item["use_partner"] for item in items)
    for item, h, first in zip(items, heights, (1, 0, 1)):                # P2 acts; P1 acts; unknown: swapped
        np.testing.assert_allclose(_pelvis(item["motion"])[:, :, 1], h[:, [first, 1 - first]], atol=1e-5)
    assert [len(data.windows(i)) for i in range(3)] == [1, 1, 2]
    np.testing.assert_allclose(data.windows(0)[0], items[0]["motion"], atol=1e-6)


def test_draws_are_reproducible_from_their_generator(split):
    data = InteractionDataset(split, REP, replace(GeneratorDataConfig(task="all"), max_frames=12))
    a, b = data.draw(1, np.random.default_rng(7)), data.draw(1, np.random.default_rng(7))
    assert a.keys() == b.keys() and all(np.array_equal(a[k], b[k]) for k in a)
    others = [data.draw(1, np.random.default_rng(s)) for s in range(8)]
    assert any(not np.array_equal(o["motion"], a["motion"]) for o in others)
    assert {(o["use_text"], o["use_action"], o["use_partner"]) for o in others} != {(True, True, False)}


def test_collate_pads_masks_and_encodes_only_given_texts(split, tmp_path_factory):
    encoder = CachedTextEncoder("minilm", TEST_CONFIG.denoiser.text_tokens, loader=lambda: pytest.fail("no load"))
    encoder.load(text_store(tmp_path_factory.getbasetemp()))
    data = InteractionDataset(split, REP, PLAIN)
    short = dict(data[1], motion=data[1]["motion"][:7], use_text=False)
    batch = GeneratorCollate(encoder)([data[0], short])
    assert batch["motion"].shape == (2, 25, 2, REP.dim)
    assert batch["mask"].sum(1).tolist() == [25, 7] and not batch["motion"][1, 7:].any()
    assert torch.equal(batch["text"][0], encoder.encode([data[0]["text"]]).sentence[0])
    assert not batch["text"][1].any() and not batch["token_mask"][1].any() and batch["token_mask"][0].any()
    assert batch["use_text"].tolist() == [True, False] and batch["action"].dtype == torch.int64


WALK_SPEED = 1.0 / MODEL_FPS   # meters per 30 fps frame (1 m/s)
GAP = 3.0                      # meters between the people at the first frame


@pytest.fixture(scope="module")
def walking_split(tmp_path_factory):
    """Three 10 s sequences: person 1 walks straight along +z at 1 m/s toward person 2, who stands still (zero pose)."""
    root = tmp_path_factory.mktemp("walking")
    frames = 10 * int(RAW_FPS)
    walker = np.zeros((frames, 3), np.float32)
    walker[:, 1] = 0.9
    walker[:, 2] = np.arange(frames) / RAW_FPS
    stander = np.tile(np.array([0.0, 0.9, GAP], np.float32), (frames, 1))

    def person(trans):
        zeros = np.zeros((frames, 15, 3), np.float32)
        return PersonMotion(root_orient=np.zeros((frames, 3), np.float32),
                            pose_body=np.zeros((frames, 21, 3), np.float32),
                            pose_lhand=zeros, pose_rhand=zeros, trans=trans, betas=np.zeros(10, np.float32),
                            gender="neutral", fps=RAW_FPS)

    names = release_names(groups=(1,), actions=(0, 1, 2))
    write_release(root / "release", [Interaction(name=n, persons=(person(walker), person(stander)),
                                                 texts=("One person walks up to the other.",), action=int(n[9:12]))
                                     for n in names],
                  splits=make_split(names, fractions=(1, 1, 1), seed=0))
    build_cache(root / "release", root / "cache", neutral=True)
    return open_cache(root / "cache").split("train")


RANDOM_WINDOWS = replace(PLAIN, max_frames=40)


def _stander_gap(item) -> float:
    """The stander's distance ahead of the walker at a window's first frame: GAP less how far the walk had got."""
    return float(_pelvis(item["motion"])[0, 1, 2])


def test_texts_can_take_the_first_window_and_reactions_take_random_ones(walking_split):
    rngs = [np.random.default_rng(s) for s in range(12)]
    first = InteractionDataset(walking_split, REP, replace(PLAIN, max_frames=40, first_window_prob=1.0))
    assert {round(_stander_gap(first.draw(0, r)), 4) for r in rngs} == {GAP}
    assert len(first.windows(0)) == 1
    reactions = InteractionDataset(walking_split, REP, replace(PLAIN, max_frames=40, task="reaction",
                                                                first_window_prob=1.0))
    gaps = [_stander_gap(reactions.draw(0, r)) for r in rngs]
    assert len({round(g, 4) for g in gaps}) > 6 and min(gaps) < GAP - 1.0
    mixed = InteractionDataset(walking_split, REP, replace(PLAIN, max_frames=40, first_window_prob=0.5))
    from_start = [_stander_gap(mixed.draw(0, np.random.default_rng(s))) == pytest.approx(GAP, abs=1e-4)
                  for s in range(40)]
    assert 8 <= sum(from_start) <= 32


def test_windows_are_the_recanonicalised_windows_training_draws(walking_split):
    frames = walking_split.lengths[0]
    data = InteractionDataset(walking_split, REP, RANDOM_WINDOWS)
    windows = data.windows(0)
    starts = sorted({*range(0, frames - 40 + 1, 20), frames - 40})
    assert len(windows) == len(starts)
    for start, window in zip(starts, windows):
        pelvis = _pelvis(window)                                                         # (40, 2, 3)
        np.testing.assert_allclose(pelvis[:, 0, 2], WALK_SPEED * np.arange(40), atol=1e-4)  # the walker from 0
        np.testing.assert_allclose(pelvis[:, 1, 2], GAP - WALK_SPEED * start, atol=1e-4)    # the stander, nearer
        np.testing.assert_allclose(pelvis[..., 0], 0.0, atol=1e-4)
    swapped = InteractionDataset(walking_split, REP, replace(RANDOM_WINDOWS, swap_prob=0.5)).windows(0)
    assert len(swapped) == 2 * len(starts)
    np.testing.assert_allclose(_pelvis(swapped[1])[:, 0, 2], 0.0, atol=1e-4)          # the stander first, at 0


def test_statistics_are_over_the_windows(walking_split):
    data = InteractionDataset(walking_split, REP, RANDOM_WINDOWS)
    moments = mr.representation_moments((w for p in range(len(data)) for w in data.windows(p)), REP)
    starts = np.asarray(sorted({*range(0, walking_split.lengths[0] - 40 + 1, 20), walking_split.lengths[0] - 40}))
    walker = np.tile(WALK_SPEED * np.arange(40), len(starts))
    stander = np.repeat(GAP - WALK_SPEED * starts, 40)
    expected = np.concatenate([walker, stander])
    assert moments.mean[2] == pytest.approx(expected.mean(), abs=1e-4)                 # the pelvis z channel
    assert moments.std[2] == pytest.approx(expected.std(), abs=1e-4)
