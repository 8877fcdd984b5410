"""The past video a `cosmos-flow generate` command continues: read, fitted to the model, trimmed to its condition.

A user's video can have any size and length: it is center-cropped to the model's aspect ratio and
area-resized to the model's resolution one frame at a time (a long full-HD video is never held at
full size), then its first K frames become the condition (K = 1 or 1 + k*tc, the counts a causal
tokenizer encodes into whole latent frames).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from cosmos_flow.video import VideoError, iter_frames
from cosmos_flow.worldmodel.frames import condition_latent_frames, default_condition_frames, fit_frame


def load_past_video(path: str | Path, size: tuple[int, int], max_frames: int | None = None) -> np.ndarray:
    """uint8 (K, H, W, 3): the video's frames (at most max_frames) fitted to size (H, W). VideoError if it cannot be
    read."""
    if max_frames is not None and max_frames < 1:
        raise ValueError(f"max_frames must be at least 1 or None, got {max_frames}")
    frames = [fit_frame(frame, size) for frame in iter_frames(path, end=max_frames)]
    if not frames:
        raise VideoError(path, "has no frames")
    return np.stack(frames)


def select_condition_frames(frames: np.ndarray, condition_frames: int | None, tc: int) -> np.ndarray:
    """The first K frames to condition on (K None: 1 + tc when the video has that many, else 1)."""
    count = default_condition_frames(len(frames), tc) if condition_frames is None else condition_frames
    condition_latent_frames(count, tc)
    if len(frames) < count:
        raise ValueError(
            f"the past video has {len(frames)} frames but {count} condition frames were asked for; "
            "give a longer video or fewer condition frames"
        )
    return frames[:count]
