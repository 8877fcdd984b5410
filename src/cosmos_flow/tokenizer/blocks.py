"""Causal building blocks of the video tokenizer: every output frame depends only on input frames at
or before it, so a clip's first latent frames never see its future and a single image is a 1-frame
video.

How each block keeps that promise: temporal convolutions pad on the left by repeating the first
frame; normalization is computed per frame; spatial ops work within a frame; temporal attention
uses a causal mask; temporal down/upsampling maps frame 0 to frame 0 (1 + 2t <-> 1 + t frames).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def repeat_first_frame(x: Tensor, copies: int) -> Tensor:
    """Prepend `copies` copies of frame 0 along the time axis of [B, C, T, H, W]."""
    if copies == 0:
        return x
    return torch.cat([x[:, :, :1].expand(-1, -1, copies, -1, -1), x], dim=2)


class CausalConv3d(nn.Module):
    """A 3D conv whose time window ends at the output frame (left replicate padding in time, zero 'same' padding in
    space)."""

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel: tuple[int, int, int],
        stride: tuple[int, int, int] = (1, 1, 1),
    ):
        super().__init__()
        self.time_padding = kernel[0] - 1
        self.conv = nn.Conv3d(
            in_channels, out_channels, kernel, stride=stride, padding=(0, kernel[1] // 2, kernel[2] // 2)
        )

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(repeat_first_frame(x, self.time_padding))


class FactorizedCausalConv(nn.Module):
    """A causal 3x3x3 conv factorized into a spatial 1x3x3 and a temporal 3x1x1 conv.

    The temporal conv runs at the smaller of the two channel counts: it is the cheaper order and
    matters for the wide wavelet side (192 channels).
    """

    def __init__(self, in_channels: int, out_channels: int):
        super().__init__()
        temporal_channels = min(in_channels, out_channels)
        spatial = CausalConv3d(in_channels, out_channels, (1, 3, 3))
        temporal = CausalConv3d(temporal_channels, temporal_channels, (3, 1, 1))
        self.layers = (
            nn.Sequential(temporal, spatial) if in_channels < out_channels else nn.Sequential(spatial, temporal)
        )

    @property
    def last_conv(self) -> nn.Conv3d:
        return self.layers[-1].conv

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)


def zero_init(conv: nn.Conv3d | nn.Linear) -> None:
    """Zero a residual branch's last layer so the block starts as the identity (trains well from scratch)."""
    nn.init.zeros_(conv.weight)
    if conv.bias is not None:
        nn.init.zeros_(conv.bias)


class FrameGroupNorm(nn.GroupNorm):
    """GroupNorm applied to each frame separately (time folded into the batch): frames never mix."""

    def __init__(self, channels: int, groups: int = 1, eps: float = 1e-6):
        if channels % groups:
            raise ValueError(
                f"FrameGroupNorm takes channels divisible by its groups (got {channels} channels, {groups} groups): "
                "change norm_groups"
            )
        super().__init__(groups, channels, eps=eps)

    def forward(self, x: Tensor) -> Tensor:
        b, c, t, h, w = x.shape
        frames = x.transpose(1, 2).reshape(b * t, c, h, w)
        return super().forward(frames).reshape(b, t, c, h, w).transpose(1, 2)


class ResBlock(nn.Module):
    """norm -> swish -> conv -> norm -> swish -> conv, plus a (1x1x1 projected) skip."""

    def __init__(self, in_channels: int, out_channels: int, norm_groups: int = 1):
        super().__init__()
        self.branch = nn.Sequential(
            FrameGroupNorm(in_channels, norm_groups),
            nn.SiLU(),
            FactorizedCausalConv(in_channels, out_channels),
            FrameGroupNorm(out_channels, norm_groups),
            nn.SiLU(),
            FactorizedCausalConv(out_channels, out_channels),
        )
        zero_init(self.branch[-1].last_conv)
        self.skip = nn.Identity() if in_channels == out_channels else nn.Conv3d(in_channels, out_channels, 1)

    def forward(self, x: Tensor) -> Tensor:
        return self.skip(x) + self.branch(x)


class SpatialDownsample(nn.Module):
    """Hybrid 2x spatial downsampling: a strided 1x3x3 conv plus a 2x2 average pool, added."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = CausalConv3d(channels, channels, (1, 3, 3), stride=(1, 2, 2))

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x) + F.avg_pool3d(x, (1, 2, 2))


class TemporalDownsample(nn.Module):
    """Hybrid causal 2x temporal downsampling, 1 + 2t -> 1 + t frames.

    Both a stride-2 conv and an average see the same 3-frame window ending at an even frame, after
    padding with two copies of frame 0: output 0 is frame 0, output j covers frames 2j-2 .. 2j.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = CausalConv3d(channels, channels, (3, 1, 1), stride=(2, 1, 1))

    def forward(self, x: Tensor) -> Tensor:
        return self.conv(x) + F.avg_pool3d(repeat_first_frame(x, 2), (3, 1, 1), stride=(2, 1, 1))


