"""Drawing tokens from the transformer: temperature, top-k and top-p (nucleus) sampling, and the
decoding loop that extends a prefix token by token, with or without a KV cache.

Randomness comes only from the `torch.Generator` passed in, so the same seed gives the same tokens.
The cache makes each new token cost one position's work instead of a forward pass over the whole
sequence; both paths give the same logits (to float rounding), so the same tokens.
"""

from __future__ import annotations

import math
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
        if not (math.isfinite(self.temperature) and self.temperature >= 0):
            raise ValueError(
                f"temperature must be 0 (greedy) or positive, got {self.temperature}; Cosmos samples at 1.0"
            )
        if self.top_k is not None and self.top_k < 1:
            raise ValueError(f"top_k must be at least 1 or None (off), got {self.top_k}")
        if self.top_p is not None and not 0.0 < self.top_p <= 1.0:
            raise ValueError(f"top_p must be in (0, 1] or None (off), got {self.top_p}; Cosmos uses 0.7-0.9")


def nucleus(logits: Tensor, params: SamplingParams) -> tuple[Tensor, Tensor, Tensor]:
    """The tokens sampling may draw from [B, vocab] logits, most likely first: (order, cumulative, last).

    order Long[B, n]: token ids by decreasing tempered probability (n = vocab, or top_k);
    cumulative Float[B, n]: the running sum of their probabilities;
    last Long[B, 1]: the position in `order` of the last token kept. Top-k keeps the first k
    (exactly k: ties at the k-th are broken by the sort); top-p then keeps the smallest prefix
    whose mass reaches p of what top-k kept, i.e. up to the first token at which the running sum
    reaches p. Everything comes from one sort, which top-k and top-p share.
    """
    logits = logits.float()
    if params.temperature != 1.0:
        logits = logits / params.temperature
    probabilities, order = torch.softmax(logits, dim=-1).sort(dim=-1, descending=True)
    if params.top_k is not None and params.top_k < probabilities.shape[-1]:
        probabilities, order = probabilities[:, : params.top_k], order[:, : params.top_k]
    cumulative = probabilities.cumsum(dim=-1)
    if params.top_p is None or params.top_p >= 1.0:
        last = cumulative.new_full((cumulative.shape[0], 1), cumulative.shape[-1] - 1, dtype=torch.long)
    else:
        # The first position whose running sum reaches p of the kept mass; the clamp guards rounding at the top.
        last = torch.searchsorted(cumulative, cumulative[:, -1:] * params.top_p).clamp_(max=cumulative.shape[-1] - 1)
    return order, cumulative, last


def sample_next(logits: Tensor, params: SamplingParams, generator: torch.Generator | None = None) -> Tensor:
    """One token per row of [B, vocab] logits -> Long[B]."""
    if params.temperature == 0:
        return logits.argmax(dim=-1)
    order, cumulative, last = nucleus(logits, params)
    return order.gather(-1, draw(cumulative, last, generator)).squeeze(-1)


def draw(cumulative: Tensor, last: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Positions Long[B, 1] drawn from the first last+1 entries of each row of `cumulative`
    (running sums of probabilities), each with its own probability renormalized over those.

    Inverse-CDF sampling with one uniform number per row: the distribution of torch.multinomial
    on the renormalized probabilities, whose fixed cost (36 us of a 77 us sampling step on a
    CPU) is paid once per generated token.
    """
    kept_mass = cumulative.gather(-1, last)
    uniform = torch.rand(kept_mass.shape, generator=generator, device=cumulative.device, dtype=cumulative.dtype)
    # right=True: the first position whose running sum exceeds the draw, so a zero-probability
    # token (a flat step of the sum) is never picked; the minimum guards rounding at the top.
    return torch.searchsorted(cumulative, uniform * kept_mass, right=True).minimum(last)


@torch.inference_mode()
def generate_tokens(
    model: ARTransformer,
    prefix: Tensor,
    length: int,
    params: SamplingParams,
    context: Tensor | None = None,
    context_mask: Tensor | None = None,
    generator: torch.Generator | None = None,
    use_cache: bool = True,
    held: Tensor | None = None,
) -> Tensor:
    """Extend prefix Long[B, C] (the condition tokens; C may be 0) to Long[B, length] by sampling.

    length is at most the model's window (`config.max_tokens`); longer videos are made window by
    window (`cosmos_flow.autoregressive.generate`). held Long[B, length]: the held frame's tokens,
    for a held-frame-anchored model.
    """
    if not prefix.shape[1] <= length <= model.config.max_tokens:
        raise ValueError(
            f"cannot extend {prefix.shape[1]} tokens to {length}: the length must lie between the prefix and the "
            f"window of {model.config.max_tokens} tokens"
        )
    tokens = prefix
    if tokens.shape[1] == length:
        return tokens

    def held_at(start: int, count: int) -> Tensor | None:
        return None if held is None else held[:, start : start + count]

    cache = model.new_cache() if use_cache else None
    inputs = _after_bos(model, tokens)
    logits = model(inputs, 0, context, context_mask, cache, held=held_at(0, inputs.shape[1]))[:, -1]
    while True:
        tokens = torch.cat([tokens, sample_next(logits, params, generator)[:, None]], dim=1)
        if tokens.shape[1] == length:
            return tokens
        if use_cache:
            logits = model(
                tokens[:, -1:], tokens.shape[1], context, context_mask, cache, held=held_at(tokens.shape[1], 1)
            )[:, -1]
        else:
            inputs = _after_bos(model, tokens)
            logits = model(inputs, 0, context, context_mask, held=held_at(0, inputs.shape[1]))[:, -1]


def _after_bos(model: ARTransformer, tokens: Tensor) -> Tensor:
    """BOS then every known token: the inputs whose last position predicts the next token."""
    return torch.cat([tokens.new_full((tokens.shape[0], 1), model.config.bos_id), tokens], dim=1)


@torch.no_grad()
def continue_tokens(
    model: ARTransformer,
    condition: Tensor,
    latents: int,
    sampling: SamplingParams,
    context: Tensor | None = None,
    context_mask: Tensor | None = None,
    generator: torch.Generator | None = None,
    held: Tensor | None = None,
) -> Tensor:
    """Condition tokens Long[B, c, h, w] (c may be 0) extended by sampling to Long[B, latents, h, w]; held
    Long[B, latents, h, w]: the held frame's tokens (anchored models)."""
    batch, _, height, width = condition.shape
    if model.config.held_frame_anchor and held is None:
        raise ValueError(
            "this model continues relative to the held frame: pass the held frame's tokens (it needs at least one "
            "condition frame)"
        )
    tokens = generate_tokens(
        model,
        condition.flatten(1),
        latents * height * width,
        sampling,
        context,
        context_mask,
        generator,
        held=None if held is None else held.flatten(1),
    )
    return tokens.view(batch, latents, height, width)
