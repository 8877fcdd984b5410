"""A Cosmos-style causal video tokenizer: a Haar wavelet front end, a causal conv/attention encoder
and decoder, and a continuous (CV: plain autoencoder latent) or discrete (DV: FSQ codes) bottleneck.

Frame counts are 1 + k * temporal_compression (k >= 0, so an image is a 1-frame video) and encode
to 1 + k latent frames; the first latent frame depends on the first video frame alone.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from torch import Tensor, nn

from cosmos_flow.config import SAVED_CONFIG_HINT, from_dict
from cosmos_flow.tokenizer.blocks import (
    FactorizedCausalConv,
    FrameGroupNorm,
    MidBlock,
    ResBlock,
    SpatialDownsample,
    SpatialUpsample,
    TemporalDownsample,
    TemporalUpsample,
)
from cosmos_flow.tokenizer.fsq import FSQ
from cosmos_flow.tokenizer.wavelet import haar_patch, haar_unpatch

KINDS = ("cv", "dv")
VIDEO_CHANNELS = 3


def _is_power_of_two(value: int) -> bool:
    return value >= 1 and value & (value - 1) == 0


@dataclass
class TokenizerConfig:
    """Everything that defines a tokenizer's architecture (JSON-safe through `to_dict`)."""

    kind: str
    temporal_compression: int
    spatial_compression: int
    base_channels: int
    channel_multipliers: list[int]
    num_res_blocks: int
    latent_channels: int = 16
    fsq_levels: list[int] = field(default_factory=lambda: [8, 8, 8, 5, 5, 5])
    attention: bool = True
    attention_heads: int = 1
    wavelet_levels: int = 2
    name: str = ""
    norm_groups: int = 1

    def __post_init__(self) -> None:
        self.channel_multipliers = [int(m) for m in self.channel_multipliers]
        self.fsq_levels = [int(level) for level in self.fsq_levels]
        if self.kind not in KINDS:
            raise ValueError(f"tokenizer kind must be 'cv' (continuous) or 'dv' (discrete) (got {self.kind!r})")
        if self.wavelet_levels < 1:
            raise ValueError(
                f"wavelet_levels must be at least 1 (got {self.wavelet_levels}): the Cosmos front end uses 2"
            )
        wavelet_factor = 2**self.wavelet_levels
        for axis, value in (("temporal", self.temporal_compression), ("spatial", self.spatial_compression)):
            if not _is_power_of_two(value) or value < wavelet_factor:
                raise ValueError(
                    f"{axis}_compression must be a power of two of at least {wavelet_factor} (the wavelet's factor) "
                    f"(got {value}): use e.g. 4, 8 or 16"
                )
        if (
            self.base_channels < 1
            or self.num_res_blocks < 1
            or self.latent_channels < 1
            or self.attention_heads < 1
            or self.norm_groups < 1
        ):
            raise ValueError(
                "base_channels, num_res_blocks, latent_channels, attention_heads and norm_groups must all be positive "
                "integers"
            )
        if not self.channel_multipliers or min(self.channel_multipliers) < 1:
            raise ValueError(
                f"channel_multipliers must be a non-empty list of positive integers (got {self.channel_multipliers})"
            )
        if len(self.channel_multipliers) < self.downsampling_levels:
            raise ValueError(
                f"{self.temporal_compression}x{self.spatial_compression}x{self.spatial_compression} compression needs "
                f"{self.downsampling_levels} "
                f"downsampling levels after the wavelet but channel_multipliers has {len(self.channel_multipliers)} "
                "entries: add entries"
            )
        if self.kind == "dv" and (not self.fsq_levels or min(self.fsq_levels) < 2):
            raise ValueError(
                f"fsq_levels must be a non-empty list of integers of at least 2 (got {self.fsq_levels}): "
                "e.g. [8, 8, 8, 5, 5, 5]"
            )
        widths = [self.base_channels] + [self.base_channels * m for m in self.channel_multipliers]
        if any(width % self.norm_groups for width in widths):
            raise ValueError(
                f"norm_groups ({self.norm_groups}) must divide every channel width {sorted(set(widths))}: pick a "
                "divisor such as 1"
            )
        if self.attention and widths[-1] % self.attention_heads:
            raise ValueError(
                f"attention_heads ({self.attention_heads}) must divide the mid-block width {widths[-1]}: pick a divisor"
            )

    @property
    def latent_dim(self) -> int:
        return self.latent_channels if self.kind == "cv" else len(self.fsq_levels)

    @property
    def extra_temporal_downsamplings(self) -> int:
        """2x temporal downsamplings after the wavelet."""
        return int(math.log2(self.temporal_compression)) - self.wavelet_levels

    @property
    def extra_spatial_downsamplings(self) -> int:
        """2x spatial downsamplings after the wavelet."""
        return int(math.log2(self.spatial_compression)) - self.wavelet_levels

    @property
    def downsampling_levels(self) -> int:
        return max(self.extra_temporal_downsamplings, self.extra_spatial_downsamplings)

    def level_resampling(self, level: int) -> tuple[bool, bool]:
        """(spatial, temporal): whether encoder level `level` downsamples (and its decoder mirror upsamples) 2x."""
        return level < self.extra_spatial_downsamplings, level < self.extra_temporal_downsamplings

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> TokenizerConfig:
        return from_dict(cls, d, "tokenizer config", SAVED_CONFIG_HINT)


