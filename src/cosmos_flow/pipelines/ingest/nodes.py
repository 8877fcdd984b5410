"""Nodes of the ingest pipeline: gather sources, probe them, validate the manifest."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from cosmos_flow.config import from_params
from cosmos_flow.datasets import LazyVideo
from cosmos_flow.manifests.validation import validate, videos_expectations
from cosmos_flow.manifests.videos import VideoSource, build_videos_manifest, summarize_videos
from cosmos_flow.video.samples import SAMPLE_VIDEOS, SampleVideoMissing, sample_video_path

log = logging.getLogger(__name__)


@dataclass
class IngestParams:
    include_samples: bool = True
    include_sim: bool = True
    samples: list[str] = field(default_factory=lambda: list(SAMPLE_VIDEOS))
    progress: bool = True


def gather_sources(user_videos: dict[str, LazyVideo], sim_episodes: pd.DataFrame, ingest: dict) -> list[VideoSource]:
    """The user's files (in name order), the installed sample videos, then the simulation's
    episode videos, each part when asked for."""
    params = from_params(IngestParams, ingest, "ingest")
    sources = [VideoSource(video.path, "user") for video in user_videos.values()]
    if params.include_samples:
        for name in params.samples:
            try:
                sources.append(VideoSource(sample_video_path(name), "sample"))
            except SampleVideoMissing as error:
                log.warning("skipping sample video: %s", error)
    if params.include_sim:
        sources += [VideoSource(Path(row.video_path), "sim", row.episode_id) for row in sim_episodes.itertuples()]
    if not sources:
        log.warning(
            "no videos to ingest: data/01_raw/videos/ is empty, and neither sample nor simulated videos "
            "are included. Put video files in data/01_raw/videos/, set ingest.include_samples: true, "
            "or run the simulation pipeline."
        )
    return sources


def probe_sources(sources: list[VideoSource], ingest: dict) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """Probe every source into the videos manifest, quarantine the unreadable, count both."""
    params = from_params(IngestParams, ingest, "ingest")
    videos, quarantine = build_videos_manifest(sources, stage="ingest", progress=params.progress)
    for row in quarantine.itertuples():
        log.warning("quarantined %s: %s", Path(row.path).name, row.reason)
    log.info("ingested %d video(s), quarantined %d", len(videos), len(quarantine))
    return videos, quarantine, summarize_videos(videos, quarantine)


def validate_videos(videos: pd.DataFrame) -> pd.DataFrame:
    """Great Expectations over the manifest; a failed expectation fails the run, naming it."""
    validate(videos, "videos", videos_expectations())
    return videos
