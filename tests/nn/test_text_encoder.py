"""The frozen text encoder (bundled MiniLM, offline; a tiny local T5) and the caption-embedding cache."""

from __future__ import annotations

import shutil

import pytest
import torch

from cosmos_flow.nn.text_encoder import CaptionEmbeddings, TextEncoder, build_text_encoder, bundled_minilm_path

CAPTIONS = ["a red ball falls onto the floor", "two cubes slide and collide", "a red ball falls onto the floor"]


@pytest.fixture(scope="module")
def encoder() -> TextEncoder:
    return TextEncoder(max_tokens=16)


def test_shapes_mask_and_padding(encoder):
    embeddings, mask = encoder.encode(["a ball", "a cube rolls slowly across a long wooden table"])
    assert encoder.dim == 384
    assert embeddings.shape == (2, 16, 384) and mask.shape == (2, 16) and mask.dtype == torch.bool
    real_tokens = mask.sum(dim=1).tolist()
    assert real_tokens[0] == 4  # [CLS] a ball [SEP]
    assert real_tokens[0] < real_tokens[1] < 16
    assert mask[0, :4].all() and not mask[0, 4:].any()  # real tokens first, then padding
    assert embeddings[~mask].abs().max() == 0.0 and embeddings[mask].abs().sum(-1).min() > 0.0
    long_caption = " ".join(["ball"] * 40)
    assert encoder.encode([long_caption])[1].all()  # truncated to max_tokens


def test_same_caption_same_embedding_and_different_captions_differ(encoder):
    embeddings, _ = encoder.encode(CAPTIONS)
    torch.testing.assert_close(embeddings[0], embeddings[2])
    assert (embeddings[0] - embeddings[1]).abs().max() > 0.1
    # Batching does not change a caption's embedding (padding is masked inside the encoder).
    alone, _ = encoder.encode(CAPTIONS[:1])
    torch.testing.assert_close(alone[0], embeddings[0], rtol=1e-4, atol=1e-4)


def test_a_caption_longer_than_the_encoder_reads_gets_a_note_with_the_counts(encoder):
    long = " ".join(["ball"] * 40)  # one token a word, plus the two special tokens
    assert encoder.token_count(long) == 42
    assert (
        encoder.truncation_note(long)
        == f"the prompt is 42 tokens long; the text encoder reads its first {encoder.max_tokens}"
    )
    assert encoder.truncation_note("a ball") is None


def test_frozen_and_in_eval_mode(encoder):
    assert not any(parameter.requires_grad for parameter in encoder.parameters())
    encoder.train()
    assert not encoder.training and not encoder.model.training
    assert encoder.spec == {"kind": "minilm", "max_tokens": 16}


@pytest.mark.parametrize(
    ("captions", "message"),
    [
        ([""], "prompt 0 is empty"),
        (["ok", "   \n"], "prompt 1 is empty"),
        (["ok", 3], "prompt 1 is a int"),
        ("a ball", "list of strings"),
        ([], "at least one"),
    ],
)
def test_prompts_it_cannot_take_are_one_sentence_errors(encoder, captions, message):
    with pytest.raises(ValueError, match=message):
        encoder.encode(captions)


def test_caption_cache_encodes_each_caption_once_and_round_trips(encoder, tmp_path, monkeypatch):
    calls = []
    original = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda captions: calls.append(list(captions)) or original(captions))
    cache = CaptionEmbeddings.compute(encoder, CAPTIONS, batch_size=1)
    assert len(cache) == 2 and calls == [[CAPTIONS[0]], [CAPTIONS[1]]]
    embeddings, mask = cache.lookup([CAPTIONS[1], CAPTIONS[0], CAPTIONS[1]])
    direct, direct_mask = original([CAPTIONS[1], CAPTIONS[0], CAPTIONS[1]])
    torch.testing.assert_close(embeddings, direct, rtol=1e-4, atol=1e-4)
    assert torch.equal(mask, direct_mask)
    with pytest.raises(ValueError, match="not in the cache"):
        cache.lookup(["a blue ball"])

    path = tmp_path / "captions.safetensors"
    cache.save(path)
    loaded = CaptionEmbeddings.load(path)
    assert loaded.captions == cache.captions and loaded.encoder_spec == encoder.spec
    assert torch.equal(loaded.embeddings, cache.embeddings) and torch.equal(loaded.mask, cache.mask)
    with pytest.raises(ValueError, match="does not exist"):
        CaptionEmbeddings.load(tmp_path / "missing.safetensors")


def test_t5_needs_a_local_folder(tmp_path):
    with pytest.raises(ValueError, match="needs path="):
        TextEncoder(kind="t5")
    with pytest.raises(ValueError, match="not a local t5 model folder"):
        TextEncoder(tmp_path / "no-such-t5", kind="t5")
    with pytest.raises(ValueError, match="unknown text encoder kind 'clip'"):
        TextEncoder(kind="clip")
    with pytest.raises(ValueError, match="unknown text encoder settings"):
        build_text_encoder({"kind": "minilm", "layers": 2})


def test_tiny_local_t5_encoder(tmp_path):
    from transformers import T5Config, T5EncoderModel

    torch.manual_seed(0)
    folder = tmp_path / "tiny-t5"
    T5EncoderModel(T5Config(vocab_size=30522, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)).save_pretrained(
        folder
    )
    for name in ("vocab.txt", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"):
        shutil.copy(bundled_minilm_path() / name, folder / name)  # any local tokenizer will do for the test
    encoder = build_text_encoder({"kind": "t5", "path": str(folder), "max_tokens": 8})
    embeddings, mask = encoder.encode(["a ball falls", "cubes"])
    assert encoder.dim == 16 and embeddings.shape == (2, 8, 16) and mask.sum().item() > 0
    assert encoder.spec == {"kind": "t5", "max_tokens": 8, "path": str(folder)}
