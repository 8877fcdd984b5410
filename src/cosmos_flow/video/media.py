"""Sample videos for people: generated clips side by side, written as mp4 (for players) and GIF (for READMEs and
MLflow)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from cosmos_flow.video.encode import check_output_name, write_video


@dataclass(frozen=True)
class SampleVideo:
    """One sample video to show: uint8 frames (T, H, W, 3) and the rate to play them at."""

    frames: np.ndarray
    fps: float


def side_by_side(clips: list[np.ndarray]) -> np.ndarray:
    """uint8 clips (T, H, W, 3) of equal length and height, placed left to right with a 2-pixel gap."""
    if not clips:
        raise ValueError("there are no clips to place side by side; generate at least one")
    gap = np.full((*clips[0].shape[:2], 2, 3), 255, dtype=np.uint8)
    parts = [part for clip in clips for part in (clip, gap)][:-1]
    return np.concatenate(parts, axis=2)


def write_gif(path: str | Path, frames: np.ndarray, fps: float) -> Path:
    """A looping GIF of uint8 (T, H, W, 3) frames."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    images = [Image.fromarray(frame) for frame in frames]
    images[0].save(path, save_all=True, append_images=images[1:], duration=round(1000 / fps), loop=0)
    return path


OUTPUT_SUFFIXES = (".mp4", ".gif")  # what write_frames writes: H.264 MP4, and a looping GIF


def write_frames(path: str | Path, frames: np.ndarray, fps: float) -> Path:
    """uint8 (T, H, W, 3) frames in the format the file's extension names (OUTPUT_SUFFIXES); any other is refused."""
    check_output_name(path, OUTPUT_SUFFIXES)
    if Path(path).suffix.lower() == ".gif":
        return write_gif(path, frames, fps)
    return write_video(path, frames, fps=fps)


def write_sample_videos(folder: str | Path, name: str, clips: list[np.ndarray], fps: float) -> list[Path]:
    """`name`.mp4 and `name`.gif in `folder`, each showing `clips` side by side; returns both paths."""
    frames = side_by_side(clips)
    folder = Path(folder)
    return [write_video(folder / f"{name}.mp4", frames, fps=fps), write_gif(folder / f"{name}.gif", frames, fps)]
