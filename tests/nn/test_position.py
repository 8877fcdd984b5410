"""Absolute 3D positions and the sine-cosine embedding."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.nn.position import grid_positions, sincos_3d, split_dims


def test_split_dims():
    assert split_dims(128) == (44, 42, 42)
    assert split_dims(6) == (2, 2, 2)
    with pytest.raises(ValueError, match="even"):
        split_dims(7)


def test_grid_positions_are_flattened_in_t_h_w_order():
    positions = grid_positions((2, 2, 3), offset_t=1)
    assert positions.shape == (12, 3) and positions.dtype == torch.long
    assert positions[:4].tolist() == [[1, 0, 0], [1, 0, 1], [1, 0, 2], [1, 1, 0]]
    assert positions[-1].tolist() == [2, 1, 2]
    with pytest.raises(ValueError, match="positive"):
        grid_positions((0, 2, 2))


def test_sincos_3d_shape_range_and_distinct_rows():
    embedding = sincos_3d((3, 4, 5), 48)
    assert embedding.shape == (60, 48) and embedding.dtype == torch.float32
    assert embedding.abs().max() <= 1.0
    distances = torch.cdist(embedding, embedding) + torch.eye(60) * 1e3
    assert distances.min() > 1e-2


def test_sincos_3d_channels_follow_the_axes():
    embedding = sincos_3d((2, 3, 3), 24)  # split (8, 8, 8)
    positions = grid_positions((2, 3, 3))
    same_t = positions[:, 0] == 0
    # Tokens of the same frame share the t channels and differ in the h/w ones.
    assert torch.allclose(embedding[same_t][:, :8], embedding[0, :8].expand(int(same_t.sum()), 8))
    assert not torch.allclose(embedding[same_t][:, 8:], embedding[0, 8:].expand(int(same_t.sum()), 16))
