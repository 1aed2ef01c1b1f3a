"""Embedding metrics of the official protocol, against independent computations."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import linalg

from interx.errors import UsageError
from interx.eval.embedding import (
    INTERHUMAN,
    INTERX,
    activation_statistics,
    distance_matrix,
    diversity,
    fid,
    frechet_distance,
    matching_over_set,
    mm_dist,
    multimodality,
    r_precision,
)
from interx.eval.stats import summarize, summarize_columns


def _random_cov(rng, d):
    a = rng.normal(size=(d, d))
    return a @ a.T / d + 0.1 * np.eye(d)


def test_settings_defaults_are_the_official_numbers():
    assert (INTERX.batch_size, INTERX.replications, INTERX.top_k) == (32, 20, 3)
    assert (INTERX.diversity_pairs, INTERX.mm_texts, INTERX.mm_generations, INTERX.mm_pairs) == (300, 100, 30, 10)
    assert (INTERX.embedding_scale, INTERX.diversity_factor) == (1.0, 1.0)
    assert (INTERHUMAN.batch_size, INTERHUMAN.embedding_scale, INTERHUMAN.diversity_factor) == (96, 6.0, 0.5)


def test_distance_matrix_matches_direct_differences():
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 5, 7, 4)), rng.normal(size=(2, 5, 6, 4))
    direct = np.linalg.norm(a[..., :, None, :] - b[..., None, :, :], axis=-1)
    np.testing.assert_allclose(distance_matrix(a, b), direct, atol=1e-7)   # expansion: ~sqrt(eps) near 0
    np.testing.assert_allclose(np.diagonal(distance_matrix(a[0], a[0]), axis1=-2, axis2=-1), 0.0, atol=1e-7)


def test_frechet_distance_1d_closed_form():
    # 1-D Gaussians: (m1 - m2)^2 + (s1 - s2)^2.
    assert frechet_distance(np.array([1.0]), np.array([[4.0]]), np.array([-2.0]), np.array([[9.0]])) == \
        pytest.approx(9.0 + 1.0)


def test_frechet_distance_commuting_covariances_closed_form():
    d1, d2 = np.array([1.0, 4.0, 0.25]), np.array([9.0, 1.0, 0.0])  # one variance exactly zero
    mu1, mu2 = np.array([0.0, 1.0, 2.0]), np.array([1.0, 1.0, 0.0])
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((np.sqrt(d1) - np.sqrt(d2)) ** 2)
    assert frechet_distance(mu1, np.diag(d1), mu2, np.diag(d2)) == pytest.approx(expected, abs=1e-12)


def test_frechet_distance_agrees_with_scipy_sqrtm():
    rng = np.random.default_rng(1)
    d = 16
    mu1, mu2 = rng.normal(size=d), rng.normal(size=d)
    s1, s2 = _random_cov(rng, d), _random_cov(rng, d)
    covmean = linalg.sqrtm(s1 @ s2).real
    expected = np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2) - 2 * np.trace(covmean)
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-9)


def test_fid_of_two_gaussians_approaches_closed_form():
    rng = np.random.default_rng(2)
    n, d = 200_000, 4
    mu1, mu2 = np.zeros(d), np.array([0.5, 0.0, -0.5, 1.0])
    sd1, sd2 = np.array([1.0, 2.0, 0.5, 1.0]), np.array([1.5, 1.0, 0.5, 2.0])
    real = mu1 + sd1 * rng.normal(size=(n, d))
    gen = mu2 + sd2 * rng.normal(size=(n, d))
    expected = np.sum((mu1 - mu2) ** 2) + np.sum((sd1 - sd2) ** 2)   # 1.5 + 1.5
    assert fid(real, gen) == pytest.approx(expected, abs=0.03)
    # The InterHuman scale multiplies every length by 6, so FID by 36.
    assert fid(real, gen, scale=6.0) == pytest.approx(36 * fid(real, gen), rel=1e-9)


def test_fid_tolerates_singular_covariances_and_is_zero_on_itself():
    rng = np.random.default_rng(3)
    real = rng.normal(size=(20, 64)).astype(np.float32)   # fewer samples than dimensions: rank 19
    gen = rng.normal(size=(25, 64)).astype(np.float32)
    value = fid(real, gen)
    assert np.isfinite(value) and value > 0
    assert fid(real, real) == pytest.approx(0.0, abs=1e-8)
    # Degenerate: every sample identical -> zero covariance.
    const = np.ones((10, 8))
    assert fid(const, const + 1.0) == pytest.approx(8.0)


def test_fid_is_invariant_to_sample_order():
    rng = np.random.default_rng(4)
    real, gen = rng.normal(size=(300, 8)), rng.normal(1.0, 2.0, size=(200, 8))
    assert fid(real[rng.permutation(300)], gen[rng.permutation(200)]) == pytest.approx(fid(real, gen), rel=1e-10)


def test_activation_statistics_ddof1():
    emb = np.array([[0.0, 0.0], [2.0, 4.0]])
    mu, sigma = activation_statistics(emb)
    np.testing.assert_allclose(mu, [1.0, 2.0])
    np.testing.assert_allclose(sigma, [[2.0, 4.0], [4.0, 8.0]])


def test_r_precision_hand_built():
    # 1-D embeddings: texts at 0, 10, 20, 30; motions at 0, 21, 9, 30.
    # text 0: match at 0, nothing closer -> rank 0; text 1: match 11 away, m2 (1) and m0 (10)
    # are closer -> rank 2; text 2: match 11 away, m1 (1) and m3 (10) closer -> rank 2; text 3: rank 0.
    text = np.array([[0.0], [10.0], [20.0], [30.0]])
    motion = np.array([[0.0], [21.0], [9.0], [30.0]])
    np.testing.assert_allclose(r_precision(text, motion, top_k=4), [0.5, 0.5, 1.0, 1.0])
    assert mm_dist(text, motion) == pytest.approx((0 + 11 + 11 + 0) / 4)


def test_r_precision_and_mm_dist_are_invariant_to_joint_row_order():
    rng = np.random.default_rng(5)
    text = rng.normal(size=(32, 16))
    motion = text + rng.normal(scale=1.0, size=(32, 16))
    perm = rng.permutation(32)
    np.testing.assert_array_equal(r_precision(text[perm], motion[perm]), r_precision(text, motion))
    assert mm_dist(text[perm], motion[perm]) == pytest.approx(mm_dist(text, motion))


def test_mm_dist_known_value():
    text = np.zeros((3, 2))
    motion = np.array([[3.0, 4.0], [0.0, 1.0], [0.0, 0.0]])
    assert mm_dist(text, motion) == pytest.approx(2.0)


def test_matching_over_set_perfect_and_chance():
    rng = np.random.default_rng(6)
    n, d = 32 * 200 + 7, 8
    motion = rng.normal(size=(n, d))
    text = motion + 0.01 * rng.normal(size=(n, d))
    res = matching_over_set(text, motion, rng=np.random.default_rng(0))
    np.testing.assert_allclose(res.r_precision, [1.0, 1.0, 1.0])
    assert res.indices.shape == (32 * 200,) and len(np.unique(res.indices)) == 32 * 200
    # Shuffled texts: every motion is as likely to match: top-k at k / 32.
    shuffled = matching_over_set(text[rng.permutation(n)], motion, rng=np.random.default_rng(0))
    np.testing.assert_allclose(shuffled.r_precision, np.arange(1, 4) / 32, atol=0.015)


def test_matching_over_set_equals_per_batch_computation_and_is_deterministic():
    rng = np.random.default_rng(7)
    text, motion = rng.normal(size=(100, 5)), rng.normal(size=(100, 5))
    a = matching_over_set(text, motion, batch_size=32, rng=np.random.default_rng(3))
    b = matching_over_set(text, motion, batch_size=32, rng=np.random.default_rng(3))
    np.testing.assert_array_equal(a.r_precision, b.r_precision)
    assert a.mm_dist == b.mm_dist
    batches = a.indices.reshape(3, 32)
    expected_r = np.mean([r_precision(text[i], motion[i]) for i in batches], axis=0)
    expected_mm = np.mean([mm_dist(text[i], motion[i]) for i in batches])
    np.testing.assert_allclose(a.r_precision, expected_r)
    assert a.mm_dist == pytest.approx(expected_mm)
    with pytest.raises(UsageError):
        matching_over_set(text[:31], motion[:31], rng=np.random.default_rng(0))


def test_diversity_follows_the_official_draws():
    rng = np.random.default_rng(8)
    emb = rng.normal(size=(500, 6)).astype(np.float32)
    value = diversity(emb, 300, rng=np.random.default_rng(11))
    draw = np.random.default_rng(11)
    first, second = draw.choice(500, 300, replace=False), draw.choice(500, 300, replace=False)
    expected = np.mean([np.sqrt(np.sum((emb[i].astype(float) - emb[j]) ** 2)) for i, j in zip(first, second)])
    assert value == pytest.approx(expected, rel=1e-6)
    assert diversity(emb, 300, rng=np.random.default_rng(11)) == value  # deterministic for a seed
    # InterHuman: scaled by 6, halved -> 3 times the Inter-X value for the same draws.
    scaled = diversity(emb, 300, rng=np.random.default_rng(11),
                       scale=INTERHUMAN.embedding_scale, factor=INTERHUMAN.diversity_factor)
    assert scaled == pytest.approx(3 * value)
    with pytest.raises(UsageError):
        diversity(emb[:299], 300, rng=np.random.default_rng(0))


def test_diversity_of_equidistant_points():
    # Regular simplex: distinct points are exactly 1 apart, so diversity is the share of
    # drawn pairs whose members differ.
    emb = np.eye(300) / np.sqrt(2.0)
    draw = np.random.default_rng(4)
    first, second = draw.choice(300, 300, replace=False), draw.choice(300, 300, replace=False)
    assert diversity(emb, 300, rng=np.random.default_rng(4)) == pytest.approx(np.mean(first != second))


def test_multimodality_uses_one_draw_for_all_texts():
    rng = np.random.default_rng(9)
    emb = rng.normal(size=(5, 30, 4))
    value = multimodality(emb, 10, rng=np.random.default_rng(2))
    draw = np.random.default_rng(2)
    first, second = draw.choice(30, 10, replace=False), draw.choice(30, 10, replace=False)
    expected = np.mean([[np.linalg.norm(emb[t, i] - emb[t, j]) for i, j in zip(first, second)]
                        for t in range(5)])
    assert value == pytest.approx(expected)
    # Identical generations for every text: zero multimodality.
    assert multimodality(np.repeat(emb[:, :1], 30, axis=1), rng=np.random.default_rng(0)) == 0.0
    with pytest.raises(UsageError):
        multimodality(emb[:, :9], 10, rng=np.random.default_rng(0))


def test_summarize_interval_formula():
    out = summarize([1.0, 2.0, 3.0, 4.0])
    assert out["mean"] == pytest.approx(2.5)
    assert out["ci"] == pytest.approx(1.96 * np.sqrt(1.25) / 2.0)   # population std, sqrt(n)
    assert summarize([0.7] * 20) == {"mean": pytest.approx(0.7), "ci": pytest.approx(0.0)}
    cols = summarize_columns([[0.1, 0.2, 0.3], [0.3, 0.4, 0.5]], ("top1", "top2", "top3"))
    assert cols["top2"]["mean"] == pytest.approx(0.3)
    assert cols["top3"]["ci"] == pytest.approx(1.96 * 0.1 / np.sqrt(2))
    with pytest.raises(UsageError):
        summarize([])
