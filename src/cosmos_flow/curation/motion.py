"""Motion filter: dense optical flow between consecutive frames, split into camera and subject motion.

For each pair of consecutive frames, DIS optical flow (OpenCV) is computed on small luma frames.
The median flow vector is the camera's apparent motion (a pan or tilt moves the whole picture the
same way; moving subjects rarely cover half of it); what is left after subtracting it is the
subjects' own motion. Zoom and roll are not modelled: they show up as subject motion.

Unit of every speed here: fraction of the frame diagonal per second ("diag/s"), measured on the
frames given at the `fps` given, so the numbers do not depend on resolution or frame rate. A pan
that crosses the whole picture diagonal in 10 s is 0.1 diag/s.

A clip is `static` when its mean flow magnitude (`motion_score`) is below a threshold, and
`abrupt_motion` when any pair of frames is abrupt: either the camera's velocity jumps far from
that of the neighbouring pairs (a jerk, a whip), or the flow fails to explain the next frame (a
hard cut, a flash): after warping the next frame back along the flow, it still differs from the
current one far more than usual in this clip.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from cosmos_flow.curation.quality import crop_borders, luma, resize_short_side

LOGGER = logging.getLogger(__name__)

STATIC = "static"
ABRUPT_MOTION = "abrupt_motion"

# Pairs on each side of a pair whose camera velocity is the reference its own is compared with.
_NEIGHBOURHOOD = 2


@dataclass(frozen=True)
class MotionParams:
    """Thresholds of the motion filter (one Kedro parameter group). Speeds are in diag/s."""

    analysis_short_side: int = 64  # flow is computed with the shorter side at most this many pixels
    static_threshold: float = 0.01  # motion_score below this: `static`
    abrupt_min_jump: float = 0.5  # a camera-velocity jump must exceed this (diag/s) ...
    abrupt_jump_ratio: float = 2.0  # ... and this many times the neighbouring pairs' camera speed
    unexplained_min_error: float = 15.0  # a pair's warp error (mean |luma|, 0-255) must exceed this ...
    unexplained_error_ratio: float = 4.0  # ... and this many times the clip's median warp error


@dataclass(frozen=True)
class PairMotion:
    """Flow statistics of every pair of consecutive frames (arrays of length T-1).

    camera: (T-1, 2) camera velocity (dx, dy) in diag/s, x right and y down; the camera moves
        opposite to the picture, so a pan to the right has dx > 0.
    total: mean flow magnitude; subject: mean magnitude of the flow minus the camera's, both diag/s.
    warp_error: mean absolute luma difference (0-255) between a frame and the next one warped
        back along the flow: what the flow does not explain.
    """

    camera: np.ndarray
    total: np.ndarray
    subject: np.ndarray
    warp_error: np.ndarray


@dataclass(frozen=True)
class MotionAnalysis:
    """A clip's motion, averaged over its non-abrupt frame pairs, and the verdict.

    motion_score: mean flow magnitude, diag/s (the manifest's `motion_score`).
    camera_velocity: mean camera velocity (dx, dy), diag/s, x right and y down.
    camera_speed: mean magnitude of the per-pair camera velocity, diag/s (a shaky camera has a
        high speed and a small mean velocity).
    subject_speed: mean magnitude of the motion left after removing the camera's, diag/s.
    reject_reason: `static`, `abrupt_motion` or None.
    abrupt_pairs: indices i of the abrupt pairs (frame i to frame i+1).
    """

    motion_score: float
    camera_velocity: tuple[float, float]
    camera_speed: float
    subject_speed: float
    reject_reason: str | None
    abrupt_pairs: tuple[int, ...]
    pairs: PairMotion


# --------------------------------------------------------------------------- flow per pair


def analysis_frames(frames: np.ndarray, short_side: int) -> np.ndarray:
    """uint8 luma of `frames` without letterbox bars, the shorter side at most `short_side` pixels.

    Bars would add motionless pixels that pull the median flow to zero; frames are never grown,
    since upscaling adds no motion information.
    """
    frames = crop_borders(frames)
    if min(frames.shape[1:3]) > short_side:
        frames = resize_short_side(frames, short_side)
    return np.clip(luma(frames) + 0.5, 0, 255).astype(np.uint8)


def pair_motion(gray: np.ndarray, fps: float) -> PairMotion:
    """Flow statistics of each consecutive pair of (T, H, W) uint8 luma frames (see PairMotion)."""
    height, width = gray.shape[1:]
    to_diag_per_s = fps / float(np.hypot(height, width))
    rows, columns = np.mgrid[0:height, 0:width].astype(np.float32)
    # DIS tracks displacements of many pixels at this size (coarse-to-fine) and costs ~2 ms a pair.
    dis = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_MEDIUM)
    camera, total, subject, warp_error = [], [], [], []
    for current, following in zip(gray[:-1], gray[1:]):
        flow = dis.calc(current, following, None)
        picture_shift = np.median(flow.reshape(-1, 2), axis=0)
        warped = cv2.remap(
            following, columns + flow[..., 0], rows + flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        camera.append(-picture_shift * to_diag_per_s)
        total.append(np.linalg.norm(flow, axis=2).mean() * to_diag_per_s)
        subject.append(np.linalg.norm(flow - picture_shift, axis=2).mean() * to_diag_per_s)
        warp_error.append(np.abs(warped.astype(np.float32) - current).mean())
    return PairMotion(
        camera=np.array(camera, dtype=np.float64).reshape(-1, 2),
        total=np.array(total, dtype=np.float64),
        subject=np.array(subject, dtype=np.float64),
        warp_error=np.array(warp_error, dtype=np.float64),
    )


# --------------------------------------------------------------------------- abrupt pairs


def camera_jumps(camera: np.ndarray, params: MotionParams) -> np.ndarray:
    """Boolean mask of pairs whose camera velocity jumps away from that of the pairs around it.

    The reference is the median velocity of the neighbouring pairs (the pair itself included), so
    one jerk does not move it, while a pan that speeds up smoothly moves it along.
    """
    jumps = np.zeros(len(camera), dtype=bool)
    for index in range(len(camera)):
        around = camera[max(0, index - _NEIGHBOURHOOD) : index + _NEIGHBOURHOOD + 1]
        reference = np.median(around, axis=0)
        jump = np.linalg.norm(camera[index] - reference)
        jumps[index] = jump > max(params.abrupt_min_jump, params.abrupt_jump_ratio * np.linalg.norm(reference))
    return jumps


def unexplained_pairs(warp_error: np.ndarray, params: MotionParams) -> np.ndarray:
    """Boolean mask of pairs whose next frame the flow cannot explain (cuts, flashes, teleports)."""
    if len(warp_error) == 0:
        return np.zeros(0, dtype=bool)
    limit = max(params.unexplained_min_error, params.unexplained_error_ratio * float(np.median(warp_error)))
    return warp_error > limit


# --------------------------------------------------------------------------- the filter


def analyze_motion(frames: np.ndarray, fps: float, params: MotionParams = MotionParams()) -> MotionAnalysis:
    """Measure a clip's camera and subject motion and say whether to reject it as static or abrupt.

    frames: the clip's analysis frames, (T, H, W, 3) uint8 RGB at any size.
    fps: the frame rate of `frames` (after any subsampling), which turns pixels per frame into
        diag/s.
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    if frames.ndim != 4 or frames.shape[-1] != 3 or frames.dtype != np.uint8:
        raise ValueError(f"frames must be (T, H, W, 3) uint8 RGB, got {frames.shape} {frames.dtype}")
    pairs = pair_motion(analysis_frames(frames, params.analysis_short_side), fps)
    abrupt = camera_jumps(pairs.camera, params) | unexplained_pairs(pairs.warp_error, params)
    if len(pairs.total) == 0:
        LOGGER.debug("a %d-frame clip has no frame pairs: taken as static", len(frames))
        motion_score = camera_speed = subject_speed = 0.0
        camera_velocity = (0.0, 0.0)
    else:
        # Summaries describe the clip's motion, not its glitches: a cut's flow is meaningless.
        smooth = ~abrupt if (~abrupt).any() else np.ones_like(abrupt)
        motion_score = float(pairs.total[smooth].mean())
        camera_velocity = tuple(float(value) for value in pairs.camera[smooth].mean(axis=0))
        camera_speed = float(np.linalg.norm(pairs.camera[smooth], axis=1).mean())
        subject_speed = float(pairs.subject[smooth].mean())

    abrupt_pairs = tuple(int(index) for index in np.flatnonzero(abrupt))
    if abrupt_pairs:
        reject = ABRUPT_MOTION
    elif motion_score < params.static_threshold:
        reject = STATIC
    else:
        reject = None
    return MotionAnalysis(
        motion_score=motion_score,
        camera_velocity=camera_velocity,
        camera_speed=camera_speed,
        subject_speed=subject_speed,
        reject_reason=reject,
        abrupt_pairs=abrupt_pairs,
        pairs=pairs,
    )
