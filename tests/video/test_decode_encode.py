import numpy as np
import pytest
from support import numbered_frames

from cosmos_flow.video import VideoError, iter_frames, probe, read_frames, write_video


def psnr(a: np.ndarray, b: np.ndarray) -> float:
    error = np.mean((a.astype(np.float64) - b.astype(np.float64)) ** 2)
    return float("inf") if error == 0 else 10 * np.log10(255.0**2 / error)


def smooth_moving_frames(count=17, height=48, width=64) -> np.ndarray:
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    frames = []
    for t in range(count):
        red = 128 + 80 * np.sin((x + 2 * t) / 16)
        green = 128 + 80 * np.cos((y - t) / 12)
        blue = 60 + 120 * np.exp(-((x - 3 * t - 10) ** 2 + (y - 24) ** 2) / 60)  # a soft moving blob
        frames.append(np.stack([red, green, blue], axis=-1))
    return np.clip(np.stack(frames), 0, 255).astype(np.uint8)


def test_encode_then_decode_round_trip_is_faithful(tmp_path, bikes_path):
    # Stated bar: >= 35 dB PSNR at the default crf 18 (4:2:0) on natural and smooth content.
    # (Saturated, hard-edged colours lose more to 4:2:0 chroma subsampling than to H.264 itself.)
    for name, frames in {
        "bikes": read_frames(bikes_path, end=17, size=(160, 68)),
        "synthetic": smooth_moving_frames(),
    }.items():
        path = write_video(tmp_path / f"round trip {name}.mp4", frames, fps=24)
        decoded = read_frames(path)
        assert decoded.shape == frames.shape and decoded.dtype == np.uint8
        assert psnr(decoded, frames) >= 35.0, name
        info = probe(path)
        assert (info.width, info.height, info.num_frames, info.fps, info.codec) == (
            *frames.shape[2:0:-1],
            17,
            24.0,
            "h264",
        )


def test_odd_sizes_are_kept_exactly(tmp_path):
    frames = smooth_moving_frames(5, height=91, width=161)
    decoded = read_frames(write_video(tmp_path / "odd.mp4", frames, fps=10))
    assert decoded.shape == (5, 91, 161, 3)
    assert psnr(decoded, frames) >= 35.0


def test_a_frame_range_is_exactly_those_frames(bikes_path):
    everything = read_frames(bikes_path, end=40)
    assert np.array_equal(read_frames(bikes_path, start=10, end=20), everything[10:20])
    assert len(list(iter_frames(bikes_path, start=245))) == 5


def test_resize_and_resample(bikes_path):
    small = read_frames(bikes_path, end=10, size=(64, 32))
    assert small.shape == (10, 32, 64, 3)
    half_rate = read_frames(bikes_path, fps=12.5)
    assert half_rate.shape[0] == 125
    source = read_frames(bikes_path, end=21)
    assert np.array_equal(half_rate[:11], source[0:21:2])


def test_upsampling_the_rate_repeats_frames(tmp_path):
    path = write_video(tmp_path / "ten.mp4", numbered_frames(10), fps=10)
    doubled = read_frames(path, fps=20)
    assert doubled.shape[0] == 20
    assert np.array_equal(doubled[0], doubled[1]) and not np.array_equal(doubled[1], doubled[2])


def test_writing_rejects_what_is_not_rgb_uint8(tmp_path):
    with pytest.raises(VideoError, match="no frames"):
        write_video(tmp_path / "none.mp4", np.zeros((0, 8, 8, 3), np.uint8), fps=10)
    with pytest.raises(VideoError, match="uint8 RGB"):
        write_video(tmp_path / "float.mp4", np.zeros((2, 8, 8, 3), np.float32), fps=10)
    ragged = [np.zeros((8, 8, 3), np.uint8), np.zeros((8, 10, 3), np.uint8)]
    with pytest.raises(VideoError, match="frame 1"):
        write_video(tmp_path / "ragged.mp4", ragged, fps=10)
    assert list(tmp_path.iterdir()) == []  # nothing half-written is left behind


def test_reading_an_empty_range_says_so(bikes_path):
    with pytest.raises(VideoError, match="no frames in the range"):
        read_frames(bikes_path, start=400, end=410)


@pytest.mark.parametrize("name", ["clip.gif", "clip.webm", "clip.AVI"])
def test_write_video_refuses_a_name_that_says_another_format(tmp_path, name):
    with pytest.raises(VideoError, match=r"names a \.(gif|webm|avi) file, but only \.mp4 can be written here"):
        write_video(tmp_path / name, np.zeros((2, 8, 8, 3), np.uint8), fps=5)
    assert not any(tmp_path.iterdir())
