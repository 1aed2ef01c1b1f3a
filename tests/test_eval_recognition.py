"""Recognition metrics with hand-computed answers."""

from __future__ import annotations

import numpy as np
import pytest

from interx.errors import UsageError
from interx.eval.recognition import (
    confusion_matrix,
    macro_accuracy,
    per_class_accuracy,
    recognition_metrics,
    topk_accuracy,
)


def test_topk_accuracy_hand_built():
    logits = np.array([
        [0.9, 0.05, 0.03, 0.02],   # true 0: rank 0
        [0.5, 0.3, 0.1, 0.1],      # true 1: rank 1
        [0.4, 0.3, 0.2, 0.1],      # true 3: rank 3
        [0.1, 0.2, 0.3, 0.4],      # true 2: rank 1
    ])
    labels = np.array([0, 1, 3, 2])
    np.testing.assert_allclose(topk_accuracy(logits, labels, (1, 2, 3, 4)), [0.25, 0.75, 0.75, 1.0])
    # Independent of the class order when classes and labels are permuted together.
    perm = np.array([2, 0, 3, 1])
    inv = np.argsort(perm)
    np.testing.assert_allclose(topk_accuracy(logits[:, perm], inv[labels], (1, 2, 3, 4)),
                               [0.25, 0.75, 0.75, 1.0])


def test_confusion_matrix_and_per_class():
    labels = np.array([0, 0, 0, 1, 1, 2])
    preds = np.array([0, 0, 1, 1, 0, 2])
    conf = confusion_matrix(labels, preds, 4)
    expected = np.zeros((4, 4), np.int64)
    for y, p in zip(labels, preds):
        expected[y, p] += 1
    np.testing.assert_array_equal(conf, expected)
    acc = per_class_accuracy(conf)
    np.testing.assert_allclose(acc[:3], [2 / 3, 1 / 2, 1.0])
    assert np.isnan(acc[3])                                  # class 3 has no samples
    assert macro_accuracy(conf) == pytest.approx((2 / 3 + 1 / 2 + 1.0) / 3)


def test_recognition_metrics_summary():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 40, size=400)
    logits = rng.normal(size=(400, 40))
    logits[np.arange(400), labels] += 100.0                  # always right
    out = recognition_metrics(logits, labels)
    assert out["top1"] == 1.0 and out["top5"] == 1.0 and out["macro"] == 1.0
    assert np.trace(np.array(out["confusion"])) == 400 and len(out["per_class"]) == 40
    # Imbalance: macro differs from plain accuracy when the errors sit in a small class.
    labels = np.array([0] * 9 + [1])
    logits = np.zeros((10, 2))
    logits[:, 0] = 1.0                                       # always predicts class 0
    out = recognition_metrics(logits, labels)
    assert out["top1"] == pytest.approx(0.9) and out["macro"] == pytest.approx(0.5)


def test_bad_labels_are_refused():
    with pytest.raises(UsageError):
        topk_accuracy(np.zeros((2, 3)), np.array([0, 3]), (1,))
    with pytest.raises(UsageError):
        confusion_matrix(np.array([0.0, 1.0]), np.array([0, 1]), 2)
    with pytest.raises(UsageError):
        topk_accuracy(np.zeros((2, 3)), np.array([0, 1]), (4,))
