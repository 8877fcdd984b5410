"""Full-reference image and video quality: MSE, PSNR and SSIM.

Conventions, shared by every evaluation in the project:

- Inputs are equal-shape tensors (torch, or anything `torch.as_tensor` takes). They are
  detached and converted to float64 *before* subtracting, so uint8 inputs cannot wrap around
  (0 vs 255 is an error of 255, not of 1).
- `data_range` is the width of the value range: 2.0 for model tensors in [-1, 1] (the default),
  255 for uint8 frames (`frames_psnr`, `frames_ssim`).
- PSNR = 10·log10(data_range² / MSE), with the MSE taken over the whole tensor (every pixel,
  channel, frame and batch item weighs the same); identical inputs give `math.inf`.
- SSIM (Wang et al. 2004) with a Gaussian window of 11 taps and σ = 1.5 (normalised to sum 1),
  K1 = 0.01, K2 = 0.03, C1 = (K1·data_range)², C2 = (K2·data_range)², 'valid' convolution (no
  padding: only windows that lie wholly inside the frame count). It is computed on every 2D
  plane — each frame of each channel of each batch item — and the SSIM maps of all planes are
  averaged. The planes are the last two dimensions, so (B, 3, T, H, W), (3, T, H, W) and
  (N, C, H, W) all work. Frames smaller than the window use a window of min(H, W) taps with the
  same σ. Means are measured from `low`, the black level (-1 for [-1, 1] tensors, 0 for uint8),
  because SSIM's luminance term is not invariant to an offset; with that, the same picture gives
  the same SSIM in either representation.

`FrameQualityTotals` keeps running sums over a stream of uint8 frame pairs, so a video of any
length can be scored without holding it: its PSNR comes from the mean MSE over all frames (the
same as one MSE over the whole video, frames being equal in size), its SSIM is the mean of the
per-frame SSIMs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import torch

SSIM_WINDOW = 11
SSIM_SIGMA = 1.5
SSIM_K1 = 0.01
SSIM_K2 = 0.03
# Planes per convolution batch: bounds SSIM's float64 working memory on long, large videos.
_PLANES_PER_BATCH = 64


def mean_squared_error(a, b) -> float:
    """Mean of the squared differences over the whole tensor, in float64."""
    x, y = _float64_pair(a, b)
    return float(torch.mean((x - y) ** 2))


def psnr_from_mse(mse: float, data_range: float = 2.0) -> float:
    """PSNR in dB for a mean squared error; 0 error gives `math.inf`."""
    if mse <= 0.0:
        return math.inf
    return 10.0 * math.log10(data_range**2 / mse)


def psnr(a, b, data_range: float = 2.0) -> float:
    """Peak signal-to-noise ratio in dB of `b` against `a` (one MSE over the whole tensor)."""
    return psnr_from_mse(mean_squared_error(a, b), data_range)


def ssim(a, b, data_range: float = 2.0, low: float = -1.0) -> float:
    """Mean structural similarity of `b` against `a` over all 2D planes (see the module docstring)."""
    x, y = _float64_pair(a, b)
    if x.ndim < 2:
        raise ValueError(f"SSIM needs at least 2D inputs (..., H, W), got shape {tuple(x.shape)}")
    height, width = x.shape[-2:]
    x = x.reshape(-1, 1, height, width) - low
    y = y.reshape(-1, 1, height, width) - low
    window = gaussian_window(min(SSIM_WINDOW, height, width), SSIM_SIGMA)
    c1 = (SSIM_K1 * data_range) ** 2
    c2 = (SSIM_K2 * data_range) ** 2
    total, count = 0.0, 0
    for start in range(0, x.shape[0], _PLANES_PER_BATCH):
        local = ssim_map(x[start : start + _PLANES_PER_BATCH], y[start : start + _PLANES_PER_BATCH], window, c1, c2)
        total += float(local.sum())
        count += local.numel()
    return total / count


def frames_psnr(a: np.ndarray, b: np.ndarray) -> float:
    """PSNR in dB of uint8 frames ((H, W, 3) or (T, H, W, 3)), data range 255."""
    return psnr(_uint8_tensor(a), _uint8_tensor(b), data_range=255.0)


def frames_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM of uint8 frames ((H, W, 3) or (T, H, W, 3)), data range 255, black at 0."""
    # Channels last -> channels before (H, W), so SSIM's planes are single-channel frames.
    planes_a = _uint8_tensor(a).movedim(-1, -3)
    planes_b = _uint8_tensor(b).movedim(-1, -3)
    return ssim(planes_a, planes_b, data_range=255.0, low=0.0)


