"""Text-overlay filter: find burnt-in text (subtitles, captions, channel logos) without a model.

Three cues, from cheap to decisive:
1. Strokes. Characters are thin lines, brighter or darker than what surrounds them. A white and a
   black top-hat with a kernel wider than any stroke keep exactly those and ignore the large areas
   and step edges that most of a natural picture is made of. The two polarities stay apart (dark
   letters cut a light banner into thin bright slivers, which would fill the gaps between them).
2. Text lines. Closing a stroke map with a short horizontal kernel joins the characters of a line
   into one blob. A blob counts as a line when it is as high as a line of text, clearly wider than
   high, crossed by many vertical strokes along its length, and set apart: the bands just above
   and below it hold few strokes (foliage and other clutter that happens to look like a row of
   strokes continues above and below).
3. Overlay. Burnt-in text sits still in the picture while the scene moves under it. Only steady
   strokes count: those that a neighbouring frame shows at the same place, unchanged together with
   their surroundings; so a moving scene loses its clutter before lines are looked for. The clip's
   `text_score` is the largest fraction of frames in which one spot of the picture is covered by a
   line, so subtitles that change but stay in place still score high, while scene text that moves
   with the camera does not.

Text in a static shot of a static scene (a shop sign filmed from a tripod) passes all three: the
filter cannot tell it from an overlay and rejects it too.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import cv2
import numpy as np

from cosmos_flow.curation.quality import luma, resize_frames

LOGGER = logging.getLogger(__name__)

TEXT_OVERLAY = "text_overlay"


@dataclass(frozen=True)
class TextOverlayParams:
    """Thresholds of the text-overlay filter (one Kedro parameter group).

    Line sizes are fractions of the frame height and pixel sizes refer to frames resized to
    `working_height`, so the thresholds hold at any input resolution.
    """

    working_height: int = 192  # frames are resized to this height first
    stroke_width: int = 7  # top-hat kernel side in pixels: wider than any stroke
    min_stroke_contrast: float = 55.0  # top-hat response (0-255, strongest colour channel) of a stroke pixel
    min_line_height: float = 0.03
    max_line_height: float = 0.2
    min_elongation: float = 1.5  # width / height of a text line
    min_strokes: float = 2.0  # vertical strokes met along a row of the line, at least
    min_strokes_per_height: float = 0.6  # vertical strokes met along a row, per line height of width
    max_margin_strokes: float = 0.1  # stroke density just above and below a line / its own
    max_stroke_change: float = 12.0  # luma change around a steady stroke pixel between neighbouring frames
    threshold: float = 0.3  # text_score above which the clip is rejected


@dataclass(frozen=True)
class TextOverlayResult:
    text_score: float
    reject_reason: str | None
    text_box: tuple[int, int, int, int] | None  # (x, y, width, height) of the most persistent text, input pixels


@dataclass(frozen=True)
class TextLine:
    """A line of text found in one frame: its bounding box and its stroke pixels inside it."""

    x: int
    y: int
    width: int
    height: int
    strokes: np.ndarray  # bool (height, width)


def _working_images(frames: np.ndarray, params: TextOverlayParams) -> np.ndarray:
    """float32 RGB frames resized to `params.working_height`, aspect ratio kept."""
    height, width = frames.shape[1:3]
    size = (max(1, round(width * params.working_height / height)), params.working_height)
    return resize_frames(frames, size).astype(np.float32)


def stroke_maps(image: np.ndarray, params: TextOverlayParams = TextOverlayParams()) -> np.ndarray:
    """bool (2, H, W): the thin bright and the thin dark structures of one float32 RGB frame.

    Each colour channel is searched and the strongest response kept, so that text which differs
    from the picture in colour more than in brightness (yellow on blue) is found too. Structures
    taller than any text line (poles, window frames) are removed so that they cannot join a line.
    """
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (params.stroke_width, params.stroke_width))
    tallest = round(params.max_line_height * image.shape[0]) + 1
    column = cv2.getStructuringElement(cv2.MORPH_RECT, (1, tallest))
    maps = []
    for operation in (cv2.MORPH_TOPHAT, cv2.MORPH_BLACKHAT):
        per_channel = cv2.morphologyEx(image, operation, kernel)
        response = np.maximum(np.maximum(per_channel[..., 0], per_channel[..., 1]), per_channel[..., 2])
        strokes = (response >= params.min_stroke_contrast).astype(np.uint8)
        maps.append(strokes & ~cv2.morphologyEx(strokes, cv2.MORPH_OPEN, column))
    return np.stack(maps).astype(bool)


def _stroke_crossings(strokes: np.ndarray) -> float:
    """Mean number of strokes met along the rows of the middle half of a line box."""
    height = strokes.shape[0]
    middle = strokes[height // 4 : height - height // 4].astype(np.int8)
    return float(np.abs(np.diff(middle, axis=1)).sum(axis=1).mean() / 2)


def _margin_density(strokes: np.ndarray, x: int, y: int, width: int, height: int) -> float:
    """Stroke density in the bands half a line high just above and just below a line box."""
    above = strokes[max(0, y - height // 2) : y, x : x + width]
    below = strokes[y + height : y + height + height // 2, x : x + width]
    pixels = above.size + below.size
    return float((above.sum() + below.sum()) / pixels) if pixels else 0.0


def text_lines(strokes: np.ndarray, params: TextOverlayParams = TextOverlayParams()) -> list[TextLine]:
    """The blobs of one bool stroke map that have the make of a line of text."""
    frame_height = strokes.shape[0]
    min_height, max_height = params.min_line_height * frame_height, params.max_line_height * frame_height
    # Gaps between letters and words are about half a line high: a kernel of the smallest line
    # height joins them without joining lines above each other.
    gap = max(3, round(min_height))
    closed = cv2.morphologyEx(
        strokes.astype(np.uint8), cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (gap, 1))
    )
    count, _, stats, _ = cv2.connectedComponentsWithStats(closed, connectivity=8)
    lines = []
    for x, y, width, height, _ in stats[1:count]:
        if not (min_height <= height <= max_height) or width < params.min_elongation * height:
            continue
        line_strokes = strokes[y : y + height, x : x + width]
        crossings = _stroke_crossings(line_strokes)
        if crossings < max(params.min_strokes, params.min_strokes_per_height * width / height):
            continue
        if _margin_density(strokes, x, y, width, height) > params.max_margin_strokes * line_strokes.mean():
            continue
        lines.append(TextLine(int(x), int(y), int(width), int(height), line_strokes))
    return lines


def steady_strokes(
    gray: np.ndarray, strokes: np.ndarray, params: TextOverlayParams = TextOverlayParams()
) -> np.ndarray:
    """bool (T, 2, H, W): the strokes of each frame that a neighbouring frame shows unchanged.

    A stroke pixel is steady when the previous or the next frame has a stroke of the same polarity
    there, with nearly the same luma all around it. Overlay text is steady; a scene that moves under
    it is not, so its clutter is gone before the line geometry is judged. A single frame is taken
    as it is.
    """
    if len(gray) == 1:
        return strokes
    steady = np.zeros_like(strokes)
    neighbourhood = np.ones((3, 3), np.uint8)
    for t in range(len(gray)):
        for u in (t - 1, t + 1):
            if 0 <= u < len(gray):
                # The whole 3x3 neighbourhood must be unchanged: text panned by a letter's width
                # puts strokes on strokes, but not with the same surroundings.
                change = cv2.dilate(np.abs(gray[t] - gray[u]), neighbourhood)
                steady[t] |= strokes[t] & strokes[u] & (change <= params.max_stroke_change)
    return steady


def detect_text_overlay(frames: np.ndarray, params: TextOverlayParams = TextOverlayParams()) -> TextOverlayResult:
    """Score how likely a clip carries burnt-in text, in [0, 1], and give the verdict.

    frames: (T, H, W, 3) uint8 RGB analysis frames in time order, 8-16 spread over the clip. Text
    must be a few pixels high in them: a shorter side of 128 pixels or more is best. With a single
    frame there is no motion to tell overlay from scene text, and any text line counts.
    """
    images = _working_images(frames, params)
    gray = luma(images)
    strokes = steady_strokes(gray, np.stack([stroke_maps(image, params) for image in images]), params)
    coverage = np.zeros(gray.shape[1:], dtype=np.float32)
    for frame_strokes in strokes:
        covered = np.zeros(gray.shape[1:], dtype=bool)
        for polarity_strokes in frame_strokes:
            for line in text_lines(polarity_strokes, params):
                covered[line.y : line.y + line.height, line.x : line.x + line.width] = True
        coverage += covered
    coverage /= len(gray)

    text_score = float(coverage.max())
    box = None
    if text_score > 0:
        rows, columns = np.nonzero(coverage >= text_score / 2)
        scale = frames.shape[1] / params.working_height
        box = tuple(round(float(v) * scale) for v in (columns.min(), rows.min(), np.ptp(columns) + 1, np.ptp(rows) + 1))
    LOGGER.debug("text overlay score %.2f at %s", text_score, box)
    reject = TEXT_OVERLAY if text_score > params.threshold else None
    return TextOverlayResult(text_score=text_score, reject_reason=reject, text_box=box)


def text_lines_per_frame(frames: np.ndarray, params: TextOverlayParams = TextOverlayParams()) -> float:
    """Mean number of text lines (either polarity, steady or not) in each of `frames`.

    A cue of how much text a picture holds, for other classifiers (screen captures are full of it).
    """
    images = _working_images(frames, params)
    return float(
        np.mean([sum(len(text_lines(strokes, params)) for strokes in stroke_maps(image, params)) for image in images])
    )
