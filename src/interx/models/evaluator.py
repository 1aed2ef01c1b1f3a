"""Text-motion evaluators behind one interface, as the embedding protocols use them.

An evaluator maps captions and two-person motions into one embedding space
(D dimensions) where a caption lies near the motions it describes; the official
protocol's metrics (`interx.eval.embedding`) are computed on these embeddings.

| spec | evaluator |
| --- | --- |
| `official:DIR` | the official Inter-X T2M evaluator (`evaluator_official`): `DIR/checkpoints/hhi/text_mot_match/model/finest.tar`, GloVe files in `DIR/glove/`, processed texts in `DIR/texts_processed/` when present |
| `RUN` | the project's contrastive evaluator trained with `interx train evaluator --out RUN` (`evaluator_contrastive`) |

Interface (`Evaluator`):

    embed_texts(texts: Sequence[TextRef]) -> (N, D) float32
    embed_motions(motions: Sequence[PairArrays], rng=None) -> (N, D) float32

Motions are `interx.features.representations.PairArrays` at 30 fps in the
official frame (a cache's `item(i)`, or `interx.features.sequence.prepare_pair`
of a generated `Interaction`). `stochastic` evaluators draw a random view of
each motion from `rng` (the official evaluator's random unit-length crop); with
`rng=None` they use a fixed view. Deterministic evaluators ignore `rng`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from interx.errors import UsageError

OFFICIAL_PREFIX = "official:"


@dataclass(frozen=True)
class TextRef:
    """A caption, with where it comes from (the official evaluator finds its processed tokens there).

    Attributes:
        caption: the text.
        name: the sequence whose texts hold it ("" when none, e.g. a free prompt).
        index: its line in that sequence's texts (-1 when unknown).
    """

    caption: str
    name: str = ""
    index: int = -1


class Evaluator(Protocol):
    """What the embedding protocols need from an evaluator (see the module doc)."""

    name: str          # the spec it was loaded from, recorded in reports
    dim: int           # D
    stochastic: bool   # motion views are drawn at random from the rng given

    def embed_texts(self, texts: Sequence[TextRef]) -> np.ndarray: ...

    def embed_motions(self, motions: Sequence, rng: np.random.Generator | None = None) -> np.ndarray: ...


def load_evaluator(spec: str | Path, device: str = "cpu") -> Evaluator:
    """The evaluator named by `spec` (table in the module doc)."""
    spec = str(spec)
    if spec.startswith(OFFICIAL_PREFIX):
        from interx.models.evaluator_official import load_official_evaluator

        folder = spec[len(OFFICIAL_PREFIX):]
        if not folder:
            raise UsageError("--evaluator official:DIR needs the folder holding checkpoints/hhi and glove")
        return load_official_evaluator(Path(folder).expanduser(), device=device)
    from interx.models.evaluator_contrastive import load_contrastive_evaluator

    return load_contrastive_evaluator(Path(spec).expanduser(), device=device)