class SpatialUpsample(nn.Module):
    """2x nearest-neighbour spatial upsampling refined by a residual 1x3x3 conv (identity at init)."""

    def __init__(self, channels: int):
        super().__init__()
        self.conv = CausalConv3d(channels, channels, (1, 3, 3))
        zero_init(self.conv.conv)

    def forward(self, x: Tensor) -> Tensor:
        x = x.repeat_interleave(2, dim=3).repeat_interleave(2, dim=4)
        return x + self.conv(x)


class TemporalUpsample(nn.Module):
    """Causal 2x temporal upsampling, 1 + t -> 1 + 2t frames, refined by a residual causal 3x1x1 conv.

    Each frame is repeated twice and the first copy of frame 0 dropped, so output frame i copies
    input frame ceil(i / 2): frame 0 stays alone, like the encoder's frame 0.
    """

    def __init__(self, channels: int):
        super().__init__()
        self.conv = CausalConv3d(channels, channels, (3, 1, 1))
        zero_init(self.conv.conv)

    def forward(self, x: Tensor) -> Tensor:
        x = x.repeat_interleave(2, dim=2)[:, :, 1:]
        return x + self.conv(x)


class _TokenAttention(nn.Module):
    """Residual multi-head self-attention over tokens that subclasses cut out of [B, C, T, H, W]."""

    causal = False

    def __init__(self, channels: int, heads: int = 1, norm_groups: int = 1):
        super().__init__()
        if channels % heads:
            raise ValueError(
                f"attention takes channels divisible by its heads (got {channels} channels, {heads} heads): change "
                "attention_heads"
            )
        self.heads = heads
        self.norm = FrameGroupNorm(channels, norm_groups)
        self.qkv = nn.Linear(channels, 3 * channels)
        self.proj = nn.Linear(channels, channels)
        zero_init(self.proj)

    def _to_tokens(self, x: Tensor) -> Tensor:
        """Channels-last [B, T, H, W, C] -> [sequences, length, C]."""
        raise NotImplementedError

    def _from_tokens(self, tokens: Tensor, shape: torch.Size) -> Tensor:
        """The inverse of `_to_tokens`, back to [B, T, H, W, C]."""
        raise NotImplementedError

    def forward(self, x: Tensor) -> Tensor:
        tokens = self._to_tokens(self.norm(x).permute(0, 2, 3, 4, 1))
        sequences, length, channels = tokens.shape
        q, k, v = self.qkv(tokens).view(sequences, length, 3, self.heads, channels // self.heads).permute(2, 0, 3, 1, 4)
        attended = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        out = self.proj(attended.transpose(1, 2).reshape(sequences, length, channels))
        b, c, t, h, w = x.shape
        return x + self._from_tokens(out, torch.Size((b, t, h, w, c))).permute(0, 4, 1, 2, 3)


class SpatialAttention(_TokenAttention):
    """Attention among the H*W positions of each frame."""

    def _to_tokens(self, x: Tensor) -> Tensor:
        b, t, h, w, c = x.shape
        return x.reshape(b * t, h * w, c)

    def _from_tokens(self, tokens: Tensor, shape: torch.Size) -> Tensor:
        return tokens.reshape(shape)


class CausalTemporalAttention(_TokenAttention):
    """Attention along time at each spatial position, masked so a frame sees only itself and the past."""

    causal = True

    def _to_tokens(self, x: Tensor) -> Tensor:
        b, t, h, w, c = x.shape
        return x.permute(0, 2, 3, 1, 4).reshape(b * h * w, t, c)

    def _from_tokens(self, tokens: Tensor, shape: torch.Size) -> Tensor:
        b, t, h, w, c = shape
        return tokens.reshape(b, h, w, t, c).permute(0, 3, 1, 2, 4)


class MidBlock(nn.Module):
    """ResBlock -> spatial attention -> causal temporal attention -> ResBlock (attention optional)."""

    def __init__(self, channels: int, attention: bool = True, heads: int = 1, norm_groups: int = 1):
        super().__init__()
        layers: list[nn.Module] = [ResBlock(channels, channels, norm_groups)]
        if attention:
            layers += [
                SpatialAttention(channels, heads, norm_groups),
                CausalTemporalAttention(channels, heads, norm_groups),
            ]
        layers.append(ResBlock(channels, channels, norm_groups))
        self.layers = nn.Sequential(*layers)

    def forward(self, x: Tensor) -> Tensor:
        return self.layers(x)
