"""How well a tokenizer reconstructs a set of clips, how fast, and against the resampling baseline.

Each clip ((T, H, W, 3) uint8) is fitted to the tokenizer first: center-cropped to the largest
multiples of the spatial compression, and cut to its first T' frames, T' the largest 1 + k·tc
that is at most min(T, max_frames). Clips are encoded one at a time (batch 1). Reconstructions
are clamped to [-1, 1] (what a written video would show) before PSNR and SSIM are taken, with the
parameters of `cosmos_flow.metrics`.

Returned metrics (flat floats):
- psnr, ssim, baseline_psnr, baseline_ssim: means over clips; the baseline is
  `resample_baseline` at the same latent shape, on the same fitted clips.
- compression: T·H·W / (t·h·w), e.g. 512 for 8x8x8 (mean over clips: the causal first frame
  makes it depend on T).
- numbers_ratio: 3·T·H·W / the latent's numbers (C·t·h·w for CV, the t·h·w indices for DV).
- encode_fps, decode_fps: frames encoded (decoded) per second of `time.perf_counter`, totals
  over all clips, after one untimed warm-up pass on the first clip.
- DV only: codebook_usage (distinct indices over all clips / codebook size) and perplexity
  (exp of the entropy of the index histogram over all clips; the codebook size at most).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

import numpy as np
import torch

from cosmos_flow.metrics import psnr, ssim
from cosmos_flow.tokenizer.baseline import resample_baseline
from cosmos_flow.video.tensors import frames_to_tensor

if TYPE_CHECKING:
    from cosmos_flow.tokenizer.model import CausalVideoTokenizer


def fit_clip(clip: np.ndarray, temporal_compression: int, spatial_compression: int, max_frames: int) -> np.ndarray:
    """The center crop and leading frames of `clip` that the tokenizer takes (see the module docstring)."""
    frames, height, width = clip.shape[:3]
    usable = min(frames, max_frames)
    if usable < 1 or height < spatial_compression or width < spatial_compression:
        raise ValueError(
            f"a {frames}x{height}x{width} clip (max_frames {max_frames}) is too small for the tokenizer: it needs at "
            f"least 1 frame and {spatial_compression}x{spatial_compression} pixels"
        )
    kept_frames = 1 + (usable - 1) // temporal_compression * temporal_compression
    kept_height = height // spatial_compression * spatial_compression
    kept_width = width // spatial_compression * spatial_compression
    top, left = (height - kept_height) // 2, (width - kept_width) // 2
    return clip[:kept_frames, top : top + kept_height, left : left + kept_width]


def evaluate_tokenizer(model: CausalVideoTokenizer, clips: list[np.ndarray], max_frames: int = 17) -> dict[str, float]:
    """Reconstruction quality, baseline, compression, speed (and DV codebook use) over `clips`."""
    if not clips:
        raise ValueError("evaluate_tokenizer needs at least one clip")
    config = model.config
    discrete = config.kind == "dv"
    device = next(model.parameters()).device
    videos = [
        frames_to_tensor(fit_clip(clip, config.temporal_compression, config.spatial_compression, max_frames))[None].to(
            device
        )
        for clip in clips
    ]
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            _encode_decode(model, videos[0], discrete)  # warm-up: first calls pay for allocation and kernel choice
            per_clip, timings, indices = [], [0.0, 0.0], []
            for video in videos:
                code, reconstruction, seconds = _encode_decode(model, video, discrete)
                timings = [total + part for total, part in zip(timings, seconds, strict=True)]
                if discrete:
                    indices.append(code.flatten().cpu())
                per_clip.append(_clip_metrics(model, video, code, reconstruction.clamp(-1.0, 1.0)))
    finally:
        model.train(was_training)
    frames = sum(video.shape[2] for video in videos)
    metrics = {name: float(np.mean([clip[name] for clip in per_clip])) for name in per_clip[0]}
    metrics["encode_fps"] = frames / timings[0]
    metrics["decode_fps"] = frames / timings[1]
    if discrete:
        metrics.update(codebook_statistics(torch.cat(indices), model.quantizer.codebook_size))
    return metrics


def codebook_statistics(indices: torch.Tensor, codebook_size: int) -> dict[str, float]:
    """codebook_usage (share of codes used) and perplexity (exp entropy, in codes) of token indices."""
    return histogram_statistics(torch.bincount(indices.flatten().long(), minlength=codebook_size))


def histogram_statistics(counts: torch.Tensor) -> dict[str, float]:
    """codebook_usage and perplexity of a histogram of code counts (one bin per code)."""
    counts = counts.double()
    probabilities = counts[counts > 0] / counts.sum().clamp(min=1)
    entropy = float(-(probabilities * probabilities.log()).sum())
    return {"codebook_usage": len(probabilities) / len(counts), "perplexity": math.exp(entropy)}


def _encode_decode(
    model: CausalVideoTokenizer, video: torch.Tensor, discrete: bool
) -> tuple[torch.Tensor, torch.Tensor, tuple[float, float]]:
    """(latent or indices, reconstruction, (encode seconds, decode seconds))."""
    start = _now(video.device)
    code = model.encode_indices(video) if discrete else model.encode(video)
    middle = _now(video.device)
    reconstruction = model.decode_indices(code) if discrete else model.decode(code)
    end = _now(video.device)
    return code, reconstruction, (middle - start, end - middle)


def _clip_metrics(
    model: CausalVideoTokenizer, video: torch.Tensor, code: torch.Tensor, reconstruction: torch.Tensor
) -> dict[str, float]:
    frames, height, width = video.shape[2:]
    latent_shape = model.latent_shape(frames, height, width)
    _, latent_frames, latent_height, latent_width = latent_shape
    baseline = resample_baseline(video, latent_shape)
    return {
        "psnr": psnr(video, reconstruction),
        "ssim": ssim(video, reconstruction),
        "baseline_psnr": psnr(video, baseline),
        "baseline_ssim": ssim(video, baseline),
        "compression": frames * height * width / (latent_frames * latent_height * latent_width),
        # The latent's numbers: C·t·h·w floats (CV) or t·h·w indices (DV), i.e. what `code` holds.
        "numbers_ratio": 3 * frames * height * width / code.numel(),
    }


def _now(device: torch.device) -> float:
    # GPU kernels run asynchronously: wait for them, or the clock measures only the launch.
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    return time.perf_counter()
