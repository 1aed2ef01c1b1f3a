"""Recognition metrics: top-k accuracy, confusion matrix, per-class and macro accuracy.

Glossary: N samples, C classes (40 for Inter-X). Labels are integer class ids.
The classes are imbalanced (171 to 324 sequences each), so the macro average
(mean of per-class accuracies) is reported beside the plain accuracy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from interx.errors import UsageError


def _check_labels(labels, num_classes: int, name: str = "labels") -> np.ndarray:
    y = np.asarray(labels)
    if y.ndim != 1 or not np.issubdtype(y.dtype, np.integer):
        raise UsageError(f"{name} must be a 1-D integer array, got shape {y.shape} dtype {y.dtype}")
    if y.size and (y.min() < 0 or y.max() >= num_classes):
        raise UsageError(f"{name} must lie in [0, {num_classes}), got {y.min()}..{y.max()}")
    return y.astype(np.int64)


def topk_accuracy(logits: np.ndarray, labels: np.ndarray, ks: Sequence[int] = (1, 5)) -> np.ndarray:
    """Share of samples whose true class is among the k highest scores, for each k.

    A sample's rank is the number of classes scored strictly higher than its true
    class, so ties count in its favour and the result does not depend on class order.

    Args:
        logits: (N, C) scores (logits or probabilities).
        labels: (N,) true class ids.
        ks: the k values, each in [1, C].

    Returns:
        (len(ks),) float64 accuracies.
    """
    s = np.asarray(logits, dtype=np.float64)
    if s.ndim != 2:
        raise UsageError(f"logits must be (N, C), got shape {s.shape}")
    y = _check_labels(labels, s.shape[1])
    if y.shape[0] != s.shape[0] or s.shape[0] == 0:
        raise UsageError(f"need one label per row of logits: {y.shape[0]} labels, {s.shape[0]} rows")
    if any(not 1 <= k <= s.shape[1] for k in ks):
        raise UsageError(f"every k must lie in [1, {s.shape[1]}], got {tuple(ks)}")
    true_score = s[np.arange(s.shape[0]), y]
    rank = np.sum(s > true_score[:, None], axis=1)                   # (N,)
    return np.array([np.mean(rank < k) for k in ks])


def confusion_matrix(labels: np.ndarray, predictions: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts of (true class, predicted class).

    Args:
        labels: (N,) true class ids; predictions: (N,) predicted class ids.
        num_classes: C.

    Returns:
        (C, C) int64; entry [i, j] counts samples of class i predicted as j (rows: truth).
    """
    y = _check_labels(labels, num_classes)
    p = _check_labels(predictions, num_classes, "predictions")
    if y.shape != p.shape:
        raise UsageError(f"labels and predictions differ in length: {y.shape[0]} vs {p.shape[0]}")
    return np.bincount(y * num_classes + p, minlength=num_classes * num_classes).reshape(
        num_classes, num_classes)


def per_class_accuracy(confusion: np.ndarray) -> np.ndarray:
    """Recall of each class from a confusion matrix.

    Args:
        confusion: (C, C) counts, rows the true class.

    Returns:
        (C,) float64; NaN for a class with no samples.
    """
    c = np.asarray(confusion, dtype=np.float64)
    totals = c.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(totals > 0, np.diagonal(c) / totals, np.nan)


def macro_accuracy(confusion: np.ndarray) -> float:
    """Mean of the per-class accuracies over the classes that have samples."""
    acc = per_class_accuracy(confusion)
    if np.all(np.isnan(acc)):
        raise UsageError("the confusion matrix holds no samples")
    return float(np.nanmean(acc))


def recognition_metrics(logits: np.ndarray, labels: np.ndarray) -> dict:
    """Every recognition number for one set of predictions.

    Args:
        logits: (N, C) scores; labels: (N,) true class ids.

    Returns:
        {"top1": float, "top5": float (top-min(5, C)), "macro": float,
         "per_class": [C floats, NaN where a class has no samples],
         "confusion": [[C ints] x C], rows the true class}.
    """
    s = np.asarray(logits)
    top1, top5 = topk_accuracy(s, labels, (1, min(5, s.shape[-1])))
    conf = confusion_matrix(labels, np.argmax(s, axis=1), s.shape[1])
    return {
        "top1": float(top1),
        "top5": float(top5),
        "macro": macro_accuracy(conf),
        "per_class": [float(a) for a in per_class_accuracy(conf)],
        "confusion": conf.tolist(),
    }
