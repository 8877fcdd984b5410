"""The training objective: next-token cross-entropy on the generated part of a clip.

The first latent frames of a clip are its condition (the tokens of the 1 or 1 + tc input frames
a Video2World request gives): the model reads them but is not scored on them. Token corruption
replaces a share of the tokens the model *reads* by random ones (the targets stay clean), so it
learns to continue from imperfect context, as its own sampled tokens will be (against drift).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from cosmos_flow.autoregressive.gpt import ARTransformer

MAX_CORRUPTION_RATE = 0.2


@dataclass
class TokenMetrics:
    """Mean cross-entropy (nats per token), share of tokens predicted exactly, and the token count they cover."""

    loss: Tensor
    accuracy: Tensor
    count: int

    @property
    def perplexity(self) -> Tensor:
        return self.loss.detach().exp()


def check_corruption_rate(rate: float) -> None:
    if not 0.0 <= rate <= MAX_CORRUPTION_RATE:
        raise ValueError(
            f"the corruption rate must be in [0, {MAX_CORRUPTION_RATE}], got {rate}; more context noise than that "
            "hurts more than it helps"
        )


def corrupt_tokens(tokens: Tensor, rate: float, vocab_size: int, generator: torch.Generator | None = None) -> Tensor:
    """A copy of tokens with each one, with probability `rate`, replaced by a uniformly random token."""
    check_corruption_rate(rate)
    if rate == 0:
        return tokens
    replace = torch.rand(tokens.shape, generator=generator, device=tokens.device) < rate
    noise = torch.randint(0, vocab_size, tokens.shape, generator=generator, device=tokens.device)
    return torch.where(replace, noise, tokens)


def draw_condition_latents(
    batch: int,
    length: int,
    tokens_per_frame: int,
    condition_latents: Sequence[int],
    generator: torch.Generator | None = None,
) -> Tensor:
    """Long[batch]: each clip's number of condition latent frames, drawn from `condition_latents` (e.g. [1, 2]: 1 or
    1 + tc frames)."""
    choices = torch.as_tensor(list(condition_latents), dtype=torch.long)
    if choices.numel() == 0 or bool((choices < 0).any()) or int(choices.max()) * tokens_per_frame >= length:
        raise ValueError(
            f"condition_latents must be non-empty and leave tokens to predict in a {length}-token clip, got "
            f"{list(condition_latents)}"
        )
    return choices[torch.randint(len(choices), (batch,), generator=generator)]


def generated_mask(counts: Tensor, length: int, tokens_per_frame: int) -> Tensor:
    """Bool[batch, length], True on the tokens scored: those after each clip's `counts[b]` condition latent frames."""
    return torch.arange(length)[None, :] >= (counts * tokens_per_frame)[:, None]


def next_token_metrics(logits: Tensor, targets: Tensor, mask: Tensor) -> TokenMetrics:
    """Cross-entropy and accuracy of logits [B, L, V] against targets [B, L] over the positions where mask [B, L] is
    True."""
    scored_logits, scored_targets = logits[mask].float(), targets[mask]
    loss = F.cross_entropy(scored_logits, scored_targets)
    accuracy = (scored_logits.argmax(dim=-1) == scored_targets).float().mean()
    return TokenMetrics(loss, accuracy, int(scored_targets.numel()))


def batch_metrics(
    model: ARTransformer,
    batch: dict[str, Tensor],
    condition_latents: Sequence[int],
    corruption_rate: float = 0.0,
    held_condition_latents: Sequence[int] = (),
) -> TokenMetrics:
    """The objective on a batch {"tokens": Long[B, L], for a text model "context", "context_mask", for an anchored model
    "held" Long[B, A, L], the held frame's tokens for each entry of `held_condition_latents`}: the model reads the
    (corrupted) tokens (and the held frame of the condition drawn) and is scored on the clean ones after each clip's
    condition latent frames."""
    tokens = batch["tokens"]
    config = model.config
    counts = draw_condition_latents(tokens.shape[0], tokens.shape[1], config.tokens_per_frame, condition_latents)
    mask = generated_mask(counts, tokens.shape[1], config.tokens_per_frame).to(tokens.device)
    held = None
    if config.held_frame_anchor:
        if "held" not in batch or any(int(count) not in held_condition_latents for count in counts):
            raise ValueError(
                f"this model reads the held frame: the batch needs held tokens for {list(condition_latents)} condition "
                f"latent frames (it has {list(held_condition_latents)})"
            )
        which = torch.tensor([list(held_condition_latents).index(int(count)) for count in counts], device=tokens.device)
        held = batch["held"][torch.arange(tokens.shape[0], device=tokens.device), which]
    corrupted = corrupt_tokens(tokens, corruption_rate, config.vocab_size)
    logits = model.logits(tokens, batch.get("context"), batch.get("context_mask"), corrupted=corrupted, held=held)
    return next_token_metrics(logits, tokens, mask)


class TokenMetricTotals:
    """Token-weighted sums over batches, so the mean loss (and its perplexity) covers every token, not every batch."""

    def __init__(self):
        self.loss_sum, self.correct, self.count = 0.0, 0.0, 0

    def add(self, metrics: TokenMetrics) -> None:
        self.loss_sum += float(metrics.loss) * metrics.count
        self.correct += float(metrics.accuracy) * metrics.count
        self.count += metrics.count

    def mean(self) -> TokenMetrics:
        if not self.count:
            raise ValueError("no tokens were scored; give at least one clip")
        return TokenMetrics(
            torch.tensor(self.loss_sum / self.count), torch.tensor(self.correct / self.count), self.count
        )


def copy_previous_frame_accuracy(tokens: Tensor, tokens_per_frame: int, condition_latents: int) -> float:
    """The trivial baseline's token accuracy: predict each generated token as the same cell one latent frame earlier."""
    start = condition_latents * tokens_per_frame
    predicted, actual = tokens[:, start - tokens_per_frame : -tokens_per_frame], tokens[:, start:]
    return float((predicted == actual).float().mean())
