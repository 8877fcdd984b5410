"""Finite scalar quantization (FSQ, Mentzer et al. 2023): a codebook without codebook parameters.

Each of the D latent channels is squashed into a bounded range and rounded to one of L_i integer
levels; the code is the tuple of levels, its index a mixed-radix number (codebook size = prod L_i).
Rounding passes gradients straight through, so no codebook or commitment loss is needed.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

_SHRINK = 1e-3  # keeps tanh's range strictly inside the outermost levels, so rounding never overshoots


class FSQ(nn.Module):
    """Quantizes [B, D, ...] latents to codes in [-1, 1] and int64 indices [B, ...]."""

    def __init__(self, levels: list[int]):
        super().__init__()
        if not levels or any(int(level) < 2 for level in levels):
            raise ValueError(
                f"FSQ takes a non-empty list of levels, each at least 2 (got {levels}): e.g. [8, 8, 8, 5, 5, 5]"
            )
        self.levels = [int(level) for level in levels]
        level_tensor = torch.tensor(self.levels, dtype=torch.int64)
        # Derived constants, rebuilt from `levels`: not part of the state_dict.
        self.register_buffer("_levels", level_tensor, persistent=False)
        self.register_buffer("_half_width", level_tensor // 2, persistent=False)
        self.register_buffer(
            "_basis",
            torch.cumprod(torch.cat([torch.ones(1, dtype=torch.int64), level_tensor[:-1]]), 0),
            persistent=False,
        )

    @property
    def dim(self) -> int:
        return len(self.levels)

    @property
    def codebook_size(self) -> int:
        return math.prod(self.levels)

    def _check_channels(self, x: Tensor) -> None:
        if x.dim() < 2 or x.shape[1] != self.dim:
            raise ValueError(
                f"FSQ with {self.dim} levels takes [batch, {self.dim}, ...] tensors (got shape {tuple(x.shape)}): "
                "match the latent channels to the levels"
            )

    def _bound(self, z: Tensor) -> Tensor:
        """Squash channels-last `z` into (-L/2, L/2 - 1) for even L and (-(L-1)/2, (L-1)/2) for odd L.

        An even L has no set of integer levels symmetric around 0, so its range is offset by half a
        level (the levels become -L/2 .. L/2 - 1); the input shift keeps z = 0 mapped to 0.
        """
        levels = self._levels.to(z.dtype)
        half_range = (levels - 1) * (1 - _SHRINK) / 2
        offset = torch.where(self._levels % 2 == 0, 0.5, 0.0).to(z.dtype)
        shift = torch.atanh(offset / half_range)
        return torch.tanh(z + shift) * half_range - offset

    def forward(self, z: Tensor) -> tuple[Tensor, Tensor]:
        """z [B, D, ...] -> (codes [B, D, ...] in [-1, 1], indices int64 [B, ...])."""
        self._check_channels(z)
        # Quantize in at least float32, so the chosen levels do not depend on autocast precision.
        bounded = self._bound(z.to(torch.promote_types(z.dtype, torch.float32)).movedim(1, -1))
        nearest = torch.round(bounded)
        # Straight-through: the forward value is exactly `nearest` (x - x == 0), the gradient is identity.
        rounded = nearest + (bounded - bounded.detach())
        codes = (rounded / self._half_width.to(rounded.dtype)).to(z.dtype)
        return codes.movedim(-1, 1), self._digits_to_indices(nearest.long() + self._half_width)

    def spread_loss(self, z: Tensor, temperature: float = 0.25) -> Tensor:
        """A training term that spreads a batch's codes over the codebook: 0 when every position gets
        the same soft assignment (one code for everything), -1 when each sits at a level and the
        batch uses every level equally. Lower is better.

        Per latent dimension, each position's bounded value is softly assigned to that dimension's
        levels (softmax of minus the squared distance / temperature, in level units); the term is
        the mean entropy of those assignments (low: each value sits at a level) minus the entropy of
        their batch average (high: the batch uses every level alike; never below the former), over
        log L, averaged over the dimensions. It is the entropy penalty of lookup-free quantization (MAGVIT-v2) taken per
        dimension, so its cost stays linear in the number of levels, not in the codebook size.
        """
        self._check_channels(z)
        bounded = self._bound(z.float().movedim(1, -1)).reshape(-1, self.dim)
        total = bounded.new_zeros(())
        for dim, levels in enumerate(self.levels):
            centers = torch.arange(levels, device=z.device, dtype=bounded.dtype) - levels // 2
            log_p = torch.log_softmax(-((bounded[:, dim : dim + 1] - centers) ** 2) / temperature, dim=-1)
            p = log_p.exp()
            per_position = -(p * log_p).sum(-1).mean()
            average = p.mean(0)
            batch = -(average * average.clamp_min(1e-12).log()).sum()
            total = total + (per_position - batch) / math.log(levels)
        return total / self.dim

    def _digits_to_indices(self, digits: Tensor) -> Tensor:
        """Channels-last digits in [0, L_i) -> mixed-radix indices."""
        return (digits * self._basis).sum(dim=-1)

    def codes_to_indices(self, codes: Tensor) -> Tensor:
        """Codes [B, D, ...] (as `forward` returns them) -> int64 indices [B, ...]."""
        self._check_channels(codes)
        scaled = codes.movedim(1, -1) * self._half_width.to(codes.dtype)
        return self._digits_to_indices(torch.round(scaled).long() + self._half_width)

    def indices_to_codes(self, indices: Tensor) -> Tensor:
        """Indices [B, ...] -> codes [B, D, ...] in [-1, 1] (float32)."""
        if indices.dtype.is_floating_point or indices.dtype.is_complex:
            raise ValueError(
                f"FSQ indices must be an integer tensor (got {indices.dtype}): pass what encode_indices returned"
            )
        if indices.numel() and (int(indices.min()) < 0 or int(indices.max()) >= self.codebook_size):
            raise ValueError(
                f"FSQ indices must lie in [0, {self.codebook_size}) (got {int(indices.min())}..{int(indices.max())}): "
                "they come from another codebook"
            )
        digits = (indices.long().unsqueeze(-1) // self._basis) % self._levels
        codes = (digits - self._half_width).float() / self._half_width.float()
        return codes.movedim(-1, 1)
