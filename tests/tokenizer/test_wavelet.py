"""The Haar front end: exact inverse, orthonormal scaling, causal grouping, shape errors."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.tokenizer import haar_patch, haar_unpatch


@pytest.mark.parametrize(
    ("shape", "levels", "expected"),
    [
        ((2, 3, 9, 16, 8), 2, (2, 192, 3, 4, 2)),
        ((1, 3, 1, 8, 8), 2, (1, 192, 1, 2, 2)),  # an image
        ((1, 3, 17, 4, 12), 2, (1, 192, 5, 1, 3)),
        ((1, 3, 5, 6, 2), 1, (1, 24, 3, 3, 1)),
        ((1, 3, 9, 8, 8), 3, (1, 1536, 2, 1, 1)),
    ],
)
def test_round_trip_is_exact(shape, levels, expected):
    torch.manual_seed(0)
    video = torch.rand(shape) * 2 - 1
    coeffs = haar_patch(video, levels)
    assert coeffs.shape == expected
    assert torch.allclose(haar_unpatch(coeffs, levels), video, atol=1e-5, rtol=0)


def test_round_trip_float64():
    torch.manual_seed(1)
    video = torch.randn(2, 3, 9, 8, 16, dtype=torch.float64)
    coeffs = haar_patch(video)
    assert coeffs.dtype == torch.float64
    assert (haar_unpatch(coeffs) - video).abs().max() < 1e-12


def test_orthonormal_scaling():
    # An image repeated into 4 frames: energy is 4x the image's (the 3 causal copies), no more.
    torch.manual_seed(2)
    image = torch.randn(1, 3, 1, 8, 8, dtype=torch.float64)
    coeffs = haar_patch(image)
    assert torch.isclose(coeffs.square().sum(), 4 * image.square().sum())
    # A constant video lands in the low band only, scaled by (2*sqrt(2))**2 = 8 over 2 levels.
    constant = torch.full((1, 1, 5, 4, 4), 0.5, dtype=torch.float64)
    low_band = haar_patch(constant)
    assert torch.allclose(low_band[:, 0], torch.full((1, 2, 1, 1), 4.0, dtype=torch.float64))
    assert low_band[:, 1:].abs().max() < 1e-12


def test_first_group_sees_only_the_first_frame():
    torch.manual_seed(3)
    video = torch.rand(1, 3, 9, 8, 8)
    changed = video.clone()
    changed[:, :, 1:] = torch.rand_like(changed[:, :, 1:])
    assert torch.equal(haar_patch(video)[:, :, 0], haar_patch(changed)[:, :, 0])
    assert not torch.equal(haar_patch(video)[:, :, 1], haar_patch(changed)[:, :, 1])


@pytest.mark.parametrize(
    ("shape", "message"),
    [
        ((1, 3, 8, 8, 8), "1\\+4k frames"),
        ((1, 3, 9, 6, 8), "multiples of 4"),
        ((1, 3, 9, 8, 10), "multiples of 4"),
        ((3, 9, 8, 8), "batch, channels"),
    ],
)
def test_shape_errors(shape, message):
    with pytest.raises(ValueError, match=message):
        haar_patch(torch.zeros(shape))


def test_unpatch_rejects_wrong_channel_count():
    with pytest.raises(ValueError, match="multiple of 64"):
        haar_unpatch(torch.zeros(1, 100, 2, 2, 2))
