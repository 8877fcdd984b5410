"""The autoregressive world model: a Llama-style decoder-only transformer over discrete video tokens.

Tokens are a DV tokenizer's indices [t, h, w], flattened in (t, h, w) order. Input position i
holds token i-1 (position 0 a BOS token, so the very first token is predicted too) and carries
the position of token i, the one it predicts: its 3D RoPE angles and 3D sine-cosine absolute
embedding say which (t, h, w) cell comes next. Blocks are pre-norm: RMSNorm, causal self-attention
with QK-norm and grouped-query heads, then (Video2World stage) cross-attention to text token
embeddings, then a SwiGLU MLP. Cross-attention output projections start at zero, so a stage-2
model initialized from stage 1 computes exactly what stage 1 did until it learns to use the text.

With `held_frame_anchor`, input position i also reads the embedding of the held frame's token i: the
token the copy-last-frame guess puts in the cell it predicts (the condition frames with the last one
held still, encoded; `cosmos_flow.worldmodel.frames.held_video`). Copying it is then a short path, and
the model spends its learning on how the scene moves away from it. Held tokens are known before
generation starts (they come from the condition alone), so reading them breaks no causality.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from cosmos_flow.config import SAVED_CONFIG_HINT, from_dict
from cosmos_flow.nn.attention import Attention, KVCache
from cosmos_flow.nn.norm import RMSNorm
from cosmos_flow.nn.position import sincos_3d
from cosmos_flow.nn.rope import RoPE3D

INIT_STD = 0.02


@dataclass(frozen=True)
class ARConfig:
    """Everything that defines the network (JSON-safe through `to_dict`).

    vocab_size: the tokenizer's codebook size; id vocab_size is the BOS token.
    latent_grid: (t, h, w) latent frames and cells of the context window; positions beyond it do not exist.
    mlp_hidden: width of the SwiGLU's hidden layer. text_dim: width of the text embeddings the
    cross-attention reads (None: no cross-attention, the video-only stage 1).
    """

    vocab_size: int = 1000
    latent_grid: tuple[int, int, int] = (3, 8, 8)
    dim: int = 96
    depth: int = 4
    heads: int = 4
    kv_heads: int = 2
    mlp_hidden: int = 256
    text_dim: int | None = None
    rope_base: float = 10000.0
    held_frame_anchor: bool = False  # each position also reads the held frame's token for the cell it predicts

    def __post_init__(self) -> None:
        object.__setattr__(self, "latent_grid", tuple(int(size) for size in self.latent_grid))  # JSON gives a list
        if len(self.latent_grid) != 3 or min(self.latent_grid) < 1:
            raise ValueError(
                f"latent_grid must be three positive sizes (t, h, w), got {self.latent_grid}; e.g. (3, 8, 8) for 17 "
                "frames at 64x64 through an 8x8x8 tokenizer"
            )
        if self.vocab_size < 2 or self.depth < 1 or self.mlp_hidden < 1:
            raise ValueError("vocab_size must be at least 2, and depth and mlp_hidden at least 1")
        if self.dim % self.heads or self.heads % self.kv_heads:
            raise ValueError(
                f"dim ({self.dim}) must be divisible by heads ({self.heads}) and heads by kv_heads ({self.kv_heads}); "
                "pick divisors"
            )
        if self.head_dim % 2 or self.head_dim < 6:
            raise ValueError(
                f"the head width dim/heads = {self.head_dim} must be even and at least 6 for 3D RoPE; use fewer heads"
            )

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    @property
    def tokens_per_frame(self) -> int:
        return self.latent_grid[1] * self.latent_grid[2]

    @property
    def max_tokens(self) -> int:
        return self.latent_grid[0] * self.tokens_per_frame

    @property
    def bos_id(self) -> int:
        return self.vocab_size

    def with_text(self, text_dim: int) -> ARConfig:
        """The Video2World (stage 2) configuration of this network: the same blocks plus cross-attention to text."""
        return dataclasses.replace(self, text_dim=int(text_dim))

    def to_dict(self) -> dict:
        config = dataclasses.asdict(self)
        config["latent_grid"] = list(self.latent_grid)
        return config

    @classmethod
    def from_dict(cls, config: dict) -> ARConfig:
        return from_dict(cls, config, "autoregressive model config", SAVED_CONFIG_HINT)


# ---- building blocks ----------------------------------------------------------------------------


class SwiGLU(nn.Module):
    """The Llama MLP: down(silu(gate(x)) * up(x))."""

    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.gate_up = nn.Linear(dim, 2 * hidden, bias=False)
        self.down = nn.Linear(hidden, dim, bias=False)

    def forward(self, x: Tensor) -> Tensor:
        gate, up = self.gate_up(x).chunk(2, dim=-1)
        return self.down(F.silu(gate) * up)


@dataclass
class BlockCache:
    """What one block keeps while a sequence is decoded: the keys and values of every token so far,
    and (stage 2) those of the text, projected once at the first step instead of at every token."""

    tokens: KVCache = dataclasses.field(default_factory=KVCache)
    context: KVCache = dataclasses.field(default_factory=KVCache)


class DecoderBlock(nn.Module):
    """Causal self-attention, optional cross-attention to text, SwiGLU; each pre-normed and residual."""

    def __init__(self, config: ARConfig):
        super().__init__()
        self.attention_norm = RMSNorm(config.dim)
        self.attention = Attention(config.dim, config.heads, config.kv_heads, qk_norm=True)
        self.has_text = config.text_dim is not None
        if self.has_text:
            self.cross_norm = RMSNorm(config.dim)
            self.cross_attention = Attention(
                config.dim, config.heads, config.kv_heads, qk_norm=True, context_dim=config.text_dim
            )
        self.mlp_norm = RMSNorm(config.dim)
        self.mlp = SwiGLU(config.dim, config.mlp_hidden)

    def forward(
        self,
        x: Tensor,
        rope: tuple[Tensor, Tensor],
        context: Tensor | None,
        context_mask: Tensor | None,
        cache: BlockCache | None,
    ) -> Tensor:
        x = x + self.attention(
            self.attention_norm(x), rope=rope, causal=True, cache=None if cache is None else cache.tokens
        )
        if self.has_text:
            x = x + self.cross_attention(
                self.cross_norm(x),
                context=context,
                context_mask=context_mask,
                cache=None if cache is None else cache.context,
            )
        return x + self.mlp(self.mlp_norm(x))


# ---- the model ----------------------------------------------------------------------------------


class ARTransformer(nn.Module):
    """Next-token logits over the codebook for a (t, h, w)-flattened token sequence."""

    def __init__(self, config: ARConfig):
        super().__init__()
        self.config = config
        self.token_embedding = nn.Embedding(config.vocab_size + 1, config.dim)  # + the BOS token
        self.held_embedding = nn.Embedding(config.vocab_size, config.dim) if config.held_frame_anchor else None
        self.blocks = nn.ModuleList(DecoderBlock(config) for _ in range(config.depth))
        self.norm = RMSNorm(config.dim)
        self.head = nn.Linear(config.dim, config.vocab_size, bias=False)
        # Fixed tables for every position of the window: not learned, so not in the state_dict.
        self.register_buffer("absolute_position", sincos_3d(config.latent_grid, config.dim), persistent=False)
        cos, sin = RoPE3D(config.head_dim, base=config.rope_base)(config.latent_grid)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self._initialize()

    def _initialize(self) -> None:
        # Token embeddings at unit scale, like the sine-cosine table they are added to; linear layers
        # at GPT-2's 0.02, residual outputs shrunk with depth; cross-attention outputs at zero.
        nn.init.normal_(self.token_embedding.weight, std=1.0)
        if self.held_embedding is not None:
            nn.init.normal_(self.held_embedding.weight, std=1.0)
        residual_std = INIT_STD / math.sqrt(2 * self.config.depth)
        for block in self.blocks:
            for module in block.modules():
                if isinstance(module, nn.Linear):
                    nn.init.normal_(module.weight, std=INIT_STD)
            nn.init.normal_(block.attention.to_out.weight, std=residual_std)
            nn.init.normal_(block.mlp.down.weight, std=residual_std)
            if block.has_text:
                nn.init.zeros_(block.cross_attention.to_out.weight)
        nn.init.normal_(self.head.weight, std=INIT_STD)

    @property
    def has_text(self) -> bool:
        return self.config.text_dim is not None

    def new_cache(self) -> list[BlockCache]:
        """Empty caches, one per block, for `forward(..., cache=...)`: one sequence (and one text) each."""
        return [BlockCache() for _ in range(self.config.depth)]

    def shift_right(self, tokens: Tensor) -> Tensor:
        """The inputs that predict tokens [B, L]: BOS, then tokens[:, :-1]."""
        bos = tokens.new_full((tokens.shape[0], 1), self.config.bos_id)
        return torch.cat([bos, tokens[:, :-1]], dim=1)

    def forward(
        self,
        inputs: Tensor,
        start: int = 0,
        context: Tensor | None = None,
        context_mask: Tensor | None = None,
        cache: list[BlockCache] | None = None,
        held: Tensor | None = None,
    ) -> Tensor:
        """Logits Float[B, n, vocab_size] at positions start .. start+n-1 for inputs Long[B, n] (see `shift_right`).

        context Float[B, S, text_dim] and context_mask Bool[B, S] (True on real tokens) are required when
        the model has cross-attention and ignored otherwise. With a cache, `inputs` are the ones
        not seen yet, `start` must equal the number already cached, and the text must be the
        one of the first call (its keys and values are cached then). held Long[B, n]: the held
        frame's tokens at these positions (required by, and only read by, a held-frame-anchored model).
        """
        end = start + inputs.shape[1]
        if end > self.config.max_tokens:
            raise ValueError(
                f"positions up to {end} exceed the model's window of {self.config.max_tokens} tokens "
                f"{self.config.latent_grid}; generate longer videos window by window"
            )
        if cache is not None and len(cache[0].tokens) != start:
            raise ValueError(
                f"the cache holds {len(cache[0].tokens)} positions but start={start}; pass start=len(cache[0].tokens) "
                "or a fresh cache"
            )
        if self.has_text and context is None:
            raise ValueError("this model attends to text (stage 2): pass text embeddings and their mask")
        x = self.token_embedding(inputs) + self.absolute_position[start:end].to(self.token_embedding.weight.dtype)
        if self.held_embedding is not None:
            if held is None or held.shape != inputs.shape:
                raise ValueError(
                    "this model reads the held frame's tokens at every position: pass held tokens shaped like the "
                    f"inputs {tuple(inputs.shape)}"
                )
            x = x + self.held_embedding(held)
        rope = (self.rope_cos[start:end], self.rope_sin[start:end])
        context = context if self.has_text else None
        context_mask = context_mask if self.has_text else None
        for index, block in enumerate(self.blocks):
            x = block(x, rope, context, context_mask, None if cache is None else cache[index])
        return self.head(self.norm(x))

    def logits(
        self,
        tokens: Tensor,
        context: Tensor | None = None,
        context_mask: Tensor | None = None,
        corrupted: Tensor | None = None,
        held: Tensor | None = None,
    ) -> Tensor:
        """Teacher-forced logits [B, L, vocab] predicting each of tokens [B, L] from the ones before it.

        corrupted: the tokens the model reads instead of `tokens` (same shape), e.g. with some
        replaced by random ones; the predictions are still scored against `tokens`. held: the held
        frame's tokens [B, L] (anchored models).
        """
        return self(self.shift_right(tokens if corrupted is None else corrupted), 0, context, context_mask, held=held)


def load_stage_one(model: ARTransformer, state_dict: dict[str, Tensor]) -> None:
    """Initialize a stage-2 (text) model from a stage-1 model's weights; only cross-attention may be missing."""
    missing, unexpected = model.load_state_dict(state_dict, strict=False)
    new = [name for name in missing if ".cross_attention." not in name and ".cross_norm." not in name]
    if new or unexpected:
        raise ValueError(
            f"the stage-1 weights do not fit this model (missing {new[:3]}, unexpected {unexpected[:3]}); "
            "build stage 2 with ARConfig.with_text from stage 1's config"
        )


def parameter_count(model: nn.Module) -> int:
    return sum(parameter.numel() for parameter in model.parameters())
