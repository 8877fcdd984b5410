"""Sample videos as a catalog output: an mp4 and a GIF per named video, the previous run's videos replaced."""

import numpy as np

from cosmos_flow.datasets.sample_videos import SampleVideosDataset
from cosmos_flow.video.media import SampleVideo


def _video(level: int, frames: int = 6) -> SampleVideo:
    rgb = np.full((frames, 16, 24, 3), level, dtype=np.uint8)
    rgb[:, 4:8, 4:8] = 255 - level
    return SampleVideo(rgb, fps=8.0)


def test_each_video_is_written_as_mp4_and_gif_and_loads_back(tmp_path):
    dataset = SampleVideosDataset(str(tmp_path / "samples"))
    dataset.save({"ar_video_0": _video(40), "ar_v2w_0": _video(200)})
    assert sorted(path.name for path in (tmp_path / "samples").iterdir()) == [
        "ar_v2w_0.gif",
        "ar_v2w_0.mp4",
        "ar_video_0.gif",
        "ar_video_0.mp4",
    ]
    loaded = dataset.load()
    assert sorted(loaded) == ["ar_v2w_0", "ar_video_0"] and loaded["ar_v2w_0"].fps == 8.0
    assert loaded["ar_v2w_0"].frames.shape == (6, 16, 24, 3)
    assert abs(int(loaded["ar_v2w_0"].frames[0, 0, 0, 0]) - 200) <= 3  # lossy, but the same picture


def test_saving_replaces_the_previous_runs_videos_and_keeps_other_files(tmp_path):
    dataset = SampleVideosDataset(str(tmp_path))
    dataset.save({"old": _video(40)})
    (tmp_path / "notes.txt").write_text("kept")
    dataset.save({"new": _video(90)})
    assert sorted(path.name for path in tmp_path.iterdir()) == ["new.gif", "new.mp4", "notes.txt"]
