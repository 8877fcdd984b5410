"""Drawing tokens from the transformer: temperature, top-k and top-p (nucleus) sampling, and the
decoding loop that extends a prefix token by token, with or without a KV cache.

Randomness comes only from the `torch.Generator` passed in, so the same seed gives the same tokens.
The cache makes each new token cost one position's work instead of a forward pass over the whole
sequence; both paths give the same logits (to float rounding), so the same tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from cosmos_flow.autoregressive.gpt import ARTransformer


@dataclass(frozen=True)
class SamplingParams:
    """How the next token is drawn. temperature 0 picks the most likely token (greedy); top_k and
    top_p (None: off) keep the k most likely tokens / the smallest set holding probability mass p."""

    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = 0.9

    def __post_init__(self):
        if self.temperature < 0:
            raise ValueError(f"temperature must be 0 (greedy) or positive, got {self.temperature}; Cosmos samples at 1.0")
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be at least 1 or None (off), got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1] or None (off), got {self.top_p}; Cosmos uses 0.7-0.9")


def top_k_mask(logits: Tensor, k: int) -> Tensor:
    """True where a token is among the k largest logits of its row (ties at the k-th value are kept)."""
    k = min(k, logits.shape[-1])
    kth = torch.topk(logits, k, dim=-1).values[..., -1:]
    return logits >= kth


def top_p_mask(probabilities: Tensor, p: float) -> Tensor:
    """True for the smallest set of most likely tokens whose probabilities sum to at least p.

    A token is kept when the mass of the tokens ranked strictly above it is still below p: the
    most likely token is always kept, and the set stops at the first token that reaches p.
    """
    sorted_probabilities, order = torch.sort(probabilities, dim=-1, descending=True)
    mass_above = torch.cumsum(sorted_probabilities, dim=-1) - sorted_probabilities
    keep_sorted = mass_above < p
    return torch.zeros_like(keep_sorted).scatter(-1, order, keep_sorted)


def filtered_probabilities(logits: Tensor, params: SamplingParams) -> Tensor:
    """The distribution sampling draws from: tempered softmax, restricted by top-k then top-p, renormalized."""
    logits = logits.float() / params.temperature
    if params.top_k is not None:
        logits = logits.masked_fill(~top_k_mask(logits, params.top_k), float("-inf"))
    probabilities = torch.softmax(logits, dim=-1)
    if params.top_p is not None and params.top_p < 1.0:
        probabilities = probabilities * top_p_mask(probabilities, params.top_p)
        probabilities = probabilities / probabilities.sum(dim=-1, keepdim=True)
    return probabilities


def sample_next(logits: Tensor, params: SamplingParams, generator: torch.Generator | None = None) -> Tensor:
    """One token per row of [B, vocab] logits -> Long[B]."""
    if params.temperature == 0:
        return logits.argmax(dim=-1)
    return draw(filtered_probabilities(logits, params), generator)


def draw(probabilities: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """One index per row of [B, n] probabilities (rows summing to 1, zeros never drawn) -> Long[B].

    Inverse-CDF sampling with one uniform number per row: the distribution of torch.multinomial,
    whose fixed cost (36 us of a 77 us sampling step on a CPU) is paid once per generated token.
    """
    cumulative = probabilities.cumsum(dim=-1)
    uniform = torch.rand(cumulative.shape[0], 1, generator=generator, device=cumulative.device, dtype=cumulative.dtype)
    # right=True: the first index whose cumulative mass exceeds the draw, so zero-probability tokens
    # (flat steps of the cumulative sum) are never picked; the clamp guards rounding at the top.
    index = torch.searchsorted(cumulative, uniform * cumulative[:, -1:], right=True)
    return index.clamp_(max=cumulative.shape[-1] - 1).squeeze(-1)


@torch.inference_mode()
def generate_tokens(
    model: ARTransformer,
    prefix: Tensor,
    length: int,
    params: SamplingParams,
    text: Tensor | None = None,
    text_mask: Tensor | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
) -> Tensor:
    """Extend prefix Long[B, C] (the condition tokens; C may be 0) to Long[B, length] by sampling.

    length is at most the model's window (`config.max_tokens`); longer videos are made window by
    window (`cosmos_flow.autoregressive.generate`).
    """
    if not prefix.shape[1] <= length <= model.config.max_tokens:
        raise ValueError(f"cannot extend {prefix.shape[1]} tokens to {length}: the length must lie between the prefix and the window of {model.config.max_tokens} tokens")
    tokens = prefix
    if tokens.shape[1] == length:
        return tokens
    cache = model.new_cache() if use_cache else None
    logits = model(_after_bos(model, tokens), 0, text, text_mask, cache)[:, -1]
    while True:
        tokens = torch.cat([tokens, sample_next(logits, params, generator)[:, None]], dim=1)
        if tokens.shape[1] == length:
            return tokens
        if use_cache:
            logits = model(tokens[:, -1:], tokens.shape[1], text, text_mask, cache)[:, -1]
        else:
            logits = model(_after_bos(model, tokens), 0, text, text_mask)[:, -1]


def _after_bos(model: ARTransformer, tokens: Tensor) -> Tensor:
    """BOS then every known token: the inputs whose last position predicts the next token."""
    return torch.cat([tokens.new_full((tokens.shape[0], 1), model.config.bos_id), tokens], dim=1)
