"""The training clip table: the kept clips every generative model trains on, with their splits.

Simulation clips take the split of the episode they show (so no episode leaks across splits);
real clips take the split of the source video they were cut from (a seeded, stable hash of its
video id), so no video gives both training and held-out clips. `load_clip_frames` reads one
row's frames: the lossless frames.npz for simulation episodes, otherwise the transcoded mp4.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from cosmos_flow.video import probe, read_frames

TRAINING_CLIP_COLUMNS = {
    "clip_id": "string",
    "path": "string",
    "frames_path": "string",  # the episode's lossless frames.npz for sim clips; null otherwise
    "source": "string",
    "split": "string",
    "scenario": "string",  # the simulation family, or "real"
    "caption": "string",
    "num_frames": "int64",
    "fps": "float64",
    "width": "int64",
    "height": "int64",
    "episode_id": "string",
}
REAL_SCENARIO = "real"
EPISODE_FRAMES_FILE = "frames.npz"

log = logging.getLogger(__name__)


def training_clip_table(
    clips: pd.DataFrame,
    videos: pd.DataFrame,
    episodes: pd.DataFrame | None,
    real_test_fraction: float = 0.3,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per kept clip with its split (train|val|test), scenario and where its frames are.

    Sim clips whose episode is listed in `episodes` take that episode's split and scenario; every
    other clip (real ones, and sim ones when `episodes` is None or empty) takes the split of its
    source video, split by hash: about `real_test_fraction` of those *videos* go to "test", at
    least one when there are two or more, and all clips of one video land on one side (clips of
    one video share its content, so splitting clips would leak it). With a single such video there
    is nothing to hold out without a leak: all its clips go to "train" and none to "test".
    """
    if not 0.0 <= real_test_fraction < 1.0:
        raise ValueError(f"real_test_fraction must be in [0, 1), got {real_test_fraction}; pass e.g. 0.3")
    kept = clips[clips["kept"].fillna(False).astype(bool)]
    table = kept.merge(videos[["video_id", "source", "episode_id"]], on="video_id", how="left", validate="many_to_one")
    table = _attach_episodes(table, episodes)
    by_hash = table["split"].isna()
    table.loc[by_hash, "split"] = _video_splits(table.loc[by_hash, "video_id"].tolist(), real_test_fraction, seed)
    table.loc[by_hash, "scenario"] = REAL_SCENARIO
    table = table[list(TRAINING_CLIP_COLUMNS)].astype(TRAINING_CLIP_COLUMNS)
    return table.sort_values("clip_id").reset_index(drop=True)


def _attach_episodes(table: pd.DataFrame, episodes: pd.DataFrame | None) -> pd.DataFrame:
    """Add split, scenario and frames_path from the episode each sim clip shows (null where none)."""
    if episodes is None or episodes.empty:
        return table.assign(split=None, scenario=None, frames_path=None)
    listed = episodes[["episode_id", "split", "scenario", "path", "caption"]].rename(
        columns={"path": "episode_path", "caption": "episode_caption"}
    )
    table = table.merge(listed, on="episode_id", how="left", validate="many_to_one")
    is_sim = table["source"].eq("sim").fillna(False).astype(bool) & table["episode_path"].notna()
    table.loc[~is_sim, ["split", "scenario", "episode_path"]] = None
    table["frames_path"] = [
        str(Path(folder) / EPISODE_FRAMES_FILE) if isinstance(folder, str) else None for folder in table["episode_path"]
    ]
    # The curation caption normally equals the episode's; the episode's fills in where it is missing.
    table["caption"] = table["caption"].fillna(table["episode_caption"].where(is_sim))
    return table


def _video_splits(video_ids: list[str], test_fraction: float, seed: int) -> list[str]:
    """One split label per clip, from its source video: "test" for the clips of the videos ranked
    first by a seeded SHA-256 of their id, "train" for the rest.

    Ranking the distinct videos (rather than thresholding each hash) guarantees the test share of
    videos, at least one test video when there are two or more; SHA-256 rather than Python's hash()
    keeps it the same across processes. A single video goes to "train" whole.
    """
    videos = sorted(set(video_ids))
    num_test = round(test_fraction * len(videos))
    if len(videos) >= 2 and test_fraction > 0:
        num_test = min(max(num_test, 1), len(videos) - 1)
    else:
        num_test = 0
    if len(videos) == 1 and test_fraction > 0:
        log.warning(
            "only one source video outside the simulation episodes: all its clips go to train, none held out for test"
        )
    ranked = sorted(videos, key=lambda video_id: hashlib.sha256(f"{seed}:{video_id}".encode()).hexdigest())
    test_videos = set(ranked[:num_test])
    return ["test" if video_id in test_videos else "train" for video_id in video_ids]


def load_clip_frames(row: Mapping, max_short_side: int | None, max_frames: int | None = None) -> np.ndarray:
    """A clip's frames as uint8 (T, H, W, 3), shrunk (area, aspect kept, even sides) so the short
    side is at most `max_short_side` (None: full size); only the first `max_frames` when given
    (decoding stops there).

    `row` is a training clip table row; relative paths resolve against the working directory
    (the project root in pipelines).
    """
    frames_path = row.get("frames_path")
    if isinstance(frames_path, str) and frames_path:
        with np.load(frames_path) as archive:
            frames = archive["rgb"][:max_frames]
        size = _shrunk_size(frames.shape[2], frames.shape[1], max_short_side)
        if size is None:
            return frames
        return np.stack([cv2.resize(frame, size, interpolation=cv2.INTER_AREA) for frame in frames])
    info = probe(row["path"])
    return read_frames(row["path"], end=max_frames, size=_shrunk_size(info.width, info.height, max_short_side))


def load_clip_object_masks(
    row: Mapping, max_short_side: int | None, max_frames: int | None = None
) -> np.ndarray | None:
    """A simulated clip's object masks as bool (T, H, W) (True where the simulator's `seg` shows an
    object), sized like `load_clip_frames` gives its frames; None for a clip without ground truth
    (real ones, or frames saved without `seg`)."""
    frames_path = row.get("frames_path")
    if not (isinstance(frames_path, str) and frames_path):
        return None
    with np.load(frames_path) as archive:
        if "seg" not in archive.files:
            return None
        objects = archive["seg"][:max_frames] >= 0
    size = _shrunk_size(objects.shape[2], objects.shape[1], max_short_side)
    if size is None:
        return objects
    return np.stack(
        [cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST) for mask in objects]
    ).astype(bool)


def _shrunk_size(width: int, height: int, max_short_side: int | None) -> tuple[int, int] | None:
    """(width, height) with the short side at most `max_short_side` and even sides; None to keep as is."""
    if max_short_side is None or min(width, height) <= max_short_side:
        return None
    short = min(width, height)
    # Integer arithmetic rounding down to even sides: the short side stays within the limit (and
    # H.264's 4:2:0 gets the even sides it needs).
    return max(2, width * max_short_side // short // 2 * 2), max(2, height * max_short_side // short // 2 * 2)
