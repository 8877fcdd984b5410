"""The world model in latent space: the DiT wrapped in EDM preconditioning, per-channel latent normalization,
and Video2World frame conditioning.

Latents from the tokenizer are normalized per channel (training-set mean and std, scaled to σ_data) before any
noise is added; `denormalize` brings samples back for the tokenizer's decoder. Under Video2World the leading
condition latent frames are the clean latents plus light noise (σ_cond), preconditioned at their own noise
level, marked by an extra input channel, and copied unchanged into the output.

Anchored Video2World (`held_frame_anchor`) predicts the future relative to the held frame: the latents `h` of the
condition frames with the last one held still (copy-last-frame, encoded; `FrameCondition.held`). The network reads
`h` as extra input channels, and EDM's preconditioning is applied to the difference x − h:
    D(x) = h + c_skip·(x − h) + c_out·F(c_in·(x − h), mask, h),
so a network that outputs nothing predicts the held frame, and what it learns is how the scene moves away from it
(as residual video diffusion does around a deterministic prediction). The held frame's leading latent frames are the
condition latents themselves (the tokenizer is causal), so the condition is unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

from cosmos_flow.diffusion.dit import DiT, DiTConfig, expand_input_channels
from cosmos_flow.diffusion.edm import EDMConfig, edm_preconditioning


@dataclass
class FrameCondition:
    """Video2World conditioning of one batch: which latent frames are given, their clean values, their noise."""

    mask: Tensor  # [B, 1, T, 1, 1], 1 on condition latent frames
    latents: Tensor  # [B, C, T, H, W] normalized clean latents (only the masked frames are read)
    sigma: Tensor  # [B] noise augmentation level of the condition frames
    noise: Tensor  # [B, C, T, H, W] unit noise (the denoiser scales it by sigma)
    held: Tensor | None = None  # [B, C, T, H, W] normalized held-frame latents (anchored Video2World only)

    def repeated(self, times: int) -> FrameCondition:
        """This condition for a batch repeated `times` times (e.g. [text; null text] in one forward)."""
        parts = {name: None if value is None else torch.cat([value] * times) for name, value in vars(self).items()}
        return FrameCondition(**parts)

    @classmethod
    def leading_frames(
        cls, latents: Tensor, counts: Tensor, sigma: Tensor, noise: Tensor, held: Tensor | None = None
    ) -> FrameCondition:
        """Condition each sample on its first `counts[b]` latent frames (and, anchored, on its held frame)."""
        frames = torch.arange(latents.shape[2], device=latents.device)
        mask = (frames[None, :] < counts.to(latents.device)[:, None]).to(latents.dtype)
        return cls(mask=mask[:, None, :, None, None], latents=latents, sigma=sigma, noise=noise, held=held)


def latent_statistics(latents: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and standard deviation of latents [N, C, T, H, W] (std floored so no channel divides by ~0)."""
    channels = latents.transpose(0, 1).reshape(latents.shape[1], -1).double()
    return channels.mean(dim=1).float(), channels.std(dim=1).clamp_min(1e-4).float()


