"""evaluate_tokenizer on tiny random-init tokenizers and synthetic clips."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from cosmos_flow.metrics import psnr
from cosmos_flow.tokenizer.baseline import resample_baseline
from cosmos_flow.tokenizer.evaluate import codebook_statistics, evaluate_tokenizer, fit_clip
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.video.tensors import frames_to_tensor

COMMON_KEYS = {
    "psnr",
    "ssim",
    "baseline_psnr",
    "baseline_ssim",
    "compression",
    "numbers_ratio",
    "encode_fps",
    "decode_fps",
}


def synthetic_clips() -> list[np.ndarray]:
    """A moving gradient (20 frames, 19x27: cropped to 16x24, cut to 17) and noise (9 frames, 16x16)."""
    t, y, x = np.meshgrid(np.arange(20), np.arange(19), np.arange(27), indexing="ij")
    gradient = np.stack([x * 8 + t * 3, y * 10, (x + y) * 4], axis=-1) % 256
    noise = np.random.default_rng(0).integers(0, 256, (9, 16, 16, 3))
    return [gradient.astype(np.uint8), noise.astype(np.uint8)]


def tiny_model(name: str) -> CausalVideoTokenizer:
    torch.manual_seed(0)
    return CausalVideoTokenizer(get_config(name)).eval()


def test_fit_clip_center_crops_and_keeps_the_largest_valid_length():
    clip = np.arange(20 * 19 * 27 * 3).reshape(20, 19, 27, 3)
    fitted = fit_clip(clip, temporal_compression=8, spatial_compression=8, max_frames=17)
    assert fitted.shape == (17, 16, 24, 3)
    np.testing.assert_array_equal(fitted, clip[:17, 1:17, 1:25])
    assert fit_clip(clip, 8, 8, max_frames=16).shape[0] == 9
    assert fit_clip(clip[:5], 4, 8, max_frames=17).shape[0] == 5
    with pytest.raises(ValueError, match="too small"):
        fit_clip(clip[:, :7], 8, 8, max_frames=17)


def test_cv_metrics_are_present_finite_and_the_baseline_uses_the_same_clips():
    model = tiny_model("cv-tiny-8x8x8")
    clips = synthetic_clips()
    metrics = evaluate_tokenizer(model, clips)
    assert set(metrics) == COMMON_KEYS
    assert all(isinstance(value, float) and math.isfinite(value) for value in metrics.values())
    # Gradient clip 17x16x24 -> latent 3x2x3; noise clip 9x16x16 -> 2x2x2: compressions 17·384/18 and 9·256/8.
    assert metrics["compression"] == pytest.approx((17 * 384 / 18 + 9 * 256 / 8) / 2)
    assert metrics["numbers_ratio"] == pytest.approx(metrics["compression"] * 3 / 16)
    videos = [frames_to_tensor(fit_clip(clip, 8, 8, 17))[None] for clip in clips]
    expected = np.mean(
        [psnr(video, resample_baseline(video, model.latent_shape(*video.shape[2:]))) for video in videos]
    )
    assert metrics["baseline_psnr"] == pytest.approx(expected)
    assert metrics["encode_fps"] > 0 and metrics["decode_fps"] > 0
    assert model.training is False


def test_dv_reports_codebook_use():
    model = tiny_model("dv-tiny-8x8x8")
    metrics = evaluate_tokenizer(model, synthetic_clips())
    assert set(metrics) == COMMON_KEYS | {"codebook_usage", "perplexity"}
    assert 0 < metrics["codebook_usage"] <= 1
    assert 1 <= metrics["perplexity"] <= model.quantizer.codebook_size
    assert metrics["numbers_ratio"] == pytest.approx(metrics["compression"] * 3)  # one index per latent position


def test_training_mode_is_restored():
    model = tiny_model("cv-tiny-8x8x8").train()
    evaluate_tokenizer(model, synthetic_clips()[1:])
    assert model.training


def test_codebook_statistics():
    uniform = codebook_statistics(torch.arange(8).repeat(3), codebook_size=16)
    assert uniform["codebook_usage"] == 0.5 and uniform["perplexity"] == pytest.approx(8)
    single = codebook_statistics(torch.full((10,), 3), codebook_size=16)
    assert single["codebook_usage"] == 1 / 16 and single["perplexity"] == pytest.approx(1)


def test_no_clips_raise():
    with pytest.raises(ValueError, match="at least one clip"):
        evaluate_tokenizer(tiny_model("cv-tiny-8x8x8"), [])
