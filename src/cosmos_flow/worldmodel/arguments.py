"""What the `generate` commands of both world-model families share: checks of their arguments, each
failing with one sentence that names the flag, and the one-sentence form of an error."""

from __future__ import annotations

import math

from cosmos_flow.video import VideoError

SEED_LIMIT = 2**64  # torch.Generator.manual_seed takes seeds below this (and overflows above it)


def check_seed(seed: int) -> None:
    if not 0 <= seed < SEED_LIMIT:
        raise ValueError(f"--seed must be between 0 and 2^64 - 1, got {seed}")


def check_non_negative(flag: str, value: float | None, zero_means: str) -> None:
    """`value` (None: not given) must be a finite number of at least 0; `zero_means` says what 0 does.
    NaN and infinity are refused too: they pass a plain `< 0` test and then poison the sampling."""
    if value is not None and not (math.isfinite(value) and value >= 0):
        raise ValueError(f"{flag} must be 0 ({zero_means}) or more, got {value}")


def error_sentence(error: Exception) -> str:
    """What a command prints after "error: " for `error`: its one sentence, ending with a full stop."""
    text = error.sentence if isinstance(error, VideoError) else str(error)
    return text if text.endswith(".") else f"{text}."
