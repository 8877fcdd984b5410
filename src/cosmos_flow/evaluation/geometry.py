"""3D consistency of a video: Sampson error of SIFT matches, and camera poses against the true cameras.

Input: a (T, H, W, 3) uint8 video, its camera matrix K and the true world-to-camera matrix of every frame.

Matches (`sift_matches`): OpenCV SIFT (`cv2.SIFT_create()`, default settings) on grayscale frames,
brute-force L2 matching with the two nearest neighbours, Lowe's ratio test (keep a match when its
distance < `ratio` × the second-best distance; ratio 0.75).

Sampson error (`pair_sampson_error`, `video_geometry(...).sampson_error`): per pair with at least
`MIN_FUNDAMENTAL_MATCHES` (8) matches, a fundamental matrix by RANSAC (`cv2.findFundamentalMat`,
`cv2.FM_RANSAC`, threshold 1 px, confidence 0.999); the Sampson distance of *every* ratio-test match
(not only RANSAC's inliers, so wrong geometry shows) is
(x₂ᵀFx₁)² / ((Fx₁)₀² + (Fx₁)₁² + (Fᵀx₂)₀² + (Fᵀx₂)₁²), in squared pixels. Its square root is a
first-order distance in pixels; dividing by the image diagonal makes numbers comparable across
resolutions. A pair's error is the mean over its matches of √Sampson / diagonal × 100 (percent of
the diagonal), and a video's error is the mean over its pairs that had enough matches (NaN if none).

Camera pose against the true cameras (`pair_pose_errors`, `video_geometry(...).rotation_error_deg`,
`.translation_error_deg`, `.pose_success`), as Cosmos scored camera control against the commanded
trajectory. Pairs are (t, t + `pair_stride`) (stride 4 by default: consecutive frames of an orbit
are about 3 cm apart at 1.5 m, too short a baseline to fix the direction of translation at 128×128;
ground-truth renders then miss it by 24-110°, at stride 4 by 4-16°). Per pair:
1. the ratio-test matches give an essential matrix with the known K (`cv2.findEssentialMat`, MAGSAC++,
   threshold `ESSENTIAL_THRESHOLD_PX`, confidence 0.999, OpenCV's RNG seeded for repeatability) and
   `cv2.recoverPose` its rotation R and unit translation t (points up to `POSE_DISTANCE_LIMIT` baselines
   away count: distant points must, or short baselines keep too few). The pair is *posed* when at least
   `min_inliers` matches support it and the matches move (`match_motion_px` ≥ `MIN_MOTION_PX`): a still
   pair carries no pose;
2. the rotation error is the angle of R·R_trueᵀ, in degrees;
3. the translation error is the angle between t and the true translation direction, in degrees, where
   the true camera centres are at least `min_baseline_m` apart; for a pure rotation (a pan) it is
   undefined (NaN), not a success.
A video's rotation and translation errors are the medians over its posed pairs (translation: over the
pairs where it is defined). A video's pose *succeeds* when its median pair is within both thresholds,
counting a pair that gave no pose as an infinite error: the median over all pairs of the rotation error
is at most `max_rotation_error_deg` and, where the translation is defined, the median of its error at
most `max_translation_error_deg` (so at least half the pairs must be posed; a lone bad pair, e.g. one
with too few matches at 64×64, does not sink a video). A static video fails (nothing moves, no pair is
posed) while its Sampson error is zero: the numbers are read together.

`status` of a video: "insufficient matches" when some consecutive pair has fewer than
`MIN_FUNDAMENTAL_MATCHES` matches (its Sampson error then covers only the other pairs, or is NaN), else
"static" when the matches of its consecutive frames do not move (`match_motion_px` < `MIN_MOTION_PX`),
else "ok". Motion is the 90th percentile of the matches' displacements, not their median: in a dolly
the middle of the image stands still while its edges move.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

import cv2
import numpy as np

MIN_FUNDAMENTAL_MATCHES = 8
RANSAC_THRESHOLD_PX = 1.0
RANSAC_CONFIDENCE = 0.999
ESSENTIAL_THRESHOLD_PX = 0.5
POSE_DISTANCE_LIMIT = 1e4
MIN_MOTION_PX = 0.5
STATUS_OK, STATUS_STATIC, STATUS_FEW_MATCHES = "ok", "static", "insufficient matches"


@dataclass
class PoseCriteria:
    """What makes a video's recovered camera poses a success (module docstring)."""

    pair_stride: int = 4
    min_inliers: int = 15
    max_rotation_error_deg: float = 3.0
    max_translation_error_deg: float = 25.0
    min_baseline_m: float = 1e-3

    def __post_init__(self):
        if self.pair_stride < 1 or self.min_inliers < 5:
            raise ValueError(
                "pair_stride must be at least 1 and min_inliers at least 5 (the essential matrix needs 5 points), "
                f"got {self.pair_stride} and {self.min_inliers}"
            )


