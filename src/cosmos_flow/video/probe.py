"""Probing: what a video file holds, read in-process with PyAV."""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import av

from cosmos_flow.video.errors import VideoError


@dataclass(frozen=True)
class VideoInfo:
    """Facts about one video file; the columns of the videos manifest come from here."""

    path: str
    width: int
    height: int
    fps: float
    num_frames: int
    duration_s: float
    codec: str
    has_audio: bool

    def to_dict(self) -> dict:
        return asdict(self)


def content_hash(path: str | Path, length: int = 16) -> str:
    """A stable id for a file: the first `length` hex digits of the SHA-256 of its bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:length]


def check_readable_file(path: str | Path) -> Path:
    """Raise a `VideoError` that says why `path` cannot be a video before ffmpeg even looks."""
    path = Path(path)
    if not path.exists():
        if path.is_symlink():
            raise VideoError(path, f"is a symbolic link to a missing file ({os.readlink(path)})")
        raise VideoError(path, "does not exist")
    if path.is_dir():
        raise VideoError(path, "is a folder, not a video file")
    if path.stat().st_size == 0:
        raise VideoError(path, "is empty (0 bytes)")
    return path


def open_container(path: str | Path) -> av.container.InputContainer:
    """Open `path` with PyAV, turning every failure into a `VideoError` a person can read."""
    path = check_readable_file(path)
    try:
        return av.open(str(path), mode="r", metadata_errors="ignore")
    except av.error.InvalidDataError:
        raise VideoError(path, _invalid_data_reason(path)) from None
    except av.error.FFmpegError as error:
        raise VideoError(
            path, f"cannot be opened by ffmpeg ({_ffmpeg_reason(error)}); it may be truncated or damaged"
        ) from None


def video_stream(container: av.container.InputContainer, path: str | Path) -> av.video.stream.VideoStream:
    """The first video stream of `container`, or a `VideoError` that says what the file holds instead."""
    if not container.streams.video:
        kinds = sorted({stream.type for stream in container.streams})
        holds = f"only {', '.join(kinds)} streams" if kinds else "no streams at all"
        raise VideoError(path, f"has no video stream ({holds})")
    return container.streams.video[0]


def frame_size(path: str | Path) -> tuple[int, int]:
    """(width, height) of the first video stream, read from the header alone."""
    container = open_container(path)
    with container:
        context = video_stream(container, path).codec_context
        return int(context.width), int(context.height)


def probe(path: str | Path) -> VideoInfo:
    """Read size, frame rate, frame count, duration, codec and audio presence of a video.

    The frame count comes from demuxing every packet (no decoding), so it is exact even where the
    container's header is missing or wrong; the first frame is decoded to make sure the stream is
    really decodable.
    """
    container = open_container(path)
    with container:
        stream = video_stream(container, path)
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise VideoError(path, "has a video stream without a frame size")
        num_frames, last_time = _count_packets(container, stream, path)
        if num_frames == 0:
            raise VideoError(path, "has a video stream with no frames in it")
        if stream.frames and num_frames < stream.frames:
            raise VideoError(
                path, f"is truncated: its header lists {stream.frames} frames but only {num_frames} are in the file"
            )
        _decode_first_frame(container, stream, path)
        fps = _frame_rate(stream, num_frames, last_time)
        return VideoInfo(
            path=str(path),
            width=int(width),
            height=int(height),
            fps=fps,
            num_frames=num_frames,
            duration_s=num_frames / fps,
            codec=stream.codec_context.name,
            has_audio=bool(container.streams.audio),
        )


def _count_packets(container, stream, path) -> tuple[int, float | None]:
    count, last_time = 0, None
    try:
        for packet in container.demux(stream):
            if packet.size == 0:  # the flush packet at the end
                continue
            count += 1
            if packet.pts is not None and packet.time_base is not None:
                time = float(packet.pts * packet.time_base)
                last_time = time if last_time is None else max(last_time, time)
    except av.error.FFmpegError as error:
        raise VideoError(path, f"is damaged after {count} frames ({_ffmpeg_reason(error)})") from None
    return count, last_time


def _decode_first_frame(container, stream, path) -> None:
    try:
        container.seek(0, stream=stream)
        for _ in container.decode(stream):
            return
    except av.error.FFmpegError as error:
        raise VideoError(path, f"has a video stream that cannot be decoded ({_ffmpeg_reason(error)})") from None
    raise VideoError(path, "has a video stream whose frames cannot be decoded")


def _frame_rate(stream, num_frames: int, last_time: float | None) -> float:
    """The average frame rate; for a variable-rate file, frames over the time they span."""
    for rate in (stream.average_rate, stream.guessed_rate, stream.base_rate):
        if rate and float(rate) > 0:
            return float(rate)
    if last_time and num_frames > 1:
        start = float(stream.start_time * stream.time_base) if stream.start_time is not None else 0.0
        return (num_frames - 1) / max(last_time - start, 1e-6)
    return 25.0  # a single frame with no timing at all: ffmpeg's own default


def _invalid_data_reason(path: Path) -> str:
    with open(path, "rb") as handle:
        head = handle.read(12)
    if head[4:8] == b"ftyp":  # an MP4/MOV header whose index (moov atom) ffmpeg could not find
        return "looks like an MP4 but its index is missing: it is probably truncated or was never finished"
    return "is not a video: ffmpeg does not recognise its contents"


def _ffmpeg_reason(error: av.error.FFmpegError) -> str:
    return (getattr(error, "strerror", None) or str(error)).strip().rstrip(".").lower()
