"""Lightning training of one stage: a tiny model overfits one clip, and Video2World trains from Text2World and
learns to continue its condition frames."""

import pytest
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, FrameCondition, latent_statistics, video2world_from
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.objective import ConditionSampling, denoising_loss, loss_at_sigmas
from cosmos_flow.diffusion.train import DiffusionTrainParams, LatentTextData, text2world_denoiser, train_diffusion

SIGMAS = [0.2, 0.5, 1.0, 2.0, 5.0]


def _one_clip(make_text) -> LatentTextData:
    torch.manual_seed(0)
    latents = torch.randn(1, 4, 3, 4, 4) * 2 + 1
    context, mask = make_text(1)
    return LatentTextData(latents, context, mask, ["a red ball drops"])


def _loss(denoiser: DiffusionDenoiser, data: LatentTextData, condition_latent_frames: int = 0) -> float:
    losses = loss_at_sigmas(
        denoiser.eval(),
        denoiser.normalize(data.latents),
        data.context,
        data.context_mask,
        SIGMAS,
        condition_latent_frames,
        seed=1,
    )
    return sum(losses) / len(losses)


def test_a_tiny_model_overfits_one_clip(make_config, make_text):
    data = _one_clip(make_text)
    torch.manual_seed(0)
    denoiser = DiffusionDenoiser(make_config(dim=64, heads=4), EDMConfig(), *latent_statistics(data.latents))
    before = _loss(denoiser, data)
    params = DiffusionTrainParams(
        max_steps=250, batch_size=8, learning_rate=1e-2, warmup_steps=10, caption_dropout=0.0, accelerator="cpu", seed=0
    )
    result = train_diffusion(denoiser, data, data, params)
    after = _loss(result.denoiser, data)
    assert after < before / 10, f"denoising loss {before:.3f} -> {after:.3f}"
    summary = result.summary
    assert (
        summary["steps"] == 250
        and summary["steps_per_second"] > 0
        and summary["samples_per_second"] == pytest.approx(8 * summary["steps_per_second"])
    )
    assert (
        summary["final_train_loss"] < before / 5 and summary["val_loss"] < before / 5
    )  # val: the same clip at the σ-bucket centres
    assert {name for name in summary if name.startswith("val_loss_sigma_")} and not result.denoiser.training


def test_training_is_reproducible_and_video2world_starts_from_text2world(make_config, make_text):
    data = _one_clip(make_text)
    params = DiffusionTrainParams(max_steps=5, batch_size=2, warmup_steps=1, accelerator="cpu", seed=3)
    torch.manual_seed(0)
    text2world = DiffusionDenoiser(make_config(), EDMConfig(), *latent_statistics(data.latents))
    first = train_diffusion(text2world, data, None, params).denoiser
    second = train_diffusion(text2world, data, None, params).denoiser
    assert all(torch.equal(a, b) for a, b in zip(first.state_dict().values(), second.state_dict().values()))
    assert not torch.equal(
        first.net.blocks[0].mlp.fc1.weight, text2world.net.blocks[0].mlp.fc1.weight
    )  # trained a copy

    video2world = train_diffusion(
        video2world_from(first), data, data, params, condition=ConditionSampling(latent_frames=(1, 2))
    ).denoiser
    assert video2world.config.condition_mask and torch.equal(video2world.latent_mean, first.latent_mean)


def _still_clips(make_text) -> LatentTextData:
    """Four clips of 3 latent frames, each one random frame held still, all with the same caption: only the
    condition frame tells which clip (so what comes next) is asked for."""
    torch.manual_seed(0)
    latents = (torch.randn(4, 4, 1, 4, 4) * 2 + 1).repeat(1, 1, 3, 1, 1)
    context, mask = make_text(1)
    return LatentTextData(latents, context.repeat(4, 1, 1), mask.repeat(4, 1), ["a ball rests"] * 4)


