"""Sampling: top-p and top-k sets, greedy and seeded draws, and the decoding loop with and without the KV cache."""

import pytest
import torch

from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.registry import build_config
from cosmos_flow.autoregressive.sampling import SamplingParams, draw, filtered_probabilities, generate_tokens, sample_next, top_k_mask, top_p_mask


def test_top_p_keeps_the_smallest_set_with_mass_at_least_p():
    probabilities = torch.tensor([[0.1, 0.4, 0.05, 0.3, 0.15]])
    # Sorted: 0.4, 0.3, 0.15, 0.1, 0.05 -> cumulative 0.4, 0.7, 0.85, 0.95, 1.0
    assert top_p_mask(probabilities, 0.7).tolist() == [[False, True, False, True, False]]  # exactly reaches p
    assert top_p_mask(probabilities, 0.71).tolist() == [[False, True, False, True, True]]
    assert top_p_mask(probabilities, 0.3).tolist() == [[False, True, False, False, False]]  # the top token alone
    assert top_p_mask(probabilities, 1.0).all()


def test_top_p_set_is_minimal_on_random_distributions():
    probabilities = torch.softmax(torch.randn(64, 30, generator=torch.Generator().manual_seed(0)) * 3, dim=-1)
    for p in (0.5, 0.9):
        keep = top_p_mask(probabilities, p)
        kept_mass = (probabilities * keep).sum(-1)
        smallest_kept = torch.where(keep, probabilities, torch.inf).min(-1).values
        assert (kept_mass >= p - 1e-6).all()
        assert (kept_mass - smallest_kept < p).all()  # dropping its least likely token would fall below p
        assert (torch.where(keep, -torch.inf, probabilities).max(-1).values <= smallest_kept).all()  # the most likely ones


def test_top_k_and_filtered_distribution():
    logits = torch.tensor([[1.0, 3.0, 2.0, 0.0]])
    assert top_k_mask(logits, 2).tolist() == [[False, True, True, False]]
    probabilities = filtered_probabilities(logits, SamplingParams(temperature=1.0, top_k=2, top_p=None))
    assert probabilities[0, [0, 3]].sum() == 0 and torch.isclose(probabilities.sum(), torch.tensor(1.0))
    assert torch.allclose(probabilities[0, 1] / probabilities[0, 2], torch.tensor(2.718281828))


def test_draw_follows_the_distribution_and_never_picks_a_zero():
    probabilities = torch.tensor([[0.5, 0.0, 0.2, 0.3, 0.0]]).expand(20000, -1)
    drawn = draw(probabilities, torch.Generator().manual_seed(0))
    frequencies = torch.bincount(drawn, minlength=5) / len(drawn)
    assert frequencies[[1, 4]].sum() == 0
    torch.testing.assert_close(frequencies, probabilities[0], atol=0.015, rtol=0)  # about 4 standard errors
    first, again = draw(probabilities[:8], torch.Generator().manual_seed(3)), draw(probabilities[:8], torch.Generator().manual_seed(3))
    assert torch.equal(first, again)


def test_greedy_and_bad_parameters():
    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0]])
    assert sample_next(logits, SamplingParams(temperature=0)).tolist() == [1, 0]
    for bad in ({"temperature": -1}, {"top_p": 0.0}, {"top_p": 1.5}, {"top_k": 0}):
        with pytest.raises(ValueError):
            SamplingParams(**bad)


def tiny_model() -> ARTransformer:
    torch.manual_seed(0)
    return ARTransformer(build_config("tiny", 40, (2, 4, 4), dim=48, depth=2, heads=4, kv_heads=2, mlp_hidden=64)).eval()


def test_seeded_sampling_is_deterministic_and_the_cache_changes_nothing():
    model = tiny_model()
    prefix = torch.randint(0, 40, (2, 16), generator=torch.Generator().manual_seed(5))
    params = SamplingParams(temperature=1.0, top_p=0.9)

    def draw(seed, use_cache=True):
        return generate_tokens(model, prefix, 32, params, generator=torch.Generator().manual_seed(seed), use_cache=use_cache)

    first = draw(7)
    assert first.shape == (2, 32) and torch.equal(first[:, :16], prefix)
    assert torch.equal(first, draw(7))
    assert torch.equal(first, draw(7, use_cache=False))
    assert not torch.equal(first, draw(8))


def test_generation_from_nothing_and_length_checks():
    model = tiny_model()
    tokens = generate_tokens(model, torch.zeros(1, 0, dtype=torch.long), 32, SamplingParams(), generator=torch.Generator().manual_seed(0))
    assert tokens.shape == (1, 32) and int(tokens.max()) < 40
    with pytest.raises(ValueError, match="window of 32 tokens"):
        generate_tokens(model, tokens, 33, SamplingParams())
