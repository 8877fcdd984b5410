"""Named tokenizer configurations: tiny and small ones that train on a laptop CPU, and the
Cosmos-scale ones (128 base channels, multipliers [2, 4, 4], 2 res blocks per level).

Names read [cosmos-]<kind>-[<size>-]<T>x<H>x<W>, with the compression factors along time,
height and width.
"""

from __future__ import annotations

import dataclasses

from cosmos_flow.tokenizer.model import TokenizerConfig

# 256 codes. The tiny model cannot use more: on 50 held-out sim clips after 1,500 steps (lr 0.001,
# spread term 0.3) [4, 4, 4, 4] reconstructs at 23.39 dB using 53% of its codes and [5, 5, 5, 5]
# (625) at 23.52 dB using 43% (AdamW betas 0.9, 0.99); [8, 5, 5, 5] (1000) at 23.43 dB using 40%
# and [8, 8, 8] (512) at 22.98 dB using 41% (betas 0.9, 0.999).
TINY_FSQ_LEVELS = [4, 4, 4, 4]
COSMOS_FSQ_LEVELS = [8, 8, 8, 5, 5, 5]

_TINY = {"base_channels": 24, "channel_multipliers": [1, 2], "num_res_blocks": 1, "fsq_levels": TINY_FSQ_LEVELS}
_SMALL = {"base_channels": 48, "channel_multipliers": [1, 2, 2], "num_res_blocks": 1, "fsq_levels": COSMOS_FSQ_LEVELS}
_COSMOS = {"base_channels": 128, "channel_multipliers": [2, 4, 4], "num_res_blocks": 2, "fsq_levels": COSMOS_FSQ_LEVELS}


def _named(name: str, kind: str, temporal: int, spatial: int, architecture: dict) -> tuple[str, TokenizerConfig]:
    config = TokenizerConfig(
        kind=kind, temporal_compression=temporal, spatial_compression=spatial, name=name, **architecture
    )
    return name, config


def _factors(temporal: int, spatial: int) -> str:
    return f"{temporal}x{spatial}x{spatial}"


# 2x4x4 for the 64x64 simulated scenes: an object of about 8 pixels keeps four latent cells (at 8x8 spatial compression
# it fits in one), and a latent frame spans two video frames, so an object sliding down a ramp is not smeared into a
# streak (at 4x temporal compression it is). Held-out round-trip mask IoU after 1,500 steps (object weight 9):
# 2x4x4 0.70, 4x4x4 0.57 (base width 32: 0.60, 48: 0.61), 8x8x8 0.19 (no object weight). One wavelet level (2x2x2),
# then one spatial downsampling.
_TINY_2X4X4 = {**_TINY, "wavelet_levels": 1}

TOKENIZER_CONFIGS: dict[str, TokenizerConfig] = dict(
    [
        _named(f"{kind}-tiny-{_factors(t, s)}", kind, t, s, _TINY)
        for t, s in ((8, 8), (4, 8), (8, 16), (4, 4))
        for kind in ("cv", "dv")
    ]
    + [_named(f"{kind}-tiny-{_factors(2, 4)}", kind, 2, 4, _TINY_2X4X4) for kind in ("cv", "dv")]
    + [_named(f"{kind}-small-{_factors(8, 8)}", kind, 8, 8, _SMALL) for kind in ("cv", "dv")]
    + [
        _named(f"cosmos-{kind}-{_factors(t, s)}", kind, t, s, _COSMOS)
        for kind, t, s in (("cv", 4, 8), ("cv", 8, 8), ("dv", 8, 16), ("dv", 4, 8))
    ]
)


def get_config(name: str, **overrides) -> TokenizerConfig:
    """A fresh copy of the named configuration, with `overrides` replacing its fields."""
    if name not in TOKENIZER_CONFIGS:
        raise ValueError(f"unknown tokenizer config {name!r}: choose one of {', '.join(TOKENIZER_CONFIGS)}")
    try:
        return dataclasses.replace(TOKENIZER_CONFIGS[name], **overrides)
    except TypeError as error:  # an override that is not a field
        known = ", ".join(f.name for f in dataclasses.fields(TokenizerConfig))
        raise ValueError(f"cannot override {name!r} with {sorted(overrides)}: the fields are {known}") from error
