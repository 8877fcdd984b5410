"""The causal 3D Haar wavelet front end of the tokenizer: video <-> wavelet coefficients.

Each level splits every channel into 8 sub-bands (low/high along time, height and width) at half
the resolution, so 2 levels turn 3 channels into 192 at 1/4 of the frames, height and width. The
2-point butterfly is scaled by 1/sqrt(2) per axis (1/(2*sqrt(2)) per level): the transform is
orthonormal and its own inverse.

Causality: the first frame is repeated 2**levels - 1 times in front, so 1 + k*2**levels frames
become 1 + k groups and group 0 holds frame 0 alone; a single image (T = 1) is group 0.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

_SUBBANDS_PER_LEVEL = 8  # 2 (time) x 2 (height) x 2 (width)


def _haar_matrix(like: Tensor) -> Tensor:
    """The 8x8 one-level 3D Haar transform: the Kronecker cube of the 2-point butterfly
    [[1, 1], [1, -1]] / sqrt(2). Symmetric and orthogonal, hence its own inverse."""
    butterfly = torch.tensor([[1.0, 1.0], [1.0, -1.0]], dtype=like.dtype, device=like.device) * math.sqrt(0.5)
    return torch.kron(torch.kron(butterfly, butterfly), butterfly)


def _split_level(x: Tensor) -> Tensor:
    """One Haar level: [B, C, T, H, W] (all even) -> [B, 8C, T/2, H/2, W/2], channels C-major."""
    b, c, t, h, w = x.shape
    # Gather each 2x2x2 block on one axis of size 8 (index 4*dt + 2*dh + dw), then transform it.
    blocks = x.reshape(b, c, t // 2, 2, h // 2, 2, w // 2, 2).permute(0, 1, 3, 5, 7, 2, 4, 6)
    subbands = _haar_matrix(x) @ blocks.reshape(b, c, _SUBBANDS_PER_LEVEL, -1)
    return subbands.reshape(b, c * _SUBBANDS_PER_LEVEL, t // 2, h // 2, w // 2)


def _merge_level(x: Tensor) -> Tensor:
    """The inverse of `_split_level`: [B, 8C, t, h, w] -> [B, C, 2t, 2h, 2w]."""
    b, c8, t, h, w = x.shape
    c = c8 // _SUBBANDS_PER_LEVEL
    blocks = _haar_matrix(x) @ x.reshape(b, c, _SUBBANDS_PER_LEVEL, -1)
    blocks = blocks.reshape(b, c, 2, 2, 2, t, h, w).permute(0, 1, 5, 2, 6, 3, 7, 4)
    return blocks.reshape(b, c, 2 * t, 2 * h, 2 * w)


def haar_patch(video: Tensor, levels: int = 2) -> Tensor:
    """[B, C, 1 + k*2**levels, H, W] -> [B, C*8**levels, 1 + k, H/2**levels, W/2**levels]."""
    if video.dim() != 5:
        raise ValueError(
            f"haar_patch takes a [batch, channels, frames, height, width] video (got shape {tuple(video.shape)}): add "
            "the missing axes"
        )
    factor = 2**levels
    frames, height, width = video.shape[2:]
    if (frames - 1) % factor:
        raise ValueError(
            f"haar_patch with {levels} levels takes 1+{factor}k frames (got {frames}): pad or trim the clip"
        )
    if height % factor or width % factor:
        raise ValueError(
            f"haar_patch with {levels} levels takes a height and width that are multiples of {factor} (got "
            f"{height}x{width}): crop or pad the frames"
        )
    x = torch.cat([video[:, :, :1].expand(-1, -1, factor - 1, -1, -1), video], dim=2)
    for _ in range(levels):
        x = _split_level(x)
    return x


def haar_unpatch(coeffs: Tensor, levels: int = 2) -> Tensor:
    """The exact inverse of `haar_patch`: [B, C*8**levels, 1 + k, h, w] ->
    [B, C, 1 + k*2**levels, h*2**levels, w*2**levels]."""
    if coeffs.dim() != 5:
        raise ValueError(
            "haar_unpatch takes [batch, channels, groups, height, width] coefficients (got shape "
            f"{tuple(coeffs.shape)}): add the missing axes"
        )
    if coeffs.shape[1] % _SUBBANDS_PER_LEVEL**levels:
        raise ValueError(
            f"haar_unpatch with {levels} levels takes a multiple of {_SUBBANDS_PER_LEVEL**levels} channels (got "
            f"{coeffs.shape[1]}): pass what haar_patch returned"
        )
    x = coeffs
    for _ in range(levels):
        x = _merge_level(x)
    return x[:, :, 2**levels - 1 :]  # drop the causal copies of the first frame
