"""Embedding metrics of the official Inter-X text-to-interaction protocol.

FID, R-precision, MM-Dist (the official "Matching Score"), Diversity and
MultiModality, computed on evaluator embeddings exactly as the official
evaluation defines them (reference: interx-format.md, "The protocol's numbers"):

- R-precision / MM-Dist: the (text x motion) Euclidean distance matrix of one
  batch of 32 (shuffled, drop_last); top-k is a hit when the matching motion
  (the diagonal) is among the k nearest; MM-Dist is the mean matched distance.
- FID: Frechet distance between Gaussians fitted to real and generated motion
  embeddings (sample mean, covariance with ddof 1).
- Diversity: mean distance over 300 pairs drawn as two independent draws
  without replacement (so a pair may join a sample with itself, as officially).
- MultiModality: the same within each text's generations: 10 pairs drawn once
  (two independent draws without replacement) and used for every text.

InterGen's InterHuman protocol differs: batch 96, embeddings multiplied by 6
before FID and Diversity, and Diversity halved (`INTERHUMAN`). Numbers of the
two settings are not comparable.

Glossary: N samples, D embedding size, G generations per text, K = top_k.
Everything is numpy, float64 inside; inputs may be float32 arrays or CPU tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from interx.errors import UsageError


@dataclass(frozen=True)
class ProtocolSettings:
    """The numbers that define an embedding protocol (defaults: official Inter-X)."""

    batch_size: int = 32
    """R-precision / MM-Dist batch size (the test set is shuffled, drop_last)."""
    replications: int = 20
    """How many times the whole evaluation is repeated; reported as mean +- 1.96 std / sqrt(n)."""
    top_k: int = 3
    """R-precision is reported for top-1 .. top-k."""
    diversity_pairs: int = 300
    """Pairs drawn for Diversity."""
    mm_texts: int = 100
    """Texts used for MultiModality."""
    mm_generations: int = 30
    """Generations per text for MultiModality."""
    mm_pairs: int = 10
    """Pairs drawn among one text's generations for MultiModality."""
    embedding_scale: float = 1.0
    """Factor applied to embeddings before FID and Diversity (InterHuman: 6)."""
    diversity_factor: float = 1.0
    """Factor applied to Diversity distances (InterHuman: 0.5)."""


INTERX = ProtocolSettings()
INTERHUMAN = ProtocolSettings(batch_size=96, embedding_scale=6.0, diversity_factor=0.5)


