"""Clip splitting: from detected shots to candidate clip ranges, in source frames.

Each shot is trimmed by `trim_s` at every end that is a cut (frames next to a cut may carry the
transition; the video's own first and last frames are not cuts and are kept). A trimmed shot
shorter than `min_clip_s` becomes one rejected candidate (`too_short`) covering the whole
untrimmed shot, so that every shot is accounted for. A trimmed shot longer than `max_clip_s` is
cut into the fewest contiguous pieces that fit, their lengths as equal as frames allow.

Seconds become frames conservatively: the trim and the minimum round up, the maximum rounds down,
so every kept clip lasts at least `min_clip_s` and at most `max_clip_s`, and at least `trim_s` is
trimmed, at any frame rate (29.97 fps included).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TOO_SHORT = "too_short"

_ROUNDING_SLACK = 1e-6  # frames; absorbs float error such as 2.0 * 25 = 49.999999...


class FrameRange(Protocol):
    """Anything with source frames [start_frame, end_frame), such as a detected `Shot`."""

    start_frame: int
    end_frame: int


@dataclass(frozen=True)
class ClipSplitParams:
    """How shots become clips (one Kedro parameter group; cosmos-curate's defaults)."""

    trim_s: float = 0.5
    min_clip_s: float = 2.0
    max_clip_s: float = 60.0


@dataclass(frozen=True)
class CandidateClip:
    """Source frames [start_frame, end_frame) of shot `shot_index`; reject_reason None when kept."""

    start_frame: int
    end_frame: int
    shot_index: int
    reject_reason: str | None = None

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame

    @property
    def kept(self) -> bool:
        return self.reject_reason is None


def frames_at_least(seconds: float, fps: float) -> int:
    """The fewest whole frames that last at least `seconds`."""
    return max(0, math.ceil(seconds * fps - _ROUNDING_SLACK))


def frames_at_most(seconds: float, fps: float) -> int:
    """The most whole frames that last at most `seconds`."""
    return max(0, math.floor(seconds * fps + _ROUNDING_SLACK))


def even_pieces(start: int, end: int, max_length: int) -> list[tuple[int, int]]:
    """[start, end) cut into the fewest contiguous pieces of at most `max_length` frames, the
    first ones one frame longer where the frames do not divide evenly."""
    length = end - start
    count = max(1, -(-length // max_length))
    base, longer = divmod(length, count)
    pieces, position = [], start
    for index in range(count):
        size = base + (index < longer)
        pieces.append((position, position + size))
        position += size
    return pieces


def split_shots(
    shots: Sequence[FrameRange],
    fps: float,
    num_frames: int,
    params: ClipSplitParams = ClipSplitParams(),
) -> list[CandidateClip]:
    """Candidate clips of a video of `num_frames` frames at `fps` from its `shots`, in shot order.

    A shot's start is a cut unless it is frame 0, and its end is a cut unless it is `num_frames`.
    Raises ValueError for a shot outside [0, num_frames] or parameters that cannot be met (long
    shots can only be split into pieces of at least min_clip_s if max_clip_s is about twice it).
    """
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    trim = frames_at_least(params.trim_s, fps)
    min_length = max(1, frames_at_least(params.min_clip_s, fps))
    max_length = frames_at_most(params.max_clip_s, fps)
    # The hardest shot to split is one frame over the maximum: two pieces of half of it each.
    if (max_length + 1) // 2 < min_length:
        raise ValueError(
            f"max_clip_s={params.max_clip_s} must be about twice min_clip_s={params.min_clip_s} "
            f"({max_length} frames vs {min_length} at {fps:g} fps) "
            "so that long shots split into pieces that are long enough"
        )
    candidates: list[CandidateClip] = []
    for index, shot in enumerate(shots):
        if not 0 <= shot.start_frame <= shot.end_frame <= num_frames:
            raise ValueError(
                f"shot {index} [{shot.start_frame}, {shot.end_frame}) is not within the video's {num_frames} frames"
            )
        start = shot.start_frame + (trim if shot.start_frame > 0 else 0)
        end = shot.end_frame - (trim if shot.end_frame < num_frames else 0)
        if end - start < min_length:
            candidates.append(CandidateClip(shot.start_frame, shot.end_frame, index, TOO_SHORT))
            continue
        candidates.extend(
            CandidateClip(piece_start, piece_end, index)
            for piece_start, piece_end in even_pieces(start, end, max_length)
        )
    return candidates
