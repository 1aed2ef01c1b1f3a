"""The official evaluator: networks load checkpoints in the official format, inputs follow the official rules."""

from __future__ import annotations

import argparse
import pickle

import numpy as np
import pytest
import torch

from interx.data.processed import write_processed_texts
from interx.data.safe_io import write_npy, write_restricted_pickle
from interx.errors import DataError
from interx.features.representations import evaluator_672
from interx.models.evaluator import TextRef, load_evaluator
from interx.models.evaluator_official import (CHECKPOINT, official_motion_input, sample_crop)
from interx.text.glove import POS_INDEX, GloveVocabulary

# The official checkpoint's state dicts, written out by hand from the official modules
# (T2M networks/modules.py as used by Inter-X): key -> shape.
H_TEXT, H_MOTION = 512, 1024


def _gru(prefix: str, inp: int, h: int) -> dict:
    shapes = {}
    for suffix in ("", "_reverse"):
        shapes.update({f"{prefix}.weight_ih_l0{suffix}": (3 * h, inp), f"{prefix}.weight_hh_l0{suffix}": (3 * h, h),
                       f"{prefix}.bias_ih_l0{suffix}": (3 * h,), f"{prefix}.bias_hh_l0{suffix}": (3 * h,)})
    return shapes


def _co(h: int, inp: int, out: int = 512) -> dict:
    return {"hidden": (2, 1, h), "input_emb.weight": (h, inp), "input_emb.bias": (h,), **_gru("gru", h, h),
            "output_net.0.weight": (h, 2 * h), "output_net.0.bias": (h,), "output_net.1.weight": (h,),
            "output_net.1.bias": (h,), "output_net.3.weight": (out, h), "output_net.3.bias": (out,)}


OFFICIAL_SHAPES = {
    "movement_encoder": {"main.0.weight": (512, 672, 4), "main.0.bias": (512,), "main.3.weight": (512, 512, 4),
                         "main.3.bias": (512,), "out_net.weight": (512, 512), "out_net.bias": (512,)},
    "text_encoder": {**_co(H_TEXT, 300), "pos_emb.weight": (300, 15), "pos_emb.bias": (300,)},
    "motion_encoder": _co(H_MOTION, 512),
}


def _random_state(shapes: dict, gen: torch.Generator) -> dict:
    return {k: 0.05 * torch.randn(s, generator=gen) for k, s in shapes.items()}


def write_official_folder(root, seed: int = 0, shapes=None, extra=None, words=("a", "person", "wave", "hand")):
    """An official-layout folder: checkpoint with random weights, GloVe files, processed texts."""
    gen = torch.Generator().manual_seed(seed)
    shapes = OFFICIAL_SHAPES if shapes is None else shapes
    data = {key: _random_state(s, gen) for key, s in shapes.items()}
    data.update({"epoch": 7, "iter": 1234,
                 "opt_motion_encoder": {"state": {}, "param_groups": [{"lr": 1e-4, "betas": (0.9, 0.999),
                                                                       "params": [0, 1]}]}})
    data.update(extra or {})
    path = root / CHECKPOINT
    path.parent.mkdir(parents=True)
    torch.save(data, path)
    vocab = ["unk", "sos", "eos", *words]
    rng = np.random.default_rng(seed)
    (root / "glove").mkdir()
    write_npy(root / "glove" / "hhi_vab_data.npy", rng.standard_normal((len(vocab), 300)).astype(np.float32))
    write_restricted_pickle(root / "glove" / "hhi_vab_idx.pkl", {w: i for i, w in enumerate(vocab)})
    write_restricted_pickle(root / "glove" / "hhi_vab_words.pkl", list(vocab))
    return path


def _motion(rng, frames):
    class Item:
        pose = (0.3 * rng.standard_normal((frames, 2, 55, 3))).astype(np.float32)
        trans = rng.standard_normal((frames, 2, 3)).astype(np.float32)
    return Item()


