"""One decode per candidate clip, every filter on the same frames: the clip's measured facts.

Frames are decoded once at a fixed analysis rate and size (so motion scores compare across
clips), plus a few frames at the original resolution for the codec-artefact measures of the
quality filter. A clip that fails to decode gets `decode_error` and the run goes on.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import cv2
import numpy as np

from cosmos_flow.curation.motion import MotionAnalysis, MotionParams, analyze_motion
from cosmos_flow.curation.quality import QualityParams, QualityResult, assess_quality
from cosmos_flow.curation.sampling import spread_indices
from cosmos_flow.curation.text_overlay import TextOverlayParams, TextOverlayResult, detect_text_overlay
from cosmos_flow.curation.video_type import (
    NATURAL,
    SYNTHETIC_RENDER,
    VideoTypeParams,
    VideoTypeResult,
    classify_video_type,
    type_verdict,
)
from cosmos_flow.video import VideoError, iter_frames

DECODE_ERROR = "decode_error"


@dataclass(frozen=True)
class AnalysisParams:
    """How clips are decoded for the filters."""

    fps: float = 8.0  # analysis frame rate (clips at a lower rate keep theirs)
    short_side: int = 128  # analysis size: the shorter side, never enlarged
    max_frames: int = 96  # at most this many analysis frames per clip (evenly strided beyond)
    text_frames: int = 12  # frames, spread over the clip, that the text filter reads
    native_frames: int = 3  # frames at the original resolution for blockiness and noise


@dataclass
class FilterParams:
    """Every filter's parameters, built from the `curation.filters` parameter group."""

    analysis: AnalysisParams = field(default_factory=AnalysisParams)
    motion: MotionParams = field(default_factory=MotionParams)
    quality: QualityParams = field(default_factory=QualityParams)
    text: TextOverlayParams = field(default_factory=TextOverlayParams)
    video_type: VideoTypeParams = field(default_factory=VideoTypeParams)
    allowed_types: tuple[str, ...] = (NATURAL, SYNTHETIC_RENDER)

    @classmethod
    def from_dict(cls, params: dict | None) -> FilterParams:
        params = params or {}
        return cls(
            analysis=AnalysisParams(**params.get("analysis", {})),
            motion=MotionParams(**params.get("motion", {})),
            quality=QualityParams(**params.get("quality", {})),
            text=TextOverlayParams(**params.get("text", {})),
            video_type=VideoTypeParams(**params.get("video_type", {})),
            allowed_types=tuple(params.get("allowed_types", (NATURAL, SYNTHETIC_RENDER))),
        )


@dataclass
class ClipAnalysis:
    """What the filters found in one clip; `frames` are kept for captioning and embedding."""

    frames: np.ndarray
    fps: float
    motion: MotionAnalysis
    quality: QualityResult
    text: TextOverlayResult
    video_type: VideoTypeResult
    type_verdict: str | None

    @property
    def reject_reason(self) -> str | None:
        """The first failing filter, in the order motion, quality, text, type."""
        for verdict in (
            self.motion.reject_reason,
            self.quality.reject_reason,
            self.text.reject_reason,
            self.type_verdict,
        ):
            if verdict:
                return verdict
        return None


def analysis_size(width: int, height: int, short_side: int) -> tuple[int, int]:
    """(width, height) with the shorter side at most `short_side`, even, aspect kept."""
    scale = min(1.0, short_side / min(width, height))
    return max(2, round(width * scale / 2) * 2), max(2, round(height * scale / 2) * 2)


class _ClipCollector:
    """Gathers one clip's analysis frames (at the analysis rate and size) and native frames."""

    def __init__(self, start: int, end: int, fps: float, size: tuple[int, int], params: AnalysisParams):
        self.start, self.end, self.size = start, end, size
        self.rate_ratio = min(params.fps, fps) / fps
        self.rate = fps * self.rate_ratio
        self.native_at = set((start + spread_indices(end - start, params.native_frames)).tolist())
        self.frames: list[np.ndarray] = []
        self.native: list[np.ndarray] = []

    def add(self, index: int, frame: np.ndarray) -> None:
        offset = index - self.start
        if offset == 0 or int(offset * self.rate_ratio) != int((offset - 1) * self.rate_ratio):
            self.frames.append(cv2.resize(frame, self.size, interpolation=cv2.INTER_AREA))
        if index in self.native_at:
            self.native.append(frame)


def analyze_video_clips(
    path, ranges: list[tuple[int, int]], fps: float, width: int, height: int, params: FilterParams
) -> Iterator[tuple[int, ClipAnalysis | VideoError]]:
    """Decode `path` once, front to back, and analyze each clip [start, end) of `ranges`.

    Yields (position in `ranges`, analysis), or a VideoError for a clip whose frames could not all
    be decoded. Ranges must not overlap; only one clip's frames are held at a time.
    """
    order = sorted(range(len(ranges)), key=lambda i: ranges[i][0])
    size = analysis_size(width, height, params.analysis.short_side)
    pending = list(order)
    current: _ClipCollector | None = None
    last_needed = max((end for _, end in ranges), default=0)
    try:
        for index, frame in enumerate(iter_frames(path, end=last_needed)):
            if current is None and pending and ranges[pending[0]][0] == index:
                current = _ClipCollector(*ranges[pending[0]], fps, size, params.analysis)
            if current is not None:
                current.add(index, frame)
                if index == current.end - 1:
                    yield pending.pop(0), _finish(current, width, height, params)
                    current = None
    except VideoError as error:
        for position in pending:
            yield position, error
        return
    for position in pending:  # ranges beyond the last decodable frame
        yield (
            position,
            VideoError(
                path,
                f"ends before frame {ranges[position][1]}, "
                f"the end of clip [{ranges[position][0]}, {ranges[position][1]})",
            ),
        )


def _finish(clip: _ClipCollector, width: int, height: int, params: FilterParams) -> ClipAnalysis:
    frames = np.stack(clip.frames)
    rate = clip.rate
    if len(frames) > params.analysis.max_frames:
        stride = int(np.ceil(len(frames) / params.analysis.max_frames))
        frames, rate = frames[::stride], rate / stride
    native = np.stack(clip.native)
    video_type = classify_video_type(frames, params.video_type)
    return ClipAnalysis(
        frames=frames,
        fps=rate,
        motion=analyze_motion(frames, rate, params.motion),
        quality=assess_quality(frames, width, height, native_frames=native, params=params.quality),
        text=detect_text_overlay(frames[spread_indices(len(frames), params.analysis.text_frames)], params.text),
        video_type=video_type,
        type_verdict=type_verdict(video_type.video_type, params.allowed_types),
    )
