"""The diffusion transformer (DiT) over CV-tokenizer latents, shaped as Cosmos's.

Latents [B, C, T, H, W] are cut into patches (1×2×2 by default) that become tokens in (t, h, w) order. Each
token gets a learned absolute position (one table per axis, summed) and every self-attention rotates queries
and keys with 3D RoPE. The noise level enters through AdaLN: each block's three sub-layers (self-attention,
cross-attention to the text tokens, MLP) are normalized, shifted and scaled, and their outputs gated, by
values computed from the noise embedding (AdaLN-Zero: gates start at zero, so every block starts as the
identity). With AdaLN-LoRA one modulation is shared by all blocks and each block adds a low-rank term.

Sections: config, embedders, block, final layer, the model.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, replace

import torch
from einops import rearrange
from timm.layers import Mlp, trunc_normal_
from torch import Tensor, nn
from torch.utils.checkpoint import checkpoint

from cosmos_flow.config import SAVED_CONFIG_HINT, from_dict
from cosmos_flow.nn.attention import Attention
from cosmos_flow.nn.rope import RoPE3D

# ---- config --------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DiTConfig:
    """Everything needed to rebuild the network (saved in the model's config.json)."""

    latent_channels: int = 16
    patch: tuple[int, int, int] = (1, 2, 2)
    dim: int = 64
    depth: int = 4
    heads: int = 4
    mlp_ratio: float = 4.0
    text_dim: int = 384
    max_grid: tuple[int, int, int] = (8, 32, 32)  # the largest token grid (t, h, w) the absolute embedding covers
    adaln_lora_rank: int = 0  # 0: a full AdaLN modulation per block; > 0: AdaLN-LoRA of this rank
    qk_norm: bool = True
    condition_mask: bool = False  # Video2World: one more input channel marks the condition latent frames
    held_frame_anchor: bool = (
        False  # Video2World: the held-frame latents come in as latent_channels more input channels
    )
    frequency_dim: int = 256  # sinusoidal features of the noise level, before the embedding MLP
    checkpointing: bool = False  # recompute block activations in the backward pass (memory for compute)

    def __post_init__(self) -> None:
        if self.held_frame_anchor and not self.condition_mask:
            raise ValueError("held_frame_anchor is a Video2World setting: it needs condition_mask too")
        if self.dim % self.heads:
            raise ValueError(
                f"dim ({self.dim}) must be divisible by heads ({self.heads}); pick e.g. dim={self.heads * 16}"
            )
        if (self.dim // self.heads) % 2:
            raise ValueError(
                f"the head dimension dim/heads = {self.dim // self.heads} must be even for RoPE; change dim or heads"
            )

    @property
    def in_channels(self) -> int:
        """Noisy latents, then the condition mask (Video2World), then the held-frame latents (anchored Video2World)."""
        return self.latent_channels + int(self.condition_mask) + self.latent_channels * int(self.held_frame_anchor)

    def to_dict(self) -> dict:
        return {name: list(value) if isinstance(value, tuple) else value for name, value in asdict(self).items()}

    @classmethod
    def from_dict(cls, values: dict) -> DiTConfig:
        as_tuples = {name: tuple(value) if isinstance(value, list) else value for name, value in values.items()}
        return from_dict(cls, as_tuples, "DiT config", SAVED_CONFIG_HINT)

    def with_condition_mask(self, held_frame_anchor: bool = False) -> DiTConfig:
        return replace(self, condition_mask=True, held_frame_anchor=held_frame_anchor)


# ---- embedders -----------------------------------------------------------------------------------------------------


def sinusoidal_features(values: Tensor, dim: int, max_period: float = 10000.0) -> Tensor:
    """[B] → [B, dim] cosines then sines at geometrically spaced frequencies (values scaled ×1000, as DiT's
    timesteps)."""
    half = dim // 2
    frequencies = torch.exp(
        -math.log(max_period) * torch.arange(half, dtype=torch.float32, device=values.device) / half
    )
    angles = 1000.0 * values.float()[:, None] * frequencies[None, :]
    return torch.cat([angles.cos(), angles.sin()], dim=-1)


class NoiseEmbedding(nn.Module):
    """c_noise = ln(σ)/4 → a model-width vector that drives every AdaLN modulation."""

    def __init__(self, dim: int, frequency_dim: int):
        super().__init__()
        self.frequency_dim = frequency_dim
        self.mlp = Mlp(frequency_dim, dim, dim, act_layer=nn.SiLU)

    def forward(self, c_noise: Tensor) -> Tensor:
        return self.mlp(sinusoidal_features(c_noise, self.frequency_dim).to(self.mlp.fc1.weight.dtype))


class AxisPositionEmbedding(nn.Module):
    """Learned absolute positions: one table per axis (t, h, w), summed per token (Cosmos's factorized form)."""

    def __init__(self, dim: int, max_grid: tuple[int, int, int]):
        super().__init__()
        self.max_grid = tuple(max_grid)
        self.tables = nn.ParameterList([nn.Parameter(torch.zeros(size, dim)) for size in max_grid])

    def forward(self, grid: tuple[int, int, int]) -> Tensor:
        if any(size > limit for size, limit in zip(grid, self.max_grid)):
            raise ValueError(
                f"a latent token grid of {tuple(grid)} exceeds the model's max_grid {self.max_grid}; build the DiT "
                "with a larger max_grid"
            )
        t, h, w = grid
        table_t, table_h, table_w = self.tables
        positions = table_t[:t, None, None] + table_h[None, :h, None] + table_w[None, None, :w]
        return positions.reshape(t * h * w, -1)


class AdaLNModulation(nn.Module):
    """SiLU(noise embedding) → `chunks` per-channel vectors; full-rank, or low-rank added to a shared one
    (AdaLN-LoRA)."""

    def __init__(self, dim: int, chunks: int, lora_rank: int = 0):
        super().__init__()
        self.chunks = chunks
        if lora_rank > 0:
            self.project = nn.Sequential(
                nn.SiLU(), nn.Linear(dim, lora_rank, bias=False), nn.Linear(lora_rank, chunks * dim, bias=False)
            )
        else:
            self.project = nn.Sequential(nn.SiLU(), nn.Linear(dim, chunks * dim))

    def forward(self, embedding: Tensor, shared: Tensor | None = None) -> list[Tensor]:
        values = self.project(embedding)
        if shared is not None:
            values = values + shared
        return [chunk[:, None, :] for chunk in values.chunk(self.chunks, dim=-1)]


def modulate(x: Tensor, shift: Tensor, scale: Tensor) -> Tensor:
    return x * (1 + scale) + shift


# ---- block ---------------------------------------------------------------------------------------------------------


class DiTBlock(nn.Module):
    """Self-attention with RoPE, cross-attention to text, MLP; each under AdaLN shift/scale and a gate."""

    def __init__(self, config: DiTConfig):
        super().__init__()
        dim = config.dim
        self.norms = nn.ModuleList([nn.LayerNorm(dim, elementwise_affine=False, eps=1e-6) for _ in range(3)])
        self.self_attention = Attention(dim, config.heads, qk_norm=config.qk_norm)
        self.cross_attention = Attention(dim, config.heads, qk_norm=config.qk_norm, context_dim=config.text_dim)
        self.mlp = Mlp(dim, int(dim * config.mlp_ratio), act_layer=lambda: nn.GELU(approximate="tanh"))
        self.modulation = AdaLNModulation(dim, 9, config.adaln_lora_rank)

    def forward(
        self,
        x: Tensor,
        embedding: Tensor,
        shared: Tensor | None,
        rope: tuple[Tensor, Tensor],
        context: Tensor,
        context_mask: Tensor,
    ) -> Tensor:
        (shift1, scale1, gate1, shift2, scale2, gate2, shift3, scale3, gate3) = self.modulation(embedding, shared)
        x = x + gate1 * self.self_attention(modulate(self.norms[0](x), shift1, scale1), rope=rope)
        x = x + gate2 * self.cross_attention(
            modulate(self.norms[1](x), shift2, scale2), context=context, context_mask=context_mask
        )
        return x + gate3 * self.mlp(modulate(self.norms[2](x), shift3, scale3))


# ---- final layer ---------------------------------------------------------------------------------------------------


class FinalLayer(nn.Module):
    """AdaLN (shift, scale) then a linear map from each token back to its patch of latent values."""

    def __init__(self, config: DiTConfig):
        super().__init__()
        self.norm = nn.LayerNorm(config.dim, elementwise_affine=False, eps=1e-6)
        self.modulation = AdaLNModulation(config.dim, 2)
        self.linear = nn.Linear(config.dim, math.prod(config.patch) * config.latent_channels)

    def forward(self, x: Tensor, embedding: Tensor) -> Tensor:
        shift, scale = self.modulation(embedding)
        return self.linear(modulate(self.norm(x), shift, scale))


# ---- the model -----------------------------------------------------------------------------------------------------


class DiT(nn.Module):
    """F(c_in·x, c_noise, text) of EDM: [B, in_channels, T, H, W] → [B, latent_channels, T, H, W]."""

    def __init__(self, config: DiTConfig):
        super().__init__()
        self.config = config
        dim = config.dim
        self.patch_embed = nn.Conv3d(config.in_channels, dim, kernel_size=config.patch, stride=config.patch)
        self.position = AxisPositionEmbedding(dim, config.max_grid)
        self.rope = RoPE3D(dim // config.heads)
        self.noise_embed = NoiseEmbedding(dim, config.frequency_dim)
        self.shared_modulation = nn.Linear(dim, 9 * dim) if config.adaln_lora_rank > 0 else None
        self.blocks = nn.ModuleList([DiTBlock(config) for _ in range(config.depth)])
        self.final = FinalLayer(config)
        # The text stand-in for "no caption" (classifier-free guidance), a learned token.
        self.null_text = nn.Parameter(torch.zeros(1, 1, config.text_dim))
        self.initialize_weights()

    def initialize_weights(self) -> None:
        """DiT's recipe: Xavier linears, small normal embeddings, zero AdaLN outputs and zero final projection."""

        def basic(module: nn.Module) -> None:
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight)
                if module.bias is not None:
                    nn.init.zeros_(module.bias)

        self.apply(basic)
        nn.init.xavier_uniform_(self.patch_embed.weight.view(self.patch_embed.weight.shape[0], -1))
        nn.init.zeros_(self.patch_embed.bias)
        for table in self.position.tables:
            trunc_normal_(table, std=0.02)
        trunc_normal_(self.null_text, std=0.02)
        nn.init.normal_(self.noise_embed.mlp.fc1.weight, std=0.02)
        nn.init.normal_(self.noise_embed.mlp.fc2.weight, std=0.02)
        zeroed = [block.modulation.project[-1] for block in self.blocks] + [
            self.final.modulation.project[-1],
            self.final.linear,
        ]
        if self.shared_modulation is not None:
            zeroed.append(self.shared_modulation)
        for layer in zeroed:
            nn.init.zeros_(layer.weight)
            if layer.bias is not None:
                nn.init.zeros_(layer.bias)

    def null_context(self, batch: int, length: int) -> tuple[Tensor, Tensor]:
        """The "no caption" text input: the learned null token first, padding after it (masked out)."""
        context = torch.zeros(
            batch, length, self.config.text_dim, device=self.null_text.device, dtype=self.null_text.dtype
        )
        context[:, :1] = self.null_text
        mask = torch.zeros(batch, length, dtype=torch.bool, device=self.null_text.device)
        mask[:, 0] = True
        return context, mask

    def drop_text(self, context: Tensor, context_mask: Tensor, dropped: Tensor) -> tuple[Tensor, Tensor]:
        """Replace the captions of the samples where `dropped` [B] is true by the null text (CFG training)."""
        null, null_mask = self.null_context(context.shape[0], context.shape[1])
        keep = ~dropped.to(torch.bool)
        return torch.where(keep[:, None, None], context, null.to(context.dtype)), torch.where(
            keep[:, None], context_mask, null_mask
        )

    def token_grid(self, latent_shape: tuple[int, int, int]) -> tuple[int, int, int]:
        """The token grid (t, h, w) of latents shaped (T, H, W); errors when the patch does not divide them."""
        if any(size % patch for size, patch in zip(latent_shape, self.config.patch)):
            raise ValueError(
                f"latent size {tuple(latent_shape)} (T, H, W) is not divisible by the patch {self.config.patch}; use a "
                "video size the patch divides"
            )
        return tuple(size // patch for size, patch in zip(latent_shape, self.config.patch))

    def forward(self, x: Tensor, c_noise: Tensor, context: Tensor, context_mask: Tensor) -> Tensor:
        grid = self.token_grid(tuple(x.shape[2:]))
        tokens = rearrange(self.patch_embed(x), "b d t h w -> b (t h w) d")
        tokens = tokens + self.position(grid).to(tokens.dtype)
        rope = self.rope(grid)
        embedding = self.noise_embed(c_noise)
        shared = self.shared_modulation(nn.functional.silu(embedding)) if self.shared_modulation is not None else None
        for block in self.blocks:
            if self.config.checkpointing and self.training:
                tokens = checkpoint(block, tokens, embedding, shared, rope, context, context_mask, use_reentrant=False)
            else:
                tokens = block(tokens, embedding, shared, rope, context, context_mask)
        patches = self.final(tokens, embedding)
        pt, ph, pw = self.config.patch
        return rearrange(
            patches,
            "b (t h w) (pt ph pw c) -> b c (t pt) (h ph) (w pw)",
            t=grid[0],
            h=grid[1],
            w=grid[2],
            pt=pt,
            ph=ph,
            pw=pw,
        )


def expand_input_channels(state_dict: dict[str, Tensor], config: DiTConfig) -> dict[str, Tensor]:
    """A Text2World state dict adapted to a Video2World DiT: the patch-embedding weights of the new input channels (the
    mask, and the held-frame latents when anchored) start at zero, so the Video2World model starts out computing exactly
    what the Text2World one did."""
    weight = state_dict["patch_embed.weight"]
    missing = config.in_channels - weight.shape[1]
    if missing < 0:
        raise ValueError(
            f"the source weights have {weight.shape[1]} input channels, more than the target's {config.in_channels}"
        )
    if missing == 0:
        return dict(state_dict)
    zeros = weight.new_zeros(weight.shape[0], missing, *weight.shape[2:])
    return {**state_dict, "patch_embed.weight": torch.cat([weight, zeros], dim=1)}
