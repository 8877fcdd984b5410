"""Video-type classifier: natural footage, synthetic render, static slideshow or screen recording.

Cheap per-clip features (`VideoTypeFeatures`) feed a transparent rule set (`classify_video_type`):

1. Screen recordings and UI captures are drawn, not filmed: flat panels full of lines of text.
   They are mostly still too, which is why this rule comes before the slideshow rule.
2. Slideshows are still pictures with cuts between them: most frame-to-frame changes are nil
   (one still held for the whole clip counts too).
3. Synthetic renders come in two kinds. Simulator renders (flat shading, no sensor noise) have a
   few flat colours covering much of the picture, no noise in them, and some colour (a filmed
   plain wall is flat and noiseless after compression too, but dull). Stylized CG animation is
   textured like film but more colourful than almost any footage (Hasler and Suesstrunk's
   colourfulness); this second cue is the weakest of the set and can be switched off by raising
   `min_render_colourfulness`.
4. Everything else is natural footage.

Each rule reads one or two features against thresholds in `VideoTypeParams`, so a misclassified
clip can be explained from its features alone. Whether a type is kept is the caller's choice:
`type_verdict(label, allowed_types)`.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from cosmos_flow.curation.quality import crop_borders, luma, noise_sigma, resize_short_side
from cosmos_flow.curation.sampling import spread_indices
from cosmos_flow.curation.text_overlay import text_lines_per_frame

LOGGER = logging.getLogger(__name__)

NATURAL = "natural"
SYNTHETIC_RENDER = "synthetic_render"
STATIC_SLIDESHOW = "static_slideshow"
SCREEN = "screen"
VIDEO_TYPES = (NATURAL, SYNTHETIC_RENDER, STATIC_SLIDESHOW, SCREEN)
UNWANTED_TYPE = "unwanted_type"


@dataclass(frozen=True)
class VideoTypeParams:
    """Thresholds of the video-type rules (one Kedro parameter group)."""

    working_short_side: int = 128
    still_change: float = 1.5  # mean |luma change| (0-255) below which two frames show the same picture
    text_frames: int = 4  # frames searched for lines of text (evenly spread)
    min_screen_text_lines: float = 1.5  # lines of text per frame
    min_screen_flat_fraction: float = 0.3
    min_still_fraction: float = 0.6  # share of still frame pairs that makes a slideshow
    min_render_colour_share: float = 0.4
    min_render_flat_fraction: float = 0.2
    max_render_noise: float = 0.6
    min_flat_render_colourfulness: float = 16.0  # a plain wall is flat too, but dull
    min_render_colourfulness: float = 62.0


@dataclass(frozen=True)
class VideoTypeFeatures:
    """Per-clip features, each a number with a meaning of its own (see `video_type_features`)."""

    still_fraction: float  # share of consecutive frame pairs with (almost) no change
    text_lines: float  # lines of text per frame (the text-overlay filter's line detector, default settings)
    colour_share: float  # share of pixels in the 8 commonest colours (5 bits per channel)
    flat_fraction: float  # share of pixels whose 3x3 neighbourhood spans under 2 luma levels
    colourfulness: float  # Hasler and Suesstrunk's colourfulness (0 grey, about 100 very vivid)
    noise: float  # luma noise sigma of the flattest areas (0-255)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass(frozen=True)
class VideoTypeResult:
    video_type: str
    features: VideoTypeFeatures


def _temporal_changes(gray: np.ndarray) -> np.ndarray:
    """Mean |luma change| between each pair of consecutive frames (empty for one frame)."""
    return np.abs(np.diff(gray, axis=0)).mean(axis=(1, 2)) if len(gray) > 1 else np.zeros(0)


def _colour_share(frames: np.ndarray, colours: int = 8) -> float:
    """Share of pixels taken by the `colours` commonest colours, quantized to 5 bits per channel."""
    quantized = (frames >> 3).astype(np.int32)
    codes = (quantized[..., 0] << 10) | (quantized[..., 1] << 5) | quantized[..., 2]
    counts = np.bincount(codes.ravel(), minlength=1 << 15)
    return float(np.sort(counts)[-colours:].sum() / codes.size)


def _flat_fraction(gray: np.ndarray, max_range: float = 2.0) -> float:
    """Share of pixels whose 3x3 neighbourhood spans less than `max_range` luma levels."""
    kernel = np.ones((3, 3), np.uint8)
    ranges = [cv2.dilate(frame, kernel) - cv2.erode(frame, kernel) for frame in gray]
    return float(np.mean(np.stack(ranges) < max_range))


def _colourfulness(frames: np.ndarray) -> float:
    """Hasler and Suesstrunk (2003): spread and mean of the red-green and yellow-blue opponents."""
    rgb = frames.astype(np.float32)
    red_green = rgb[..., 0] - rgb[..., 1]
    yellow_blue = 0.5 * (rgb[..., 0] + rgb[..., 1]) - rgb[..., 2]
    spread = np.hypot(red_green.std(), yellow_blue.std())
    mean = np.hypot(red_green.mean(), yellow_blue.mean())
    return float(spread + 0.3 * mean)


def video_type_features(frames: np.ndarray, params: VideoTypeParams = VideoTypeParams()) -> VideoTypeFeatures:
    """Features of a clip's analysis frames ((T, H, W, 3) uint8 RGB, in time order, any size).

    Letterbox bars are cropped first (black bars would look like flat drawn areas) and frames
    resized to `params.working_short_side`. Lines of text are counted in `params.text_frames`
    frames spread over the clip.
    """
    frames = resize_short_side(crop_borders(frames), params.working_short_side)
    gray = luma(frames)
    changes = _temporal_changes(gray)
    spread = spread_indices(len(frames), params.text_frames)
    return VideoTypeFeatures(
        still_fraction=float(np.mean(changes < params.still_change)) if len(changes) else 1.0,
        text_lines=text_lines_per_frame(frames[spread]),
        colour_share=_colour_share(frames),
        flat_fraction=_flat_fraction(gray),
        colourfulness=_colourfulness(frames),
        noise=float(np.median([noise_sigma(frame) for frame in gray])),
    )


def label_from_features(features: VideoTypeFeatures, params: VideoTypeParams = VideoTypeParams()) -> str:
    """The rule set of the module docstring, in order."""
    if (
        features.text_lines >= params.min_screen_text_lines
        and features.flat_fraction >= params.min_screen_flat_fraction
    ):
        return SCREEN
    if features.still_fraction >= params.min_still_fraction:
        return STATIC_SLIDESHOW
    flat_shaded = (
        features.colour_share >= params.min_render_colour_share
        and features.flat_fraction >= params.min_render_flat_fraction
        and features.noise <= params.max_render_noise
        and features.colourfulness >= params.min_flat_render_colourfulness
    )
    if flat_shaded or features.colourfulness >= params.min_render_colourfulness:
        return SYNTHETIC_RENDER
    return NATURAL


def classify_video_type(frames: np.ndarray, params: VideoTypeParams = VideoTypeParams()) -> VideoTypeResult:
    """Label a clip from its analysis frames: (T, H, W, 3) uint8 RGB at a steady rate of a few
    frames per second (4-8 were tried), at least 8 of them, any size (128 on the shorter side is plenty)."""
    features = video_type_features(frames, params)
    label = label_from_features(features, params)
    LOGGER.debug("video type %s from %s", label, features)
    return VideoTypeResult(video_type=label, features=features)


def type_verdict(label: str, allowed_types: Collection[str]) -> str | None:
    """`unwanted_type` when `label` is not among `allowed_types`, else None."""
    unknown = set(allowed_types) - set(VIDEO_TYPES)
    if unknown:
        raise ValueError(f"unknown video types {sorted(unknown)} in allowed_types; known: {list(VIDEO_TYPES)}")
    return None if label in allowed_types else UNWANTED_TYPE
