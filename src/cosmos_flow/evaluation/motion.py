"""Physics-IQ-style motion masks (pure OpenCV) and the IoUs and MSE that compare them.

Motion masks (`motion_masks`, parameters in `MotionMaskParams`), for (T, H, W, 3) uint8 frames:
1. each frame to grayscale (`cv2.COLOR_RGB2GRAY`), then a Gaussian blur of `blur_kernel` taps (σ from
   the kernel size, OpenCV's default);
2. a running average of the blurred frames, `avg_t = (1 − α)·avg_{t−1} + α·gray_t` (`cv2.accumulateWeighted`,
   α = `running_average_weight`), started at the first frame;
3. the mask of frame t > 0: |gray_t − avg_{t−1}| > `threshold` (grey levels); frame 0 has no motion;
4. a morphological opening, then a closing, with an elliptical kernel of `morph_kernel` pixels (removes
   specks, fills holes).
Masks are computed over the whole video (context + generated frames) so the running average starts in
the context, then only the generated frames are compared.

Comparisons of two masks a, b (T, H, W booleans); IoU(∅, ∅) = 1 (both agree that nothing moves):
- `spatial_iou`: IoU of the "anything moved here at some time" maps (any over T);
- `spatiotemporal_iou`: IoU of the T×H×W masks (voxel IoU: Σ|a∧b| / Σ|a∨b| over all frames);
- `weighted_spatial_iou`: Σ min(ca, cb) / Σ max(ca, cb) over pixels, where ca, cb count the frames in
  which a pixel moves (pixels that move longer weigh more);
- `frames_mse`: the mean squared error of the frames scaled to [0, 1].
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class MotionMaskParams:
    blur_kernel: int = 5  # Gaussian blur taps (odd); small because frames are 64x64
    running_average_weight: float = 0.5  # α of the running average
    threshold: float = 10.0  # grey levels of |frame - running average| that count as motion
    morph_kernel: int = 3  # elliptical opening/closing kernel (pixels)

    def __post_init__(self):
        if self.blur_kernel < 1 or self.blur_kernel % 2 == 0:
            raise ValueError(f"motion_masks.blur_kernel must be an odd number of pixels, got {self.blur_kernel}")
        if not 0.0 < self.running_average_weight <= 1.0:
            raise ValueError(
                f"motion_masks.running_average_weight must lie in (0, 1], got {self.running_average_weight}"
            )


def motion_masks(frames: np.ndarray, params: MotionMaskParams | None = None) -> np.ndarray:
    """(T, H, W) boolean motion masks of (T, H, W, 3) uint8 frames (see the module docstring)."""
    params = params or MotionMaskParams()
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"motion masks need (T, H, W, 3) uint8 frames, got {frames.shape} {frames.dtype}")
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (params.morph_kernel, params.morph_kernel))
    masks = np.zeros(frames.shape[:3], dtype=bool)
    average = None
    for index, frame in enumerate(frames):
        gray = cv2.GaussianBlur(
            cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), (params.blur_kernel, params.blur_kernel), 0
        ).astype(np.float32)
        if average is None:
            average = gray.copy()
            continue
        moving = (np.abs(gray - average) > params.threshold).astype(np.uint8)
        moving = cv2.morphologyEx(cv2.morphologyEx(moving, cv2.MORPH_OPEN, kernel), cv2.MORPH_CLOSE, kernel)
        masks[index] = moving.astype(bool)
        cv2.accumulateWeighted(gray, average, params.running_average_weight)
    return masks


def spatial_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of where anything moved at any time."""
    _check_masks(a, b)
    return _iou(a.any(axis=0), b.any(axis=0))


def spatiotemporal_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of the masks as T×H×W volumes."""
    _check_masks(a, b)
    return _iou(a, b)


def weighted_spatial_iou(a: np.ndarray, b: np.ndarray) -> float:
    """Σ min / Σ max of the per-pixel counts of moving frames."""
    _check_masks(a, b)
    count_a, count_b = a.sum(axis=0), b.sum(axis=0)
    total = np.maximum(count_a, count_b).sum()
    return 1.0 if total == 0 else float(np.minimum(count_a, count_b).sum() / total)


def frames_mse(a: np.ndarray, b: np.ndarray) -> float:
    """Mean squared error of uint8 frames scaled to [0, 1]."""
    if a.shape != b.shape:
        raise ValueError(f"frames must have one shape, got {a.shape} and {b.shape}")
    return float(np.mean(((a.astype(np.float64) - b.astype(np.float64)) / 255.0) ** 2))


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def _check_masks(a: np.ndarray, b: np.ndarray) -> None:
    if a.shape != b.shape or a.ndim != 3:
        raise ValueError(f"motion masks must both be (T, H, W) of one shape, got {a.shape} and {b.shape}")
