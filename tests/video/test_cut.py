import numpy as np
import pytest
from support import numbered_frames

from cosmos_flow.video import VideoError, cut_clip, probe, read_frames, write_video


def frame_indices(decoded: np.ndarray, reference: np.ndarray) -> list[int]:
    """For each decoded frame, the index of the closest reference frame."""
    flat_reference = reference.reshape(len(reference), -1).astype(np.float32)
    flat = decoded.reshape(len(decoded), -1).astype(np.float32)
    distances = ((flat[:, None, :] - flat_reference[None, :, :]) ** 2).mean(axis=2)
    return distances.argmin(axis=1).tolist()


@pytest.fixture(scope="module")
def numbered_video(tmp_path_factory):
    frames = numbered_frames(90)
    path = write_video(tmp_path_factory.mktemp("numbered") / "numbered.mp4", frames, fps=30)
    return path, frames


def test_cut_is_frame_accurate(numbered_video, tmp_path):
    path, frames = numbered_video
    clip = cut_clip(path, tmp_path / "clip.mp4", 31, 58)
    decoded = read_frames(clip)
    assert frame_indices(decoded, frames) == list(range(31, 58))
    info = probe(clip)
    assert info.num_frames == 27 and info.fps == pytest.approx(30.0) and not info.has_audio


def test_cut_from_the_first_frame_and_to_the_last(numbered_video, tmp_path):
    path, frames = numbered_video
    assert frame_indices(read_frames(cut_clip(path, tmp_path / "head.mp4", 0, 5)), frames) == [0, 1, 2, 3, 4]
    assert frame_indices(read_frames(cut_clip(path, tmp_path / "tail.mp4", 85, 90)), frames) == [85, 86, 87, 88, 89]


def test_cut_can_resize_and_change_the_rate(numbered_video, tmp_path):
    path, frames = numbered_video
    clip = cut_clip(path, tmp_path / "small.mp4", 30, 60, size=(32, 24), fps=15)
    info = probe(clip)
    assert (info.width, info.height, info.num_frames, info.fps) == (32, 24, 15, 15.0)


def test_cut_of_a_real_video_keeps_its_content(bikes_path, tmp_path):
    clip = read_frames(cut_clip(bikes_path, tmp_path / "bikes clip.mp4", 100, 125))
    source = read_frames(bikes_path, start=100, end=125)
    error = np.mean((clip.astype(np.float64) - source.astype(np.float64)) ** 2)
    assert 10 * np.log10(255**2 / error) >= 35.0


def test_bad_cuts_are_video_errors(numbered_video, tmp_path, bad_input_corpus):
    path, _ = numbered_video
    with pytest.raises(VideoError, match="empty or reversed"):
        cut_clip(path, tmp_path / "x.mp4", 10, 10)
    with pytest.raises(VideoError, match="is empty"):
        cut_clip(bad_input_corpus["zero_byte"][0], tmp_path / "y.mp4", 0, 5)
    with pytest.raises(VideoError, match="is not a video"):
        cut_clip(bad_input_corpus["text_as_mp4"][0], tmp_path / "z.mp4", 0, 5)
    assert not (tmp_path / "z.mp4").exists()


def test_cuts_past_the_end_are_video_errors(numbered_video, tmp_path):
    path, _ = numbered_video
    with pytest.raises(VideoError, match="ends before frame 100"):
        cut_clip(path, tmp_path / "after.mp4", 100, 110)
    with pytest.raises(VideoError, match="ends at frame 90"):
        cut_clip(path, tmp_path / "across.mp4", 80, 100)
    assert list(tmp_path.iterdir()) == []
