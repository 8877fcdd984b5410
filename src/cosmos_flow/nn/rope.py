"""3D rotary position embedding (RoPE) for video tokens, as in Cosmos's DiT and GPT.

Each attention head's channels are split between the t, h and w axes; each axis rotates its own
channel pairs by angles proportional to the token's coordinate on that axis, so a query-key dot
product depends only on the difference of their positions. Time coordinates can be scaled by
`fps_scale` (frame-rate awareness: the same motion at another frame rate lands at consistent angles).

Convention: rotate-half. Channel i is paired with channel i + head_dim/2, and the first half of the
channels holds the t, then h, then w frequencies.
"""

from __future__ import annotations

import torch
from torch import nn

from cosmos_flow.nn.position import grid_positions, split_dims


class RoPE3D(nn.Module):
    """Builds the (cos, sin) tables that `apply_rope` uses; it has no learned parameters."""

    def __init__(self, head_dim: int, split: tuple[int, int, int] | None = None, base: float = 10000.0):
        super().__init__()
        split = split_dims(head_dim) if split is None else tuple(int(part) for part in split)
        if len(split) != 3 or sum(split) != head_dim or any(part < 0 or part % 2 for part in split):
            raise ValueError(
                f"split must be three even channel counts (t, h, w) summing to head_dim={head_dim}, got {split}"
            )
        self.head_dim = head_dim
        self.split = split
        # One frequency per channel pair; non-persistent, so no state_dict entry, but they follow .to(device).
        for axis, axis_dim in zip("thw", split):
            frequencies = base ** (-torch.arange(0, axis_dim, 2, dtype=torch.float32) / max(axis_dim, 1))
            self.register_buffer(f"frequencies_{axis}", frequencies, persistent=False)

    def forward(
        self, grid: tuple[int, int, int], offset_t: int = 0, fps_scale: float = 1.0
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """(cos, sin), each Float[t*h*w, head_dim], for the tokens of `grid` flattened in (t, h, w) order.

        offset_t: the time coordinate of the grid's first frame; fps_scale multiplies time coordinates.
        """
        return self.rope_for_positions(grid_positions(grid, offset_t), fps_scale)

    def rope_for_positions(self, positions: torch.Tensor, fps_scale: float = 1.0) -> tuple[torch.Tensor, torch.Tensor]:
        """(cos, sin), each Float[L, head_dim], for arbitrary (t, h, w) positions Long[L, 3] (e.g. single tokens
        when decoding).

        The sine's first half is negated (see `apply_rope`)."""
        if positions.ndim != 2 or positions.shape[-1] != 3:
            raise ValueError(f"positions must be shaped [L, 3] (t, h, w), got {tuple(positions.shape)}")
        positions = positions.to(self.frequencies_t.device, torch.float32)
        scales = (fps_scale, 1.0, 1.0)
        frequencies = (self.frequencies_t, self.frequencies_h, self.frequencies_w)
        angles = torch.cat(
            [positions[:, axis, None] * scale * frequencies[axis][None, :] for axis, scale in enumerate(scales)], dim=-1
        )
        # Channel pairs (i, i + half) share an angle; the sine is negated on the first half of
        # the pair (the sign of rotate-half's -x[i + half]), so `apply_rope` needs no extra ops.
        return torch.cat([angles, angles], dim=-1).cos(), torch.cat([-angles.sin(), angles.sin()], dim=-1)


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x[B, heads, L, head_dim] by the tables cos, sin [L, head_dim] that `RoPE3D` makes.

    Rotate-half: channel i pairs with i + half, so the result is x·cos + x.roll(half)·sin with the
    sine's first half negated, which the tables already are. Three tensor ops (this runs twice
    per layer and token when decoding).
    """
    if cos.dtype != x.dtype:
        cos, sin = cos.to(x.dtype), sin.to(x.dtype)
    return torch.addcmul(x * cos, x.roll(x.shape[-1] // 2, dims=-1), sin)
