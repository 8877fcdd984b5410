"""Reading a user's past video for generation and choosing its condition frames."""

from __future__ import annotations

import numpy as np
import pytest

from cosmos_flow.video import VideoError, write_video
from cosmos_flow.worldmodel.past_video import load_past_video, select_condition_frames


@pytest.fixture(scope="module")
def wide_video(tmp_path_factory):
    """12 frames of 48x80 whose central 48x48 square is bright and whose sides are dark."""
    frames = np.full((12, 48, 80, 3), 20, dtype=np.uint8)
    frames[:, :, 16:64] = 220
    return write_video(tmp_path_factory.mktemp("past") / "wide.mp4", frames, fps=10)


def test_load_past_video_fits_the_model_resolution(wide_video):
    frames = load_past_video(wide_video, (16, 16), max_frames=None)
    assert frames.shape == (12, 16, 16, 3) and frames.dtype == np.uint8
    assert frames.mean() > 180  # the center square, the dark sides cropped away
    assert load_past_video(wide_video, (24, 40), max_frames=5).shape == (5, 24, 40, 3)


def test_unreadable_video_raises_video_error_with_its_sentence(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_text("not a video\n" * 10)
    with pytest.raises(VideoError) as caught:
        load_past_video(bad, (16, 16), max_frames=None)
    assert caught.value.sentence.startswith("notes.mp4 ")


def test_select_condition_frames():
    frames = np.arange(12)[:, None, None, None].repeat(2, 1).astype(np.uint8)
    assert select_condition_frames(frames, None, 8).tolist() == frames[:9].tolist()
    assert len(select_condition_frames(frames[:8], None, 8)) == 1
    assert len(select_condition_frames(frames, 1, 8)) == 1
    assert len(select_condition_frames(frames, 9, 4)) == 9
    with pytest.raises(ValueError, match="5 condition frames do not fit"):
        select_condition_frames(frames, 5, 8)
    with pytest.raises(ValueError, match="has 12 frames but 17 condition frames"):
        select_condition_frames(frames, 17, 8)
