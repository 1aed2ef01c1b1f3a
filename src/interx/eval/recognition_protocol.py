"""The recognition protocol: a trained recogniser on a cache split, one report and a confusion picture.

Every sequence of the split is classified once (frames spread evenly over the
whole sequence, no augmentation). The report has the project's `rows` shape:

```
{"protocol": "recognition",
 "settings": {"split", "sequences", "classes", "frames", "joints"},
 "runs": {"<row>": "<run folder>"},
 "rows": {"<row>": {"top1": a, "top5": a, "macro": a}},
 "class_names": [C names],
 "per_class": {"<row>": {"<class name>": accuracy or null}},
 "confusion": {"<row>": [[C ints] x C]}}      (rows: true class, columns: predicted)
```

The row name is 'recognizer' (a repeated name gets '@RUN' appended). `plot_confusion`
draws a confusion matrix (row-normalised) to a PNG.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from interx.errors import UsageError
from interx.eval.recognition import recognition_metrics
from interx.eval.report import markdown_table

ROW_NAME = "recognizer"


def evaluate_recognition(cache, runs: Sequence[Path | str], split: str = "test", batch_size: int = 64) -> dict:
    """Classify every sequence of `split` with each run and report (see the module doc).

    Args:
        cache: an opened `interx.features.cache.Cache`.
        runs: recogniser run folders (`interx train recognizer`), at least one.
        split: the split to evaluate on.
        batch_size: sequences per forward pass.
    """
    from interx.models.recognizer_run import load_recognizer, score_split

    if not runs:
        raise UsageError("give a recogniser run with --checkpoint RUN")
    data = cache.split(split)
    if not len(data):
        raise UsageError(f"split {split} is empty: nothing to evaluate")
    names = list(cache.action_names)
    report = {"protocol": "recognition", "settings": {}, "runs": {}, "rows": {}, "class_names": names,
              "per_class": {}, "confusion": {}}
    labels = np.asarray(data.actions, dtype=np.int64)
    for run in runs:
        model, config = load_recognizer(run)
        if len(names) != config.model.num_classes:
            raise UsageError(f"{run}: the recogniser has {config.model.num_classes} classes, the cache {len(names)}")
        name = ROW_NAME if ROW_NAME not in report["rows"] else f"{ROW_NAME}@{Path(run).name}"
        logits, _ = score_split(model, data, batch_size)
        metrics = recognition_metrics(logits, labels)
        report["rows"][name] = {"top1": metrics["top1"], "top5": metrics["top5"], "macro": metrics["macro"]}
        report["per_class"][name] = {c: (None if np.isnan(a) else a) for c, a in zip(names, metrics["per_class"])}
        report["confusion"][name] = metrics["confusion"]
        report["runs"][name] = str(run)
        report["settings"] = {"split": split, "sequences": len(labels), "classes": len(names),
                              "frames": config.model.frames, "joints": config.model.joints}
    return report


def recognition_table(report: dict) -> str:
    """A markdown table of a recognition report: top-1, top-5 and macro accuracy (shares, not percent)."""
    return markdown_table(report["rows"], ("top1", "top5", "macro"), digits=3, first="model")


def plot_confusion(confusion: np.ndarray, class_names: Sequence[str], path: Path | str, title: str = "") -> Path:
    """Draw a confusion matrix, each row divided by its count, as a PNG (written atomically).

    Args:
        confusion: (C, C) counts, rows the true class.
        class_names: C labels.
        path: the PNG to write.
        title: figure title.
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from interx.data.safe_io import atomic_path

    counts = np.asarray(confusion, dtype=np.float64)
    totals = counts.sum(axis=1, keepdims=True)
    share = np.divide(counts, totals, out=np.zeros_like(counts), where=totals > 0)
    size = max(6.0, 0.22 * len(class_names) + 2.0)
    fig, ax = plt.subplots(figsize=(size, size))
    try:
        image = ax.imshow(share, cmap="Blues", vmin=0.0, vmax=1.0)
        ticks = np.arange(len(class_names))
        ax.set_xticks(ticks, labels=class_names, rotation=90, fontsize=7)
        ax.set_yticks(ticks, labels=class_names, fontsize=7)
        ax.set_xlabel("predicted class")
        ax.set_ylabel("true class")
        if title:
            ax.set_title(title)
        fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04, label="share of the true class")
        fig.tight_layout()
        path = Path(path)
        with atomic_path(path) as tmp:
            fig.savefig(tmp, format="png", dpi=100)
    finally:
        plt.close(fig)
    return path
