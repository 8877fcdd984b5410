"""The one error type the video library raises."""

from __future__ import annotations

from pathlib import Path


class VideoError(Exception):
    """A video could not be read or written.

    The message always names the file and says what is wrong with it, so that it can go
    straight into a quarantine table or in front of a person.
    """

    def __init__(self, path: str | Path, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")

    @property
    def sentence(self) -> str:
        """The problem as a sentence about the file, e.g. "clip.mp4 is empty (0 bytes)." """
        return f"{Path(self.path).name} {self.reason}."
