"""The official Inter-X text-to-interaction evaluator (T2M style), loadable from the released checkpoint.

Networks (module structure and parameter names are those of the official
checkpoint, so its state dicts load as they are):

| module | structure | checkpoint key |
| --- | --- | --- |
| `MovementConvEncoder(672, 512, 512)` | `main`: Conv1d(k4, s2, p1), Dropout(0.2), LeakyReLU(0.2), twice; `out_net`: Linear | `movement_encoder` |
| `MotionEncoderBiGRUCo(512, 1024, 512)` | `input_emb` Linear, bidirectional `gru`, `output_net` (Linear, LayerNorm, LeakyReLU, Linear), learned initial state `hidden` (2, 1, H) | `motion_encoder` |
| `TextEncoderBiGRUCo(300, 15, 512, 512)` | `pos_emb` Linear(15 -> 300) added to the word vector, `input_emb`, `gru`, `output_net`, `hidden` | `text_encoder` |

all three in `checkpoints/hhi/text_mot_match/model/finest.tar` (a torch
pickle: read with `torch.load(weights_only=True)`, which admits only tensors
and plain containers; anything else is refused with a clear error).

Motion input (the official evaluation dataset, `Text2MotionDatasetV2HHI`): the
(T, 56, 6) axis-angle array of a 30 fps pair, cut to m frames starting at s,
where m is the length rounded down to the unit of 4 frames ("single", 2 draws
in 3) or one unit shorter ("double", 1 in 3) and s is uniform in [0, T - m];
then padded with zeros to 150 frames in AXIS-ANGLE (so padded rows become
identity rotations and zero translations after the 6D conversion), or, when
m >= 150, cut to its first 150 frames with m = 150; then each joint's rotation
becomes 6D and the row is the 672-d evaluator input
(`interx.features.representations.evaluator_672`). The motion GRU reads
m // 4 steps of the 4x downsampled movement features. Note that the official
loader of GENERATED motions pads the 672-d rows with zeros instead
(`pad="zeros"`); the protocols use the real data's rule for every row.

Text input: `interx.text.glove` (GloVe + POS one-hot, sos/eos, 35 tokens).
Captions come from the processed text files when the folder has them
(`texts_processed/<seq>.txt`, line by line as the raw texts); other captions
(free prompts, or a folder without them) are tokenised by
`interx.data.processed.placeholder_tokens` (lower-cased words tagged OTHER),
which is not the official spaCy tagging: numbers then differ from official ones.

Packed sequences are built with `enforce_sorted=False`, which gives the same
numbers as the official sort-by-length, and keeps the input order.
"""

from __future__ import annotations

import pickle
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from interx.body import rotations
from interx.data.processed import TEXTS_DIR, placeholder_tokens, read_processed_texts
from interx.errors import DataError, UsageError
from interx.features.representations import EVALUATOR_DIM, OFFICIAL_ROWS, TRANS_ROW
from interx.models.evaluator import TextRef
from interx.text.glove import MAX_TEXT_LEN, POS_CLASSES, WORD_DIM, GloveVocabulary

CHECKPOINT = Path("checkpoints") / "hhi" / "text_mot_match" / "model" / "finest.tar"
GLOVE_DIR = "glove"
GLOVE_PREFIX = "hhi_vab"
UNIT_LENGTH = 4
MAX_MOTION_LENGTH = 150
MIN_MOTION_LENGTH = 2 * UNIT_LENGTH  # a "double" crop of fewer frames would be empty
NETWORK_KEYS = ("movement_encoder", "text_encoder", "motion_encoder")


# ---------------------------------------------------------------------------------------
# Networks (official structure and names)


