"""The quality filter on the sample videos and on degraded copies of them."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from cosmos_flow.curation.quality import (
    LOW_QUALITY,
    QualityParams,
    assess_quality,
    blockiness_ratio,
    crop_borders,
    luma,
    noise_sigma,
    resize_short_side,
)
from cosmos_flow.video import read_frames
from cosmos_flow.video.samples import sample_video_path

ANALYSIS_SHORT_SIDE = 128


def clip_views(native: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """What the pipeline hands the filter: the frames at analysis size, and 4 of them at the
    original resolution."""
    analysis = (
        resize_short_side(native, ANALYSIS_SHORT_SIDE) if min(native.shape[1:3]) > ANALYSIS_SHORT_SIDE else native
    )
    return analysis, native[:: len(native) // 4]


def score(native: np.ndarray, params: QualityParams | None = None):
    params = params or QualityParams()
    analysis, native_frames = clip_views(native)
    return assess_quality(analysis, native.shape[2], native.shape[1], native_frames=native_frames, params=params)


@pytest.fixture(scope="module")
def samples() -> dict[str, np.ndarray]:
    """16 frames spread over a stretch of each sample video, at its own resolution."""
    stretches = {
        "carphone_pristine": (0, 100),
        "carphone_distorted": (0, 100),
        "bikes": (0, 100),
        "bigbuckbunny": (0, 48),
        "test": (1500, 1600),
    }
    samples = {}
    for name, (start, end) in stretches.items():
        frames = read_frames(sample_video_path(name), start=start, end=end)
        samples[name] = frames[np.linspace(0, len(frames) - 1, 16).round().astype(int)]
    return samples


def blurred(frames: np.ndarray, sigma: float) -> np.ndarray:
    return np.stack([cv2.GaussianBlur(frame, (0, 0), sigma) for frame in frames])


def test_heavily_compressed_carphone_scores_lower_than_the_pristine_one(samples):
    pristine, distorted = score(samples["carphone_pristine"]), score(samples["carphone_distorted"])
    assert distorted.quality_score < pristine.quality_score - 0.05
    assert distorted.sharpness < pristine.sharpness and distorted.blockiness > pristine.blockiness


@pytest.mark.parametrize("name", ["bikes", "carphone_pristine", "test", "bigbuckbunny"])
def test_a_blurred_copy_scores_lower(samples, name):
    original, soft = score(samples[name]), score(blurred(samples[name], sigma=3.0))
    assert soft.quality_score < original.quality_score and soft.sharpness < original.sharpness


def test_sample_videos_pass_the_default_filter(samples):
    for name, frames in samples.items():
        result = score(frames)
        assert 0.0 <= result.quality_score <= 1.0
        assert result.reject_reason is None, f"{name}: {result}"


def test_heavy_blur_is_rejected(samples):
    assert score(blurred(samples["bikes"], sigma=6.0)).reject_reason == LOW_QUALITY


def test_noise_is_measured_and_lowers_the_score(samples):
    clean = samples["carphone_pristine"]
    noisy = np.clip(clean + np.random.default_rng(0).normal(0, 12, clean.shape), 0, 255).astype(np.uint8)
    result, noisy_result = score(clean), score(noisy)
    # Independent noise of sigma 12 per RGB channel is luma noise of sigma 12 * 0.67.
    assert noisy_result.noise == pytest.approx(12 * 0.668, rel=0.15)
    assert noisy_result.noise_score < result.noise_score and noisy_result.quality_score < result.quality_score


def test_noise_estimate_ignores_edges():
    rows, columns = np.indices((128, 128))
    squares = ((rows // 16 + columns // 16) % 2 * 160.0 + 40.0).astype(np.float32)  # sharp edges everywhere
    noise = np.random.default_rng(0).normal(0, 5, squares.shape).astype(np.float32)
    assert noise_sigma(squares) < 0.1
    assert noise_sigma(squares + noise) == pytest.approx(5.0, rel=0.15)


def test_blockiness_sees_the_codec_grid(samples):
    frames = samples["carphone_pristine"][:4]
    jpeg = np.stack(
        [
            cv2.imdecode(cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 15])[1], cv2.IMREAD_COLOR)
            for frame in frames
        ]
    )
    assert blockiness_ratio(luma(frames)) < 1.2 < 1.5 < blockiness_ratio(luma(jpeg))


def test_blockiness_needs_frames_at_the_original_resolution(samples):
    native = samples["bikes"]
    analysis, _ = clip_views(native)
    result = assess_quality(analysis, native.shape[2], native.shape[1])
    assert result.blockiness is None and result.blockiness_score is None
    assert 0.0 < result.quality_score <= 1.0


def test_small_clips_are_rejected_whatever_their_score(samples):
    frames = samples["carphone_pristine"]
    strict = QualityParams(min_width=320, min_height=240)
    result = score(frames, strict)
    assert result.reject_reason == LOW_QUALITY and result.quality_score == score(frames).quality_score


def test_letterbox_bars_are_cropped(samples):
    frames = samples["test"]
    assert crop_borders(frames).shape[2] < frames.shape[2] * 0.8  # test.mp4 is 4:3 inside a 16:9 frame
    analysis, _ = clip_views(samples["carphone_pristine"])
    letterboxed = np.pad(analysis, ((0, 0), (24, 24), (0, 0), (0, 0)))
    sharpness = assess_quality(analysis, 176, 144).sharpness
    assert assess_quality(letterboxed, 176, 192).sharpness == pytest.approx(sharpness, rel=0.02)
