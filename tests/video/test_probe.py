from pathlib import Path

import pytest

from cosmos_flow.video import VideoError, content_hash, probe
from cosmos_flow.video.samples import SAMPLE_VIDEOS, sample_video_path


def test_sample_videos_have_their_known_metadata():
    test_mp4 = probe(sample_video_path("test"))
    assert (test_mp4.width, test_mp4.height, test_mp4.fps, test_mp4.codec) == (160, 90, 25.0, "h264")
    assert 5200 <= test_mp4.num_frames <= 5400
    assert test_mp4.duration_s == pytest.approx(test_mp4.num_frames / 25.0)
    assert test_mp4.has_audio

    bikes = probe(sample_video_path("bikes"))
    assert (bikes.width, bikes.height, bikes.num_frames, bikes.has_audio) == (640, 272, 250, False)
    assert bikes.duration_s == pytest.approx(10.0)

    carphone = probe(sample_video_path("carphone_pristine"))
    assert carphone.fps == pytest.approx(30000 / 1001)


def test_every_sample_video_is_installed():
    for name in SAMPLE_VIDEOS:
        assert sample_video_path(name).is_file()


def test_content_hash_is_stable_and_content_based(tmp_path, bikes_path):
    copy = tmp_path / "renamed copy.mp4"
    copy.write_bytes(Path(bikes_path).read_bytes())
    assert content_hash(copy) == content_hash(bikes_path)
    assert len(content_hash(copy)) == 16
    assert content_hash(copy) != content_hash(sample_video_path("carphone_pristine"))


@pytest.mark.parametrize(
    "case, words",
    [
        ("zero_byte", "is empty"),
        ("text_as_mp4", "is not a video"),
        ("truncated", "truncated"),
        ("audio_only", "no video stream (only audio"),
        ("broken_symlink", "symbolic link to a missing file"),
    ],
)
def test_unreadable_files_raise_one_error_naming_the_file(bad_input_corpus, case, words):
    path, _ = bad_input_corpus[case]
    with pytest.raises(VideoError) as caught:
        probe(path)
    assert words in caught.value.reason
    assert caught.value.path == str(path)
    assert caught.value.sentence.startswith(path.name)


def test_missing_file_and_folder_are_video_errors(tmp_path):
    with pytest.raises(VideoError, match="does not exist"):
        probe(tmp_path / "nowhere.mp4")
    with pytest.raises(VideoError, match="is a folder"):
        probe(tmp_path)


def test_odd_sized_one_frame_and_variable_rate_videos_probe(bad_input_corpus):
    odd = probe(bad_input_corpus["odd_size"][0])
    assert (odd.width, odd.height, odd.num_frames) == (161, 91, 5)
    still = probe(bad_input_corpus["one_frame"][0])
    assert still.num_frames == 1 and still.duration_s > 0
    vfr = probe(bad_input_corpus["variable_frame_rate"][0])
    assert vfr.num_frames == 40
    # 40 frames spread over about 4.8 s: the average rate, not the 25 fps of the first part.
    assert 6 <= vfr.fps <= 12
