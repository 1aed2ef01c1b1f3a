"""Text encoders: the bundled offline sentence encoder, per-text caching and its store, left/right edits."""

from __future__ import annotations

import os

import pytest
import torch
from generator_fixtures import bundled_encoder

from interx.errors import DataError, UsageError
from interx.text.cache import CachedTextEncoder
from interx.text.edit import swap_left_right
from interx.text.encoder import _offline, load_text_encoder

TEXTS = ["Two people hug each other.", "One person waves with the left hand.", "kick"]


def test_offline_switches_are_set_only_while_loading(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "0")
    monkeypatch.delenv("TRANSFORMERS_OFFLINE", raising=False)
    with _offline():
        assert os.environ["HF_HUB_OFFLINE"] == os.environ["TRANSFORMERS_OFFLINE"] == "1"
    assert os.environ["HF_HUB_OFFLINE"] == "0" and "TRANSFORMERS_OFFLINE" not in os.environ


def test_the_bundled_encoder_encodes_sentences_and_tokens():
    encoder = bundled_encoder()
    assert (encoder.name, encoder.dim) == ("minilm", 384)
    out = encoder.encode(TEXTS)
    assert out.sentence.shape == (3, 384) and out.sentence.dtype == torch.float32
    assert torch.allclose(out.sentence.norm(dim=1), torch.ones(3), atol=1e-5)
    lengths = out.mask.sum(1).tolist()
    assert out.tokens.shape == (3, max(lengths), 384) and lengths == [8, 10, 3]   # [CLS] words [SEP]
    assert not out.tokens[2, lengths[2]:].any()
    capped = CachedTextEncoder("minilm", 4, loader=bundled_encoder).encode(TEXTS)
    assert capped.mask.sum(1).tolist() == [4, 4, 3]
    assert torch.allclose(capped.tokens[1], out.tokens[1, :4], atol=1e-2)


def test_a_text_encodes_the_same_alone_or_among_others():
    encoder = bundled_encoder()
    together, alone = encoder.encode(TEXTS), encoder.encode([TEXTS[1]])
    assert torch.equal(together.sentence[1], alone.sentence[0])
    n = int(alone.mask[0].sum())
    assert torch.equal(together.tokens[1, :n], alone.tokens[0, :n])


def test_similar_texts_are_closer_than_unrelated_ones():
    s = bundled_encoder().encode(["two people hug", "two persons embrace", "a person kicks a ball"]).sentence
    assert float(s[0] @ s[1]) > float(s[0] @ s[2])


def test_the_cache_encodes_each_text_once_and_its_store_round_trips(tmp_path):
    calls = []

    class Counting:
        name, dim = "minilm", 384

        def encode(self, texts):
            calls.append(list(texts))
            return bundled_encoder().encode(texts)

    cached = CachedTextEncoder("minilm", 32, loader=Counting)
    first = cached.encode(TEXTS[:2])
    second = cached.encode([TEXTS[1], TEXTS[2], TEXTS[1]])
    assert calls == [TEXTS[:2], [TEXTS[2]]]
    assert torch.equal(first.sentence[1], second.sentence[0]) and torch.equal(second.sentence[0], second.sentence[2])
    fresh = bundled_encoder().encode([TEXTS[0]]).sentence[0]
    assert torch.allclose(first.sentence[0], fresh, atol=1e-3)                    # float16 precision
    cached.save(tmp_path / "store.safetensors")
    loaded = CachedTextEncoder("minilm", 32, loader=lambda: pytest.fail("the store should suffice"))
    assert loaded.load(tmp_path / "store.safetensors") == 3
    again = loaded.encode(TEXTS)
    reference = cached.encode(TEXTS)
    assert torch.equal(again.sentence, reference.sentence) and torch.equal(again.tokens, reference.tokens)
    assert torch.equal(again.mask, reference.mask)


def test_a_store_of_another_encoder_is_refused(tmp_path):
    cached = CachedTextEncoder("minilm", 8, loader=bundled_encoder)
    cached.add(["hello"])
    cached.save(tmp_path / "store.safetensors")
    with pytest.raises(DataError, match="made by encoder"):
        CachedTextEncoder("clip:/nowhere", 8).load(tmp_path / "store.safetensors")
    with pytest.raises(DataError, match="at least 16"):
        CachedTextEncoder("minilm", 16).load(tmp_path / "store.safetensors")
    assert CachedTextEncoder("minilm", 4).load(tmp_path / "store.safetensors") == 1
    (tmp_path / "junk.safetensors").write_bytes(b"\x00" * 20)
    with pytest.raises(DataError, match="unreadable"):
        cached.load(tmp_path / "junk.safetensors")


def test_clip_without_weights_on_disk_is_a_clear_error(tmp_path):
    with pytest.raises(UsageError, match="CLIP weights not found"):
        load_text_encoder(f"clip:{tmp_path / 'clip'}")
    with pytest.raises(UsageError, match="unknown text encoder"):
        load_text_encoder("glove")


@pytest.mark.parametrize("text, expected", [
    ("The left person raises the right hand.", "The right person raises the left hand."),
    ("Left foot forward, RIGHT arm up", "Right foot forward, LEFT arm up"),
    ("they walk leftwards", "they walk rightwards"),
    ("a leftover cleft", "a leftover cleft"),
])
def test_swap_left_right(text, expected):
    assert swap_left_right(text) == expected
    assert swap_left_right(swap_left_right(text)) == text


def _tiny_clip(folder):
    """A randomly initialised CLIP text tower with a byte-level vocabulary, saved as a Hugging Face folder."""
    from tokenizers import pre_tokenizers
    from transformers import CLIPTextConfig, CLIPTextModelWithProjection, CLIPTokenizer

    vocab = {"<|startoftext|>": 0, "<|endoftext|>": 1}
    for char in sorted(pre_tokenizers.ByteLevel.alphabet()):
        vocab[char] = len(vocab)
        vocab[char + "</w>"] = len(vocab)
    CLIPTokenizer(vocab=vocab, merges=[]).save_pretrained(folder)
    config = CLIPTextConfig(vocab_size=len(vocab), hidden_size=32, intermediate_size=37, num_hidden_layers=1,
                            num_attention_heads=2, max_position_embeddings=40, projection_dim=16, bos_token_id=0,
                            eos_token_id=1, pad_token_id=1)
    torch.manual_seed(0)
    CLIPTextModelWithProjection(config).save_pretrained(folder)


def test_clip_weights_on_disk_are_loaded_and_encode(tmp_path):
    _tiny_clip(tmp_path / "clip")
    encoder = load_text_encoder(f"clip:{tmp_path / 'clip'}", max_tokens=8)
    assert (encoder.name, encoder.dim) == (f"clip:{tmp_path / 'clip'}", 16)
    out = encoder.encode(["hug", "two people shake hands"])
    assert out.sentence.shape == (2, 16) and out.tokens.shape == (2, 8, 16)
    assert out.mask.sum(1).tolist() == [5, 8]                     # <start> h u g <end>; capped at 8
    assert torch.allclose(out.sentence.norm(dim=1), torch.ones(2), atol=1e-5)
    assert torch.equal(encoder.encode(["hug"]).sentence[0], out.sentence[0])