class Encoder(nn.Module):
    """video [B, 3, T, H, W] -> pre-quantization latent [B, out_channels, t, h, w]."""

    def __init__(self, config: TokenizerConfig, out_channels: int):
        super().__init__()
        self.wavelet_levels = config.wavelet_levels
        width = config.base_channels
        self.conv_in = FactorizedCausalConv(VIDEO_CHANNELS * 8**config.wavelet_levels, width)
        levels: list[nn.Module] = []
        for index, multiplier in enumerate(config.channel_multipliers):
            layers: list[nn.Module] = []
            for _ in range(config.num_res_blocks):
                layers.append(ResBlock(width, config.base_channels * multiplier, config.norm_groups))
                width = config.base_channels * multiplier
            spatial, temporal = config.level_resampling(index)
            if spatial:
                layers.append(SpatialDownsample(width))
            if temporal:
                layers.append(TemporalDownsample(width))
            levels.append(nn.Sequential(*layers))
        self.levels = nn.Sequential(*levels)
        self.mid = MidBlock(width, config.attention, config.attention_heads, config.norm_groups)
        self.head = nn.Sequential(
            FrameGroupNorm(width, config.norm_groups), nn.SiLU(), FactorizedCausalConv(width, out_channels)
        )

    def forward(self, video: Tensor) -> Tensor:
        x = self.conv_in(haar_patch(video, self.wavelet_levels))
        return self.head(self.mid(self.levels(x)))


class Decoder(nn.Module):
    """latent [B, in_channels, t, h, w] -> video [B, 3, T, H, W]; mirrors the encoder."""

    def __init__(self, config: TokenizerConfig, in_channels: int):
        super().__init__()
        self.wavelet_levels = config.wavelet_levels
        width = config.base_channels * config.channel_multipliers[-1]
        self.conv_in = FactorizedCausalConv(in_channels, width)
        self.mid = MidBlock(width, config.attention, config.attention_heads, config.norm_groups)
        levels: list[nn.Module] = []
        for index in reversed(range(len(config.channel_multipliers))):
            layers: list[nn.Module] = []
            spatial, temporal = config.level_resampling(index)
            if temporal:
                layers.append(TemporalUpsample(width))
            if spatial:
                layers.append(SpatialUpsample(width))
            for _ in range(config.num_res_blocks):
                layers.append(
                    ResBlock(width, config.base_channels * config.channel_multipliers[index], config.norm_groups)
                )
                width = config.base_channels * config.channel_multipliers[index]
            levels.append(nn.Sequential(*layers))
        self.levels = nn.Sequential(*levels)
        out_channels = VIDEO_CHANNELS * 8**config.wavelet_levels
        self.head = nn.Sequential(
            FrameGroupNorm(width, config.norm_groups), nn.SiLU(), FactorizedCausalConv(width, out_channels)
        )

    def forward(self, latent: Tensor) -> Tensor:
        x = self.levels(self.mid(self.conv_in(latent)))
        return haar_unpatch(self.head(x), self.wavelet_levels)


