"""Visual quality filter: minimum resolution, sharpness, blockiness and noise, as one score.

The frame statistics here (luma, border cropping, resizing to a working size, Laplacian and noise
measures) are shared with the other curation filters, which import them from this module.

Frames are uint8 RGB arrays shaped (T, H, W, 3). Sharpness is measured on the pipeline's
downscaled analysis frames, resized here to a fixed working size so that clips of any resolution
compare. The artefacts, blockiness and noise, are measured on a few frames at the original
resolution (`native_frames`): blockiness needs the codec's 8x8 grid, which resizing destroys, and
downscaling averages noise away.

quality_score = sharpness_score^ws * blockiness_score^wb * noise_score^wn (weights normalized to
sum to 1), a weighted geometric mean of three [0, 1] component scores:
- sharpness_score = s / (s + sharpness_half), s = median over frames of Var(Laplacian) / Var(luma);
- blockiness_score falls linearly from 1 to 0 as the on-grid / off-grid luma step ratio goes from
  blockiness_clean to blockiness_bad (left out, weight and all, without original-size frames);
- noise_score falls linearly from 1 to 0 as the luma noise sigma goes from noise_clean to noise_bad.
The geometric mean lets one very bad component sink the score whatever the others say.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

LOGGER = logging.getLogger(__name__)

LOW_QUALITY = "low_quality"

# --------------------------------------------------------------------------- frame statistics


def luma(frames: np.ndarray) -> np.ndarray:
    """BT.601 luma of (T, H, W, 3) or (H, W, 3) uint8 RGB, as float32 in [0, 255]."""
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return frames.astype(np.float32) @ weights


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(T, H, W, C) or (T, H, W) frames resized to size = (width, height).

    Area interpolation when shrinking (it averages, like a camera would), bilinear when growing.
    """
    height, width = frames.shape[1:3]
    if size == (width, height):
        return frames
    interpolation = cv2.INTER_AREA if size[0] * size[1] < width * height else cv2.INTER_LINEAR
    return np.stack([cv2.resize(frame, size, interpolation=interpolation) for frame in frames])


def resize_short_side(frames: np.ndarray, short_side: int) -> np.ndarray:
    """(T, H, W, C) or (T, H, W) frames resized so that their shorter side is `short_side` pixels."""
    height, width = frames.shape[1:3]
    scale = short_side / min(height, width)
    return resize_frames(frames, (max(1, round(width * scale)), max(1, round(height * scale))))


def content_box(frames: np.ndarray, dark_level: float = 24.0, min_keep: float = 0.5) -> tuple[slice, slice]:
    """Rows and columns of (T, H, W, 3) frames that hold picture, without letterbox or pillarbox bars.

    A bar is a run of border rows (or columns) that stay dark in every frame. If cropping would keep
    less than `min_keep` of a side, the frames are taken as dark content and kept whole.
    """
    brightest = luma(frames).max(axis=0)
    rows = np.flatnonzero(brightest.max(axis=1) > dark_level)
    columns = np.flatnonzero(brightest.max(axis=0) > dark_level)
    height, width = brightest.shape
    if len(rows) < min_keep * height or len(columns) < min_keep * width:
        return slice(0, height), slice(0, width)
    return slice(rows[0], rows[-1] + 1), slice(columns[0], columns[-1] + 1)


def crop_borders(frames: np.ndarray, dark_level: float = 24.0) -> np.ndarray:
    """`frames` without their letterbox or pillarbox bars (see `content_box`)."""
    rows, columns = content_box(frames, dark_level)
    return frames[:, rows, columns]


def laplacian_energy_ratio(gray: np.ndarray, contrast_floor: float = 4.0) -> float:
    """Var(Laplacian) / Var(image) of one float32 luma image: how much of its energy is fine detail.

    Dividing by the image's own variance makes the measure independent of contrast, so a dim but
    sharp shot is not mistaken for a blurred one; the floor keeps near-flat frames from exploding.
    """
    laplacian = cv2.Laplacian(gray, cv2.CV_32F, ksize=1)
    return float(laplacian.var() / max(gray.var(), contrast_floor**2))


# Immerkaer's operator: the difference of two Laplacians, which cancels smooth image structure.
_NOISE_KERNEL = np.array([[1, -2, 1], [-2, 4, -2], [1, -2, 1]], dtype=np.float32)


def noise_sigma(gray: np.ndarray, flat_quantile: float = 0.2) -> float:
    """Standard deviation of additive noise in one float32 luma image (0-255 scale).

    Immerkaer's fast estimate, restricted to the flattest `flat_quantile` of pixels (by Sobel
    gradient) so that texture and edges are not counted as noise.
    """
    response = np.abs(cv2.filter2D(gray, cv2.CV_32F, _NOISE_KERNEL))[1:-1, 1:-1]
    gradient = np.hypot(cv2.Sobel(gray, cv2.CV_32F, 1, 0), cv2.Sobel(gray, cv2.CV_32F, 0, 1))[1:-1, 1:-1]
    flat = gradient <= np.quantile(gradient, flat_quantile)
    if not flat.any():
        return 0.0
    return float(np.sqrt(np.pi / 2) / 6 * response[flat].mean())


