"""Absolute 3D positions of a (t, h, w) token grid: the grid itself, the per-axis channel split, and
the fixed sine-cosine embedding the autoregressive model adds to its tokens.

Tokens are always flattened in (t, h, w) order, the order both world-model families use.
"""

from __future__ import annotations

import torch


def grid_positions(grid: tuple[int, int, int], offset_t: int = 0) -> torch.Tensor:
    """Long[t*h*w, 3]: the (t, h, w) coordinates of every token of `grid`, flattened in (t, h, w) order.

    offset_t shifts the time axis, e.g. to place a window that starts after earlier latent frames.
    """
    t, h, w = _checked_grid(grid)
    axes = torch.meshgrid(torch.arange(t) + offset_t, torch.arange(h), torch.arange(w), indexing="ij")
    return torch.stack(axes, dim=-1).reshape(-1, 3)


def split_dims(dim: int) -> tuple[int, int, int]:
    """Channels per axis (t, h, w), each even: h and w get equal shares, t the rest (44/42/42 for 128, as Cosmos)."""
    if dim < 6 or dim % 2:
        raise ValueError(f"dim must be even and at least 6 to give each of t, h, w a sine-cosine pair, got {dim}")
    spatial = 2 * (dim // 6)
    return dim - 2 * spatial, spatial, spatial


def sincos_3d(grid: tuple[int, int, int], dim: int, base: float = 10000.0) -> torch.Tensor:
    """Float[t*h*w, dim]: a fixed sine-cosine embedding of each token's (t, h, w) position.

    The channels are split across the axes as `split_dims`; within an axis, half are sines and half
    cosines of the coordinate at geometrically spaced frequencies (the Transformer's 1D embedding).
    """
    positions = grid_positions(grid).double()
    parts = [_sincos_1d(positions[:, axis], axis_dim, base) for axis, axis_dim in enumerate(split_dims(dim))]
    return torch.cat(parts, dim=-1).float()


def _sincos_1d(coordinates: torch.Tensor, dim: int, base: float) -> torch.Tensor:
    frequencies = base ** (-torch.arange(dim // 2, dtype=torch.float64) / (dim // 2))
    angles = coordinates[:, None] * frequencies[None, :]
    return torch.cat([angles.sin(), angles.cos()], dim=-1)


def _checked_grid(grid: tuple[int, int, int]) -> tuple[int, int, int]:
    if len(grid) != 3 or any(int(size) < 1 for size in grid):
        raise ValueError(f"grid must be three positive sizes (t, h, w), got {tuple(grid)}")
    t, h, w = (int(size) for size in grid)
    return t, h, w
