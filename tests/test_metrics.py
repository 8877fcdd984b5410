"""PSNR and SSIM: known values, the uint8 trap, and the agreement of the two representations."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from cosmos_flow.metrics import (
    FrameQualityTotals,
    frames_psnr,
    frames_ssim,
    mean_squared_error,
    psnr,
    psnr_from_mse,
    ssim,
)
from cosmos_flow.video.tensors import frames_to_tensor


def smooth_video(frames: int = 3, height: int = 24, width: int = 32) -> torch.Tensor:
    """(3, T, H, W) gradients in [-1, 1] with some structure for SSIM to see."""
    y = torch.linspace(-1, 1, height).view(1, 1, height, 1)
    x = torch.linspace(-1, 1, width).view(1, 1, 1, width)
    t = torch.arange(frames, dtype=torch.float32).view(1, frames, 1, 1)
    channel = torch.arange(3, dtype=torch.float32).view(3, 1, 1, 1)
    return 0.8 * torch.sin(3 * x + 2 * y + 0.3 * t + channel)


def test_identical_inputs_give_infinite_psnr_and_ssim_one():
    video = smooth_video()
    assert psnr(video, video) == math.inf
    assert ssim(video, video) == pytest.approx(1.0)


def test_known_mse_gives_known_psnr():
    a = torch.zeros(3, 2, 8, 8, dtype=torch.float64)
    b = a + 0.1  # MSE 0.01 over a range of 2: 10·log10(4 / 0.01) = 26.0206 dB
    assert mean_squared_error(a, b) == pytest.approx(0.01)
    assert psnr(a, b) == pytest.approx(10 * math.log10(400), abs=1e-9)
    assert psnr(a, b, data_range=1.0) == pytest.approx(20.0, abs=1e-9)
    assert psnr_from_mse(0.0) == math.inf


def test_uint8_inputs_do_not_wrap_around():
    black = np.zeros((2, 4, 4, 3), dtype=np.uint8)
    white = np.full_like(black, 255)
    # With uint8 arithmetic 0 - 255 wraps to 1 and the PSNR would come out near 48 dB.
    assert frames_psnr(black, white) == pytest.approx(0.0, abs=1e-9)
    assert psnr(torch.from_numpy(black), torch.from_numpy(white), data_range=255.0) == pytest.approx(0.0, abs=1e-9)


def test_ssim_drops_with_noise_and_more_noise_drops_it_further():
    video = smooth_video()
    generator = torch.Generator().manual_seed(0)
    noise = torch.randn(video.shape, generator=generator)
    slightly, badly = ssim(video, video + 0.05 * noise), ssim(video, video + 0.5 * noise)
    assert 1.0 > slightly > badly
    assert slightly > 0.5 > badly


def test_metrics_are_symmetric():
    generator = torch.Generator().manual_seed(1)
    a = torch.rand(2, 3, 2, 16, 16, generator=generator) * 2 - 1
    b = (a + 0.2 * torch.randn(a.shape, generator=generator)).clamp(-1, 1)
    assert psnr(a, b) == pytest.approx(psnr(b, a))
    assert ssim(a, b) == pytest.approx(ssim(b, a))


def test_ssim_is_the_same_for_tensors_and_uint8_frames_of_one_picture():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 256, (3, 20, 20, 3), dtype=np.uint8)
    b = np.clip(a.astype(int) + rng.integers(-30, 31, a.shape), 0, 255).astype(np.uint8)
    # Only the float32 rounding of the [-1, 1] tensors separates the two.
    assert frames_ssim(a, b) == pytest.approx(ssim(frames_to_tensor(a), frames_to_tensor(b)), abs=1e-6)
    assert frames_psnr(a, b) == pytest.approx(psnr(frames_to_tensor(a), frames_to_tensor(b)), abs=1e-5)


def test_ssim_accepts_batched_video_and_frame_batches_alike():
    video = smooth_video()
    noisy = video + 0.1 * torch.randn(video.shape, generator=torch.Generator().manual_seed(3))
    per_video = ssim(video, noisy)
    assert ssim(video[None], noisy[None]) == pytest.approx(per_video)
    assert ssim(video.transpose(0, 1), noisy.transpose(0, 1)) == pytest.approx(per_video)  # (N=T, C=3, H, W)


def test_ssim_known_value_with_the_documented_window():
    # A 11x11 frame with the 11-tap window has one valid position, so SSIM is the closed form of
    # the Gaussian-weighted statistics; a constant offset d leaves only the luminance term.
    a = torch.full((1, 1, 11, 11), 0.5, dtype=torch.float64)
    b = a + 0.1
    c1 = (0.01 * 2.0) ** 2
    mean_a, mean_b = 1.5, 1.6  # measured from black at -1
    assert ssim(a, b) == pytest.approx((2 * mean_a * mean_b + c1) / (mean_a**2 + mean_b**2 + c1), rel=1e-12)


def test_frames_smaller_than_the_window_still_work():
    a = torch.rand(1, 3, 5, 7, generator=torch.Generator().manual_seed(4))
    assert ssim(a, a) == pytest.approx(1.0)
    assert ssim(a, 1 - a) < 0.9


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="equal shapes"):
        psnr(torch.zeros(3, 4, 4), torch.zeros(3, 4, 5))


def test_running_totals_equal_the_whole_video_metrics():
    rng = np.random.default_rng(5)
    originals = rng.integers(0, 256, (4, 12, 14, 3), dtype=np.uint8)
    reconstructions = np.clip(originals.astype(int) + rng.integers(-20, 21, originals.shape), 0, 255).astype(np.uint8)
    totals = FrameQualityTotals()
    for original, reconstruction in zip(originals, reconstructions, strict=True):
        totals.add(original, reconstruction)
    assert totals.frames == 4
    assert totals.psnr == pytest.approx(frames_psnr(originals, reconstructions))
    assert totals.ssim == pytest.approx(frames_ssim(originals, reconstructions))  # frames of one size weigh the same
    with pytest.raises(ValueError, match="no frames"):
        _ = FrameQualityTotals().psnr
