"""What every `generate` command shares: the options for the frames it conditions on and makes, and how it writes
its output and reports (written once)."""

from __future__ import annotations

import sys
from collections.abc import Callable

import click
import numpy as np

from cosmos_flow.video import VideoError
from cosmos_flow.video.encode import check_output_name
from cosmos_flow.video.media import OUTPUT_SUFFIXES, write_frames
from cosmos_flow.worldmodel.arguments import error_sentence

CONDITION_OPTIONS = [
    click.option(
        "--condition-frames",
        "condition_frames",
        default=None,
        type=int,
        help="K frames to condition on, the last K of the past video: 1 or 1 + 8k (default 9 when it has 9, else 1).",
    ),
    click.option(
        "--start",
        "start_s",
        default=None,
        type=float,
        help="Seconds into the past video of the first condition frame (default: its last K frames).",
    ),
    click.option(
        "--frames",
        "total_frames",
        default=None,
        type=int,
        help="N, the frames of the output video, condition frames included (default: one model window).",
    ),
]


def condition_options(command: Callable) -> Callable:
    """--condition-frames, --start and --frames, in that order in the help."""
    for option in reversed(CONDITION_OPTIONS):
        command = option(command)
    return command


def run_generate(out: str | None, make: Callable[[Callable[[str], None]], tuple[np.ndarray, float]]) -> None:
    """Check `out`, call `make(tell)` for (frames, fps), write them in the format `out` names, then print what
    `make` told (which span of the past video it used, ...) and what was written. A known failure is one
    `error: ...` line and exit status 1."""
    told: list[str] = []  # said once the video is written, so a failure stays one line
    try:
        if out is None:
            raise ValueError("no output file was given; pass --out OUT.mp4")
        check_output_name(out, OUTPUT_SUFFIXES)  # before any work: the format the name says, or one sentence
        frames, fps = make(told.append)
        write_frames(out, frames, fps)
    except (ValueError, VideoError, FileNotFoundError) as error:
        click.echo(f"error: {error_sentence(error)}", err=True)
        sys.exit(1)
    for line in told:
        click.echo(line)
    click.echo(f"wrote {out}: {len(frames)} frames at {frames.shape[2]}x{frames.shape[1]}")
