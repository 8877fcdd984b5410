"""EDM (Karras et al. 2022) as Cosmos uses it: preconditioning, training noise levels, loss weight, sampling schedule.

The network F never sees raw noisy latents: the denoiser is D(x, σ) = c_skip(σ)·x + c_out(σ)·F(c_in(σ)·x, c_noise(σ)),
with coefficients chosen so that F's input and target both have unit variance at every σ when the data has
standard deviation σ_data. Everything here is elementwise, so σ may be one value per sample or a per-frame map.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import Tensor


@dataclass(frozen=True)
class EDMConfig:
    """Noise and schedule settings. P_mean/P_std: EDM's defaults (Cosmos trains with ln σ ~ N(0, 1))."""

    sigma_data: float = 0.5
    p_mean: float = -1.2
    p_std: float = 1.2
    sigma_min: float = 0.002
    sigma_max: float = 80.0
    rho: float = 7.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Preconditioning:
    c_skip: Tensor
    c_out: Tensor
    c_in: Tensor
    c_noise: Tensor


def edm_preconditioning(sigma: Tensor, sigma_data: float) -> Preconditioning:
    """The EDM coefficients at noise level σ (any shape): σ → 0 gives D = x; σ → ∞ gives D = σ_data·F."""
    variance = sigma**2 + sigma_data**2
    return Preconditioning(
        c_skip=sigma_data**2 / variance,
        c_out=sigma * sigma_data / variance.sqrt(),
        c_in=variance.rsqrt(),
        c_noise=sigma.log() / 4,
    )


def edm_loss_weight(sigma: Tensor, sigma_data: float) -> Tensor:
    """λ(σ) = (σ² + σ_d²) / (σ·σ_d)²: makes the weighted denoising loss equal F's unit-variance regression loss."""
    return (sigma**2 + sigma_data**2) / (sigma * sigma_data) ** 2


def sample_training_sigmas(
    batch: int,
    p_mean: float,
    p_std: float,
    generator: torch.Generator | None = None,
    device: torch.device | str = "cpu",
) -> Tensor:
    """ln σ ~ N(p_mean, p_std²), one σ per sample."""
    return (torch.randn(batch, generator=generator, device=device) * p_std + p_mean).exp()


def karras_sigmas(steps: int, sigma_min: float, sigma_max: float, rho: float = 7.0) -> Tensor:
    """The EDM sampling schedule: `steps` noise levels from σ_max down to σ_min, spaced uniformly in σ^(1/ρ), then 0."""
    if steps < 1:
        raise ValueError(f"the number of sampling steps must be at least 1, got {steps}")
    if steps == 1:
        return torch.tensor([sigma_max, 0.0])
    ramp = torch.linspace(0, 1, steps, dtype=torch.float64)
    inverse_min, inverse_max = sigma_min ** (1 / rho), sigma_max ** (1 / rho)
    sigmas = (inverse_max + ramp * (inverse_min - inverse_max)) ** rho
    return torch.cat([sigmas, torch.zeros(1, dtype=torch.float64)]).float()


def sigma_bucket_edges(config: EDMConfig, buckets: int) -> list[float]:
    """Edges of `buckets` log-spaced σ ranges covering the training distribution (±2.5 P_std around P_mean)."""
    low, high = config.p_mean - 2.5 * config.p_std, config.p_mean + 2.5 * config.p_std
    return [math.exp(low + (high - low) * index / buckets) for index in range(buckets + 1)]


def bucket_names(edges: list[float]) -> list[str]:
    """Readable metric names, one per bucket, e.g. `sigma_0.05-0.27`; the first and last buckets are open-ended."""
    names = []
    for index in range(len(edges) - 1):
        low = "0" if index == 0 else f"{edges[index]:.3g}"
        high = "inf" if index == len(edges) - 2 else f"{edges[index + 1]:.3g}"
        names.append(f"sigma_{low}-{high}")
    return names


def bucket_index(sigma: Tensor, edges: list[float]) -> Tensor:
    """The bucket of each σ; σ outside the edges falls into the first or last bucket."""
    inner = torch.tensor(edges[1:-1], dtype=sigma.dtype, device=sigma.device)
    return torch.bucketize(sigma, inner)
