"""The transformer: causality, KV-cache decoding, stage-2 initialization and text conditioning, sizes."""

import pytest
import torch

from cosmos_flow.autoregressive.gpt import ARConfig, ARTransformer, load_stage_one, parameter_count
from cosmos_flow.autoregressive.registry import AR_SIZES, get_config

GRID = (2, 4, 4)  # 32 tokens


def tiny(text_dim=None, seed=0) -> ARTransformer:
    torch.manual_seed(seed)
    return ARTransformer(
        get_config("tiny", 50, GRID, dim=48, depth=2, heads=4, kv_heads=2, mlp_hidden=64, text_dim=text_dim)
    ).eval()


def test_kv_cache_decoding_gives_the_logits_of_a_full_forward_pass():
    model = tiny(text_dim=16)
    generator = torch.Generator().manual_seed(2)
    tokens = torch.randint(0, 50, (2, 32), generator=generator)
    context, mask = (
        torch.randn(2, 5, 16, generator=generator),
        torch.tensor([[True] * 5, [True, True, False, False, False]]),
    )
    for block in model.blocks:  # make the text matter (its output projection starts at zero)
        torch.nn.init.normal_(block.cross_attention.to_out.weight, std=0.2)
    inputs = model.shift_right(tokens)
    with torch.no_grad():
        full = model(inputs, 0, context, mask)
        cache = model.new_cache()
        pieces = [model(inputs[:, :9], 0, context, mask, cache)]  # prefill, then one token at a time
        pieces += [model(inputs[:, i : i + 1], i, context, mask, cache) for i in range(9, 32)]
    assert torch.allclose(torch.cat(pieces, dim=1), full, atol=1e-5)


def test_stage_two_starts_equal_to_stage_one_and_text_changes_predictions_once_trained():
    video = tiny()
    v2w = ARTransformer(video.config.with_text(16)).eval()
    load_stage_one(v2w, video.state_dict())
    tokens = torch.randint(0, 50, (1, 32), generator=torch.Generator().manual_seed(3))
    text_a, text_b = torch.randn(2, 1, 4, 16, generator=torch.Generator().manual_seed(4))
    mask = torch.ones(1, 4, dtype=torch.bool)
    with torch.no_grad():
        assert torch.allclose(v2w.logits(tokens, text_a, mask), video.logits(tokens), atol=1e-6)
        assert torch.equal(v2w.logits(tokens, text_a, mask), v2w.logits(tokens, text_b, mask))
        for block in v2w.blocks:  # what training does to the zero-initialized cross-attention outputs
            torch.nn.init.normal_(block.cross_attention.to_out.weight, std=0.2)
        a, b = v2w.logits(tokens, text_a, mask), v2w.logits(tokens, text_b, mask)
    assert (a - b).abs().max() > 1e-3
    assert not torch.equal(a.argmax(-1), b.argmax(-1))


def test_stage_one_weights_that_do_not_fit_are_refused():
    other = ARTransformer(
        get_config("tiny", 50, GRID, dim=48, depth=3, heads=4, kv_heads=2, mlp_hidden=64, text_dim=16)
    )
    with pytest.raises(ValueError, match="do not fit"):
        load_stage_one(other, tiny().state_dict())


def test_a_text_model_needs_text_and_positions_stay_in_the_window():
    model = tiny(text_dim=16)
    with pytest.raises(ValueError, match="pass text embeddings"):
        model.logits(torch.zeros(1, 32, dtype=torch.long))
    with pytest.raises(ValueError, match="window of 32 tokens"):
        model(torch.zeros(1, 33, dtype=torch.long), 0, torch.zeros(1, 2, 16), torch.ones(1, 2, dtype=torch.bool))


def test_config_round_trip_and_bad_configs():
    config = get_config("tiny", 1000, (3, 8, 8), text_dim=384)
    assert ARConfig.from_dict(config.to_dict()) == config and config.max_tokens == 192 and config.bos_id == 1000
    with pytest.raises(ValueError, match="divisible"):
        get_config("tiny", 1000, (3, 8, 8), heads=5)
    with pytest.raises(ValueError, match="unknown autoregressive model size"):
        get_config("huge", 1000, (3, 8, 8))
    with pytest.raises(ValueError, match="unknown fields"):
        ARConfig.from_dict({**config.to_dict(), "dropout": 0.1})


def test_tiny_is_two_wide_layers_of_a_few_million_parameters():
    model = ARTransformer(get_config("tiny", 1000, (3, 8, 8)))
    assert len(model.blocks) == 2 and 2e6 < parameter_count(model) < 4e6


@pytest.mark.parametrize(
    ("size", "low", "high"),
    [("cosmos-4b", 3.9e9, 4.2e9), ("cosmos-12b", 11.5e9, 12.5e9), ("base", 1e8, 3e8)],
)
def test_registry_sizes_built_on_the_meta_device(size, low, high):
    # Cosmos's vocabulary (FSQ [8,8,8,5,5,5] = 64,000 codes) and window (33 frames at 640x1024 through DV 8x16x16).
    with torch.device("meta"):
        model = ARTransformer(get_config(size, 64000, (5, 40, 64)))
    assert low < parameter_count(model) < high
    assert (
        AR_SIZES["cosmos-4b"]["depth"] == 16
        and AR_SIZES["cosmos-4b"]["dim"] == 4096
        and AR_SIZES["cosmos-4b"]["kv_heads"] == 8
    )
