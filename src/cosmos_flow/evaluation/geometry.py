"""3D consistency of a video: Sampson error of SIFT matches and camera-pose recovery success.

Both look at every consecutive frame pair (t, t+1) of a (T, H, W, 3) uint8 video.

Matches (`sift_matches`): OpenCV SIFT (`cv2.SIFT_create()`, default settings) on grayscale frames,
brute-force L2 matching with the two nearest neighbours, Lowe's ratio test (keep a match when its
distance < `ratio` × the second-best distance; ratio 0.75).

Sampson error (`pair_sampson_error`, `video_geometry(...).sampson_error`): per pair with at least `MIN_FUNDAMENTAL_MATCHES` (8) matches, a fundamental
matrix by RANSAC (`cv2.findFundamentalMat`, `cv2.FM_RANSAC`, threshold 1 px, confidence 0.999); the
Sampson distance of *every* ratio-test match (not only RANSAC's inliers, so wrong geometry shows) is
(x₂ᵀFx₁)² / ((Fx₁)₀² + (Fx₁)₁² + (Fᵀx₂)₀² + (Fᵀx₂)₁²), in squared pixels. Its square root is a
first-order distance in pixels; dividing by the image diagonal makes numbers comparable across
resolutions. A pair's error is the mean over its matches of √Sampson / diagonal × 100 (percent of
the diagonal), and a video's error is the mean over its pairs that had enough matches (NaN if none).

Pose success (`video_geometry(...).pose_success`, parameters `min_inliers` N = 15 and
`min_inlier_fraction` = 0.9): a pair succeeds when
1. it has at least N ratio-test matches;
2. `cv2.findEssentialMat` with the known K (RANSAC, confidence 0.999, threshold 1 px) finds an essential
   matrix whose inliers number at least N and make up at least `min_inlier_fraction` of the matches;
3. `cv2.recoverPose` on those inliers keeps at least N points in front of both cameras, counting
   points up to `POSE_DISTANCE_LIMIT` (10⁴) baselines away: consecutive frames have short baselines
   and pure pans have none, so distant points must count (OpenCV's default limit, 50, rejects most).
A video succeeds when every consecutive pair succeeds; the success rate is over videos. A static
video fails (no parallax: recoverPose cannot put points in front of both cameras), while its Sampson
error is zero: the two numbers are read together.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

MIN_FUNDAMENTAL_MATCHES = 8
RANSAC_THRESHOLD_PX = 1.0
RANSAC_CONFIDENCE = 0.999
POSE_DISTANCE_LIMIT = 1e4


@dataclass
class GeometryResult:
    """The 3D-consistency numbers of one video."""

    sampson_error: float  # percent of the image diagonal; NaN when no pair had enough matches
    pose_success: bool
    matches_per_pair: float
    pairs_with_pose: int
    pairs: int


def sift_matches(first: np.ndarray, second: np.ndarray, ratio: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Ratio-test SIFT matches between two uint8 RGB frames as two (N, 2) float arrays of pixel positions."""
    sift = cv2.SIFT_create()
    keypoints_1, descriptors_1 = sift.detectAndCompute(cv2.cvtColor(first, cv2.COLOR_RGB2GRAY), None)
    keypoints_2, descriptors_2 = sift.detectAndCompute(cv2.cvtColor(second, cv2.COLOR_RGB2GRAY), None)
    empty = np.zeros((0, 2))
    if descriptors_1 is None or descriptors_2 is None or len(keypoints_1) < 2 or len(keypoints_2) < 2:
        return empty, empty
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors_1, descriptors_2, k=2)
    good = [best for best, second_best in (pair for pair in pairs if len(pair) == 2) if best.distance < ratio * second_best.distance]
    if not good:
        return empty, empty
    points_1 = np.array([keypoints_1[match.queryIdx].pt for match in good], dtype=np.float64)
    points_2 = np.array([keypoints_2[match.trainIdx].pt for match in good], dtype=np.float64)
    return points_1, points_2