@dataclass
class PairPose:
    """The recovered relative pose of one frame pair against the true one."""

    posed: bool
    rotation_error_deg: float = float("nan")
    translation_error_deg: float = float(
        "nan"
    )  # NaN when not posed, or when the true baseline is too short to have a direction


@dataclass
class GeometryResult:
    """The 3D-consistency numbers of one video."""

    sampson_error: float  # percent of the image diagonal; NaN when no consecutive pair had enough matches
    matches_per_pair: float  # ratio-test matches per consecutive pair
    pairs_with_matches: int  # consecutive pairs with enough matches for a fundamental matrix
    pairs: int  # consecutive pairs
    motion_px: float  # median displacement of the consecutive pairs' matches; NaN without matches
    pose_pairs: int  # pairs (t, t + stride)
    pairs_with_pose: int
    rotation_error_deg: float  # median over posed pairs; NaN when none
    translation_error_deg: float  # median over posed pairs with a defined direction; NaN when none
    translation_defined: bool  # whether the true cameras translate at all (False: a pure rotation)
    pose_success: bool
    status: str  # ok | static | insufficient matches


def sift_matches(first: np.ndarray, second: np.ndarray, ratio: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """Ratio-test SIFT matches between two uint8 RGB frames as two (N, 2) float arrays of pixel positions."""
    sift = cv2.SIFT_create()
    keypoints_1, descriptors_1 = sift.detectAndCompute(cv2.cvtColor(first, cv2.COLOR_RGB2GRAY), None)
    keypoints_2, descriptors_2 = sift.detectAndCompute(cv2.cvtColor(second, cv2.COLOR_RGB2GRAY), None)
    empty = np.zeros((0, 2))
    if descriptors_1 is None or descriptors_2 is None or len(keypoints_1) < 2 or len(keypoints_2) < 2:
        return empty, empty
    pairs = cv2.BFMatcher(cv2.NORM_L2).knnMatch(descriptors_1, descriptors_2, k=2)
    good = [
        best
        for best, second_best in (pair for pair in pairs if len(pair) == 2)
        if best.distance < ratio * second_best.distance
    ]
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
    """Mean √Sampson distance of all matches under a RANSAC fundamental matrix, in percent of `diagonal`.

    NaN if F cannot be fit.
    """
    if len(points_1) < MIN_FUNDAMENTAL_MATCHES:
        return float("nan")
    fundamental, _ = cv2.findFundamentalMat(points_1, points_2, cv2.FM_RANSAC, RANSAC_THRESHOLD_PX, RANSAC_CONFIDENCE)
    if fundamental is None or fundamental.shape != (3, 3):  # degenerate, or several 7-point solutions stacked
        return float("nan")
    return float(np.mean(np.sqrt(sampson_distances(fundamental, points_1, points_2))) / diagonal * 100.0)


def relative_pose(world_to_camera_1: np.ndarray, world_to_camera_2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(R, t) taking camera-1 coordinates to camera-2 coordinates (x₂ = R x₁ + t).

    From two world-to-camera 4×4 matrices.
    """
    rotation = world_to_camera_2[:3, :3] @ world_to_camera_1[:3, :3].T
    return rotation, world_to_camera_2[:3, 3] - rotation @ world_to_camera_1[:3, 3]


def rotation_angle_deg(rotation: np.ndarray) -> float:
    """The angle of a rotation matrix, in degrees."""
    return float(np.degrees(np.arccos(np.clip((np.trace(rotation) - 1.0) / 2.0, -1.0, 1.0))))


def direction_angle_deg(first: np.ndarray, second: np.ndarray) -> float:
    """The angle between two non-zero 3-vectors, in degrees."""
    cosine = np.dot(first, second) / (np.linalg.norm(first) * np.linalg.norm(second))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


def match_motion_px(points_1: np.ndarray, points_2: np.ndarray) -> float:
    """How far matches move: the 90th percentile of their displacements in pixels (NaN without matches)."""
    if len(points_1) == 0:
        return float("nan")
    return float(np.percentile(np.linalg.norm(points_2 - points_1, axis=1), 90))


def pair_pose_errors(
    points_1: np.ndarray,
    points_2: np.ndarray,
    intrinsics: np.ndarray,
    true_rotation: np.ndarray,
    true_translation: np.ndarray,
    criteria: PoseCriteria,
) -> PairPose:
    """Recover one pair's relative pose from its matches and compare it with the true one (module docstring)."""
    if len(points_1) < criteria.min_inliers or match_motion_px(points_1, points_2) < MIN_MOTION_PX:
        return PairPose(posed=False)
    cv2.setRNGSeed(0)  # MAGSAC samples with OpenCV's global generator: the same matches, the same answer
    essential, inliers = cv2.findEssentialMat(
        points_1, points_2, intrinsics, method=cv2.USAC_MAGSAC, prob=RANSAC_CONFIDENCE, threshold=ESSENTIAL_THRESHOLD_PX
    )
    if essential is None or inliers is None or int(inliers.sum()) < criteria.min_inliers:
        return PairPose(posed=False)
    # Several 3x3 solutions may come stacked; the first is the best.
    kept, rotation, translation, _ = cv2.recoverPose(
        essential[:3], points_1, points_2, intrinsics, distanceThresh=POSE_DISTANCE_LIMIT, mask=inliers
    )[:4]
    if int(kept) < criteria.min_inliers:
        return PairPose(posed=False)
    rotation_error = rotation_angle_deg(rotation @ true_rotation.T)
    has_direction = np.linalg.norm(true_translation) >= criteria.min_baseline_m
    translation_error = direction_angle_deg(translation.ravel(), true_translation) if has_direction else float("nan")
    return PairPose(True, rotation_error, translation_error)


def _median(values: list[float]) -> float:
    finite = [value for value in values if np.isfinite(value)]
    return float(np.median(finite)) if finite else float("nan")


def video_geometry(
    frames: np.ndarray,
    intrinsics: np.ndarray,
    world_to_camera: np.ndarray,
    criteria: PoseCriteria | None = None,
    ratio: float = 0.75,
) -> GeometryResult:
    """Sampson error, and camera poses against the true `world_to_camera` (T×4×4), of one (T, H, W, 3) uint8 video."""
    criteria = criteria or PoseCriteria()
    if frames.ndim != 4 or frames.shape[0] < 2 or frames.shape[-1] != 3:
        raise ValueError(f"3D consistency needs a (T>=2, H, W, 3) video, got {frames.shape}")
    if len(world_to_camera) != len(frames):
        raise ValueError(
            f"3D consistency needs one true camera per frame: {len(frames)} frames, {len(world_to_camera)} cameras"
        )
    diagonal = float(np.hypot(frames.shape[1], frames.shape[2]))
    errors, match_counts, first_points, second_points = [], [], [], []
    for first, second in pairwise(frames):
        points_1, points_2 = sift_matches(first, second, ratio)
        match_counts.append(len(points_1))
        errors.append(pair_sampson_error(points_1, points_2, diagonal))
        first_points.append(points_1)
        second_points.append(points_2)
    stride = min(criteria.pair_stride, len(frames) - 1)
    poses, directed = [], []  # directed: whether the true cameras of a pair translate
    for start in range(len(frames) - stride):
        true_rotation, true_translation = relative_pose(world_to_camera[start], world_to_camera[start + stride])
        directed.append(bool(np.linalg.norm(true_translation) >= criteria.min_baseline_m))
        poses.append(
            pair_pose_errors(
                *sift_matches(frames[start], frames[start + stride], ratio),
                intrinsics,
                true_rotation,
                true_translation,
                criteria,
            )
        )
    # Success looks at the median pair, an unposed pair counting as an infinite error.
    rotation_errors = [pose.rotation_error_deg if pose.posed else np.inf for pose in poses]
    translation_errors = [
        pose.translation_error_deg if pose.posed else np.inf
        for pose, has_direction in zip(poses, directed)
        if has_direction
    ]
    translation_defined = bool(translation_errors)
    success = np.median(rotation_errors) <= criteria.max_rotation_error_deg and (
        not translation_defined or np.median(translation_errors) <= criteria.max_translation_error_deg
    )
    motion = match_motion_px(np.concatenate(first_points), np.concatenate(second_points))
    pairs_with_matches = sum(count >= MIN_FUNDAMENTAL_MATCHES for count in match_counts)
    status = (
        STATUS_FEW_MATCHES
        if pairs_with_matches < len(match_counts)
        else STATUS_STATIC
        if motion < MIN_MOTION_PX
        else STATUS_OK
    )
    finite = [error for error in errors if np.isfinite(error)]
    return GeometryResult(
        sampson_error=float(np.mean(finite)) if finite else float("nan"),
        matches_per_pair=float(np.mean(match_counts)),
        pairs_with_matches=int(pairs_with_matches),
        pairs=len(frames) - 1,
        motion_px=motion,
        pose_pairs=len(poses),
        pairs_with_pose=sum(pose.posed for pose in poses),
        rotation_error_deg=_median([pose.rotation_error_deg for pose in poses]),
        translation_error_deg=_median([pose.translation_error_deg for pose in poses]),
        translation_defined=translation_defined,
        pose_success=bool(success),
        status=status,
    )
