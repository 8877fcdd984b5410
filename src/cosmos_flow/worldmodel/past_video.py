"""The past video a `cosmos-flow generate` command continues: read at the model's frame rate, fitted to its size,
trimmed to its condition.

A user who hands over a video to continue means its end: by default the condition is the video's *last* K frames
(K = 1 or 1 + k*tc, the counts a causal tokenizer encodes into whole latent frames); `start_s` picks another start.
The video is resampled to the model's rate by presentation timestamps (each model frame shows the source frame on
screen at that time), and each frame is center-cropped to the model's aspect and area-resized to its resolution as
it is decoded, so a long full-HD video is never held at full size.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from cosmos_flow.video import VideoError, iter_frames, probe
from cosmos_flow.worldmodel.frames import condition_latent_frames, default_condition_frames, fit_frame


@dataclass(frozen=True)
class PastCondition:
    """The condition frames taken from a past video, and where they came from."""

    frames: np.ndarray  # uint8 (K, H, W, 3) at the model's size and frame rate
    start_s: float  # the time in the source of the first condition frame ...
    end_s: float  # ... and of the last one
    source_fps: float
    model_fps: float
    source_size: tuple[int, int]  # (width, height)

    def describe(self, path: str | Path) -> str:
        """One line for the user: which part of the video is used, and how it was fitted."""
        height, width = self.frames.shape[1:3]
        source_width, source_height = self.source_size
        fitted = (
            f"{source_width}x{source_height}"
            if (source_width, source_height) == (width, height)
            else f"{source_width}x{source_height} center-cropped and resized to {width}x{height}"
        )
        span = f"{self.start_s:.2f}-{self.end_s:.2f} s"
        return (
            f"conditioning on {len(self.frames)} frame{'s' if len(self.frames) != 1 else ''} from {span} of "
            f"{Path(path).name} "
            f"({self.source_fps:g} -> {self.model_fps:g} fps, {fitted})"
        )


def condition_from_video(
    path: str | Path,
    size: tuple[int, int],
    fps: float,
    temporal_compression: int,
    condition_frames: int | None = None,
    start_s: float | None = None,
) -> PastCondition:
    """The condition frames of the past video at `path`, at size (H, W) and `fps` frames a second.

    condition_frames: K (default 1 + tc when the video has that many frames at `fps`, else 1).
    start_s: the time of the first condition frame (default: the last K frames, the video's end).
    """
    if fps <= 0:
        raise ValueError(f"the model's frame rate must be positive, got {fps}")
    if start_s is not None and start_s < 0:
        raise ValueError(f"the start time must be 0 or more seconds, got {start_s}")
    if condition_frames is not None:
        condition_latent_frames(condition_frames, temporal_compression)  # 1 or 1 + k*tc, or one readable error
    info = probe(path)
    wanted = condition_frames or 1 + temporal_compression  # the most frames the default may take
    first = None if start_s is None else round(start_s * fps)
    kept: deque[np.ndarray] = deque(maxlen=None if first is not None else wanted)
    seen = 0
    for index, frame in enumerate(iter_frames(path, fps=fps)):
        seen = index + 1
        if first is None:
            kept.append(fit_frame(frame, size))
        elif first <= index < first + wanted:
            kept.append(fit_frame(frame, size))
        elif index >= first + wanted:
            break
    if seen == 0:
        raise VideoError(path, "has no frames")
    if not kept:
        raise ValueError(
            f"--start {start_s:g} s is past the end of the video ({seen / fps:.2f} s at {fps:g} fps); start earlier"
        )
    count = default_condition_frames(len(kept), temporal_compression) if condition_frames is None else wanted
    if len(kept) < count:
        where = "" if first is None else f" from {start_s:g} s"
        raise ValueError(
            f"the past video has {len(kept)} frames at {fps:g} fps{where} but {count} condition frames were asked "
            "for; give a longer video, an earlier --start or fewer condition frames"
        )
    frames = np.stack(list(kept)[:count] if first is not None else list(kept)[-count:])
    first_index = first if first is not None else seen - count
    return PastCondition(
        frames,
        first_index / fps,
        (first_index + count - 1) / fps,
        info.fps,
        fps,
        (info.width, info.height),
    )
