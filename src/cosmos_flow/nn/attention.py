"""Multi-head attention shared by the diffusion DiT and the autoregressive GPT.

One module covers self-attention (optionally causal, with 3D RoPE and a KV cache for incremental
decoding) and cross-attention to a text context with a padding mask. Grouped-query attention
(fewer key/value heads than query heads) and QK-norm (RMSNorm over each head's channels, which
keeps attention logits bounded in long training runs) are options. The kernel is PyTorch's
`scaled_dot_product_attention`, so fused kernels are used wherever the device has them.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from cosmos_flow.nn.norm import RMSNorm
from cosmos_flow.nn.rope import apply_rope


class KVCache:
    """The keys and values one attention layer has computed so far, for incremental decoding.

    Self-attention appends the keys (after RoPE) and values of each new token; cross-attention
    stores its context's keys and values on the first call and reuses them at every later one (the
    context, e.g. a caption, stays the same while a sequence is decoded). A model keeps one cache
    per attention layer and passes layer i's cache to layer i at every decoding step. Storage
    grows by doubling, so appending one token at a time costs amortized O(1) copies per token
    rather than re-concatenating the whole history.
    """

    def __init__(self) -> None:
        self._keys: torch.Tensor | None = None
        self._values: torch.Tensor | None = None
        self._length = 0
        self.context_mask: torch.Tensor | None = None  # cross-attention: the mask that goes with the stored context

    def __len__(self) -> int:
        return self._length

    def append(self, keys: torch.Tensor, values: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Add keys/values [B, kv_heads, L, head_dim]; return all of them so far, [B, kv_heads, length, head_dim]."""
        new_length = self._length + keys.shape[2]
        if self._keys is None or new_length > self._keys.shape[2]:
            self._grow(keys, values, new_length)
        self._keys[:, :, self._length : new_length] = keys
        self._values[:, :, self._length : new_length] = values
        self._length = new_length
        return self.stored()

    def stored(self) -> tuple[torch.Tensor, torch.Tensor]:
        """The keys and values held, [B, kv_heads, length, head_dim] each (views, not copies)."""
        if self._keys is None:
            raise ValueError("the cache is empty: append keys and values first")
        return self._keys[:, :, : self._length], self._values[:, :, : self._length]

    def _grow(self, keys: torch.Tensor, values: torch.Tensor, needed: int) -> None:
        capacity = max(needed, 2 * (self._keys.shape[2] if self._keys is not None else 0))
        batch, heads, _, head_dim = keys.shape
        grown_keys = keys.new_empty(batch, heads, capacity, head_dim)
        grown_values = values.new_empty(batch, heads, capacity, values.shape[-1])
        if self._keys is not None:
            grown_keys[:, :, : self._length] = self._keys[:, :, : self._length]
            grown_values[:, :, : self._length] = self._values[:, :, : self._length]
        self._keys, self._values = grown_keys, grown_values


def _without_shared_padding(keys: torch.Tensor, values: torch.Tensor, context_mask: torch.Tensor | None):
    """(keys, values, mask) of a context without the positions no row attends to (padding every
    row shares), and without a mask when nothing is left to hide: what a cached context keeps, so
    that the decoding steps of a one-caption batch skip masking altogether."""
    if context_mask is None:
        return keys, values, None
    context_mask = context_mask.to(device=keys.device, dtype=torch.bool)
    used = context_mask.any(dim=0)
    if not bool(used.any()):  # no row attends to anything: keep the mask, whose empty rows give zeros
        return keys, values, context_mask
    if not bool(used.all()):
        keys, values, context_mask = keys[:, :, used], values[:, :, used], context_mask[:, used]
    return keys, values, None if bool(context_mask.all()) else context_mask


