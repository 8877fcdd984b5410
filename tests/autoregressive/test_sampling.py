"""Sampling: top-p and top-k sets, greedy and seeded draws, and the decoding loop with and without the KV cache."""

import pytest
import torch

from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.registry import get_config
from cosmos_flow.autoregressive.sampling import SamplingParams, draw, generate_tokens, nucleus, sample_next


def kept(probabilities: torch.Tensor, **params) -> torch.Tensor:
    """Bool[B, vocab]: the tokens `nucleus` lets sampling draw from these probabilities."""
    order, _, last = nucleus(probabilities.log(), SamplingParams(**params))
    in_prefix = torch.arange(order.shape[-1])[None, :] <= last
    return torch.zeros_like(probabilities, dtype=torch.bool).scatter(-1, order, in_prefix)


def test_top_p_keeps_the_smallest_set_with_mass_at_least_p():
    probabilities = torch.tensor([[0.125, 0.5, 0.0625, 0.25, 0.0625]])
    # Sorted: 0.5, 0.25, 0.125, 0.0625, 0.0625 -> running sums 0.5, 0.75, 0.875, 0.9375, 1.0 (exact in binary)
    assert kept(probabilities, top_p=0.75).tolist() == [[False, True, False, True, False]]  # exactly reaches p
    assert kept(probabilities, top_p=0.76).tolist() == [[True, True, False, True, False]]
    assert kept(probabilities, top_p=0.3).tolist() == [[False, True, False, False, False]]  # the top token alone
    assert kept(probabilities, top_p=1.0).all() and kept(probabilities, top_p=None).all()


def test_top_p_set_is_minimal_on_random_distributions():
    probabilities = torch.softmax(torch.randn(64, 30, generator=torch.Generator().manual_seed(0)) * 3, dim=-1)
    for p in (0.5, 0.9):
        keep = kept(probabilities, top_p=p)
        kept_mass = (probabilities * keep).sum(-1)
        smallest_kept = torch.where(keep, probabilities, torch.inf).min(-1).values
        assert (kept_mass >= p - 1e-6).all()
        assert (kept_mass - smallest_kept < p).all()  # dropping its least likely token would fall below p
        assert (
            torch.where(keep, -torch.inf, probabilities).max(-1).values <= smallest_kept
        ).all()  # the most likely ones


def test_top_k_then_top_p_of_what_top_k_kept():
    probabilities = torch.tensor([[0.1, 0.4, 0.2, 0.3]])
    assert kept(probabilities, top_k=2, top_p=None).tolist() == [[False, True, False, True]]
    # top-k keeps 0.4 and 0.3: renormalized 4/7 and 3/7, so p = 0.5 keeps the first alone, p = 0.6 both.
    assert kept(probabilities, top_k=2, top_p=0.5).tolist() == [[False, True, False, False]]
    assert kept(probabilities, top_k=2, top_p=0.6).tolist() == [[False, True, False, True]]
    assert kept(probabilities, top_k=10, top_p=None).all()  # k beyond the vocabulary keeps everything


def frequencies(logits: torch.Tensor, params: SamplingParams, draws: int = 20000) -> torch.Tensor:
    drawn = sample_next(logits.expand(draws, -1), params, torch.Generator().manual_seed(0))
    return torch.bincount(drawn, minlength=logits.shape[-1]) / draws


def test_draws_follow_the_renormalized_distribution_and_never_pick_a_zero():
    probabilities = torch.tensor([[0.5, 0.0, 0.2, 0.3, 0.0]])
    observed = frequencies(probabilities.log(), SamplingParams(top_p=None))
    assert observed[[1, 4]].sum() == 0
    torch.testing.assert_close(observed, probabilities[0], atol=0.015, rtol=0)  # about 4 standard errors
    # top-p 0.75 keeps 0.5 and 0.3, drawn as 5/8 and 3/8; temperature 2 flattens the logits first.
    torch.testing.assert_close(
        frequencies(probabilities.log(), SamplingParams(top_p=0.75)),
        torch.tensor([0.625, 0, 0, 0.375, 0]),
        atol=0.015,
        rtol=0,
    )
    tempered = torch.softmax(probabilities.log() / 2, dim=-1)[0]
    torch.testing.assert_close(
        frequencies(probabilities.log(), SamplingParams(temperature=2.0, top_p=None)), tempered, atol=0.015, rtol=0
    )
    logits = torch.randn(8, 5, generator=torch.Generator().manual_seed(1))
    first, again = (sample_next(logits, SamplingParams(), torch.Generator().manual_seed(3)) for _ in range(2))
    assert torch.equal(first, again)


def test_draw_stays_inside_the_kept_prefix():
    cumulative = torch.tensor([[0.5, 0.75, 0.875, 1.0]]).repeat(5000, 1)
    last = torch.ones(5000, 1, dtype=torch.long)
    positions = draw(cumulative, last, torch.Generator().manual_seed(0))
    assert positions.max() == 1 and 0.62 < (positions == 0).float().mean() < 0.71  # 2/3 of the kept mass


def test_greedy_and_bad_parameters():
    logits = torch.tensor([[0.1, 2.0, 0.3], [5.0, 0.0, 0.0]])
    assert sample_next(logits, SamplingParams(temperature=0)).tolist() == [1, 0]
    for bad in (
        {"temperature": -1},
        {"temperature": float("nan")},
        {"temperature": float("inf")},
        {"top_p": 0.0},
        {"top_p": 1.5},
        {"top_p": float("nan")},
        {"top_k": 0},
    ):
        with pytest.raises(ValueError):
            SamplingParams(**bad)


def tiny_model() -> ARTransformer:
    torch.manual_seed(0)
    return ARTransformer(get_config("tiny", 40, (2, 4, 4), dim=48, depth=2, heads=4, kv_heads=2, mlp_hidden=64)).eval()


def test_seeded_sampling_is_deterministic_and_the_cache_changes_nothing():
    model = tiny_model()
    prefix = torch.randint(0, 40, (2, 16), generator=torch.Generator().manual_seed(5))
    params = SamplingParams(temperature=1.0, top_p=0.9)

    def draw(seed, use_cache=True):
        return generate_tokens(
            model, prefix, 32, params, generator=torch.Generator().manual_seed(seed), use_cache=use_cache
        )

    first = draw(7)
    assert first.shape == (2, 32) and torch.equal(first[:, :16], prefix)
    assert torch.equal(first, draw(7))
    assert torch.equal(first, draw(7, use_cache=False))
    assert not torch.equal(first, draw(8))


def test_generation_from_nothing_and_length_checks():
    model = tiny_model()
    tokens = generate_tokens(
        model, torch.zeros(1, 0, dtype=torch.long), 32, SamplingParams(), generator=torch.Generator().manual_seed(0)
    )
    assert tokens.shape == (1, 32) and int(tokens.max()) < 40
    with pytest.raises(ValueError, match="window of 32 tokens"):
        generate_tokens(model, tokens, 33, SamplingParams())
