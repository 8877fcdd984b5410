"""Building blocks shared by the world-model families (diffusion DiT and autoregressive GPT).

- `RoPE3D`, `apply_rope`: 3D rotary position embedding over (t, h, w) token grids.
- `Attention`, `KVCache`: self/cross attention with QK-norm, grouped-query heads and incremental decoding.
- `grid_positions`, `sincos_3d`, `split_dims`: absolute 3D positions and their sine-cosine embedding.
- `TextEncoder`, `build_text_encoder`, `CaptionEmbeddings`: a frozen local text encoder and a cache of its outputs.
"""

from cosmos_flow.nn.attention import Attention, KVCache
from cosmos_flow.nn.position import grid_positions, sincos_3d, split_dims
from cosmos_flow.nn.rope import RoPE3D, apply_rope
from cosmos_flow.nn.text_encoder import CaptionEmbeddings, TextEncoder, build_text_encoder

__all__ = [
    "Attention",
    "CaptionEmbeddings",
    "KVCache",
    "RoPE3D",
    "TextEncoder",
    "apply_rope",
    "build_text_encoder",
    "grid_positions",
    "sincos_3d",
    "split_dims",
]
