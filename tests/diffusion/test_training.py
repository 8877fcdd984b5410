"""Lightning training of one stage: a tiny model overfits one clip, and Video2World trains from Text2World."""

import pytest
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, latent_statistics, video2world_from
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.objective import ConditionSampling, loss_at_sigmas
from cosmos_flow.diffusion.train import DiffusionTrainParams, LatentTextData, train_diffusion

SIGMAS = [0.2, 0.5, 1.0, 2.0, 5.0]


def _one_clip(make_text) -> LatentTextData:
    torch.manual_seed(0)
    latents = torch.randn(1, 4, 3, 4, 4) * 2 + 1
    context, mask = make_text(1)
    return LatentTextData(latents, context, mask, ["a red ball drops"])


def _loss(denoiser: DiffusionDenoiser, data: LatentTextData, condition_latent_frames: int = 0) -> float:
    losses = loss_at_sigmas(denoiser.eval(), denoiser.normalize(data.latents), data.context, data.context_mask, SIGMAS, condition_latent_frames, seed=1)
    return sum(losses) / len(losses)


def test_a_tiny_model_overfits_one_clip(make_config, make_text):
    data = _one_clip(make_text)
    torch.manual_seed(0)
    denoiser = DiffusionDenoiser(make_config(hidden=64, heads=4), EDMConfig(), *latent_statistics(data.latents))
    before = _loss(denoiser, data)
    params = DiffusionTrainParams(max_steps=250, batch_size=8, learning_rate=1e-2, warmup_steps=10, caption_dropout=0.0, accelerator="cpu", seed=0)
    result = train_diffusion(denoiser, data, data, params)
    after = _loss(result.denoiser, data)
    assert after < before / 10, f"denoising loss {before:.3f} -> {after:.3f}"
    summary = result.summary
    assert summary["steps"] == 250 and summary["steps_per_second"] > 0 and summary["samples_per_second"] == pytest.approx(8 * summary["steps_per_second"])
    assert summary["final_train_loss"] < before / 5 and summary["val_loss"] < before / 5  # val: the same clip at the σ-bucket centres
    assert {name for name in summary if name.startswith("val_loss_sigma_")} and not result.denoiser.training


def test_training_is_reproducible_and_video2world_starts_from_text2world(make_config, make_text):
    data = _one_clip(make_text)
    params = DiffusionTrainParams(max_steps=5, batch_size=2, warmup_steps=1, accelerator="cpu", seed=3)
    torch.manual_seed(0)
    text2world = DiffusionDenoiser(make_config(), EDMConfig(), *latent_statistics(data.latents))
    first = train_diffusion(text2world, data, None, params).denoiser
    second = train_diffusion(text2world, data, None, params).denoiser
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert not torch.equal(first.net.blocks[0].mlp.fc1.weight, text2world.net.blocks[0].mlp.fc1.weight)  # trained a copy

    video2world = train_diffusion(video2world_from(first), data, data, params, condition=ConditionSampling(latent_frames=(1, 2))).denoiser
    assert video2world.config.condition_mask and torch.equal(video2world.latent_mean, first.latent_mean)
    assert _loss(video2world, data, condition_latent_frames=2) > 0


def test_training_without_clips_is_refused(make_config):
    empty = LatentTextData(torch.zeros(0, 4, 3, 4, 4), torch.zeros(0, 5, 8), torch.zeros(0, 5, dtype=torch.bool), [])
    with pytest.raises(ValueError, match="no training clips"):
        train_diffusion(DiffusionDenoiser(make_config(), EDMConfig()), empty, None, DiffusionTrainParams(max_steps=1))
    with pytest.raises(ValueError, match="caption_dropout"):
        DiffusionTrainParams(caption_dropout=1.0)