def sampson_distances(fundamental: np.ndarray, points_1: np.ndarray, points_2: np.ndarray) -> np.ndarray:
    """Sampson distance (squared pixels) of each correspondence x₁ ↔ x₂ under F (x₂ᵀ F x₁ = 0)."""
    homogeneous_1 = np.column_stack([points_1, np.ones(len(points_1))])
    homogeneous_2 = np.column_stack([points_2, np.ones(len(points_2))])
    lines_2 = homogeneous_1 @ fundamental.T  # F x₁, epipolar lines in image 2
    lines_1 = homogeneous_2 @ fundamental  # Fᵀ x₂, epipolar lines in image 1
    algebraic = np.sum(homogeneous_2 * lines_2, axis=1)
    return algebraic**2 / (lines_2[:, 0] ** 2 + lines_2[:, 1] ** 2 + lines_1[:, 0] ** 2 + lines_1[:, 1] ** 2)


def pair_sampson_error(points_1: np.ndarray, points_2: np.ndarray, diagonal: float) -> float:
    """Mean √Sampson distance of all matches under a RANSAC fundamental matrix, in percent of `diagonal`; NaN if F cannot be fit."""
    if len(points_1) < MIN_FUNDAMENTAL_MATCHES:
        return float("nan")
    fundamental, _ = cv2.findFundamentalMat(points_1, points_2, cv2.FM_RANSAC, RANSAC_THRESHOLD_PX, RANSAC_CONFIDENCE)
    if fundamental is None or fundamental.shape != (3, 3):  # degenerate, or several 7-point solutions stacked
        return float("nan")
    return float(np.mean(np.sqrt(sampson_distances(fundamental, points_1, points_2))) / diagonal * 100.0)


def pair_pose_succeeds(points_1: np.ndarray, points_2: np.ndarray, intrinsics: np.ndarray, min_inliers: int = 15, min_inlier_fraction: float = 0.9) -> bool:
    """Whether essential-matrix pose recovery with known K succeeds on one pair's matches (module docstring)."""
    if len(points_1) < max(min_inliers, 5):
        return False
    essential, inliers = cv2.findEssentialMat(points_1, points_2, intrinsics, cv2.RANSAC, RANSAC_CONFIDENCE, RANSAC_THRESHOLD_PX)
    if essential is None or inliers is None:
        return False
    inlier_count = int(inliers.sum())
    if inlier_count < min_inliers or inlier_count < min_inlier_fraction * len(points_1):
        return False
    # Several 3x3 solutions may come stacked; the first is RANSAC's best.
    kept, _, _, _, _ = cv2.recoverPose(essential[:3], points_1, points_2, intrinsics, distanceThresh=POSE_DISTANCE_LIMIT, mask=inliers)
    return int(kept) >= min_inliers


def video_geometry(frames: np.ndarray, intrinsics: np.ndarray, min_inliers: int = 15, min_inlier_fraction: float = 0.9, ratio: float = 0.75) -> GeometryResult:
    """Sampson error and pose success of one (T, H, W, 3) uint8 video with camera matrix K (3×3)."""
    if frames.ndim != 4 or frames.shape[0] < 2 or frames.shape[-1] != 3:
        raise ValueError(f"3D consistency needs a (T>=2, H, W, 3) video, got {frames.shape}")
    diagonal = float(np.hypot(frames.shape[1], frames.shape[2]))
    errors, match_counts, posed = [], [], 0
    for first, second in pairwise(frames):
        points_1, points_2 = sift_matches(first, second, ratio)
        match_counts.append(len(points_1))
        errors.append(pair_sampson_error(points_1, points_2, diagonal))
        posed += pair_pose_succeeds(points_1, points_2, intrinsics, min_inliers, min_inlier_fraction)
    finite = [error for error in errors if np.isfinite(error)]
    pairs = len(frames) - 1
    return GeometryResult(
        sampson_error=float(np.mean(finite)) if finite else float("nan"),
        pose_success=posed == pairs,
        matches_per_pair=float(np.mean(match_counts)),
        pairs_with_pose=posed,
        pairs=pairs,
    )
