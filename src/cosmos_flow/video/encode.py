"""Encoding uint8 RGB frames to H.264 mp4 files."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import ffmpeg
import numpy as np

from cosmos_flow.video.errors import VideoError
from cosmos_flow.video.ffmpeg_binary import rate_string, run_ffmpeg


def h264_pixel_format(width: int, height: int) -> str:
    """yuv420p, the format every player takes; yuv444p where an odd size rules 4:2:0 out.

    H.264 4:2:0 needs even sides; rather than pad or crop (which would change the frame size a
    pipeline relies on), odd-sized videos keep every pixel in 4:4:4.
    """
    return "yuv420p" if width % 2 == 0 and height % 2 == 0 else "yuv444p"


def check_output_name(path: str | Path, suffixes: tuple[str, ...]) -> None:
    """Refuse, in one sentence, an output file whose extension is none of `suffixes` (the formats written)."""
    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        named = f"names a {suffix} file" if suffix else "has no extension"
        raise VideoError(path, f"{named}, but only {', '.join(suffixes)} can be written here; rename it")


def write_video(
    path: str | Path,
    frames: np.ndarray | Iterable[np.ndarray],
    fps: float,
    crf: int = 18,
    preset: str = "veryfast",
) -> Path:
    """Encode frames ((T, H, W, 3) uint8 RGB, or an iterable of (H, W, 3) frames) to an H.264 mp4.

    The file appears only once it is complete (written beside the target, then renamed), so a
    failed encode never leaves a half-written video where a pipeline would find it. A name whose
    extension says another format is refused: a file never holds another format than its name says.
    """
    path = Path(path)
    check_output_name(path, (".mp4",))
    frames = iter(frames)
    try:
        first = np.asarray(next(frames))
    except StopIteration:
        raise VideoError(path, "cannot be written: no frames were given") from None
    if first.dtype != np.uint8 or first.ndim != 3 or first.shape[2] != 3:
        raise VideoError(
            path, f"cannot be written: frames must be (H, W, 3) uint8 RGB, got {first.shape} {first.dtype}"
        )
    height, width = first.shape[:2]

    def raw_chunks():
        yield np.ascontiguousarray(first).tobytes()
        for number, frame in enumerate(frames, start=1):
            frame = np.asarray(frame)
            if frame.shape != first.shape or frame.dtype != np.uint8:
                raise VideoError(
                    path,
                    f"cannot be written: frame {number} is {frame.shape} {frame.dtype}, frame 0 is {first.shape} uint8",
                )
            yield np.ascontiguousarray(frame).tobytes()

    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.stem}.partial{path.suffix or '.mp4'}")
    graph = ffmpeg.input(
        "pipe:", format="rawvideo", pix_fmt="rgb24", s=f"{width}x{height}", framerate=rate_string(fps)
    ).output(
        str(partial),
        vcodec="libx264",
        pix_fmt=h264_pixel_format(width, height),
        crf=crf,
        preset=preset,
        movflags="+faststart",
        format="mp4",
    )
    try:
        run_ffmpeg(graph, path, stdin_chunks=raw_chunks())
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path