def _nearest_valid(value: int, step: int, offset: int) -> list[int]:
    """The valid sizes offset + k*step just below and above `value` (one if it is below the first)."""
    below = offset + max(0, (value - offset) // step) * step
    return [below] if value < offset else [below, below + step]


class CausalVideoTokenizer(nn.Module):
    """Encodes [B, 3, T, H, W] videos in [-1, 1] into [B, latent_dim, t, h, w] latents and back."""

    def __init__(self, config: TokenizerConfig):
        super().__init__()
        self.config = config
        self.encoder = Encoder(config, config.latent_dim)
        self.decoder = Decoder(config, config.latent_dim)
        self.quantizer = FSQ(config.fsq_levels) if config.kind == "dv" else None

    def check_input(self, frames: int, height: int, width: int) -> None:
        """Raise ValueError with the nearest valid sizes if the tokenizer cannot take this clip size."""
        tc, sc = self.config.temporal_compression, self.config.spatial_compression
        if frames < 1 or (frames - 1) % tc:
            options = " or ".join(str(v) for v in _nearest_valid(frames, tc, 1))
            raise ValueError(f"the tokenizer takes 1+{tc}k frames (got {frames}): pad or trim to {options}")
        for axis, size in (("height", height), ("width", width)):
            if size < sc or size % sc:
                options = " or ".join(str(v) for v in _nearest_valid(size, sc, sc))
                raise ValueError(
                    f"the tokenizer takes a {axis} that is a multiple of {sc} (got {size}): pad or crop to {options}"
                )

    def latent_shape(self, frames: int, height: int, width: int) -> tuple[int, int, int, int]:
        """(C, t, h, w) of the latent of a frames x height x width clip."""
        self.check_input(frames, height, width)
        tc, sc = self.config.temporal_compression, self.config.spatial_compression
        return self.config.latent_dim, 1 + (frames - 1) // tc, height // sc, width // sc

    def _check_video(self, video: Tensor) -> None:
        if video.dim() != 5 or video.shape[1] != VIDEO_CHANNELS:
            raise ValueError(
                f"the tokenizer takes [batch, 3, frames, height, width] videos (got shape {tuple(video.shape)}): add a "
                "batch axis or put channels first"
            )
        self.check_input(*video.shape[2:])

    def _check_discrete(self) -> FSQ:
        if self.quantizer is None:
            raise ValueError(
                f"{self.config.name or 'this tokenizer'} is continuous (cv) and has no token indices: use "
                "encode/decode, or a dv tokenizer"
            )
        return self.quantizer

    def encode(self, video: Tensor) -> Tensor:
        """video [B, 3, T, H, W] in [-1, 1] -> latent [B, latent_dim, t, h, w] (DV: FSQ codes in [-1, 1])."""
        return self._encode(video)[0]

    def _encode(self, video: Tensor) -> tuple[Tensor, Tensor | None, Tensor]:
        """(latent, indices or None, the encoder's output before quantization: the latent itself for CV)."""
        self._check_video(video)
        z = self.encoder(video)
        if self.quantizer is None:
            return z, None, z
        latent, indices = self.quantizer(z)
        return latent, indices, z

    def decode(self, latent: Tensor) -> Tensor:
        """latent [B, latent_dim, t, h, w] -> video [B, 3, T, H, W] (not clamped)."""
        if latent.dim() != 5 or latent.shape[1] != self.config.latent_dim:
            raise ValueError(
                f"the decoder takes [batch, {self.config.latent_dim}, t, h, w] latents (got shape "
                f"{tuple(latent.shape)}): pass what encode returned"
            )
        return self.decoder(latent)

    def encode_indices(self, video: Tensor) -> Tensor:
        """video -> int64 token indices [B, t, h, w] (DV only)."""
        self._check_discrete()
        return self._encode(video)[1]

    def decode_indices(self, indices: Tensor) -> Tensor:
        """int64 token indices [B, t, h, w] -> video (DV only)."""
        quantizer = self._check_discrete()
        if indices.dim() != 4:
            raise ValueError(
                f"decode_indices takes [batch, t, h, w] indices (got shape {tuple(indices.shape)}): pass what "
                "encode_indices returned"
            )
        codes = quantizer.indices_to_codes(indices).to(next(self.parameters()).dtype)
        return self.decode(codes)

    def forward(self, video: Tensor) -> tuple[Tensor, dict[str, Tensor]]:
        """video -> (reconstruction, {"latent": ...}, and for DV also "indices" and "pre_quantization", the encoder's
        output)."""
        latent, indices, z = self._encode(video)
        aux = {"latent": latent} if indices is None else {"latent": latent, "indices": indices, "pre_quantization": z}
        return self.decode(latent), aux
