"""Frame-accurate clip cutting: re-encode frames [start, end) of a video with ffmpeg."""

from __future__ import annotations

import os
from pathlib import Path

import ffmpeg

from cosmos_flow.video.encode import h264_pixel_format
from cosmos_flow.video.errors import VideoError
from cosmos_flow.video.ffmpeg_binary import rate_string, run_ffmpeg
from cosmos_flow.video.probe import check_readable_file, frame_size, probe


def cut_clip(
    source: str | Path,
    target: str | Path,
    start_frame: int,
    end_frame: int,
    size: tuple[int, int] | None = None,
    fps: float | None = None,
    crf: int = 18,
    preset: str = "veryfast",
) -> Path:
    """Write source frames [start_frame, end_frame) to `target` as H.264 mp4, without audio.

    Frames are counted as decoded (ffmpeg's `trim` by frame number), so the cut is exact whatever
    the keyframe layout or timestamps; timing inside the clip is kept. size=(width, height)
    resizes with area interpolation; fps resamples to a constant rate after the cut.
    """
    if start_frame < 0 or end_frame <= start_frame:
        raise VideoError(source, f"cannot cut the empty or reversed frame range [{start_frame}, {end_frame})")
    source, target = check_readable_file(source), Path(target)
    video = ffmpeg.input(str(source)).video
    video = video.trim(start_frame=start_frame, end_frame=end_frame).setpts("PTS-STARTPTS")
    if fps is not None:
        video = video.filter("fps", fps=rate_string(fps))
    if size is not None:
        width, height = int(size[0]), int(size[1])
        video = video.filter("scale", width, height, flags="area")
    else:
        width, height = frame_size(source)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".{target.stem}.partial{target.suffix or '.mp4'}")
    graph = video.output(
        str(partial),
        vcodec="libx264",
        pix_fmt=h264_pixel_format(width, height),
        crf=crf,
        preset=preset,
        movflags="+faststart",
        fps_mode="passthrough",
        an=None,
        format="mp4",
    )
    try:
        run_ffmpeg(graph, source)
        _check_cut_length(source, partial, start_frame, end_frame, resampled=fps is not None)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return target


def _check_cut_length(source: Path, clip: Path, start_frame: int, end_frame: int, resampled: bool) -> None:
    """ffmpeg writes whatever frames exist; a range past the end of the video is an error here."""
    try:
        frames = probe(clip).num_frames
    except VideoError:
        frames = 0
    if frames == 0:
        raise VideoError(
            source, f"has no frames in the range [{start_frame}, {end_frame}): it ends before frame {start_frame}"
        )
    if not resampled and frames < end_frame - start_frame:
        raise VideoError(
            source, f"ends at frame {start_frame + frames}, inside the range [{start_frame}, {end_frame}) to cut"
        )
