"""The past video a generate command continues: its end by default, at the model's frame rate, fitted to its size."""

from __future__ import annotations

import numpy as np
import pytest

from cosmos_flow.video import VideoError, write_video
from cosmos_flow.worldmodel.past_video import condition_from_video

FRAMES = 30  # 3 s at 10 fps


@pytest.fixture(scope="module")
def counting_video(tmp_path_factory):
    """30 frames of 48x80 at 10 fps whose grey level counts the frame (8 * index), sides darker than the centre."""
    frames = np.zeros((FRAMES, 48, 80, 3), dtype=np.uint8)
    for index in range(FRAMES):
        frames[index, :, 16:64] = 8 * index
    return write_video(tmp_path_factory.mktemp("past") / "counting.mp4", frames, fps=10)


def _levels(frames: np.ndarray) -> list[int]:
    """The frame index each frame shows (its mean grey level / 8, rounded)."""
    return [round(float(frame.mean()) / 8) for frame in frames]


def test_the_condition_is_the_end_of_the_video_by_default(counting_video):
    condition = condition_from_video(counting_video, (16, 16), fps=10, temporal_compression=8)
    assert _levels(condition.frames) == list(range(21, 30))  # the last 9 frames, not the first
    assert (condition.start_s, condition.end_s) == (2.1, 2.9)


def test_a_start_time_picks_where_the_condition_begins(counting_video):
    condition = condition_from_video(counting_video, (16, 16), 10, 8, condition_frames=1, start_s=0.5)
    assert _levels(condition.frames) == [5] and condition.start_s == 0.5


def test_the_video_is_resampled_to_the_model_rate_by_time(counting_video):
    condition = condition_from_video(counting_video, (16, 16), fps=5, temporal_compression=4, condition_frames=5)
    # 5 fps takes every other source frame; the last five of them end at the video's last shown frame.
    assert _levels(condition.frames) == [20, 22, 24, 26, 28] and condition.model_fps == 5


def test_frames_are_center_cropped_and_resized_to_the_model(counting_video):
    condition = condition_from_video(counting_video, (24, 40), 10, 8, condition_frames=1)
    assert condition.frames.shape == (1, 24, 40, 3) and condition.frames.dtype == np.uint8
    square = condition_from_video(counting_video, (16, 16), 10, 8, condition_frames=1)
    assert square.frames.min() >= 8 * 29 - 8  # the dark sides cropped away


def test_one_line_says_what_was_used(counting_video):
    line = condition_from_video(counting_video, (16, 16), 5, 4, condition_frames=5).describe(counting_video)
    assert line == (
        "conditioning on 5 frames from 2.00-2.80 s of counting.mp4 "
        "(10 -> 5 fps, 80x48 center-cropped and resized to 16x16)"
    )


def test_a_short_video_conditions_on_its_last_frame(counting_video, tmp_path):
    short = write_video(tmp_path / "short.mp4", np.full((4, 16, 16, 3), 90, np.uint8), fps=10)
    assert len(condition_from_video(short, (16, 16), 10, 8).frames) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"condition_frames": 33}, "has 30 frames at 10 fps but 33 condition frames were asked for"),
        ({"condition_frames": 9, "start_s": 2.5}, "has 5 frames at 10 fps from 2.5 s but 9"),
        ({"start_s": 4.0}, "--start 4 s is past the end of the video"),
        ({"condition_frames": 5}, "do not fit a 8x temporal compression"),
    ],
)
def test_impossible_conditions_are_one_sentence(counting_video, options, message):
    with pytest.raises(ValueError, match=message):
        condition_from_video(counting_video, (16, 16), 10, 8, **options)


def test_unreadable_video_raises_video_error_with_its_sentence(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n" * 10)
    with pytest.raises(VideoError) as caught:
        condition_from_video(bad, (16, 16), 10, 8)
    assert caught.value.sentence.startswith("notes.mp4 ")
