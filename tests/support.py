"""Helpers shared by tests (importable because pyproject puts tests/ on pytest's pythonpath)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pandas as pd

from cosmos_flow.manifests.training_clips import training_clip_table
from cosmos_flow.video.ffmpeg_binary import ffmpeg_executable

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def numbered_frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Frames that say which frame they are: frame i shows i as an 8-bit barcode of big blocks
    over a smooth gradient, so a decoded frame can be matched to its index despite compression."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    for index in range(count):
        frame = np.broadcast_to(ramp, (height, width, 3)).copy()
        for bit in range(8):
            on = (index >> bit) & 1
            frame[: height // 2, bit * width // 8 : (bit + 1) * width // 8] = 250 if on else 5
        frames[index] = frame.astype(np.uint8)
    return frames


def run_ffmpeg_cli(*arguments: str) -> None:
    subprocess.run([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-y", *arguments], check=True)


def run_pipelines(project: Path, names: list[str], **runtime_params) -> None:
    """Run Kedro pipelines of a project copy (see the `project` fixture) in a real KedroSession."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=project, runtime_params=runtime_params or None) as session:
        session.run(pipeline_names=names)


def write_training_clips(project: Path, clips: list[dict], videos: list[dict], episodes: list[dict]) -> pd.DataFrame:
    """The training clip table of these manifest rows, where the tokenizer pipeline writes it (the world models'
    input)."""
    table = training_clip_table(pd.DataFrame(clips), pd.DataFrame(videos), pd.DataFrame(episodes))
    path = project / "data/05_model_input/training_clips.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    return table
