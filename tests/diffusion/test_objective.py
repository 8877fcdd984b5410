"""The denoiser's Video2World conditioning and the training loss: condition frames are given, never scored."""

import pytest
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, FrameCondition, latent_statistics
from cosmos_flow.diffusion.edm import edm_loss_weight
from cosmos_flow.diffusion.objective import (
    ConditionSampling,
    denoising_loss,
    loss_mask,
    masked_denoising_error,
    training_loss,
)


def _condition(latents: torch.Tensor, counts: list[int]) -> FrameCondition:
    return FrameCondition.leading_frames(
        latents, torch.tensor(counts), torch.full((len(counts),), 0.01), torch.randn_like(latents)
    )


def test_normalization_uses_per_channel_statistics_scaled_to_sigma_data(text2world):
    latents = torch.randn(6, 4, 3, 4, 4) * torch.tensor([1.0, 2.0, 3.0, 4.0])[None, :, None, None, None] + 7
    mean, std = latent_statistics(latents)
    assert torch.allclose(mean, torch.full((4,), 7.0), atol=0.5) and torch.allclose(
        std, torch.tensor([1.0, 2.0, 3.0, 4.0]), rtol=0.2
    )
    text2world.set_latent_statistics(mean, std)
    normalized = text2world.normalize(latents)
    assert torch.allclose(normalized.transpose(0, 1).flatten(1).std(dim=1), torch.full((4,), 0.5), atol=1e-4)
    assert torch.allclose(text2world.denormalize(normalized), latents, atol=1e-5)


def test_condition_frames_come_out_as_given_whatever_the_noise(video2world, make_text):
    torch.manual_seed(0)
    latents = torch.randn(2, 4, 3, 4, 4) * 0.5
    condition = _condition(latents, [1, 2])
    context, mask = make_text(2)
    noisy = torch.randn_like(latents) * 80
    denoised = video2world(noisy, torch.tensor([80.0, 3.0]), context, mask, condition)
    assert torch.equal(denoised[0, :, :1], latents[0, :, :1]) and torch.equal(denoised[1, :, :2], latents[1, :, :2])
    assert not torch.allclose(denoised[0, :, 1:], latents[0, :, 1:])
    # The frames given are read from the condition, not from x: the noisy input's condition frames do not matter.
    other = noisy.clone()
    other[:, :, :1] = 0
    assert torch.allclose(video2world(other, torch.tensor([80.0, 3.0]), context, mask, condition), denoised)


def test_a_denoiser_refuses_the_wrong_kind_of_conditioning(text2world, video2world, make_text):
    latents = torch.randn(1, 4, 3, 4, 4)
    context, mask = make_text(1)
    with pytest.raises(ValueError, match="takes no FrameCondition"):
        text2world(latents, torch.ones(1), context, mask, _condition(latents, [1]))
    with pytest.raises(ValueError, match="needs a FrameCondition"):
        video2world(latents, torch.ones(1), context, mask)


def test_the_loss_mask_excludes_condition_frames():
    target = torch.randn(2, 4, 3, 4, 4)
    condition = _condition(target, [1, 2])
    weights = loss_mask(condition)
    assert weights[0, 0, :, 0, 0].tolist() == [0, 1, 1] and weights[1, 0, :, 0, 0].tolist() == [0, 0, 1]
    denoised = target + 0.1
    base = masked_denoising_error(denoised, target, weights)
    assert torch.allclose(base, torch.full((2,), 0.01))
    wrecked = denoised.clone()
    wrecked[0, :, 0] += 100  # a condition frame: not scored
    wrecked[1, :, :2] -= 100
    assert torch.allclose(masked_denoising_error(wrecked, target, weights), base)
    wrecked[0, :, 2] += 1  # a generated frame: scored
    assert masked_denoising_error(wrecked, target, weights)[0] > base[0]


def test_the_video2world_loss_scores_only_the_generated_frames(video2world, make_text):
    torch.manual_seed(0)
    latents = torch.randn(2, 4, 3, 4, 4) * 0.5
    condition = _condition(latents, [1, 2])
    context, mask = make_text(2)
    sigma, noise = torch.tensor([0.7, 2.0]), torch.randn_like(latents)
    terms = denoising_loss(video2world, latents, context, mask, sigma, noise, condition)
    denoised = video2world(latents + sigma[:, None, None, None, None] * noise, sigma, context, mask, condition)
    expected = torch.stack(
        [((denoised[b, :, k:] - latents[b, :, k:]) ** 2).mean() for b, k in enumerate([1, 2])]
    ) * edm_loss_weight(sigma, 0.5)
    assert torch.allclose(terms.loss, expected, rtol=1e-5)


