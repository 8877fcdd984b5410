"""FSQ: codebook size, exact index/code round trips, bounded codes, straight-through gradients."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.tokenizer import FSQ


def test_sizes():
    fsq = FSQ([8, 8, 8, 5, 5, 5])
    assert fsq.dim == 6
    assert fsq.codebook_size == 64_000
    assert list(fsq.state_dict()) == []  # no learned codebook


@pytest.mark.parametrize("levels", [[3, 4], [8, 5, 5, 5], [2, 7]])
def test_every_index_round_trips(levels):
    fsq = FSQ(levels)
    indices = torch.arange(fsq.codebook_size).view(1, -1)
    codes = fsq.indices_to_codes(indices)
    assert codes.shape == (1, len(levels), fsq.codebook_size)
    assert codes.min() >= -1 and codes.max() <= 1
    assert torch.equal(fsq.codes_to_indices(codes), indices)
    assert torch.unique(codes, dim=2).shape[2] == fsq.codebook_size


def test_forward_reaches_the_whole_codebook_and_stays_bounded():
    torch.manual_seed(0)
    fsq = FSQ([4, 3, 5])
    codes, indices = fsq(torch.randn(2, 3, 40, 50) * 3)
    assert codes.shape == (2, 3, 40, 50) and indices.shape == (2, 40, 50)
    assert indices.dtype == torch.int64
    assert codes.min() >= -1 and codes.max() <= 1
    assert torch.unique(indices).numel() == fsq.codebook_size
    assert torch.equal(fsq.indices_to_codes(indices), codes)
    assert torch.equal(fsq.codes_to_indices(codes), indices)


def test_zero_maps_to_the_middle_level():
    codes, _ = FSQ([8, 5])(torch.zeros(1, 2, 3))
    assert torch.equal(codes, torch.zeros(1, 2, 3))


def test_straight_through_gradient():
    torch.manual_seed(1)
    z = torch.randn(2, 4, 6, requires_grad=True)
    codes, _ = FSQ([8, 5, 5, 5])(z)
    (codes * torch.randn_like(codes)).sum().backward()
    assert z.grad is not None
    assert z.grad.abs().min() > 0


def test_bad_inputs():
    with pytest.raises(ValueError, match="at least 2"):
        FSQ([8, 1])
    fsq = FSQ([8, 5])
    with pytest.raises(ValueError, match="batch, 2"):
        fsq(torch.zeros(1, 3, 4))
    with pytest.raises(ValueError, match=r"\[0, 40\)"):
        fsq.indices_to_codes(torch.tensor([[40]]))
    with pytest.raises(ValueError, match="integer"):
        fsq.indices_to_codes(torch.tensor([[1.0]]))


def test_spread_loss_prefers_codes_spread_over_the_levels():
    fsq = FSQ([8, 5, 5])
    torch.manual_seed(0)
    # Values well spread over the bounded range (tanh of wide normals) against all-but-equal values.
    spread = fsq.spread_loss(torch.randn(4, 3, 8, 8) * 2)
    clumped = fsq.spread_loss(torch.full((4, 3, 8, 8), 0.3) + 0.01 * torch.randn(4, 3, 8, 8))
    assert -1 <= spread < -0.5 and abs(clumped) < 0.01  # clumped: one code for everything
    # It trains: gradient steps on the input spread a clump out.
    z = (torch.full((2, 3, 6, 6), 0.2) + 0.05 * torch.randn(2, 3, 6, 6)).requires_grad_()
    optimizer = torch.optim.Adam([z], lr=0.05)
    before = fsq.spread_loss(z).item()
    for _ in range(100):
        optimizer.zero_grad()
        fsq.spread_loss(z).backward()
        optimizer.step()
    _, indices = fsq(z.detach())
    assert fsq.spread_loss(z).item() < before - 0.3 and indices.unique().numel() > 20  # of 72 positions
