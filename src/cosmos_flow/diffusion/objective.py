"""The EDM training objective, for Text2World and Video2World: one function per term, small enough to test on one batch.

Video2World differs in two places only: the leading condition latent frames are given (clean plus light noise,
σ_cond ~ lognormal), and the loss averages over the generated frames alone.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, FrameCondition
from cosmos_flow.diffusion.edm import edm_loss_weight, sample_training_sigmas


def standard_normal_like(like: Tensor, generator: torch.Generator | None) -> Tensor:
    """N(0, 1) noise shaped like `like`; drawn on the CPU when a (CPU) generator fixes it, so seeds agree across
    devices."""
    if generator is None:
        return torch.randn_like(like)
    return torch.randn(like.shape, generator=generator).to(like.device, like.dtype)


@dataclass(frozen=True)
class ConditionSampling:
    """How Video2World training picks its condition: how many leading latent frames, and their noise level."""

    latent_frames: tuple[int, ...] = (1, 2)  # 1 latent frame = 1 video frame; 2 = 9 frames at 8× temporal compression
    sigma_p_mean: float = -3.0
    sigma_p_std: float = 2.0

    def sample(
        self, latents: Tensor, generator: torch.Generator | None = None, held: Tensor | None = None
    ) -> FrameCondition:
        """A random condition per sample; `held` [B, A, C, T, H, W] holds each clip's held frame for every entry of
        `latent_frames` (in that order), and the one matching the drawn count goes with it (anchored models)."""
        batch, frames = latents.shape[0], latents.shape[2]
        if max(self.latent_frames) >= frames:
            raise ValueError(
                f"condition latent frames {self.latent_frames} leave nothing to generate in clips of {frames} latent "
                "frames; use longer clips"
            )
        if held is not None and held.shape[1] != len(self.latent_frames):
            raise ValueError(
                f"held frames come for {held.shape[1]} condition lengths, but training draws from "
                f"{len(self.latent_frames)}: {self.latent_frames}"
            )
        choices = torch.tensor(self.latent_frames)
        drawn = torch.randint(len(choices), (batch,), generator=generator)
        sigma = sample_training_sigmas(batch, self.sigma_p_mean, self.sigma_p_std, generator).to(latents.device)
        chosen_held = None if held is None else held[torch.arange(batch), drawn.to(held.device)]
        return FrameCondition.leading_frames(
            latents, choices[drawn], sigma, standard_normal_like(latents, generator), chosen_held
        )


@dataclass
class LossTerms:
    loss: Tensor  # [B] weighted denoising loss per sample
    sigma: Tensor  # [B] the noise level each sample was trained at


def masked_denoising_error(denoised: Tensor, target: Tensor, weight_mask: Tensor | None) -> Tensor:
    """Mean squared error per sample [B] over the elements where weight_mask (broadcast to the latents) is 1."""
    squared = (denoised.float() - target.float()) ** 2
    if weight_mask is None:
        return squared.flatten(1).mean(dim=1)
    weights = weight_mask.float().expand_as(squared)
    return (squared * weights).flatten(1).sum(dim=1) / weights.flatten(1).sum(dim=1).clamp_min(1.0)


def loss_mask(condition: FrameCondition | None) -> Tensor | None:
    """1 on the latent frames the model generates, 0 on condition frames (None: every frame counts)."""
    return None if condition is None else 1 - condition.mask


def denoising_loss(
    denoiser: DiffusionDenoiser,
    latents: Tensor,
    context: Tensor,
    context_mask: Tensor,
    sigma: Tensor,
    noise: Tensor,
    condition: FrameCondition | None = None,
) -> LossTerms:
    """EDM loss λ(σ)·|D(z + σn) − z|² per sample, z the normalized latents; only generated frames count."""
    noisy = latents + sigma.to(latents.dtype)[:, None, None, None, None] * noise
    denoised = denoiser(noisy, sigma, context, context_mask, condition)
    error = masked_denoising_error(denoised, latents, loss_mask(condition))
    return LossTerms(loss=edm_loss_weight(sigma.float(), denoiser.edm.sigma_data) * error, sigma=sigma)


def training_loss(
    denoiser: DiffusionDenoiser,
    latents: Tensor,
    context: Tensor,
    context_mask: Tensor,
    caption_dropout: float,
    condition_sampling: ConditionSampling | None,
    generator: torch.Generator | None = None,
    held: Tensor | None = None,
) -> LossTerms:
    """One training draw: σ ~ lognormal(P_mean, P_std), fresh noise, captions dropped with probability `caption_dropout`
    (for classifier-free guidance), and under Video2World a random condition (anchored: with its held frame, from
    `held` [B, A, C, T, H, W] normalized, `ConditionSampling.sample`)."""
    batch = latents.shape[0]
    sigma = sample_training_sigmas(batch, denoiser.edm.p_mean, denoiser.edm.p_std, generator).to(latents.device)
    noise = standard_normal_like(latents, generator)
    dropped = torch.rand(batch, generator=generator) < caption_dropout
    context, context_mask = denoiser.drop_text(context, context_mask, dropped.to(latents.device))
    condition = condition_sampling.sample(latents, generator, held) if condition_sampling is not None else None
    return denoising_loss(denoiser, latents, context, context_mask, sigma, noise, condition)


@torch.no_grad()
def loss_at_sigmas(
    denoiser: DiffusionDenoiser,
    latents: Tensor,
    context: Tensor,
    context_mask: Tensor,
    sigmas: list[float],
    condition_latent_frames: int = 0,
    seed: int = 0,
    held: Tensor | None = None,
) -> list[float]:
    """The mean denoising loss at each fixed σ, with seeded noise: a validation curve comparable across runs.

    Video2World models are evaluated conditioned on `condition_latent_frames` leading frames (noise-free); anchored
    ones with `held` [B, C, T, H, W] normalized, the held frame for that many condition latent frames.
    """
    generator = torch.Generator().manual_seed(seed)
    batch = latents.shape[0]
    condition = None
    if condition_latent_frames > 0:
        counts = torch.full((batch,), condition_latent_frames)
        condition = FrameCondition.leading_frames(
            latents, counts, torch.full((batch,), 1e-3, device=latents.device), torch.zeros_like(latents), held
        )
    losses = []
    for value in sigmas:
        noise = standard_normal_like(latents, generator)
        sigma = torch.full((batch,), value, device=latents.device)
        losses.append(
            float(denoising_loss(denoiser, latents, context, context_mask, sigma, noise, condition).loss.mean())
        )
    return losses
