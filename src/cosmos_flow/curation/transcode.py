"""Transcoding kept clips: a frame-accurate cut re-encoded to H.264 (yuv420p), optionally resized."""

from __future__ import annotations

import shutil
from pathlib import Path

from cosmos_flow.video import VideoInfo, cut_clip


def transcode_clip(
    source: VideoInfo,
    target: str | Path,
    start_frame: int,
    end_frame: int,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    crf: int = 18,
) -> Path:
    """Write frames [start_frame, end_frame) of the video `source` describes to `target` as H.264 mp4.

    `source` is what the videos manifest already knows of the file, so nothing is probed again per clip.

    A clip that is a whole H.264 video needing no resize or rate change is copied instead: the
    copy is the exact same frames, and re-encoding would only lose quality (simulation episodes
    are such clips).
    """
    target, info = Path(target), source
    whole = start_frame == 0 and end_frame == info.num_frames
    unchanged = (size is None or tuple(size) == (info.width, info.height)) and (
        fps is None or abs(fps - info.fps) < 1e-6
    )
    if whole and unchanged and info.codec == "h264" and not info.has_audio:
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(info.path, target)
        return target
    return cut_clip(info.path, target, start_frame, end_frame, size=size, fps=fps, crf=crf)