def test_loads_checkpoint_in_official_format_and_embeds(tmp_path):
    write_official_folder(tmp_path)
    evaluator = load_evaluator(f"official:{tmp_path}")
    rng = np.random.default_rng(0)
    motions = [_motion(rng, n) for n in (40, 151, 200, 64)]
    texts = [TextRef("A person waves a hand."), TextRef("a person waves")]
    emb_t = evaluator.embed_texts(texts)
    emb_m = evaluator.embed_motions(motions)
    assert emb_t.shape == (2, 512) and emb_m.shape == (4, 512)
    assert np.all(np.isfinite(emb_m)) and np.all(np.isfinite(emb_t))
    # fixed view (rng None) is deterministic; each item's embedding does not depend on its batch mates
    np.testing.assert_allclose(evaluator.embed_motions(motions[::-1]), emb_m[::-1], atol=1e-5)
    np.testing.assert_allclose(evaluator.embed_motions(motions[1:2]), emb_m[1:2], atol=1e-5)
    # random crops: same seed, same numbers
    a = evaluator.embed_motions(motions, np.random.default_rng(3))
    b = evaluator.embed_motions(motions, np.random.default_rng(3))
    np.testing.assert_array_equal(a, b)


def test_text_encoder_matches_official_sorted_packing(tmp_path):
    write_official_folder(tmp_path)
    evaluator = load_evaluator(f"official:{tmp_path}")
    refs = [TextRef("a person waves a hand"), TextRef("wave"), TextRef("a person")]
    emb = evaluator.embed_texts(refs)
    # the official collate sorts a batch by caption length, longest first, and packs it sorted
    encoded = [evaluator.vocabulary.encode_tokens(evaluator.tokens(r)) for r in refs]
    order = np.argsort([-e.length for e in encoded], kind="stable")
    net = evaluator.networks["text_encoder"]
    with torch.no_grad():
        words = torch.from_numpy(np.stack([encoded[i].words for i in order]))
        pos = torch.from_numpy(np.stack([encoded[i].pos for i in order]))
        hidden = net.hidden.repeat(1, len(refs), 1)
        packed = torch.nn.utils.rnn.pack_padded_sequence(net.input_emb(words + net.pos_emb(pos)),
                                                         [encoded[i].length for i in order], batch_first=True)
        _, last = net.gru(packed, hidden)
        ref = net.output_net(torch.cat([last[0], last[1]], -1)).numpy()
    np.testing.assert_allclose(emb[order], ref, atol=1e-5)


def test_processed_tokens_used_when_present(tmp_path):
    write_official_folder(tmp_path)
    (tmp_path / "texts_processed").mkdir()
    from interx.data.processed import ProcessedText
    write_processed_texts(tmp_path / "texts_processed" / "G001T000A000R000.txt",
                          [ProcessedText("Two people wave.", ("person/NOUN", "wave/VERB"))])
    evaluator = load_evaluator(f"official:{tmp_path}")
    assert evaluator.tokens(TextRef("Two people wave.", "G001T000A000R000", 0)) == ("person/NOUN", "wave/VERB")
    assert evaluator.placeholder_captions == 0
    assert evaluator.tokens(TextRef("Someone waves.")) == ("someone/OTHER", "waves/OTHER")
    assert evaluator.placeholder_captions == 1


@pytest.mark.parametrize("problem", ["truncated", "missing_key", "wrong_shape", "python_object", "not_a_file"])
def test_bad_checkpoint_is_one_line_error(tmp_path, problem):
    if problem == "missing_key":
        shapes = {k: v for k, v in OFFICIAL_SHAPES.items() if k != "text_encoder"}
        path = write_official_folder(tmp_path, shapes=shapes)
    elif problem == "wrong_shape":
        shapes = {**OFFICIAL_SHAPES, "motion_encoder": _co(512, 512)}  # hidden 512 instead of 1024
        path = write_official_folder(tmp_path, shapes=shapes)
    elif problem == "python_object":
        path = write_official_folder(tmp_path, extra={"opt": argparse.Namespace(lr=1e-4)})
    else:
        path = write_official_folder(tmp_path)
    if problem == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif problem == "not_a_file":
        path.unlink()
    with pytest.raises(DataError) as info:
        load_evaluator(f"official:{tmp_path}")
    message = str(info.value)
    assert "\n" not in message and str(path) in message
    expected = {"truncated": "truncated", "missing_key": "lacks text_encoder", "wrong_shape": "has shape",
                "python_object": "weights-only", "not_a_file": "missing"}[problem]
    assert expected in message