class Attention(nn.Module):
    """Self-attention (context_dim None) or cross-attention to a context of width context_dim.

    dim: model width, split into `heads` heads of dim // heads channels.
    kv_heads: key/value heads for grouped-query attention (None: as many as `heads`); heads % kv_heads == 0.
    qk_norm: RMSNorm over head channels on queries and keys, with gains per head (self-attention
        keeps one (heads + kv_heads, head_dim) weight, so queries and keys are normalized in one call).
    """

    def __init__(
        self,
        dim: int,
        heads: int,
        kv_heads: int | None = None,
        qk_norm: bool = True,
        bias: bool = False,
        context_dim: int | None = None,
    ):
        super().__init__()
        kv_heads = heads if kv_heads is None else kv_heads
        if dim % heads:
            raise ValueError(f"dim={dim} must be divisible by heads={heads}; pick a head count that divides the width")
        if kv_heads < 1 or heads % kv_heads:
            raise ValueError(f"heads={heads} must be a multiple of kv_heads={kv_heads} for grouped-query attention")
        self.heads, self.kv_heads, self.head_dim = heads, kv_heads, dim // heads
        self.is_cross = context_dim is not None
        kv_width = kv_heads * self.head_dim
        # Fused projections, one matrix product where there would be three (self) or two (cross):
        # with one-token inputs (KV-cache decoding) every call's fixed cost counts.
        if self.is_cross:
            self.to_q = nn.Linear(dim, dim, bias=bias)
            self.to_kv = nn.Linear(context_dim, 2 * kv_width, bias=bias)
        else:
            self.to_qkv = nn.Linear(dim, dim + 2 * kv_width, bias=bias)
        self.to_out = nn.Linear(dim, dim, bias=bias)
        if self.is_cross:
            self.q_norm = RMSNorm((heads, self.head_dim)) if qk_norm else nn.Identity()
            self.k_norm = RMSNorm((kv_heads, self.head_dim)) if qk_norm else nn.Identity()
        else:
            self.qk_norm = RMSNorm((heads + kv_heads, self.head_dim)) if qk_norm else nn.Identity()

    def forward(
        self,
        x: torch.Tensor,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
        causal: bool = False,
        context: torch.Tensor | None = None,
        context_mask: torch.Tensor | None = None,
        cache: KVCache | None = None,
    ) -> torch.Tensor:
        """x[B, L, dim] -> [B, L, dim].

        rope: (cos, sin) [L, head_dim] for the L tokens of x, applied to queries and keys (self-attention only).
        causal: each token sees only itself and earlier ones; with a cache, the new tokens also see
            every cached token.
        context, context_mask: cross-attention only; the mask is Bool[B, S], True on tokens to attend to.
            A row whose mask is all False gets a zero output (nothing to attend to), not NaN.
        cache: self-attention: the new keys/values are appended and the queries attend over all
            cached positions, so x holds just the tokens not seen before. Cross-attention: the
            context's keys/values are stored on the first call and reused after it (the context
            must stay the same for the cache's lifetime).
        """
        self._check_arguments(rope, causal, context, context_mask, cache)
        if self.is_cross and cache is not None and len(cache):
            q = self.queries(x)
            (k, v), context_mask = cache.stored(), cache.context_mask
        else:
            q, k, v = self.queries_keys_values(x, context, rope)
            if cache is not None and self.is_cross:
                k, v, context_mask = _without_shared_padding(k, v, context_mask)
                cache.context_mask = context_mask
            if cache is not None:
                k, v = cache.append(k, v)
        mask, is_causal, empty_rows = self._mask(q.shape[2], k.shape[2], causal, context_mask, x.device)
        out = F.scaled_dot_product_attention(
            q, k, v, attn_mask=mask, is_causal=is_causal, enable_gqa=self.kv_heads != self.heads
        )
        if empty_rows is not None:
            out = out.masked_fill(empty_rows[:, None, None, None], 0.0)
        return self.to_out(out.transpose(1, 2).flatten(2))

    def queries_keys_values(
        self,
        x: torch.Tensor,
        context: torch.Tensor | None = None,
        rope: tuple[torch.Tensor, torch.Tensor] | None = None,
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Queries [B, heads, L, head_dim], keys and values [B, kv_heads, S, head_dim]; queries and keys QK-normed
        and rotated by `rope`."""
        heads, kv_heads, head_dim = self.heads, self.kv_heads, self.head_dim
        if self.is_cross:
            k, v = self.to_kv(context).unflatten(-1, (2 * kv_heads, head_dim)).chunk(2, dim=2)
            return self.queries(x), self.k_norm(k).transpose(1, 2), v.transpose(1, 2)
        qk, v = (
            self.to_qkv(x).unflatten(-1, (heads + 2 * kv_heads, head_dim)).split([heads + kv_heads, kv_heads], dim=2)
        )
        # Queries and keys are normalized and rotated as one tensor: half the calls of doing each alone.
        qk = self.qk_norm(qk).transpose(1, 2)
        if rope is not None:
            qk = apply_rope(qk, *rope)
        q, k = qk.split([heads, kv_heads], dim=1)
        return q, k, v.transpose(1, 2)

    def queries(self, x: torch.Tensor) -> torch.Tensor:
        """Cross-attention queries [B, heads, L, head_dim], QK-normed."""
        return self.q_norm(self.to_q(x).unflatten(-1, (self.heads, self.head_dim))).transpose(1, 2)

    @staticmethod
    def _mask(queries: int, keys: int, causal: bool, context_mask: torch.Tensor | None, device: torch.device):
        """(attn_mask, is_causal, rows with nothing to attend to) for scaled_dot_product_attention."""
        if context_mask is not None:
            context_mask = context_mask.to(device=device, dtype=torch.bool)
            empty_rows = ~context_mask.any(dim=-1)
            # An all-False row would make softmax NaN; let it attend anywhere, then zero its output
            # (always applied, so there is no host-device sync to test whether such rows exist).
            keep = context_mask | empty_rows[:, None]
            return keep[:, None, None, :], False, empty_rows
        if not causal or queries == 1:
            return None, False, None
        if queries == keys:
            return None, True, None
        # Queries are the last `queries` of `keys` positions: query i sits at position keys - queries + i.
        offset = keys - queries
        allowed = torch.arange(keys, device=device)[None, :] <= (offset + torch.arange(queries, device=device))[:, None]
        return allowed, False, None

    def _check_arguments(self, rope, causal, context, context_mask, cache) -> None:
        if self.is_cross:
            if context is None:
                raise ValueError("this is a cross-attention layer: pass context=[B, S, context_dim]")
            if rope is not None or causal:
                raise ValueError(
                    "rope and causal apply to self-attention only; "
                    "a cross-attention layer takes context, context_mask and a cache"
                )
        elif context is not None or context_mask is not None:
            raise ValueError(
                "this is a self-attention layer: build Attention(..., context_dim=...) to attend to a context"
            )
