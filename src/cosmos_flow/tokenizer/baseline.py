"""A non-learned reference for the tokenizers: shrink the video, then stretch it back.

A tokenizer is only worth its parameters if it beats plain resampling at the same budget. The
baseline keeps at most as many numbers as the tokenizer's latent (C·t·h·w): it area-averages
the video down to the latent's t frames and to the largest h'×w' RGB frame with
3·t·h'·w' ≤ C·t·h·w, then upsamples trilinearly back to the input size.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def baseline_size(video_size: tuple[int, int, int], latent_shape: tuple[int, int, int, int]) -> tuple[int, int, int]:
    """(t, h', w') the baseline keeps of a (T, H, W) video for a (C, t, h, w) latent.

    h'·w' is at most C·h·w/3 and never more than H·W. h' starts at the aspect-preserving
    ideal sqrt(budget·H/W); w' takes what the budget then allows, and h' grows into any
    budget left over, so the frame is as large as the budget allows while keeping H:W
    as closely as whole pixels do.
    """
    frames, height, width = video_size
    channels, latent_frames, latent_height, latent_width = latent_shape
    if not 1 <= latent_frames <= frames:
        raise ValueError(
            f"the latent has {latent_frames} frames for a {frames}-frame video; it needs between 1 and {frames}"
        )
    pixels = channels * latent_height * latent_width // 3
    if pixels < 1:
        raise ValueError(
            f"a latent of {channels}x{latent_height}x{latent_width} per frame is fewer than the 3 numbers of one RGB "
            "pixel; the baseline needs at least 3"
        )
    kept_height = min(height, pixels, max(1, math.isqrt(pixels * height // width)))
    kept_width = min(width, pixels // kept_height)
    kept_height = min(height, pixels // kept_width)
    return latent_frames, kept_height, kept_width


def resample_baseline(video: torch.Tensor, latent_shape: tuple[int, int, int, int]) -> torch.Tensor:
    """Reconstruction of a (B, 3, T, H, W) video through a resampled copy no bigger than the latent."""
    if video.ndim != 5 or video.shape[1] != 3:
        raise ValueError(f"video must be a (B, 3, T, H, W) tensor, got shape {tuple(video.shape)}")
    size = tuple(video.shape[2:])
    with torch.no_grad():
        # Adaptive average pooling is area averaging, also when the sizes do not divide.
        small = F.adaptive_avg_pool3d(video.float(), baseline_size(size, latent_shape))
        return F.interpolate(small, size=size, mode="trilinear", align_corners=False).to(video.dtype)
