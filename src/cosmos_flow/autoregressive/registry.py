"""Named sizes of the autoregressive transformer, from a CPU-sized tiny one to Cosmos's 4B and 12B shapes.

A size fixes the network's width, depth, heads and MLP; the vocabulary and the latent grid come
from the tokenizer and the clips (`get_config`). The Cosmos shapes are those of the released
Cosmos-1.0-Autoregressive models (Llama-3-style: 32 query heads, 8 key/value heads, SwiGLU 14336).
"""

from __future__ import annotations

import dataclasses

from cosmos_flow.autoregressive.gpt import ARConfig

AR_SIZES: dict[str, dict] = {
    # Two wide layers (2.9M parameters with a 1000-code vocabulary), not four narrow ones: at batch 1 a
    # cached decoding step is mostly per-op overhead, paid per layer, while the full forward pass the
    # cache saves grows with the parameters. Measured at batch 1, 9-frame conditioning, on one 2-core
    # machine: 96 x 4 (0.6M) made 539 tokens/s with the cache and 168 without (3.2x); 320 x 2 made
    # 448 and 80 (5.6x), so the narrow model decodes faster, the wide one gains more from the cache.
    # On another machine, in a budget of 300 + 150 training steps, 320 x 2 reached val token accuracy
    # 0.591 / 0.600 against 0.398 / 0.427, at 2.1x the training time per step.
    "tiny": {"dim": 320, "depth": 2, "heads": 4, "kv_heads": 2, "mlp_hidden": 864},
    "small": {"dim": 256, "depth": 8, "heads": 8, "kv_heads": 4, "mlp_hidden": 704},
    "base": {"dim": 768, "depth": 12, "heads": 12, "kv_heads": 4, "mlp_hidden": 2048},
    "cosmos-4b": {"dim": 4096, "depth": 16, "heads": 32, "kv_heads": 8, "mlp_hidden": 14336},
    "cosmos-12b": {"dim": 5120, "depth": 40, "heads": 32, "kv_heads": 8, "mlp_hidden": 14336},
}


def get_config(size: str, vocab_size: int, latent_grid: tuple[int, int, int], **overrides) -> ARConfig:
    """The ARConfig of a named size for a tokenizer's vocabulary and a window of latent_grid (t, h, w) latents."""
    if size not in AR_SIZES:
        raise ValueError(f"unknown autoregressive model size {size!r}: choose one of {', '.join(AR_SIZES)}")
    config = ARConfig(vocab_size=vocab_size, latent_grid=latent_grid, **AR_SIZES[size])
    try:
        return dataclasses.replace(config, **overrides)
    except TypeError as error:
        known = ", ".join(item.name for item in dataclasses.fields(ARConfig))
        raise ValueError(f"cannot override size {size!r} with {sorted(overrides)}: the fields are {known}") from error
