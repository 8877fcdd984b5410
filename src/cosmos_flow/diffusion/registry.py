"""Named DiT sizes, from the CPU default to Cosmos's released shapes (name → settings, overridable per run)."""

from __future__ import annotations

from typing import Any

from cosmos_flow.diffusion.dit import DiTConfig

# Cosmos-1.0-Diffusion: 7B = 28 blocks × 4096, 32 heads; 14B = 36 × 5120, 40 heads; both AdaLN-LoRA (rank 256) over
# T5-XXL text (1024-d) and 121-frame 704×1280 clips: 16 × 88 × 160 CV8×8×8 latents, 16 × 44 × 80 tokens at patch 1×2×2.
_COSMOS_VIDEO = {"text_dim": 1024, "max_grid": (16, 44, 80), "adaln_lora_rank": 256}

SIZES: dict[str, dict[str, Any]] = {
    "tiny": {"dim": 96, "depth": 3, "heads": 4, "max_grid": (16, 16, 16)},
    "small": {"dim": 192, "depth": 6, "heads": 6, "max_grid": (8, 16, 16)},
    "base": {"dim": 768, "depth": 12, "heads": 12, "max_grid": (16, 32, 32), "adaln_lora_rank": 128},
    "cosmos-7b": {"dim": 4096, "depth": 28, "heads": 32, **_COSMOS_VIDEO},
    "cosmos-14b": {"dim": 5120, "depth": 36, "heads": 40, **_COSMOS_VIDEO},
}


def get_config(size: str, **overrides: Any) -> DiTConfig:
    """The DiTConfig of a named size, with `overrides` (e.g. text_dim=384 for MiniLM) applied on top."""
    if size not in SIZES:
        raise ValueError(f"unknown diffusion model size {size!r}; choose one of {sorted(SIZES)}")
    return DiTConfig.from_dict({**SIZES[size], **overrides})