def test_glove_pickle_with_code_is_refused(tmp_path):
    write_official_folder(tmp_path)
    (tmp_path / "glove" / "hhi_vab_words.pkl").write_bytes(pickle.dumps([np.float64(1.0)]))
    with pytest.raises(DataError, match="never loaded"):
        load_evaluator(f"official:{tmp_path}")


def test_glove_lookup_rules(tmp_path):
    vocab = ["unk", "sos", "eos", "hand", "wave", "Person"]
    vectors = np.arange(len(vocab) * 300, dtype=np.float32).reshape(len(vocab), 300)
    glove = GloveVocabulary(vectors, {w: i for i, w in enumerate(vocab)}, vocab)
    vec, pos = glove.lookup("hand/NOUN")            # a VIP word takes its list's class
    assert pos == POS_INDEX["Body_VIP"] and vec[0] == 3 * 300
    assert glove.lookup("wave/VERB")[1] == POS_INDEX["VERB"]
    assert glove.lookup("wave/XYZ")[1] == POS_INDEX["OTHER"]
    vec, pos = glove.lookup("person/NOUN")          # not lower-cased: unknown
    assert pos == POS_INDEX["OTHER"] and vec[0] == 0
    assert glove.lookup("a/b/c")[1] == POS_INDEX["OTHER"]
    enc = glove.encode_tokens(["wave/VERB"] * 3, max_text_len=5)
    assert enc.length == 5 and enc.words.shape == (7, 300) and enc.pos.shape == (7, 15)
    assert enc.words[0, 0] == 1 * 300 and enc.words[4, 0] == 2 * 300 and enc.words[5, 0] == 0  # sos .. eos, unk
    long = glove.encode_tokens(["wave/VERB"] * 9, max_text_len=5)
    assert long.length == 7 and long.words[6, 0] == 2 * 300


def test_motion_input_official_quirks():
    rng = np.random.default_rng(1)
    pose = (0.3 * rng.standard_normal((203, 2, 55, 3))).astype(np.float32)
    trans = rng.standard_normal((203, 2, 3)).astype(np.float32)
    # crops: lengths in units of 4 ("single" 200 or "double" 196), start within the motion
    crops = [sample_crop(203, np.random.default_rng(s)) for s in range(200)]
    assert {m for m, _ in crops} == {200, 196}
    assert all(0 <= s <= 203 - m for m, s in crops)
    assert sample_crop(203, None) == (200, 0)
    # longer than 150: the first 150 frames of the crop
    x, m = official_motion_input(pose, trans, 200, 2)
    assert m == 150 and x.shape == (150, 672)
    np.testing.assert_allclose(x, evaluator_672(pose[2:152], trans[2:152]), atol=1e-6)
    # shorter: axis-angle zeros padded, i.e. identity rotations and zero translations
    x, m = official_motion_input(pose[:40], trans[:40], 36, 1)
    assert m == 36
    np.testing.assert_allclose(x[:36], evaluator_672(pose[1:37], trans[1:37]), atol=1e-6)
    np.testing.assert_allclose(x[36:], np.broadcast_to(evaluator_672(np.zeros((1, 2, 55, 3)), np.zeros((1, 2, 3))),
                                                       (114, 672)), atol=0)
    z, _ = official_motion_input(pose[:40], trans[:40], 36, 1, pad="zeros")
    assert np.all(z[36:] == 0)