def blockiness_ratio(
    gray: np.ndarray, box: tuple[slice, slice] | None = None, block: int = 8, step_cap: float = 12.0
) -> float:
    """Mean luma step across the codec's `block`-pixel grid lines over the mean step elsewhere.

    gray: float32 luma (T, H, W) at the original resolution, whose block grid starts at pixel 0;
    box: the rows and columns to measure (the picture inside any letterbox bars), in those same
    coordinates so the grid stays aligned. 1.0 means no block structure; blocking lifts the steps
    on grid lines. Steps are capped at `step_cap` because blocking makes small steps in smooth
    areas, while real edges are large and would only add noise.
    """
    rows, columns = box or (slice(0, gray.shape[1]), slice(0, gray.shape[2]))
    picture = gray[:, rows, columns]
    ratios = []
    for axis, offset in ((2, columns.start), (1, rows.start)):
        steps = np.minimum(np.abs(np.diff(picture, axis=axis)), step_cap)
        profile = steps.mean(axis=tuple(a for a in (0, 1, 2) if a != axis))  # mean step per grid position
        if len(profile) < 2 * block:
            continue
        on_grid = (np.arange(len(profile)) + offset) % block == block - 1  # steps 7|8, 15|16, ...
        ratios.append(profile[on_grid].mean() / max(profile[~on_grid].mean(), 1e-3))
    return float(np.mean(ratios)) if ratios else 1.0


# --------------------------------------------------------------------------- the filter


@dataclass(frozen=True)
class QualityParams:
    """Thresholds of the quality filter (one Kedro parameter group); the module docstring says
    how they make `quality_score`."""

    min_width: int = 128
    min_height: int = 72
    working_short_side: int = 128  # sharpness is measured at this size
    sharpness_half: float = 0.08  # Laplacian energy ratio that scores 0.5
    blockiness_clean: float = 1.1  # on-grid / off-grid step ratio at or below which blockiness scores 1
    blockiness_bad: float = 2.0  # ... and at or above which it scores 0
    noise_clean: float = 1.5  # luma noise sigma (0-255) at or below which noise scores 1
    noise_bad: float = 8.0  # ... and at or above which it scores 0
    sharpness_weight: float = 0.5
    blockiness_weight: float = 0.3
    noise_weight: float = 0.2
    min_score: float = 0.35


@dataclass(frozen=True)
class QualityResult:
    """A clip's quality: the raw measures, their component scores and the verdict."""

    quality_score: float
    reject_reason: str | None
    sharpness: float
    blockiness: float | None  # None when no frames at the original resolution were available
    noise: float
    sharpness_score: float
    blockiness_score: float | None
    noise_score: float


def _falling_ramp(value: float, good: float, bad: float) -> float:
    """1 at or below `good`, 0 at or above `bad`, linear between."""
    return float(np.clip((bad - value) / (bad - good), 0.0, 1.0))


def assess_quality(
    frames: np.ndarray,
    width: int,
    height: int,
    native_frames: np.ndarray | None = None,
    params: QualityParams = QualityParams(),
) -> QualityResult:
    """Score a clip's visual quality in [0, 1] and say whether to reject it as `low_quality`.

    frames: the clip's analysis frames, (T, H, W, 3) uint8 RGB at any size; sharpness is measured
        on them after resizing to `params.working_short_side`.
    width, height: the clip's original resolution.
    native_frames: a few frames (3-4 are enough) at the original resolution, uncropped, for the
        artefact measures (blockiness and noise). If None, `frames` stand in; when those are not at
        the original resolution blockiness cannot be seen and is left out of the score.
    """
    working = luma(resize_short_side(crop_borders(frames), params.working_short_side))
    sharpness = float(np.median([laplacian_energy_ratio(gray) for gray in working]))
    sharpness_score = sharpness / (sharpness + params.sharpness_half)

    artefact_frames = frames if native_frames is None else native_frames
    box = content_box(artefact_frames)
    artefact_luma = luma(artefact_frames)
    noise = float(np.median([noise_sigma(gray[box]) for gray in artefact_luma]))
    noise_score = _falling_ramp(noise, params.noise_clean, params.noise_bad)
    components = [(sharpness_score, params.sharpness_weight), (noise_score, params.noise_weight)]

    blockiness = blockiness_score = None
    if artefact_frames.shape[1:3] == (height, width):
        blockiness = blockiness_ratio(artefact_luma, box)
        blockiness_score = _falling_ramp(blockiness, params.blockiness_clean, params.blockiness_bad)
        components.append((blockiness_score, params.blockiness_weight))
    else:
        LOGGER.debug("no frames at the original %dx%d resolution: blockiness not measured", width, height)

    scores, weights = np.array(components).T
    quality_score = float(np.exp(np.sum(weights * np.log(np.maximum(scores, 1e-6))) / weights.sum()))
    too_small = width < params.min_width or height < params.min_height
    reject = LOW_QUALITY if too_small or quality_score < params.min_score else None
    return QualityResult(
        quality_score=quality_score,
        reject_reason=reject,
        sharpness=sharpness,
        blockiness=blockiness,
        noise=noise,
        sharpness_score=float(sharpness_score),
        blockiness_score=blockiness_score,
        noise_score=noise_score,
    )