class MovementConvEncoder(nn.Module):
    """(B, T, 672) -> (B, T // 4, 512): two strided convolutions then a linear layer."""

    def __init__(self, input_size: int = EVALUATOR_DIM, hidden_size: int = 512, output_size: int = 512):
        super().__init__()
        self.main = nn.Sequential(
            nn.Conv1d(input_size, hidden_size, 4, 2, 1), nn.Dropout(0.2), nn.LeakyReLU(0.2),
            nn.Conv1d(hidden_size, output_size, 4, 2, 1), nn.Dropout(0.2), nn.LeakyReLU(0.2),
        )
        self.out_net = nn.Linear(output_size, output_size)

    def forward(self, inputs: torch.Tensor) -> torch.Tensor:
        return self.out_net(self.main(inputs.permute(0, 2, 1)).permute(0, 2, 1))


class _BiGRUCo(nn.Module):
    """A bidirectional GRU from a learned initial state; its two last states -> the co-embedding."""

    def __init__(self, input_size: int, hidden_size: int, output_size: int):
        super().__init__()
        self.input_emb = nn.Linear(input_size, hidden_size)
        self.gru = nn.GRU(hidden_size, hidden_size, batch_first=True, bidirectional=True)
        self.output_net = nn.Sequential(
            nn.Linear(hidden_size * 2, hidden_size), nn.LayerNorm(hidden_size), nn.LeakyReLU(0.2),
            nn.Linear(hidden_size, output_size),
        )
        self.hidden_size = hidden_size
        self.hidden = nn.Parameter(torch.randn(2, 1, hidden_size))

    def _encode(self, inputs: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """inputs (B, L, H) after `input_emb`; lengths (B,) -> (B, output_size)."""
        hidden = self.hidden.repeat(1, inputs.shape[0], 1)
        packed = pack_padded_sequence(inputs, lengths.cpu().long(), batch_first=True, enforce_sorted=False)
        _, last = self.gru(packed, hidden)                                    # (2, B, H), input order
        return self.output_net(torch.cat([last[0], last[1]], dim=-1))


class MotionEncoderBiGRUCo(_BiGRUCo):
    """Movement features (B, L, 512) and step counts (B,) -> (B, 512)."""

    def __init__(self, input_size: int = 512, hidden_size: int = 1024, output_size: int = 512):
        super().__init__(input_size, hidden_size, output_size)

    def forward(self, inputs: torch.Tensor, m_lens: torch.Tensor) -> torch.Tensor:
        return self._encode(self.input_emb(inputs), m_lens)


class TextEncoderBiGRUCo(_BiGRUCo):
    """Word vectors (B, L, 300), POS one-hots (B, L, 15) and lengths (B,) -> (B, 512)."""

    def __init__(self, word_size: int = WORD_DIM, pos_size: int = len(POS_CLASSES), hidden_size: int = 512,
                 output_size: int = 512):
        super().__init__(word_size, hidden_size, output_size)
        self.pos_emb = nn.Linear(pos_size, word_size)

    def forward(self, word_embs: torch.Tensor, pos_onehot: torch.Tensor, cap_lens: torch.Tensor) -> torch.Tensor:
        return self._encode(self.input_emb(word_embs + self.pos_emb(pos_onehot)), cap_lens)


def official_networks() -> dict[str, nn.Module]:
    """The three networks with the official sizes, keyed as in the checkpoint."""
    return {"movement_encoder": MovementConvEncoder(), "text_encoder": TextEncoderBiGRUCo(),
            "motion_encoder": MotionEncoderBiGRUCo()}


# ---------------------------------------------------------------------------------------
# Checkpoint


def _load_torch_pickle(path: Path) -> dict:
    if not path.is_file():
        raise DataError("official evaluator checkpoint missing", path)
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "weights only" in str(exc).lower() or "weights_only" in str(exc).lower():
            raise DataError("checkpoint holds Python objects other than tensors and plain containers; "
                            "weights-only loading refuses them (not an official evaluator checkpoint)", path) from None
        raise DataError(f"unreadable or truncated checkpoint ({first})", path) from None
    except (RuntimeError, EOFError, OSError, ValueError, zipfile.BadZipFile, KeyError, AttributeError,
            TypeError, IndexError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise DataError(f"unreadable or truncated checkpoint ({type(exc).__name__}: {first[:160]})", path) \
            from None
    if not isinstance(data, dict):
        raise DataError(f"checkpoint holds a {type(data).__name__}", path)
    return data


def load_official_state(path: Path | str, networks: dict[str, nn.Module]) -> None:
    """Load the official checkpoint at `path` into `networks` (keys and shapes checked first)."""
    path = Path(path)
    data = _load_torch_pickle(path)
    missing = [k for k in networks if k not in data]
    if missing:
        raise DataError(f"checkpoint lacks {', '.join(missing)} (has {', '.join(map(str, data)) or 'nothing'}); "
                        f"expected the official text_mot_match finest.tar", path)
    for key, module in networks.items():
        state = data[key]
        if not isinstance(state, dict) or not all(torch.is_tensor(v) for v in state.values()):
            raise DataError(f"checkpoint entry {key} is not a state dict of tensors", path)
        expected = module.state_dict()
        absent = [k for k in expected if k not in state]
        extra = [k for k in state if k not in expected]
        if absent or extra:
            example = (absent or extra)[0]
            raise DataError(f"{key} does not fit the official network ({len(absent)} missing, {len(extra)} "
                            f"unexpected tensors, e.g. {example})", path)
        for name, tensor in expected.items():
            if tuple(state[name].shape) != tuple(tensor.shape):
                raise DataError(f"{key}.{name} has shape {tuple(state[name].shape)}, the official network "
                                f"{tuple(tensor.shape)}", path)
        module.load_state_dict({k: v.float() for k, v in state.items()})


# ---------------------------------------------------------------------------------------
# Motion input


def sample_crop(num_frames: int, rng: np.random.Generator | None, unit: int = UNIT_LENGTH) -> tuple[int, int]:
    """(length m, start s) of the official random crop (module doc); rng None: "single" at s = 0."""
    if num_frames < MIN_MOTION_LENGTH:
        raise UsageError(f"the official evaluator needs motions of at least {MIN_MOTION_LENGTH} frames, "
                         f"got {num_frames}")
    double = rng is not None and rng.integers(3) == 2                   # choice of single, single, double
    length = (num_frames // unit - (1 if double else 0)) * unit
    start = 0 if rng is None else int(rng.integers(0, num_frames - length + 1))
    return length, start


def official_motion_input(pose: np.ndarray, trans: np.ndarray, length: int, start: int = 0,
                          max_frames: int = MAX_MOTION_LENGTH, pad: str = "identity") -> tuple[np.ndarray, int]:
    """One motion as the official evaluator reads it (module doc).

    Args:
        pose: (T, 2, 55, 3) axis-angle; trans: (T, 2, 3) meters; official frame, 30 fps.
        length, start: the crop (`sample_crop`).
        max_frames: 150 officially.
        pad: "identity" (the real data's rule: zero axis-angle rows) or "zeros" (the
            official loader of generated motions: zero 672-d rows).

    Returns:
        (max_frames, 672) float32 and the length in frames (at most max_frames).
    """
    if pad not in ("identity", "zeros"):
        raise UsageError(f"pad must be 'identity' or 'zeros', not {pad!r}")
    pose = np.asarray(pose, dtype=np.float32)[start:start + length]
    trans = np.asarray(trans, dtype=np.float32)[start:start + length]
    length = min(len(pose), max_frames)
    pose, trans = pose[:max_frames], trans[:max_frames]
    sixd = rotations.aa_to_sixd(pose).astype(np.float32)                            # (m, 2, 55, 6)
    out = np.zeros((max_frames, OFFICIAL_ROWS, 12), dtype=np.float32)
    if pad == "identity":
        out[:, :TRANS_ROW] = np.array([1, 0, 0, 0, 1, 0] * 2, dtype=np.float32)     # 6D of the identity
    out[:length, :TRANS_ROW] = sixd.transpose(0, 2, 1, 3).reshape(length, TRANS_ROW, 12)
    out[:length, TRANS_ROW, 0:3], out[:length, TRANS_ROW, 6:9] = trans[:, 0], trans[:, 1]
    return out.reshape(max_frames, EVALUATOR_DIM), length


# ---------------------------------------------------------------------------------------
# The evaluator


@dataclass
class OfficialEvaluator:
    """The official evaluator on the `interx.models.evaluator.Evaluator` interface.

    Args:
        networks: `official_networks()` with the checkpoint's weights.
        vocabulary: the release's GloVe vocabulary.
        texts_dir: the release's `texts_processed` folder, or None (placeholder tokens).
        name: the spec it was loaded from.
        device: where the networks run.
        batch_size: motions or captions per forward pass.
    """

    networks: dict[str, nn.Module]
    vocabulary: GloveVocabulary
    texts_dir: Path | None = None
    name: str = "official"
    device: str = "cpu"
    batch_size: int = 256
    dim: int = 512
    stochastic: bool = True

    def __post_init__(self):
        for module in self.networks.values():
            module.to(self.device).eval()
        self._tokens: dict[str, tuple] = {}
        self.placeholder_captions = 0  # captions tokenised without the processed files (see module doc)

    def tokens(self, ref: TextRef) -> tuple[str, ...]:
        """The `word/POS` tokens of a caption: its processed line when found, else placeholders."""
        if self.texts_dir is not None and ref.name:
            if ref.name not in self._tokens:
                path = self.texts_dir / f"{ref.name}.txt"
                self._tokens[ref.name] = read_processed_texts(path) if path.is_file() else ()
            lines = self._tokens[ref.name]
            if 0 <= ref.index < len(lines) and lines[ref.index].caption == ref.caption.strip():
                return lines[ref.index].tokens
            for line in lines:
                if line.caption == ref.caption.strip():
                    return line.tokens
        self.placeholder_captions += 1
        return placeholder_tokens(ref.caption)

    def embed_texts(self, texts: Sequence[TextRef]) -> np.ndarray:
        """(N, 512) float32 text embeddings."""
        encoded = [self.vocabulary.encode_tokens(self.tokens(t), MAX_TEXT_LEN) for t in texts]
        out = []
        with torch.no_grad():
            for k in range(0, len(encoded), self.batch_size):
                chunk = encoded[k:k + self.batch_size]
                words = torch.from_numpy(np.stack([e.words for e in chunk])).to(self.device)
                pos = torch.from_numpy(np.stack([e.pos for e in chunk])).to(self.device)
                lengths = torch.tensor([e.length for e in chunk])
                out.append(self.networks["text_encoder"](words, pos, lengths).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)

    def embed_motions(self, motions: Sequence, rng: np.random.Generator | None = None) -> np.ndarray:
        """(N, 512) float32 motion embeddings of PairArrays-like items (`pose`, `trans`); crops from `rng`."""
        out = []
        with torch.no_grad():
            for k in range(0, len(motions), self.batch_size):
                rows, lengths = [], []
                for item in motions[k:k + self.batch_size]:
                    length, start = sample_crop(len(item.pose), rng)
                    x, m = official_motion_input(item.pose, item.trans, length, start)
                    rows.append(x)
                    lengths.append(m)
                x = torch.from_numpy(np.stack(rows)).to(self.device)
                movements = self.networks["movement_encoder"](x)
                steps = torch.tensor(lengths) // UNIT_LENGTH
                out.append(self.networks["motion_encoder"](movements, steps).float().cpu().numpy())
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


def load_official_evaluator(folder: Path | str, device: str = "cpu") -> OfficialEvaluator:
    """The official evaluator from a folder holding `checkpoints/hhi/...finest.tar` and `glove/` (module doc)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise UsageError(f"{folder}: no such folder (expected the one holding checkpoints/hhi and glove)")
    networks = official_networks()
    load_official_state(folder / CHECKPOINT, networks)
    vocabulary = GloveVocabulary.load(folder / GLOVE_DIR, GLOVE_PREFIX)
    texts = folder / TEXTS_DIR
    return OfficialEvaluator(networks, vocabulary, texts if texts.is_dir() else None,
                             name=f"official:{folder}", device=device)
