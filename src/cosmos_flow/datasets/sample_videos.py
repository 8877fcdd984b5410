"""Sample videos as a Kedro dataset: a folder of `<name>.mp4` + `<name>.gif`, one pair per named video.

Sampling nodes return {name: SampleVideo}; this dataset writes them (wrapped in kedro-mlflow's
MlflowArtifactDataset in the catalog, the folder is also logged to the run). Saving replaces the folder's
previous videos, so a run never leaves another run's samples beside its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset

from cosmos_flow.video import probe, read_frames
from cosmos_flow.video.encode import write_video
from cosmos_flow.video.media import SampleVideo, write_gif

SUFFIXES = (".mp4", ".gif")


class SampleVideosDataset(AbstractDataset[dict[str, SampleVideo], dict[str, SampleVideo]]):
    """A folder of sample videos; loads them back from their mp4s."""

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> dict[str, SampleVideo]:
        videos = {}
        for file in sorted(self._path.glob("*.mp4")):
            videos[file.stem] = SampleVideo(read_frames(file), probe(file).fps)
        return videos

    def save(self, data: dict[str, SampleVideo]) -> None:
        self._path.mkdir(parents=True, exist_ok=True)
        for old in self._path.iterdir():
            if old.suffix in SUFFIXES:
                old.unlink()
        for name, video in data.items():
            write_video(self._path / f"{name}.mp4", video.frames, fps=video.fps)
            write_gif(self._path / f"{name}.gif", video.frames, video.fps)

    def _exists(self) -> bool:
        return any(self._path.glob("*.mp4"))

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
