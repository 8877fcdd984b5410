"""The videos manifest: one row per readable input video, and a quarantine row per unreadable one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from cosmos_flow.manifests.contracts import VIDEO_SOURCES, conform, empty_table
from cosmos_flow.video import VideoError, content_hash, probe


@dataclass(frozen=True)
class VideoSource:
    """A file offered to ingest, and where it came from (`user`, `sample` or `sim`)."""

    path: Path
    source: str
    episode_id: str | None = None  # for `sim` videos: the episode whose ground truth they show

    def __post_init__(self):
        if self.source not in VIDEO_SOURCES:
            raise ValueError(f"video source must be one of {VIDEO_SOURCES}, got {self.source!r}")


def build_videos_manifest(
    sources: Iterable[VideoSource], stage: str = "ingest", progress: bool = True
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Probe every source; return (videos manifest, quarantine table).

    A file that cannot be read never stops the run: it gets a quarantine row whose reason is a
    sentence a person understands. A file whose content equals one already listed is quarantined
    too (same bytes, same `video_id`), naming the copy that was kept.
    """
    sources = list(sources)
    videos, quarantine = [], []
    kept_by_id: dict[str, str] = {}
    for item in tqdm(sources, desc="probing videos", unit="video", disable=not progress):
        path = str(item.path)
        try:
            info = probe(item.path)
            video_id = content_hash(item.path)
        except VideoError as error:
            quarantine.append({"path": path, "stage": stage, "reason": error.sentence})
            continue
        except OSError as error:
            quarantine.append(
                {
                    "path": path,
                    "stage": stage,
                    "reason": f"{item.path.name} cannot be read ({error.strerror or error}).",
                }
            )
            continue
        if video_id in kept_by_id:
            reason = f"{item.path.name} has the same content as {kept_by_id[video_id]}, which was kept."
            quarantine.append({"path": path, "stage": stage, "reason": reason})
            continue
        kept_by_id[video_id] = path
        videos.append(
            {**info.to_dict(), "video_id": video_id, "path": path, "source": item.source, "episode_id": item.episode_id}
        )
    videos_table = conform(pd.DataFrame(videos), "videos") if videos else empty_table("videos")
    quarantine_table = conform(pd.DataFrame(quarantine), "quarantine") if quarantine else empty_table("quarantine")
    return videos_table, quarantine_table


def summarize_videos(videos: pd.DataFrame, quarantine: pd.DataFrame) -> dict[str, float]:
    """Flat numbers for the run: counts, total duration and frames, per-source counts."""
    metrics = {
        "videos": float(len(videos)),
        "quarantined": float(len(quarantine)),
        "total_duration_s": float(videos["duration_s"].sum()),
        "total_frames": float(videos["num_frames"].sum()),
    }
    for source in VIDEO_SOURCES:
        metrics[f"videos_{source}"] = float((videos["source"] == source).sum())
    return metrics
