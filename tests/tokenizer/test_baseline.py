"""The resampling baseline: within the latent's budget, exact on constants, better on smooth video."""

from __future__ import annotations

import pytest
import torch

from cosmos_flow.metrics import psnr
from cosmos_flow.tokenizer.baseline import baseline_size, resample_baseline


@pytest.mark.parametrize(
    ("video_size", "latent_shape"),
    [
        ((17, 64, 64), (16, 3, 8, 8)),
        ((17, 48, 80), (6, 3, 6, 10)),
        ((9, 23, 37), (16, 2, 2, 4)),
        ((17, 1000, 8), (3, 3, 2, 2)),
        ((5, 8, 8), (64, 5, 8, 8)),
    ],
)
def test_baseline_never_keeps_more_numbers_than_the_latent(video_size, latent_shape):
    frames, height, width = baseline_size(video_size, latent_shape)
    channels, latent_frames, latent_height, latent_width = latent_shape
    assert frames == latent_frames
    assert 1 <= height <= video_size[1] and 1 <= width <= video_size[2]
    assert 3 * frames * height * width <= channels * latent_frames * latent_height * latent_width
    # And it uses the budget: one more row or column would break it (or the frame is already full size).
    assert (height + 1) * width * 3 > channels * latent_height * latent_width or height == video_size[1]
    assert height * (width + 1) * 3 > channels * latent_height * latent_width or width == video_size[2]


def test_square_video_keeps_a_square_frame():
    assert baseline_size((17, 64, 64), (16, 3, 8, 8)) == (3, 18, 18)  # 16·64/3 = 341 numbers -> 18x18


def test_constant_video_is_reconstructed_exactly():
    video = torch.full((2, 3, 9, 16, 24), 0.25)
    video[:, 1] = -0.5
    reconstruction = resample_baseline(video, (4, 2, 2, 3))
    assert reconstruction.shape == video.shape
    torch.testing.assert_close(reconstruction, video, rtol=0, atol=1e-6)


def test_smooth_video_comes_back_better_than_noise():
    frames, height, width = 9, 32, 32
    t = torch.linspace(0, 1, frames).view(frames, 1, 1)
    y = torch.linspace(0, 1, height).view(1, height, 1)
    x = torch.linspace(0, 1, width).view(1, 1, width)
    smooth = torch.stack([torch.sin(2 * x + y + t), torch.cos(x - 2 * y + t), torch.sin(x * y + t)])[None] * 0.8
    noise = torch.rand(smooth.shape, generator=torch.Generator().manual_seed(0)) * 2 - 1
    latent_shape = (16, 2, 4, 4)
    assert (
        psnr(smooth, resample_baseline(smooth, latent_shape)) > psnr(noise, resample_baseline(noise, latent_shape)) + 15
    )


def test_impossible_budgets_raise():
    with pytest.raises(ValueError, match="3 numbers"):
        baseline_size((9, 8, 8), (1, 2, 1, 2))
    with pytest.raises(ValueError, match="B, 3, T, H, W"):
        resample_baseline(torch.zeros(3, 9, 8, 8), (16, 2, 1, 1))
