"""Encodings kept per text, in memory and optionally on disk, so training encodes each text once.

`CachedTextEncoder` is a `TextEncoder` that remembers every text it encoded
(a dict text -> (sentence (D,), tokens (L, D))) and loads the real encoder only
when it meets a text it does not know. Encodings are kept at float16 precision
(returned as float32): fresh and stored encodings are then the same numbers,
and a store of the real release's ~30 k texts stays a few hundred MB.

On-disk store (`save` / `load`): one safetensors file with `sentence` (N, D)
float16, `tokens` (sum of L_i, D) float16, `offsets` (N + 1,) int64 (text i's
tokens are rows offsets[i]:offsets[i+1]); its metadata holds the encoder's
name, `max_tokens` and the N texts as a JSON list. A store made by another
encoder, or keeping fewer tokens per text, is refused (one keeping more is cut).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import torch

from interx.data.safe_io import atomic_path
from interx.errors import DataError
from interx.text.encoder import DEFAULT_ENCODER, DEFAULT_MAX_TOKENS, TextEncoder, TextEncoding, \
    load_text_encoder, pad_tokens

STORE_FORMAT = "interx-text-store-1"


class CachedTextEncoder:
    """A memoising `TextEncoder` (see the module doc).

    Args:
        spec: the encoder spec (`interx.text.encoder.load_text_encoder`).
        max_tokens: token features kept per text.
        device: where the encoder runs when it has to be loaded.
        loader: builds the encoder (default: `load_text_encoder(spec, max_tokens, device)`).
    """

    def __init__(self, spec: str = DEFAULT_ENCODER, max_tokens: int = DEFAULT_MAX_TOKENS, device: str = "cpu",
                 loader: Callable[[], TextEncoder] | None = None):
        self.name = spec
        self.max_tokens = max_tokens
        self._loader = loader or (lambda: load_text_encoder(spec, max_tokens, device))
        self._encoder: TextEncoder | None = None
        self._dim: int | None = None
        self._entries: dict[str, tuple[torch.Tensor, torch.Tensor]] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, text: object) -> bool:
        return text in self._entries

    @property
    def dim(self) -> int:
        if self._dim is None:
            self._dim = self._real().dim
        return self._dim

    def _real(self) -> TextEncoder:
        if self._encoder is None:
            self._encoder = self._loader()
        return self._encoder

    def add(self, texts: Iterable[str]) -> int:
        """Encode the texts not yet known (in one call to the encoder); returns how many were new."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._entries))
        if missing:
            encoder = self._real()
            self._dim = encoder.dim
            out = encoder.encode(missing)
            for i, text in enumerate(missing):
                length = min(int(out.mask[i].sum()), self.max_tokens)
                self._entries[text] = (out.sentence[i].half().clone(), out.tokens[i, :length].half().clone())
        return len(missing)

    def encode(self, texts: Sequence[str]) -> TextEncoding:
        """Encodings of `texts` (known ones from memory; the rest encoded and remembered)."""
        self.add(texts)
        if not texts:
            return TextEncoding(torch.zeros(0, self.dim), torch.zeros(0, 0, self.dim),
                                torch.zeros(0, 0, dtype=torch.bool))
        sentence = torch.stack([self._entries[t][0] for t in texts]).float()
        tokens, mask = pad_tokens([self._entries[t][1].float() for t in texts], sentence.shape[1])
        return TextEncoding(sentence, tokens, mask)

    def entry(self, text: str) -> tuple[torch.Tensor, torch.Tensor]:
        """(sentence (D,), tokens (L, D)) float32 of a known text (KeyError if unknown)."""
        sentence, tokens = self._entries[text]
        return sentence.float(), tokens.float()

    def save(self, path: Path | str) -> None:
        """Write every known encoding to a store file, atomically."""
        from safetensors.torch import save_file

        texts = list(self._entries)
        if not texts:
            raise DataError("no encodings to store", path)
        lengths = torch.tensor([self._entries[t][1].shape[0] for t in texts], dtype=torch.int64)
        offsets = torch.cat([torch.zeros(1, dtype=torch.int64), lengths.cumsum(0)])
        tensors = {
            "sentence": torch.stack([self._entries[t][0] for t in texts]).contiguous(),
            "tokens": torch.cat([self._entries[t][1] for t in texts]).contiguous(),
            "offsets": offsets,
        }
        meta = {"format": STORE_FORMAT, "encoder": self.name, "max_tokens": str(self.max_tokens),
                "texts": json.dumps(texts)}
        with atomic_path(path) as tmp:
            save_file(tensors, str(tmp), metadata=meta)

    def load(self, path: Path | str) -> int:
        """Add the encodings of a store file (written by `save` with the same encoder); returns how many."""
        from safetensors import safe_open

        path = Path(path)
        try:
            with safe_open(str(path), framework="pt") as f:
                meta = f.metadata() or {}
                tensors = {k: f.get_tensor(k) for k in ("sentence", "tokens", "offsets")}
        except Exception as exc:  # safetensors raises its own error types
            raise DataError(f"unreadable text store ({exc})", path) from None
        if meta.get("format") != STORE_FORMAT:
            raise DataError("not an interx text store", path)
        stored_tokens = int(meta["max_tokens"]) if str(meta.get("max_tokens", "")).isdigit() else -1
        if meta.get("encoder") != self.name or stored_tokens < self.max_tokens:
            raise DataError(f"made by encoder {meta.get('encoder')!r} with {meta.get('max_tokens')} tokens, "
                            f"not {self.name!r} with at least {self.max_tokens}", path)
        try:
            texts = json.loads(meta["texts"])
        except (KeyError, json.JSONDecodeError):
            raise DataError("text store metadata lacks its text list", path) from None
        sentence, tokens, offsets = tensors["sentence"], tensors["tokens"], tensors["offsets"]
        if (not isinstance(texts, list) or not all(isinstance(t, str) for t in texts)
                or sentence.shape[0] != len(texts) or offsets.shape != (len(texts) + 1,)
                or int(offsets[-1]) != tokens.shape[0] or tokens.shape[1:] != sentence.shape[1:]
                or bool((offsets[1:] < offsets[:-1]).any())):
            raise DataError("text store arrays disagree with its text list", path)
        if self._dim is not None and sentence.shape[1] != self._dim:
            raise DataError(f"text store has dimension {sentence.shape[1]}, not {self._dim}", path)
        self._dim = int(sentence.shape[1])
        for i, text in enumerate(texts):
            start, stop = int(offsets[i]), int(offsets[i + 1])
            self._entries[text] = (sentence[i].half(), tokens[start:min(stop, start + self.max_tokens)].half())
        return len(texts)
