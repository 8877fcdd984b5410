"""Samplers: Heun beats Euler on a known ODE, seeds fix samples, guidance 0 is the conditional model, and
Video2World sampling leaves the condition frames as they were."""

import pytest
import torch

from cosmos_flow.diffusion.edm import karras_sigmas
from cosmos_flow.diffusion.samplers import SamplingParams, guided_denoiser, initial_noise, sample, sample_latents

SIGMA_DATA = 0.5


def _gaussian_denoiser(x, sigma):
    """The exact denoiser of data ~ N(0, σ_d² I)."""
    return x * SIGMA_DATA**2 / (sigma[:, None] ** 2 + SIGMA_DATA**2)


def test_heun_is_more_accurate_than_euler_on_the_gaussian_ode():
    noise = initial_noise((4, 16), seed=0)
    # Exact solution of dx/dσ = x·σ/(σ² + σ_d²) from x(σ_max) = σ_max·n: x(σ) = σ_max·n·√((σ² + σ_d²)/(σ_max² + σ_d²)).
    exact = noise * 80.0 * SIGMA_DATA / (80.0**2 + SIGMA_DATA**2) ** 0.5

    def error(steps: int, solver: str) -> float:
        return float((sample(_gaussian_denoiser, noise, karras_sigmas(steps, 0.002, 80.0), solver) - exact).abs().max())

    assert error(32, "heun") < error(32, "euler") / 4
    # Second order against first: four times the steps divide Heun's error by far more than Euler's.
    assert error(32, "heun") / error(128, "heun") > 10 > error(32, "euler") / error(128, "euler")
    with pytest.raises(ValueError, match="unknown solver"):
        sample(_gaussian_denoiser, noise, karras_sigmas(4, 0.002, 80.0), "rk4")


def test_samples_are_deterministic_under_a_seed(text2world, make_text):
    context, mask = make_text(2)
    params = SamplingParams(steps=4, guidance=1.5)
    first = sample_latents(text2world, context, mask, (4, 3, 4, 4), seed=7, params=params)
    assert torch.equal(first, sample_latents(text2world, context, mask, (4, 3, 4, 4), seed=7, params=params))
    assert not torch.allclose(first, sample_latents(text2world, context, mask, (4, 3, 4, 4), seed=8, params=params))
    assert torch.isfinite(first).all() and first.shape == (2, 4, 3, 4, 4)


def test_guidance_zero_is_the_conditional_model_and_guidance_follows_cosmos_formula(text2world, make_text):
    context, mask = make_text(2)
    x, sigma = torch.randn(2, 4, 3, 4, 4), torch.tensor([0.5, 5.0])
    conditional = text2world(x, sigma, context, mask)
    assert torch.equal(guided_denoiser(text2world, context, mask, 0.0)(x, sigma), conditional)
    null, null_mask = text2world.net.null_context(2, context.shape[1])
    unconditional = text2world(x, sigma, null, null_mask)
    assert not torch.allclose(conditional, unconditional)
    guided = guided_denoiser(text2world, context, mask, 3.0)(x, sigma)
    assert torch.allclose(guided, conditional + 3.0 * (conditional - unconditional), atol=1e-5)
    # And a whole sample at guidance 0 is the sample of the conditional denoiser.
    params = SamplingParams(steps=3, guidance=0.0, solver="euler")
    by_hand = text2world.denormalize(
        sample(
            lambda x, s: text2world(x, s, context, mask),
            initial_noise((2, 4, 3, 4, 4), 5),
            karras_sigmas(3, 0.002, 80.0),
            "euler",
        )
    )
    assert torch.equal(sample_latents(text2world, context, mask, (4, 3, 4, 4), 5, params), by_hand)


def test_video2world_sampling_leaves_the_condition_frames_unchanged(video2world, make_text):
    context, mask = make_text(2)
    condition = torch.randn(2, 4, 2, 4, 4) * 3 + 1
    params = SamplingParams(steps=3, guidance=2.0)
    latents = sample_latents(
        video2world, context, mask, (4, 3, 4, 4), seed=0, params=params, condition_latents=condition
    )
    assert torch.equal(latents[:, :, :2], condition)
    assert not torch.allclose(latents[:, :, 2], torch.zeros_like(latents[:, :, 2]))
    # The generated frame depends on what it is conditioned on.
    other = sample_latents(
        video2world, context, mask, (4, 3, 4, 4), seed=0, params=params, condition_latents=condition + 1
    )
    assert not torch.allclose(other[:, :, 2], latents[:, :, 2])
    with pytest.raises(ValueError, match="leave nothing to generate"):
        sample_latents(video2world, context, mask, (4, 2, 4, 4), 0, params, condition)


def test_bad_sampling_settings_are_refused():
    with pytest.raises(ValueError, match="at least 1"):
        SamplingParams(steps=0)
    with pytest.raises(ValueError, match="guidance"):
        SamplingParams(guidance=-1)
