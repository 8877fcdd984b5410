"""The ffmpeg command line, run through ffmpeg-python with the binary imageio-ffmpeg ships."""

from __future__ import annotations

import subprocess
import tempfile
from fractions import Fraction
from functools import cache
from pathlib import Path

import ffmpeg
import imageio_ffmpeg

from cosmos_flow.video.errors import VideoError


@cache
def ffmpeg_executable() -> str:
    """Path of the static ffmpeg binary inside the imageio-ffmpeg wheel (no system ffmpeg needed)."""
    return imageio_ffmpeg.get_ffmpeg_exe()


def rate_string(fps: float) -> str:
    """A frame rate as ffmpeg likes it: 30000/1001 rather than 29.97002997."""
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    rate = Fraction(fps).limit_denominator(1001)
    return f"{rate.numerator}/{rate.denominator}"


def run_ffmpeg(stream: ffmpeg.nodes.OutputStream, path: str | Path, stdin_chunks=None) -> None:
    """Run an ffmpeg-python graph; on failure raise a `VideoError` for `path` with ffmpeg's own words.

    stdin_chunks: an iterable of bytes to feed on standard input (raw frames), or None.
    stderr goes to a temporary file rather than a pipe so that a chatty ffmpeg can never block us.
    """
    arguments = stream.global_args("-hide_banner", "-loglevel", "error", "-nostdin" if stdin_chunks is None else "-y")
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(
            arguments.compile(cmd=ffmpeg_executable(), overwrite_output=True),
            stdin=subprocess.PIPE if stdin_chunks is not None else subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=errors,
        )
        try:
            if stdin_chunks is not None:
                for chunk in stdin_chunks:
                    process.stdin.write(chunk)
                process.stdin.close()
        except BrokenPipeError:
            pass  # ffmpeg stopped early: its exit code and stderr say why
        except BaseException:
            process.kill()  # the frames went wrong on our side: stop ffmpeg, don't wait on its input
            process.wait()
            raise
        code = process.wait()
        if code != 0:
            errors.seek(0)
            lines = errors.read().decode("utf-8", "replace").strip().splitlines()
            reason = lines[-1] if lines else f"ffmpeg exited with code {code}"
            raise VideoError(path, f"ffmpeg failed: {reason}")
