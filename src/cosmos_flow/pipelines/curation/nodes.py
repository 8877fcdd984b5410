"""Nodes of the curation pipeline: each calls one stage of cosmos_flow.curation.curate."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure

from cosmos_flow.config import from_params
from cosmos_flow.curation import curate
from cosmos_flow.curation.analysis import FilterParams
from cosmos_flow.curation.dedup import DedupParams
from cosmos_flow.curation.report import outcome_counts, rejection_chart
from cosmos_flow.curation.splitting import ClipSplitParams
from cosmos_flow.manifests.validation import clips_expectations, validate
from cosmos_flow.video import VideoError, probe


@dataclass
class CurationParams:
    detector: str = "transnetv2"
    threshold: float | None = None  # None: the detector's default (TransNetV2 0.4)
    split: dict = field(default_factory=dict)  # ClipSplitParams
    filters: dict = field(
        default_factory=dict
    )  # FilterParams: analysis, motion, quality, text, video_type, allowed_types
    filter_sources: list[str] = field(default_factory=lambda: ["user", "sample"])
    include_sim: bool = True
    captioner: dict = field(default_factory=lambda: {"kind": "measured"})
    embedder: dict = field(default_factory=lambda: {"name": "visual_descriptor"})
    dedup: dict = field(default_factory=dict)  # DedupParams
    transcode: dict = field(default_factory=lambda: {"size": None, "fps": None, "crf": 20})
    progress: bool = True


def _params(curation: dict) -> CurationParams:
    return from_params(CurationParams, curation, "curation")


def detect_shots(videos: pd.DataFrame, curation: dict) -> tuple[pd.DataFrame, dict]:
    params = _params(curation)
    if not params.include_sim:
        videos = videos[videos["source"] != "sim"]
    return curate.find_shots(videos, params.detector, params.threshold, params.progress)


def plan_clips(videos: pd.DataFrame, shots: pd.DataFrame, curation: dict) -> tuple[pd.DataFrame, dict]:
    params = _params(curation)
    return curate.plan_candidates(
        videos[videos["video_id"].isin(shots["video_id"])], shots, ClipSplitParams(**params.split)
    )


def filter_clips(candidates: pd.DataFrame, videos: pd.DataFrame, sim_episodes: pd.DataFrame, curation: dict):
    params = _params(curation)
    captions = dict(zip(sim_episodes["episode_id"], sim_episodes["caption"]))
    return curate.analyze_candidates(
        candidates,
        videos,
        captions,
        FilterParams.from_dict(params.filters),
        tuple(params.filter_sources),
        params.captioner,
        params.embedder,
        params.progress,
    )


def deduplicate_clips(
    clips: pd.DataFrame, embeddings: curate.ClipEmbeddings, videos: pd.DataFrame, curation: dict
) -> tuple[pd.DataFrame, dict]:
    params = _params(curation)
    sources = clips["video_id"].map(videos.set_index("video_id")["source"])
    return curate.deduplicate_clips(
        clips, embeddings, sources, DedupParams(**params.dedup), tuple(params.filter_sources)
    )


def transcode_clips(
    clips: pd.DataFrame, videos: pd.DataFrame, curation: dict, clips_dir: str
) -> tuple[pd.DataFrame, dict]:
    params = _params(curation)
    options = params.transcode
    size = tuple(options["size"]) if options.get("size") else None
    return curate.transcode_kept(
        clips, videos, clips_dir, size, options.get("fps"), int(options.get("crf", 20)), params.progress
    )


def _decodes(path) -> bool:
    try:
        return probe(path).num_frames > 0
    except VideoError:
        return False


def validate_clips(clips: pd.DataFrame, videos: pd.DataFrame, curation: dict) -> pd.DataFrame:
    """Great Expectations over the clips manifest; each kept clip's file is probed first."""
    split = ClipSplitParams(**_params(curation).split)
    checked = clips.assign(
        source=clips["video_id"].map(videos.set_index("video_id")["source"]),
        duration_s=clips["end_s"] - clips["start_s"],
        decodes=[_decodes(path) if kept else False for path, kept in zip(clips["path"], clips["kept"])],
    )
    validate(checked, "clips", clips_expectations(split.min_clip_s))
    return clips


def report_curation(
    clips: pd.DataFrame, shots: pd.DataFrame, videos: pd.DataFrame, *stage_stats: dict
) -> tuple[dict, Figure]:
    """The run's numbers (outcomes, then each stage's counts and seconds) and the rejection chart."""
    metrics = outcome_counts(clips, shots, videos)
    for stats in stage_stats:
        metrics.update(stats)
    seconds = sum(value for name, value in metrics.items() if name.endswith("_seconds"))
    metrics["seconds_total"] = seconds
    metrics["realtime_factor"] = metrics["video_seconds_in"] / seconds if seconds else float("nan")
    return metrics, rejection_chart(clips)
