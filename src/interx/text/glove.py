"""The official evaluator's text input: GloVe word vectors and part-of-speech one-hots.

The official Inter-X text-to-motion evaluator (a T2M evaluator) reads each
caption as the `word/POS` tokens of its processed text line
(`texts_processed/<seq>.txt`: `caption#word/POS word/POS ...#0.0#0.0`, parsed by
`interx.data.processed`) and turns every token into a 300-d GloVe vector and a
15-way part-of-speech one-hot. This module reproduces that pipeline:

- Vocabulary (`GloveVocabulary.load(folder, prefix="hhi_vab")`): the three files
  of the release's `glove/` folder: `<prefix>_data.npy` (V, 300) float vectors,
  `<prefix>_idx.pkl` dict word -> row, `<prefix>_words.pkl` list of words. The
  pickles are read with the restricted unpickler (dicts, lists, strings and ints
  only). A word's vector is `data[idx[word]]` for every word of the words list.
- Lookup of one token `word/POS` (T2M's `WordVectorizer`): an unknown word gives
  the vector of `unk` and the POS class OTHER; a known word gives its vector and,
  when the word is in one of T2M's five "VIP" lists (locations, body parts,
  objects, actions, descriptions), that list's class, else its POS tag's class
  (an unknown tag is OTHER). Words are looked up as written: the official code
  does not lower-case them (a known fault, kept for comparability).
- Sequence (`encode_tokens`): at most `max_text_len` (35 for Inter-X) tokens are
  kept; `sos/OTHER` and `eos/OTHER` are added around them; shorter captions are
  padded with `unk/OTHER` to `max_text_len + 2` rows. `length` counts sos and eos.
  A token that is not exactly `word/POS` is read as `unk/OTHER`, as officially.

The POS classes (T2M's `POS_enumerator`): VERB 0, NOUN 1, DET 2, ADP 3, NUM 4,
AUX 5, PRON 6, ADJ 7, ADV 8, Loc_VIP 9, Body_VIP 10, Obj_VIP 11, Act_VIP 12,
Desc_VIP 13, OTHER 14.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from interx.data.safe_io import FormatError, read_npy, read_restricted_pickle

POS_CLASSES: tuple[str, ...] = ("VERB", "NOUN", "DET", "ADP", "NUM", "AUX", "PRON", "ADJ", "ADV", "Loc_VIP",
                                "Body_VIP", "Obj_VIP", "Act_VIP", "Desc_VIP", "OTHER")
POS_INDEX: dict[str, int] = {name: i for i, name in enumerate(POS_CLASSES)}
OTHER = POS_INDEX["OTHER"]

# T2M's word lists whose words get their own POS class, in the order they are tried.
VIP_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Loc_VIP", ("left", "right", "clockwise", "counterclockwise", "anticlockwise", "forward", "back", "backward",
                 "up", "down", "straight", "curve")),
    ("Body_VIP", ("arm", "chin", "foot", "feet", "face", "hand", "mouth", "leg", "waist", "eye", "knee", "shoulder",
                  "thigh")),
    ("Obj_VIP", ("stair", "dumbbell", "chair", "window", "floor", "car", "ball", "handrail", "baseball",
                 "basketball")),
    ("Act_VIP", ("walk", "run", "swing", "pick", "bring", "kick", "put", "squat", "throw", "hop", "dance", "jump",
                 "turn", "stumble", "stop", "sit", "lift", "lower", "raise", "wash", "stand", "kneel", "stroll",
                 "rub", "bend", "balance", "flap", "jog", "shuffle", "lean", "rotate", "spin", "spread", "climb")),
    ("Desc_VIP", ("slowly", "carefully", "fast", "careful", "slow", "quickly", "happy", "angry", "sad", "happily",
                  "angrily", "sadly")),
)
_VIP_CLASS: dict[str, int] = {}
for _name, _words in VIP_WORDS:
    for _word in _words:
        _VIP_CLASS.setdefault(_word, POS_INDEX[_name])

MAX_TEXT_LEN = 35   # Inter-X's official caption cap (tokens, before sos/eos)
WORD_DIM = 300
UNKNOWN = "unk"


@dataclass(frozen=True)
class EncodedText:
    """One caption as the official text encoder reads it.

    Attributes:
        words: (L, 300) float32 word vectors, L = max_text_len + 2.
        pos: (L, 15) float32 POS one-hots.
        length: rows in use (sos + tokens + eos).
    """

    words: np.ndarray
    pos: np.ndarray
    length: int


class GloveVocabulary:
    """Word vectors by word (see the module doc).

    Args:
        vectors: (V, 300) float32.
        index: word -> row of `vectors`.
        words: the words that are looked up (officially the words list; every one must be in `index`).
    """

    def __init__(self, vectors: np.ndarray, index: dict[str, int], words: Sequence[str]):
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2:
            raise FormatError(f"word vectors of shape {vectors.shape}", "a (V, D) array")
        rows = {}
        for word in words:
            row = index.get(word)
            if not isinstance(row, int) or not 0 <= row < len(vectors):
                raise FormatError(f"word {word!r} has row {row!r} in the index", f"a row below {len(vectors)}")
            rows[word] = row
        if UNKNOWN not in rows:
            raise FormatError(f"the vocabulary has no {UNKNOWN!r} word", "the unknown-word entry 'unk'")
        self.vectors = vectors
        self.rows = rows
        self.dim = int(vectors.shape[1])

    @classmethod
    def load(cls, folder: Path | str, prefix: str = "hhi_vab") -> "GloveVocabulary":
        """Read `<prefix>_data.npy`, `<prefix>_idx.pkl` and `<prefix>_words.pkl` from `folder`."""
        folder = Path(folder)
        vectors = read_npy(folder / f"{prefix}_data.npy")
        index_path, words_path = folder / f"{prefix}_idx.pkl", folder / f"{prefix}_words.pkl"
        index = read_restricted_pickle(index_path)
        words = read_restricted_pickle(words_path)
        if not isinstance(index, dict) or not all(isinstance(k, str) for k in index):
            raise FormatError(f"holds a {type(index).__name__}", "a dict word -> row", index_path)
        if not isinstance(words, list) or not all(isinstance(w, str) for w in words):
            raise FormatError(f"holds a {type(words).__name__}", "a list of words", words_path)
        if vectors.ndim != 2 or vectors.shape[1] != WORD_DIM or not np.issubdtype(vectors.dtype, np.floating):
            raise FormatError(f"array of {vectors.dtype} {vectors.shape}", f"float (V, {WORD_DIM}) word vectors",
                              folder / f"{prefix}_data.npy")
        try:
            return cls(vectors, index, words)
        except FormatError as exc:
            raise FormatError(exc.what, exc.expected, index_path) from None

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, token: str) -> tuple[np.ndarray, int]:
        """(word vector (300,), POS class) of one `word/POS` token (rules in the module doc)."""
        parts = token.split("/")
        if len(parts) != 2:
            word, pos = UNKNOWN, "OTHER"
        else:
            word, pos = parts
        row = self.rows.get(word)
        if row is None:
            return self.vectors[self.rows[UNKNOWN]], OTHER
        return self.vectors[row], _VIP_CLASS.get(word, POS_INDEX.get(pos, OTHER))

    def encode_tokens(self, tokens: Sequence[str], max_text_len: int = MAX_TEXT_LEN) -> EncodedText:
        """The padded word vectors and POS one-hots of one caption (rules in the module doc)."""
        kept = list(tokens[:max_text_len])
        sequence = ["sos/OTHER", *kept, "eos/OTHER"]
        length = len(sequence)
        sequence += ["unk/OTHER"] * (max_text_len + 2 - length)
        looked = [self.lookup(t) for t in sequence]
        words = np.stack([v for v, _ in looked]).astype(np.float32)                   # (L, 300)
        pos = np.eye(len(POS_CLASSES), dtype=np.float32)[[p for _, p in looked]]      # (L, 15)
        return EncodedText(words=words, pos=pos, length=length)