def _as_2d(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2:
        raise UsageError(f"{name} must be (N, D) embeddings, got shape {a.shape}")
    return a


def distance_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Euclidean distances between two sets of embeddings.

    Args:
        a: (..., N, D); b: (..., M, D) with the same leading dims.

    Returns:
        (..., N, M) float64, entry [i, j] = ||a_i - b_j||.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    sq = (np.sum(a * a, axis=-1)[..., :, None] + np.sum(b * b, axis=-1)[..., None, :]
          - 2.0 * np.einsum("...nd,...md->...nm", a, b))
    return np.sqrt(np.maximum(sq, 0.0))  # rounding: ~1e-8 near 0, can dip below 0


def _topk_hits(dist: np.ndarray, top_k: int) -> np.ndarray:
    """(..., N, N) distances -> (..., N, K) bool: row i's diagonal entry is among its k nearest.

    The rank of the match is the number of strictly closer motions, so ties count
    in the match's favour and the result does not depend on input order.
    """
    n = dist.shape[-1]
    if not 1 <= top_k <= n:
        raise UsageError(f"top_k must be between 1 and the batch size {n}, got {top_k}")
    matched = np.diagonal(dist, axis1=-2, axis2=-1)                  # (..., N)
    rank = np.sum(dist < matched[..., :, None], axis=-1)              # (..., N)
    return rank[..., None] < np.arange(1, top_k + 1)                  # (..., N, K)


def r_precision(text_emb: np.ndarray, motion_emb: np.ndarray, top_k: int = 3) -> np.ndarray:
    """R-precision of one batch: text i's match is motion i.

    Args:
        text_emb: (N, D) text embeddings; motion_emb: (N, D) motion embeddings, row-aligned.
        top_k: report top-1 .. top-k.

    Returns:
        (top_k,) float64 hit rates, non-decreasing.
    """
    t, m = _as_2d(text_emb, "text_emb"), _as_2d(motion_emb, "motion_emb")
    if t.shape != m.shape:
        raise UsageError(f"text and motion embeddings differ in shape: {t.shape} vs {m.shape}")
    return _topk_hits(distance_matrix(t, m), top_k).mean(axis=0)


def mm_dist(text_emb: np.ndarray, motion_emb: np.ndarray) -> float:
    """Multimodal distance (the official "Matching Score"): mean ||text_i - motion_i||.

    Args:
        text_emb, motion_emb: (N, D), row-aligned.
    """
    t, m = _as_2d(text_emb, "text_emb"), _as_2d(motion_emb, "motion_emb")
    if t.shape != m.shape:
        raise UsageError(f"text and motion embeddings differ in shape: {t.shape} vs {m.shape}")
    return float(np.linalg.norm(t - m, axis=1).mean())


@dataclass(frozen=True)
class MatchingResult:
    """R-precision and MM-Dist over a whole set, in batches."""

    r_precision: np.ndarray
    """(top_k,) hit rates over every sample used."""
    mm_dist: float
    """Mean matched text-motion distance over every sample used."""
    indices: np.ndarray
    """(n_batches * batch_size,) int64: the rows used, in batch order (drop_last leaves some out)."""


def matching_over_set(text_emb: np.ndarray, motion_emb: np.ndarray, batch_size: int = 32,
                      top_k: int = 3, *, rng: np.random.Generator) -> MatchingResult:
    """R-precision and MM-Dist over a set, as the official shuffled, drop_last loader does.

    The rows are shuffled with `rng`, cut into full batches of `batch_size` (the
    remainder is dropped) and each batch is scored on its own; the rates are over
    all samples used. Deterministic for a given generator state.

    Args:
        text_emb, motion_emb: (N, D) row-aligned embeddings, N >= batch_size.
        batch_size: 32 for Inter-X, 96 for InterHuman.
        top_k: report top-1 .. top-k.
        rng: the shuffling generator.
    """
    t, m = _as_2d(text_emb, "text_emb"), _as_2d(motion_emb, "motion_emb")
    if t.shape != m.shape:
        raise UsageError(f"text and motion embeddings differ in shape: {t.shape} vs {m.shape}")
    n_batches = t.shape[0] // batch_size
    if n_batches == 0:
        raise UsageError(f"the set has {t.shape[0]} samples, fewer than one batch of {batch_size}")
    idx = rng.permutation(t.shape[0])[: n_batches * batch_size]
    tb = t[idx].reshape(n_batches, batch_size, -1)                   # (nb, bs, D)
    mb = m[idx].reshape(n_batches, batch_size, -1)
    dist = distance_matrix(tb, mb)                                    # (nb, bs, bs)
    hits = _topk_hits(dist, top_k)                                    # (nb, bs, K)
    return MatchingResult(
        r_precision=hits.reshape(-1, top_k).mean(axis=0),
        mm_dist=float(np.diagonal(dist, axis1=-2, axis2=-1).mean()),
        indices=idx.astype(np.int64),
    )


def activation_statistics(emb: np.ndarray, scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Mean and covariance (ddof 1) of embeddings multiplied by `scale`.

    Args:
        emb: (N, D), N >= 2.
        scale: 1 for Inter-X, 6 for InterHuman.

    Returns:
        mu (D,), sigma (D, D), float64.
    """
    e = _as_2d(emb, "emb") * scale
    if e.shape[0] < 2:
        raise UsageError(f"FID needs at least 2 embeddings, got {e.shape[0]}")
    return e.mean(axis=0), np.cov(e, rowvar=False)


def _psd_sqrt(m: np.ndarray) -> np.ndarray:
    """Square root of a symmetric positive semi-definite matrix by eigendecomposition."""
    w, v = np.linalg.eigh((m + m.T) / 2.0)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def frechet_distance(mu1: np.ndarray, sigma1: np.ndarray,
                     mu2: np.ndarray, sigma2: np.ndarray) -> float:
    """Frechet distance between N(mu1, sigma1) and N(mu2, sigma2).

    d^2 = ||mu1 - mu2||^2 + tr(sigma1) + tr(sigma2) - 2 tr((sigma1 sigma2)^(1/2)).

    The trace of the square root is computed as the sum of square roots of the
    eigenvalues of sigma1^(1/2) sigma2 sigma1^(1/2) (the same eigenvalues as
    sigma1 sigma2), all symmetric eigendecompositions: it needs no offset and has
    no imaginary part for singular or near-singular covariances (for example
    fewer samples than dimensions), where the official scipy `sqrtm` needs a
    fallback. Rounding can leave a tiny negative value; it is clipped to 0.

    Args:
        mu1, mu2: (D,) means; sigma1, sigma2: (D, D) covariances.
    """
    mu1, mu2 = np.atleast_1d(np.asarray(mu1, np.float64)), np.atleast_1d(np.asarray(mu2, np.float64))
    s1, s2 = np.atleast_2d(np.asarray(sigma1, np.float64)), np.atleast_2d(np.asarray(sigma2, np.float64))
    if mu1.shape != mu2.shape or s1.shape != s2.shape or s1.shape != mu1.shape * 2:
        raise UsageError(f"Gaussian statistics disagree in shape: mu {mu1.shape}, {mu2.shape}; "
                         f"sigma {s1.shape}, {s2.shape}")
    root1 = _psd_sqrt(s1)
    inner = root1 @ s2 @ root1
    tr_covmean = np.sqrt(np.clip(np.linalg.eigvalsh((inner + inner.T) / 2.0), 0.0, None)).sum()
    diff = mu1 - mu2
    return float(max(diff @ diff + np.trace(s1) + np.trace(s2) - 2.0 * tr_covmean, 0.0))


def fid(real: np.ndarray, gen: np.ndarray, scale: float = 1.0) -> float:
    """FID between real and generated motion embeddings.

    Args:
        real: (N1, D); gen: (N2, D) embeddings.
        scale: factor on both sets before fitting (1 for Inter-X, 6 for InterHuman).
    """
    return frechet_distance(*activation_statistics(real, scale), *activation_statistics(gen, scale))


def diversity(emb: np.ndarray, pairs: int = 300, *, rng: np.random.Generator,
              scale: float = 1.0, factor: float = 1.0) -> float:
    """Mean distance between `pairs` random pairs of embeddings.

    The first and the second members are two independent draws of `pairs`
    indices without replacement (as officially), so N >= pairs is required.

    Args:
        emb: (N, D) embeddings.
        pairs: 300 in both protocols.
        rng: the drawing generator.
        scale, factor: the distance is factor * ||scale * (a - b)|| (InterHuman: 6 and 0.5).
    """
    e = _as_2d(emb, "emb")
    if e.shape[0] < pairs:
        raise UsageError(f"diversity draws {pairs} samples without replacement but has only {e.shape[0]}")
    first = rng.choice(e.shape[0], pairs, replace=False)
    second = rng.choice(e.shape[0], pairs, replace=False)
    return float(factor * np.linalg.norm(scale * (e[first] - e[second]), axis=1).mean())


def multimodality(emb_per_text: np.ndarray, pairs: int = 10, *, rng: np.random.Generator) -> float:
    """Mean distance between generations of the same text.

    One pair of index draws (each `pairs` of the G generations without
    replacement) is made and used for every text, as officially.

    Args:
        emb_per_text: (N_texts, G, D) embeddings of G generations per text, G >= pairs.
        pairs: 10 officially.
        rng: the drawing generator.
    """
    e = np.asarray(emb_per_text, dtype=np.float64)
    if e.ndim != 3:
        raise UsageError(f"multimodality needs (N_texts, G, D) embeddings, got shape {e.shape}")
    if e.shape[1] < pairs:
        raise UsageError(f"multimodality draws {pairs} of {e.shape[1]} generations without replacement")
    first = rng.choice(e.shape[1], pairs, replace=False)
    second = rng.choice(e.shape[1], pairs, replace=False)
    return float(np.linalg.norm(e[:, first] - e[:, second], axis=2).mean())
