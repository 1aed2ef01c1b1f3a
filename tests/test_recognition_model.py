"""The recogniser: swap invariance (logits of swapped people equal), placement invariance, samples, tiny training."""

from dataclasses import replace

import numpy as np
import pytest
import torch

from forecast_fixtures import build_tiny_cache
from interx.body import rotations
from interx.body.joints import BODY
from interx.datasets.pairs import mirror_pairs, subset_mirror
from interx.datasets.recognition import RecognitionSet, collate_recognition, even_frames
from interx.features.cache import open_cache
from interx.models.recognizer import InteractionRecognizer, RecognizerConfig
from interx.models.recognizer_run import PRESETS, load_recognizer, score_split, train_recognizer

SMALL = RecognizerConfig(frames=16, width=32, layers=2, heads=2, embed_dim=24)


def _pairs(seed: int = 0, batch: int = 3, frames: int = 16, joints: int = 22) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(batch, frames, 2, joints, 3, generator=g)


def _model(seed: int = 0) -> InteractionRecognizer:
    torch.manual_seed(seed)
    return InteractionRecognizer(SMALL).eval()


def test_swapped_people_give_the_same_logits():
    model, pairs = _model(), _pairs()
    logits = model(pairs)
    torch.testing.assert_close(model(pairs.flip(2)), logits, atol=1e-5, rtol=0)
    torch.testing.assert_close(model.embed(pairs.flip(2)), model.embed(pairs), atol=1e-5, rtol=0)
    # not trivially constant: another pair gives other logits
    assert (model(_pairs(1)) - logits).abs().max() > 1e-3


def test_placement_of_the_pair_does_not_matter():
    model, pairs = _model(), _pairs()
    turn = rotations.axis_mat(torch.tensor(1.1), "Y")
    moved = pairs @ turn.T + torch.tensor([2.0, 0.5, -1.0])
    torch.testing.assert_close(model(moved), model(pairs), atol=1e-4, rtol=0)


def test_any_length_and_all_55_joints_are_accepted():
    model = _model()
    full = _pairs(frames=40, joints=55)
    out = model.embed(full, lengths=[40, 20, 16])
    assert out.shape == (3, SMALL.embed_dim)
    # 55 joints: the body subset is taken; lengths pick evenly spread frames of each item
    index = torch.from_numpy(even_frames(20, 16))
    expected = model.embed(full[1:2, index][:, :, :, list(BODY)])
    torch.testing.assert_close(out[1:2], expected, atol=1e-5, rtol=0)


def test_even_frames_and_mirror_known_answers():
    assert even_frames(8, 4).tolist() == [1, 3, 5, 7]
    assert even_frames(3, 6).tolist() == [0, 0, 1, 1, 2, 2]
    rng = np.random.default_rng(0)
    jittered = even_frames(100, 10, rng)
    assert np.all((jittered >= np.arange(10) * 10) & (jittered < np.arange(1, 11) * 10))
    perm = subset_mirror(BODY)
    assert perm[1] == 2 and perm[0] == 0 and perm[20] == 21
    pairs = np.random.default_rng(1).normal(size=(5, 2, 22, 3)).astype(np.float32)
    np.testing.assert_array_equal(mirror_pairs(mirror_pairs(pairs, perm), perm), pairs)


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return open_cache(build_tiny_cache(tmp_path_factory.mktemp("recognition")))


def test_samples_draws_are_seeded(cache):
    data = RecognitionSet(cache.split("train"), frames=16)
    assert data.labels == [int(a) for a in cache.split("train").actions]
    a = data.draw(2, np.random.default_rng(5))
    b = data.draw(2, np.random.default_rng(5))
    np.testing.assert_array_equal(a["pairs"], b["pairs"])
    assert a["pairs"].shape == (16, 2, 22, 3) and a["label"] == data.labels[2]
    batch = collate_recognition([data[0], data[1]])
    assert batch["pairs"].shape == (2, 16, 2, 22, 3) and batch["label"].dtype == torch.int64


def test_tiny_training_run_keeps_swap_invariance(cache, tmp_path):
    config = replace(PRESETS["tiny"], train=replace(PRESETS["tiny"].train, max_steps=5, balanced=True))
    result = train_recognizer(cache, tmp_path / "run", config)
    assert result.step == 5 and np.isfinite(result.metrics["loss"])
    model, loaded = load_recognizer(tmp_path / "run")
    assert loaded == config
    pairs = collate_recognition([RecognitionSet(cache.split("test"), frames=16)[i] for i in range(3)])["pairs"]
    torch.testing.assert_close(model(pairs.flip(2)), model(pairs), atol=1e-5, rtol=0)
    logits, embeddings = score_split(model, cache.split("test"), batch_size=3)
    assert logits.shape == (4, 40) and embeddings.shape == (4, 16)
