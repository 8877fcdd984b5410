"""3D RoPE: norm preservation, the relative-position property, tables for grids and single positions."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.nn.position import grid_positions
from cosmos_flow.nn.rope import RoPE3D, apply_rope


def _rotate(rope: RoPE3D, x: torch.Tensor, positions: torch.Tensor) -> torch.Tensor:
    cos, sin = rope.rope_for_positions(positions)
    return apply_rope(x[None, None], cos, sin)[0, 0]


def test_default_split_matches_cosmos_and_sums_to_head_dim():
    assert RoPE3D(128).split == (44, 42, 42)
    assert sum(RoPE3D(32).split) == 32 and all(part % 2 == 0 for part in RoPE3D(32).split)
    with pytest.raises(ValueError, match="even"):
        RoPE3D(16, split=(6, 5, 5))
    with pytest.raises(ValueError, match="summing"):
        RoPE3D(16, split=(4, 4, 4))


def test_rotation_preserves_norm():
    torch.manual_seed(0)
    rope = RoPE3D(24)
    x = torch.randn(2, 3, 4 * 3 * 5, 24)
    cos, sin = rope((4, 3, 5), offset_t=7)
    rotated = apply_rope(x, cos, sin)
    torch.testing.assert_close(rotated.norm(dim=-1), x.norm(dim=-1), rtol=1e-5, atol=1e-5)
    assert not torch.allclose(rotated, x)


@pytest.mark.parametrize("axis", [0, 1, 2])
def test_dot_product_depends_only_on_position_difference(axis):
    torch.manual_seed(1)
    rope = RoPE3D(24)
    q, k = torch.randn(5, 24), torch.randn(5, 24)
    p = torch.tensor([[2, 3, 1], [0, 0, 0], [5, 1, 4], [1, 6, 2], [3, 3, 3]])
    p_other = torch.tensor([[0, 1, 4], [2, 2, 2], [5, 0, 0], [7, 6, 1], [3, 2, 5]])
    reference = (_rotate(rope, q, p) * _rotate(rope, k, p_other)).sum(-1)
    for shift in (1, 3, 11):
        step = torch.zeros(3, dtype=torch.long)
        step[axis] = shift
        shifted = (_rotate(rope, q, p + step) * _rotate(rope, k, p_other + step)).sum(-1)
        torch.testing.assert_close(shifted, reference, rtol=1e-4, atol=1e-4)
    # ...and it does depend on the difference: moving only the key changes the scores.
    step = torch.zeros(3, dtype=torch.long)
    step[axis] = 1
    moved = (_rotate(rope, q, p) * _rotate(rope, k, p_other + step)).sum(-1)
    assert (moved - reference).abs().max() > 1e-3


def test_grid_table_rows_equal_single_position_rows_with_offset_and_fps_scale():
    rope = RoPE3D(12)
    cos, sin = rope((3, 2, 2), offset_t=4, fps_scale=0.5)
    assert cos.shape == sin.shape == (12, 12)
    positions = grid_positions((3, 2, 2), offset_t=4)
    assert positions[5].tolist() == [5, 0, 1]  # (t, h, w) order: t slowest, w fastest
    single_cos, single_sin = rope.rope_for_positions(positions[5:6], fps_scale=0.5)
    torch.testing.assert_close(single_cos[0], cos[5])
    torch.testing.assert_close(single_sin[0], sin[5])
    # fps_scale 0.5 at t = 8 is the same angle as t = 4 at full rate.
    slow_cos, _ = rope.rope_for_positions(torch.tensor([[8, 0, 1]]), fps_scale=0.5)
    fast_cos, _ = rope.rope_for_positions(torch.tensor([[4, 0, 1]]))
    torch.testing.assert_close(slow_cos, fast_cos)
    assert len(rope.state_dict()) == 0
