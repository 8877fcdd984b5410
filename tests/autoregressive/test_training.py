"""Training: the objective's masks and corruption, a one-clip overfit through Lightning, stage 2 from stage 1."""

import pytest
import torch

from cosmos_flow.autoregressive.data import TokenClips, TokenDataModule
from cosmos_flow.autoregressive.objective import (
    copy_previous_frame_accuracy,
    corrupt_tokens,
    draw_condition_latents,
    generated_mask,
)
from cosmos_flow.autoregressive.registry import get_config
from cosmos_flow.autoregressive.train import ARTrainParams, train_stage

GRID = (2, 4, 4)
SMALL = {"dim": 48, "depth": 2, "heads": 4, "kv_heads": 2, "mlp_hidden": 96}


def test_generated_mask_scores_only_tokens_after_the_condition_frames():
    counts = draw_condition_latents(64, 48, 16, [1, 2], torch.Generator().manual_seed(0))
    mask = generated_mask(counts, 48, 16)
    starts = mask.float().argmax(dim=1)
    assert set(starts.tolist()) == {16, 32} and torch.equal(starts, counts * 16)
    assert all(mask[row, start:].all() and not mask[row, :start].any() for row, start in enumerate(starts.tolist()))
    with pytest.raises(ValueError, match="leave tokens to predict"):
        draw_condition_latents(1, 48, 16, [3], None)


def test_corruption_replaces_about_the_asked_share_and_refuses_too_much():
    tokens = torch.zeros(100, 100, dtype=torch.long)
    corrupted = corrupt_tokens(tokens, 0.2, 1000, torch.Generator().manual_seed(0))
    assert 0.18 < (corrupted != 0).float().mean() < 0.21
    assert torch.equal(corrupt_tokens(tokens, 0.0, 1000), tokens)
    with pytest.raises(ValueError, match="corruption rate"):
        corrupt_tokens(tokens, 0.5, 1000)


def test_copy_previous_frame_baseline():
    tokens = torch.arange(16).repeat(1, 3)  # three identical latent frames
    assert copy_previous_frame_accuracy(tokens, 16, 1) == 1.0


def test_a_tiny_model_overfits_one_clip_to_near_zero_loss():
    clip = TokenClips(torch.randint(0, 64, (1, 32), generator=torch.Generator().manual_seed(0)))
    params = ARTrainParams(
        max_steps=120,
        batch_size=4,
        learning_rate=3e-3,
        warmup_steps=5,
        weight_decay=0.0,
        corruption_rate=0.0,
        condition_latents=[0, 1],
        accelerator="cpu",
    )
    result = train_stage(get_config("tiny", 64, GRID, **SMALL), params, clip, clip)
    assert result.metrics["val_loss"] < 0.05 and result.metrics["val_token_accuracy"] == 1.0
    assert result.metrics["train_tokens_per_s"] > 0 and result.metrics["val_copy_previous_frame_accuracy"] < 0.2


def test_stage_two_trains_from_stage_one_and_learns_to_read_the_text():
    # Two clips that share their condition frame and differ after it: only the text tells them apart.
    generator = torch.Generator().manual_seed(1)
    first = torch.randint(0, 64, (16,), generator=generator)
    tokens = torch.stack([torch.cat([first, torch.randint(0, 64, (16,), generator=generator)]) for _ in range(2)])
    context = torch.randn(2, 3, 8, generator=generator)
    clips = TokenClips(tokens, context, torch.ones(2, 3, dtype=torch.bool))
    params = ARTrainParams(
        max_steps=60,
        batch_size=4,
        learning_rate=3e-3,
        warmup_steps=5,
        weight_decay=0.0,
        corruption_rate=0.0,
        condition_latents=[1],
        accelerator="cpu",
    )
    video = train_stage(get_config("tiny", 64, GRID, **SMALL), params, TokenClips(tokens), TokenClips(tokens))
    v2w = train_stage(video.model.config.with_text(8), params, clips, clips, init_from=video.model)
    # Without text the second latent frame is a coin flip between two clips; with it, it is known.
    assert video.metrics["val_loss"] > 0.3
    assert v2w.metrics["val_loss"] < 0.1 and v2w.metrics["val_token_accuracy"] == 1.0


def test_the_data_needs_training_clips_and_a_matching_window():
    with pytest.raises(ValueError, match="no training clips"):
        TokenDataModule(TokenClips(torch.zeros(0, 32, dtype=torch.long)), None, 2, 2)
    with pytest.raises(ValueError, match="window is 48"):
        train_stage(
            get_config("tiny", 64, (3, 4, 4), **SMALL),
            ARTrainParams(max_steps=1, accelerator="cpu"),
            TokenClips(torch.zeros(2, 32, dtype=torch.long)),
            None,
        )
