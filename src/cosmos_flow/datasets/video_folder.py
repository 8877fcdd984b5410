"""A folder of videos as a Kedro dataset: one lazy entry per file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from kedro.io import AbstractDataset, DatasetError

from cosmos_flow.video import VideoInfo, probe, read_frames, write_video


@dataclass(frozen=True)
class LazyVideo:
    """One file of a video folder. Nothing is read until `info()` or `frames()` is called."""

    path: Path

    def info(self) -> VideoInfo:
        return probe(self.path)

    def frames(self, **kwargs) -> np.ndarray:
        """Decoded frames; keyword arguments as `cosmos_flow.video.read_frames`."""
        return read_frames(self.path, **kwargs)


class VideoFolderDataset(AbstractDataset[dict[str, LazyVideo], dict[str, Any]]):
    """Every file under `path` (recursively, hidden files skipped), keyed by its path relative to it.

    Any file is an entry, whatever its extension: ffmpeg reads many containers, and a file it
    cannot read must reach the quarantine table rather than vanish. Broken symbolic links are
    entries too, for the same reason.

    save() takes {name: (frames, fps)} with frames (T, H, W, 3) uint8 and writes `name` as mp4.
    """

    def __init__(self, path: str, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self.metadata = metadata

    def load(self) -> dict[str, LazyVideo]:
        if not self._path.exists():
            return {}
        if not self._path.is_dir():
            raise DatasetError(f"{self._path} should be a folder of videos but is a file")
        entries = {}
        for file in sorted(self._path.rglob("*")):
            relative = file.relative_to(self._path)
            if any(part.startswith(".") for part in relative.parts):
                continue
            if file.is_file() or file.is_symlink():
                entries[relative.as_posix()] = LazyVideo(file)
        return entries

    def save(self, data: dict[str, Any]) -> None:
        for name, (frames, fps) in data.items():
            write_video(self._path / name, frames, fps)

    def _exists(self) -> bool:
        return self._path.is_dir()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