def _conditioned_loss(
    denoiser: DiffusionDenoiser, target: torch.Tensor, given: torch.Tensor, data: LatentTextData, frames: int = 1
) -> float:
    """The mean denoising loss of `target` latents at SIGMAS (seeded noise), the first `frames` latent frames given
    from `given`."""
    denoiser = denoiser.eval()
    target, given = denoiser.normalize(target), denoiser.normalize(given)
    batch = target.shape[0]
    condition = FrameCondition.leading_frames(
        given, torch.full((batch,), frames), torch.full((batch,), 1e-3), torch.zeros_like(given)
    )
    generator = torch.Generator().manual_seed(1)
    losses = []
    with torch.no_grad():
        for sigma in SIGMAS:
            noise = torch.randn(target.shape, generator=generator)
            losses.append(
                float(
                    denoising_loss(
                        denoiser, target, data.context, data.context_mask, torch.full((batch,), sigma), noise, condition
                    ).loss.mean()
                )
            )
    return sum(losses) / len(losses)


def test_video2world_training_learns_to_continue_its_condition(make_config, make_text):
    data = _still_clips(make_text)
    torch.manual_seed(0)
    untrained = video2world_from(
        DiffusionDenoiser(make_config(dim=64, heads=4), EDMConfig(), *latent_statistics(data.latents))
    )
    others = data.latents.roll(1, dims=0)  # each clip conditioned on another clip's frame
    before = _conditioned_loss(untrained, data.latents, data.latents, data)
    params = DiffusionTrainParams(
        max_steps=200, batch_size=8, learning_rate=1e-2, warmup_steps=10, caption_dropout=0.0, accelerator="cpu", seed=0
    )
    trained = train_diffusion(untrained, data, None, params, condition=ConditionSampling(latent_frames=(1,))).denoiser
    after = _conditioned_loss(trained, data.latents, data.latents, data)
    # About 1.02 -> 0.12: the generated frames are learned ...
    assert after < before / 4, f"Video2World loss {before:.3f} -> {after:.3f}"
    # ... from the condition frame (the captions are all the same): given another clip's frame, the loss stays high
    # (about 1.4).
    misled = _conditioned_loss(trained, data.latents, others, data)
    assert after < misled / 4, f"loss {after:.3f} with the clip's own condition frame, {misled:.3f} with another's"
    # Only generated frames are scored: a target that differs on the condition frames alone leaves the loss as it is.
    moved = data.latents.clone()
    moved[:, :, :1] += 5.0
    assert _conditioned_loss(trained, moved, data.latents, data) == pytest.approx(after, rel=1e-6)


def test_training_without_clips_is_refused(make_config):
    empty = LatentTextData(torch.zeros(0, 4, 3, 4, 4), torch.zeros(0, 5, 8), torch.zeros(0, 5, dtype=torch.bool), [])
    with pytest.raises(ValueError, match="no training clips"):
        train_diffusion(DiffusionDenoiser(make_config(), EDMConfig()), empty, None, DiffusionTrainParams(max_steps=1))
    with pytest.raises(ValueError, match="caption_dropout"):
        DiffusionTrainParams(caption_dropout=1.0)


def test_training_batches_carry_the_held_frames_of_the_condition_lengths_drawn_in_drawing_order(make_text):
    data = _one_clip(make_text)
    held = torch.stack(
        [torch.full((1, 4, 3, 4, 4), float(count)) for count in (1, 2, 5)], dim=1
    )  # encoded for 1, 2 and 5
    data = LatentTextData(data.latents, data.context, data.context_mask, data.captions, held, [1, 2, 5])
    drawn = data.with_held_for([5, 1])
    assert drawn.held_condition_latents == [5, 1]
    assert drawn[0]["held"][:, 0, 0, 0, 0].tolist() == [5.0, 1.0]
    with pytest.raises(ValueError, match="no held frames were encoded for 3"):
        data.with_held_for([3])


def test_a_text2world_denoiser_fits_its_latents_channels_and_statistics():
    latents = torch.randn(6, 8, 3, 4, 4) * 3.0 + 1.0
    denoiser = text2world_denoiser(latents, 16, "tiny", {"dim": 32, "heads": 2, "depth": 1}, EDMConfig())
    assert (denoiser.config.latent_channels, denoiser.config.text_dim, denoiser.config.dim) == (8, 16, 32)
    torch.testing.assert_close(denoiser.latent_mean, latents.transpose(0, 1).reshape(8, -1).mean(1))
    with pytest.raises(ValueError, match="no training clips"):
        text2world_denoiser(latents[:0], 16, "tiny", {}, EDMConfig())