class DiffusionDenoiser(nn.Module):
    """D(x, σ | text, condition): the EDM denoiser over normalized latents."""

    def __init__(
        self, dit: DiTConfig, edm: EDMConfig, latent_mean: Tensor | None = None, latent_std: Tensor | None = None
    ):
        super().__init__()
        self.edm = edm
        self.net = DiT(dit)
        channels = dit.latent_channels
        self.register_buffer(
            "latent_mean", torch.zeros(channels) if latent_mean is None else latent_mean.detach().float().clone()
        )
        self.register_buffer(
            "latent_std", torch.ones(channels) if latent_std is None else latent_std.detach().float().clone()
        )

    @property
    def config(self) -> DiTConfig:
        return self.net.config

    def null_context(self, batch: int, length: int) -> tuple[Tensor, Tensor]:
        """The "no caption" text input (classifier-free guidance samples against it)."""
        return self.net.null_context(batch, length)

    def drop_text(self, context: Tensor, context_mask: Tensor, dropped: Tensor) -> tuple[Tensor, Tensor]:
        """The captions of the samples where `dropped` [B] is true replaced by the null text (CFG training)."""
        return self.net.drop_text(context, context_mask, dropped)

    def set_latent_statistics(self, mean: Tensor, std: Tensor) -> None:
        self.latent_mean.copy_(mean)
        self.latent_std.copy_(std)

    def normalize(self, latents: Tensor) -> Tensor:
        return (
            (latents - self.latent_mean[:, None, None, None])
            / self.latent_std[:, None, None, None]
            * self.edm.sigma_data
        )

    def denormalize(self, x: Tensor) -> Tensor:
        return x / self.edm.sigma_data * self.latent_std[:, None, None, None] + self.latent_mean[:, None, None, None]

    def forward(
        self, x: Tensor, sigma: Tensor, context: Tensor, context_mask: Tensor, condition: FrameCondition | None = None
    ) -> Tensor:
        """The denoised estimate of x [B, C, T, H, W] at noise level sigma [B] (the level of the generated frames)."""
        if self.config.condition_mask != (condition is not None):
            needed = (
                "needs a FrameCondition (a Video2World model)"
                if self.config.condition_mask
                else "takes no FrameCondition (a Text2World model)"
            )
            raise ValueError(f"this denoiser {needed}")
        if self.config.held_frame_anchor and (condition is None or condition.held is None):
            raise ValueError(
                "this Video2World model predicts relative to the held frame: its FrameCondition needs `held` latents"
            )
        sigma_map = sigma.to(x.dtype)[:, None, None, None, None]
        anchor = torch.zeros_like(x)
        if condition is not None:
            mask = condition.mask.to(x.dtype)
            condition_sigma = condition.sigma.to(x.dtype)[:, None, None, None, None]
            x = mask * (condition.latents + condition_sigma * condition.noise) + (1 - mask) * x
            sigma_map = mask * condition_sigma + (1 - mask) * sigma_map
            if self.config.held_frame_anchor:
                anchor = condition.held.to(x.dtype)
        coefficients = edm_preconditioning(sigma_map, self.edm.sigma_data)
        net_input = coefficients.c_in * (x - anchor)
        if condition is not None:
            net_input = torch.cat([net_input, condition.mask.to(x.dtype).expand(-1, 1, -1, *x.shape[3:])], dim=1)
            if self.config.held_frame_anchor:
                net_input = torch.cat([net_input, anchor], dim=1)
        c_noise = edm_preconditioning(sigma.float(), self.edm.sigma_data).c_noise
        output = self.net(net_input, c_noise, context, context_mask).to(x.dtype)
        denoised = anchor + coefficients.c_skip * (x - anchor) + coefficients.c_out * output
        if condition is not None:
            denoised = mask * condition.latents + (1 - mask) * denoised
        return denoised


def video2world_from(text2world: DiffusionDenoiser, held_frame_anchor: bool = False) -> DiffusionDenoiser:
    """A Video2World denoiser initialized from a Text2World one: same weights, same latent statistics, and a mask
    input channel (and, anchored, the held-frame channels) whose weights start at zero (the new inputs have no effect
    until training gives them one)."""
    if text2world.config.condition_mask:
        raise ValueError("this denoiser is already a Video2World model; start from a Text2World one")
    config = text2world.config.with_condition_mask(held_frame_anchor)
    video2world = DiffusionDenoiser(config, text2world.edm)
    state = {
        f"net.{name}": tensor for name, tensor in expand_input_channels(text2world.net.state_dict(), config).items()
    }
    video2world.load_state_dict({**state, "latent_mean": text2world.latent_mean, "latent_std": text2world.latent_std})
    return video2world
