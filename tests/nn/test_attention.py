"""Attention: causal masking, MHA/GQA math, KV-cache decoding, cross-attention masks."""

from __future__ import annotations

import math

import pytest
import torch

from cosmos_flow.nn.attention import Attention, KVCache
from cosmos_flow.nn.rope import RoPE3D, apply_rope


def _reference(attention: Attention, x: torch.Tensor, context: torch.Tensor | None = None) -> torch.Tensor:
    """Attention written out by hand: per-head softmax(q k^T / sqrt(d)) v, key/value heads shared by groups."""
    batch, length, _ = x.shape
    d = attention.head_dim
    q, k, v = attention.queries_keys_values(x, context)  # with qk_norm=False and no RoPE: the plain projections
    group = attention.heads // attention.kv_heads
    k, v = k.repeat_interleave(group, dim=1), v.repeat_interleave(group, dim=1)
    weights = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(d), dim=-1)
    return attention.to_out((weights @ v).transpose(1, 2).reshape(batch, length, -1))


@pytest.mark.parametrize("kv_heads", [4, 2, 1])
def test_matches_hand_written_attention(kv_heads):
    torch.manual_seed(0)
    attention = Attention(32, heads=4, kv_heads=kv_heads, qk_norm=False, bias=True)
    x = torch.randn(2, 7, 32)
    torch.testing.assert_close(attention(x), _reference(attention, x), rtol=1e-5, atol=1e-5)
    assert attention.to_qkv.out_features == 32 + 2 * kv_heads * 8


def test_cross_attention_matches_hand_written_attention():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, qk_norm=False, context_dim=12)
    x, context = torch.randn(2, 5, 32), torch.randn(2, 3, 12)
    torch.testing.assert_close(attention(x, context=context), _reference(attention, x, context), rtol=1e-5, atol=1e-5)


def test_causal_output_does_not_see_later_tokens():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, kv_heads=2)
    x = torch.randn(1, 8, 32)
    changed = x.clone()
    changed[:, 5] += 1.0
    before, after = attention(x, causal=True), attention(changed, causal=True)
    torch.testing.assert_close(before[:, :5], after[:, :5])
    assert (before[:, 5:] - after[:, 5:]).abs().max() > 1e-3
    # Without the mask, earlier tokens do see the change.
    assert (attention(x)[:, :5] - attention(changed)[:, :5]).abs().max() > 1e-3


def test_cached_incremental_decoding_equals_full_causal_forward():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, kv_heads=2, qk_norm=True)
    rope = RoPE3D(8)
    grid = (3, 2, 2)
    x = torch.randn(2, 12, 32)
    cos, sin = rope(grid)
    full = attention(x, rope=(cos, sin), causal=True)

    cache = KVCache()
    pieces, start = [], 0
    for size in (4, 1, 1, 3, 1, 2):  # a prompt, single tokens, then chunks, as sampling would
        rows = slice(start, start + size)
        pieces.append(attention(x[:, rows], rope=(cos[rows], sin[rows]), causal=True, cache=cache))
        start += size
    assert len(cache) == 12
    torch.testing.assert_close(torch.cat(pieces, dim=1), full, rtol=1e-5, atol=1e-5)


def test_context_mask_excludes_padded_tokens():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, context_dim=12)
    x, context = torch.randn(2, 5, 32), torch.randn(2, 4, 12)
    mask = torch.tensor([[True, True, False, False], [True, True, True, False]])
    out = attention(x, context=context, context_mask=mask)
    padded = context.clone()
    padded[0, 2:] = 100.0
    padded[1, 3] = -50.0
    torch.testing.assert_close(attention(x, context=padded, context_mask=mask), out)
    kept_changed = context.clone()
    kept_changed[0, 1] += 1.0
    assert (attention(x, context=kept_changed, context_mask=mask)[0] - out[0]).abs().max() > 1e-3
    # Equal to attending over the kept tokens only.
    torch.testing.assert_close(out[:1], attention(x[:1], context=context[:1, :2]), rtol=1e-5, atol=1e-5)


def test_fully_masked_context_row_gives_zeros_not_nan():
    torch.manual_seed(0)
    attention = Attention(16, heads=2, context_dim=8)
    x, context = torch.randn(2, 3, 16), torch.randn(2, 4, 8)
    out = attention(x, context=context, context_mask=torch.tensor([[False] * 4, [True] * 4]))
    assert torch.isfinite(out).all()
    assert out[0].abs().max() == 0.0 and out[1].abs().max() > 0.0


def test_misuse_is_a_readable_error():
    with pytest.raises(ValueError, match="multiple of kv_heads"):
        Attention(32, heads=4, kv_heads=3)
    with pytest.raises(ValueError, match="divisible"):
        Attention(30, heads=4)
    cross, plain = Attention(16, heads=2, context_dim=8), Attention(16, heads=2)
    x = torch.randn(1, 3, 16)
    with pytest.raises(ValueError, match="pass context"):
        cross(x)
    with pytest.raises(ValueError, match="self-attention only"):
        cross(x, context=torch.randn(1, 2, 8), causal=True)
    with pytest.raises(ValueError, match="context_dim"):
        plain(x, context=torch.randn(1, 2, 16))


def test_qk_norm_and_rope_use_the_query_and_key_weights_apart():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, kv_heads=2, qk_norm=True)
    torch.nn.init.normal_(attention.qk_norm.weight)
    q_weight, k_weight = attention.qk_norm.weight.split([4, 2])  # one gain vector per head
    x = torch.randn(2, 6, 32)
    cos, sin = RoPE3D(8)((1, 2, 3))
    q, k, v = attention.queries_keys_values(x, rope=(cos, sin))
    raw_q, raw_k, raw_v = attention.to_qkv(x).split([32, 16, 16], dim=-1)

    def normed(raw, heads, weight):
        split = raw.view(2, 6, heads, 8)
        return (split / split.pow(2).mean(-1, keepdim=True).sqrt() * weight).transpose(1, 2)

    torch.testing.assert_close(q, apply_rope(normed(raw_q, 4, q_weight), cos, sin), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(k, apply_rope(normed(raw_k, 2, k_weight), cos, sin), rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(v, raw_v.view(2, 6, 2, 8).transpose(1, 2))


def test_cross_attention_cache_reuses_the_context_keys_and_values():
    torch.manual_seed(0)
    attention = Attention(32, heads=4, kv_heads=2, qk_norm=True, context_dim=12)
    x, context = torch.randn(2, 6, 32), torch.randn(2, 3, 12)
    mask = torch.tensor([[True, True, True], [True, False, False]])
    cache = KVCache()
    pieces = [attention(x[:, i : i + 1], context=context, context_mask=mask, cache=cache) for i in range(6)]
    assert len(cache) == 3 and cache.context_mask is not None  # the context, stored once, with its mask
    torch.testing.assert_close(torch.cat(pieces, dim=1), attention(x, context=context, context_mask=mask))
    # A one-row batch drops its padding and needs no mask at decoding steps, with the same outputs.
    single = KVCache()
    first = [attention(x[1:, i : i + 1], context=context[1:], context_mask=mask[1:], cache=single) for i in range(6)]
    assert len(single) == 1 and single.context_mask is None
    torch.testing.assert_close(torch.cat(first, dim=1), attention(x[1:], context=context[1:], context_mask=mask[1:]))
    # Later calls read the stored keys and values, not the context passed in.
    torch.testing.assert_close(
        attention(x[:, :1], context=torch.zeros_like(context), context_mask=mask, cache=cache), pieces[0]
    )
