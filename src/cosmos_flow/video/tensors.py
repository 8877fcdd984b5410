"""Conversions between uint8 RGB frames and the float tensors video models work on.

Frames are (T, H, W, 3) uint8 in [0, 255]; model tensors are (3, T, H, W) float32 in [-1, 1]
(channels first, as the 3D convolutions of the tokenizers expect).
"""

from __future__ import annotations

import numpy as np
import torch


def frames_to_tensor(frames: np.ndarray) -> torch.Tensor:
    """(T, H, W, 3) uint8 frames -> (3, T, H, W) float32 tensor in [-1, 1] (0 -> -1, 255 -> 1)."""
    frames = np.asarray(frames)
    if frames.dtype != np.uint8 or frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must be a (T, H, W, 3) uint8 array, got {frames.shape} {frames.dtype}")
    video = torch.from_numpy(np.ascontiguousarray(frames)).permute(3, 0, 1, 2).float()
    return video.div_(127.5).sub_(1.0)


def tensor_to_frames(video: torch.Tensor) -> np.ndarray:
    """(3, T, H, W) tensor in [-1, 1] -> (T, H, W, 3) uint8 frames; out-of-range values are clamped, then rounded."""
    if video.ndim != 4 or video.shape[0] != 3:
        raise ValueError(f"video must be a (3, T, H, W) tensor, got shape {tuple(video.shape)}")
    scaled = (video.detach().float().cpu().clamp(-1.0, 1.0) + 1.0) * 127.5
    return scaled.round().to(torch.uint8).permute(1, 2, 3, 0).contiguous().numpy()
