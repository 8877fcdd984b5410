"""Frame-count arithmetic and generation plans, and fitting frames to a model's resolution."""

from __future__ import annotations

import numpy as np
import pytest

from cosmos_flow.worldmodel.frames import (
    condition_latent_frames,
    default_condition_frames,
    fit_frames,
    latent_frames,
    plan_generation,
)


def test_latent_frames():
    assert [latent_frames(frames, 8) for frames in (1, 9, 17, 33)] == [1, 2, 3, 5]
    assert latent_frames(13, 4) == 4
    with pytest.raises(
        ValueError, match=r"20 frames do not fit a 8x temporal compression: use 1 \+ 8k \(1, 9, \.\.\.\)"
    ):
        latent_frames(20, 8)
    with pytest.raises(ValueError, match="0 frames"):
        latent_frames(0, 8)
    with pytest.raises(ValueError, match="5 condition frames"):
        condition_latent_frames(5, 8)
    assert condition_latent_frames(9, 8) == 2


def test_default_condition_frames():
    assert default_condition_frames(9, 8) == 9
    assert default_condition_frames(40, 8) == 9
    assert default_condition_frames(8, 8) == 1
    assert default_condition_frames(5, 4) == 5
    with pytest.raises(ValueError, match="no frames"):
        default_condition_frames(0, 8)


def _check_plan(windows, condition_frames, total_frames):
    """Windows chain: each starts where its condition lies in what exists, and together they add exactly the missing
    frames."""
    made = condition_frames
    for window in windows:
        assert window.start == made - window.condition_frames >= 0
        assert 0 < window.keep <= window.frames - window.condition_frames
        made = window.end
    assert made == total_frames


@pytest.mark.parametrize(
    ("condition", "total", "window_latents", "expected"),
    [
        (9, 17, 3, [(0, 9, 8)]),
        (9, 25, 3, [(0, 9, 8), (8, 9, 8)]),
        (1, 17, 3, [(0, 1, 16)]),
        (1, 9, 3, [(0, 1, 8)]),  # the window makes 16 new frames, 8 are kept
        (1, 33, 3, [(0, 1, 16), (8, 9, 8), (16, 9, 8)]),
        (0, 17, 3, [(0, 0, 17)]),
        (0, 33, 3, [(0, 0, 17), (8, 9, 8), (16, 9, 8)]),
        (1, 17, 2, [(0, 1, 8), (8, 1, 8)]),  # two-latent windows extend from one frame
    ],
)
def test_plan_generation(condition, total, window_latents, expected):
    windows = plan_generation(condition, total, window_latents, 8)
    assert [(window.start, window.condition_frames, window.keep) for window in windows] == expected
    assert all(window.latents == window_latents and window.frames == 1 + (window_latents - 1) * 8 for window in windows)
    assert [window.condition_latents for window in windows] == [
        0 if window.condition_frames == 0 else 1 + (window.condition_frames - 1) // 8 for window in windows
    ]
    _check_plan(windows, condition, total)


def test_plan_generation_with_chosen_extension_condition():
    windows = plan_generation(9, 41, 3, 8, extension_condition_frames=1)
    assert [(window.start, window.condition_frames, window.keep) for window in windows] == [
        (0, 9, 8),
        (16, 1, 16),
        (32, 1, 8),
    ]
    _check_plan(windows, 9, 41)


def test_unreachable_totals_are_readable_errors():
    with pytest.raises(
        ValueError,
        match=(
            r"N=20 frames cannot be made: with 9 condition frames and 8x temporal compression, "
            r"N must be 9 \+ 8k \(17, 25, \.\.\.\)"
        ),
    ):
        plan_generation(9, 20, 3, 8)
    with pytest.raises(ValueError, match=r"N=9 frames cannot be made"):
        plan_generation(9, 9, 3, 8)
    with pytest.raises(ValueError, match=r"without condition frames .* N must be 1 \+ 8k \(1, 9, \.\.\.\)"):
        plan_generation(0, 20, 3, 8)
    with pytest.raises(ValueError, match="5 condition frames"):
        plan_generation(5, 13, 3, 8)
    with pytest.raises(ValueError, match="no room for new frames after 9 condition frames"):
        plan_generation(9, 17, 2, 8)
    with pytest.raises(ValueError, match="0 condition frames do not fit"):
        plan_generation(9, 17, 3, 8, extension_condition_frames=0)


def test_fit_frames_crops_the_center_to_the_aspect_then_resizes():
    frames = np.zeros((2, 40, 100, 3), dtype=np.uint8)
    frames[:, :, 30:70] = 200  # the central 40x40 square
    square = fit_frames(frames, (20, 20))
    assert square.shape == (2, 20, 20, 3) and square.dtype == np.uint8
    assert (square == 200).all()  # only the center survives the crop
    tall = fit_frames(frames, (40, 20))  # aspect 2:1 tall -> a 40x20 crop, no resize
    assert tall.shape == (2, 40, 20, 3) and (tall == 200).all()
    wide = fit_frames(frames, (20, 50))  # same aspect: the whole frame, halved
    assert wide.shape == (2, 20, 50, 3) and (wide[:, :, 15:35] == 200).all() and (wide[:, :, :15] == 0).all()
    with pytest.raises(ValueError, match="uint8"):
        fit_frames(frames.astype(np.float32), (20, 20))


def test_the_held_video_keeps_the_condition_then_holds_its_last_frame():
    from cosmos_flow.worldmodel.frames import held_video

    frames = (
        np.arange(5, dtype=np.uint8)[:, None, None, None].repeat(2, axis=1).repeat(2, axis=2).repeat(3, axis=3)
    )  # frame i is all i
    held = held_video(frames, 3, 6)
    assert held.shape == (6, 2, 2, 3) and [int(frame[0, 0, 0]) for frame in held] == [0, 1, 2, 2, 2, 2]
    with pytest.raises(ValueError, match="cannot hold frame"):
        held_video(frames, 0, 6)
