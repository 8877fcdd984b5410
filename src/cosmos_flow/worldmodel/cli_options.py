"""The options every `generate` command takes for the frames it conditions on and makes (written once)."""

from __future__ import annotations

from collections.abc import Callable

import click

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