def test_training_draws_are_seeded_and_the_condition_sampling_is_checked(video2world, make_text):
    latents = torch.randn(4, 4, 3, 4, 4) * 0.5
    context, mask = make_text(4)
    sampling = ConditionSampling(latent_frames=(1, 2))
    first = training_loss(video2world, latents, context, mask, 0.5, sampling, torch.Generator().manual_seed(3))
    again = training_loss(video2world, latents, context, mask, 0.5, sampling, torch.Generator().manual_seed(3))
    assert torch.equal(first.loss, again.loss) and torch.equal(first.sigma, again.sigma)
    counts = sampling.sample(latents, torch.Generator().manual_seed(0)).mask[:, 0, :, 0, 0].sum(dim=1)
    assert set(counts.tolist()) <= {1.0, 2.0}
    with pytest.raises(ValueError, match="leave nothing to generate"):
        ConditionSampling(latent_frames=(3,)).sample(latents)


def _anchored(make_config, make_random) -> DiffusionDenoiser:
    from cosmos_flow.diffusion.edm import EDMConfig

    torch.manual_seed(0)
    return make_random(
        DiffusionDenoiser(
            make_config(condition_mask=True, held_frame_anchor=True), EDMConfig(), torch.zeros(4), torch.ones(4)
        )
    ).eval()


def test_an_anchored_video2world_model_predicts_relative_to_the_held_frame(make_config, make_random, make_text):
    denoiser = _anchored(make_config, make_random)
    latents, held = torch.randn(2, 4, 3, 4, 4) * 0.5, torch.randn(2, 4, 3, 4, 4) * 0.5
    held[:, :, :1] = latents[:, :, :1]  # the held frame's leading latents are the condition's
    condition = FrameCondition.leading_frames(
        latents, torch.tensor([1, 1]), torch.full((2,), 1e-3), torch.zeros_like(latents), held
    )
    context, mask = make_text(2)
    sigma = torch.full((2,), 80.0)
    noise = torch.randn_like(latents) * 80
    # A network that outputs nothing predicts the held frame itself: D = h + c_skip (x - h), and c_skip ~ 0 at high σ.
    with torch.no_grad():
        denoiser.net.final.linear.weight.zero_()
        denoiser.net.final.linear.bias.zero_()
    assert torch.allclose(denoiser(held + noise, sigma, context, mask, condition)[:, :, 1:], held[:, :, 1:], atol=0.02)
    # The held frame is an input too: another held frame changes the prediction even where x is the same.
    denoiser = _anchored(make_config, make_random)
    other = condition.repeated(1)
    other.held = held.clone()
    other.held[:, :, 2] += 1.0
    assert not torch.allclose(
        denoiser(noise, sigma, context, mask, condition)[:, :, 1:2],
        denoiser(noise, sigma, context, mask, other)[:, :, 1:2],
    )
    with pytest.raises(ValueError, match="needs `held` latents"):
        denoiser(
            noise,
            sigma,
            context,
            mask,
            FrameCondition.leading_frames(
                latents, torch.tensor([1, 1]), torch.full((2,), 1e-3), torch.zeros_like(latents)
            ),
        )


def test_training_draws_the_held_frame_that_matches_each_condition_length(make_config, make_random, make_text):
    latents = torch.randn(64, 4, 3, 4, 4)
    held = torch.stack(
        [latents + 1.0, latents + 2.0], dim=1
    )  # [B, A, ...]: held frames for 1 and 2 condition latent frames
    condition = ConditionSampling(latent_frames=(1, 2)).sample(latents, torch.Generator().manual_seed(0), held)
    counts = condition.mask[:, 0, :, 0, 0].sum(dim=1)
    assert set(counts.tolist()) == {1.0, 2.0}
    assert torch.allclose(condition.held - latents, counts[:, None, None, None, None].expand_as(latents))
    with pytest.raises(ValueError, match="held frames come for 2 condition lengths"):
        ConditionSampling(latent_frames=(1,)).sample(latents, None, held)