@dataclass
class FrameQualityTotals:
    """Running PSNR and SSIM over (original, reconstruction) pairs of (H, W, 3) uint8 frames."""

    frames: int = 0
    squared_error_sum: float = 0.0
    ssim_sum: float = 0.0

    def add(self, original: np.ndarray, reconstruction: np.ndarray) -> None:
        self.frames += 1
        self.squared_error_sum += mean_squared_error(_uint8_tensor(original), _uint8_tensor(reconstruction))
        self.ssim_sum += frames_ssim(original, reconstruction)

    @property
    def psnr(self) -> float:
        """PSNR in dB of everything added so far (data range 255)."""
        return psnr_from_mse(self.squared_error_sum / self._count(), 255.0)

    @property
    def ssim(self) -> float:
        """Mean SSIM of the frames added so far."""
        return self.ssim_sum / self._count()

    def _count(self) -> int:
        if not self.frames:
            raise ValueError("no frames were added: there is no quality to report")
        return self.frames


def _float64_pair(a, b) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.as_tensor(a).detach().to(device="cpu", dtype=torch.float64)
    y = torch.as_tensor(b).detach().to(device="cpu", dtype=torch.float64)
    if x.shape != y.shape:
        raise ValueError(f"quality metrics compare equal shapes, got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.numel() == 0:
        raise ValueError("quality metrics need non-empty inputs")
    return x, y


def _uint8_tensor(frames: np.ndarray) -> torch.Tensor:
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim not in (3, 4) or frames.shape[-1] != 3:
        raise ValueError(f"frames must be (H, W, 3) or (T, H, W, 3) uint8, got {frames.shape} {frames.dtype}")
    return torch.from_numpy(np.ascontiguousarray(frames))


def gaussian_window(size: int, sigma: float) -> torch.Tensor:
    positions = torch.arange(size, dtype=torch.float64) - (size - 1) / 2
    weights = torch.exp(-(positions**2) / (2 * sigma**2))
    return weights / weights.sum()


def _band_matrix(window: torch.Tensor, length: int) -> torch.Tensor:
    """(length - taps + 1, length): row i holds `window` at columns i .. i + taps - 1 ('valid' filtering)."""
    taps = window.numel()
    rows = torch.arange(length - taps + 1, device=window.device)[:, None]
    columns = torch.arange(length, device=window.device)[None, :]
    offset = columns - rows
    inside = (offset >= 0) & (offset < taps)
    return torch.where(inside, window[offset.clamp(0, taps - 1)], window.new_zeros(()))


def ssim_map(x: torch.Tensor, y: torch.Tensor, window: torch.Tensor, c1: float, c2: float) -> torch.Tensor:
    """SSIM at every 'valid' window position of (N, 1, H, W) planes."""
    # The separable Gaussian as two matrix products with banded matrices: the same numbers as two
    # 1D convolutions, but its backward pass (SSIM is a training loss too) runs as fast BLAS
    # products, where CPU convolution backward on one-channel planes took half a tokenizer step.
    vertical = _band_matrix(window, x.shape[-2])
    horizontal = _band_matrix(window, x.shape[-1]).T

    def blur(plane: torch.Tensor) -> torch.Tensor:
        return vertical @ plane @ horizontal

    mean_x, mean_y = blur(x), blur(y)
    variance_x = blur(x * x) - mean_x**2
    variance_y = blur(y * y) - mean_y**2
    covariance = blur(x * y) - mean_x * mean_y
    luminance = (2 * mean_x * mean_y + c1) / (mean_x**2 + mean_y**2 + c1)
    structure = (2 * covariance + c2) / (variance_x + variance_y + c2)
    return luminance * structure
