"""The curation stages over manifests: shots, candidate clips, filters, dedup, transcoding.

Each stage takes and returns plain tables (the contracts of docs/ARCHITECTURE.md) so that the Kedro pipeline is
thin wiring; each also reports what it did (counts and seconds) for the run's metrics.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from cosmos_flow.curation.analysis import DECODE_ERROR, FilterParams, analyze_video_clips
from cosmos_flow.curation.captioning import MeasuredCaptioner, make_captioner
from cosmos_flow.curation.dedup import DedupParams, deduplicate
from cosmos_flow.curation.embedding import make_embedder
from cosmos_flow.curation.shots import DEFAULT_THRESHOLDS, Shot, TransNetV2Detector, detect_shots
from cosmos_flow.curation.splitting import CandidateClip, ClipSplitParams, split_shots
from cosmos_flow.curation.transcode import transcode_clip
from cosmos_flow.curation.video_type import SYNTHETIC_RENDER
from cosmos_flow.manifests.contracts import conform, empty_table
from cosmos_flow.video import VideoError, VideoInfo

log = logging.getLogger(__name__)
SIM_DETECTOR = "simulation"  # a simulation episode is one shot by construction


def clip_id(video_id: str, start_frame: int, end_frame: int) -> str:
    return f"{video_id}_{start_frame:07d}_{end_frame:07d}"


class StageClock:
    """Times a stage and collects its counts, for the run's metrics."""

    def __init__(self, stage: str):
        self.stage, self.started = stage, time.perf_counter()

    def done(self, **counts: float) -> dict[str, float]:
        stats = {f"{self.stage}_{name}": float(value) for name, value in counts.items()}
        stats[f"{self.stage}_seconds"] = time.perf_counter() - self.started
        return stats


# ---- shots ------------------------------------------------------------------------------------
def find_shots(
    videos: pd.DataFrame, detector: str, threshold: float | None, progress: bool
) -> tuple[pd.DataFrame, dict]:
    """Every shot of every video. Simulation episodes are one shot each, as rendered."""
    clock = StageClock("shots")
    transnet = TransNetV2Detector() if detector == "transnetv2" else None
    rows, failed = [], 0
    for video in tqdm(
        videos.itertuples(), total=len(videos), desc="detecting shots", unit="video", disable=not progress
    ):
        if video.source == "sim":
            rows.append((video.video_id, 0, 0, int(video.num_frames), SIM_DETECTOR, 1.0))
            continue
        try:
            if transnet is not None:  # one network for every video
                shots = transnet.detect(
                    video.path, threshold=DEFAULT_THRESHOLDS[detector] if threshold is None else threshold
                )
            else:
                shots = detect_shots(video.path, detector, threshold)
        except VideoError as error:
            log.warning("no shots for %s: %s", video.path, error.sentence)
            failed += 1
            continue
        rows += [
            (video.video_id, index, shot.start_frame, shot.end_frame, detector, shot.boundary_probability)
            for index, shot in enumerate(shots)
        ]
    table = pd.DataFrame(rows, columns=list(empty_table("shots").columns)) if rows else empty_table("shots")
    return conform(table, "shots"), clock.done(videos=len(videos), shots=len(table), failed_videos=failed)


# ---- candidate clips ----------------------------------------------------------------------------
def plan_candidates(videos: pd.DataFrame, shots: pd.DataFrame, params: ClipSplitParams) -> tuple[pd.DataFrame, dict]:
    """Shots become candidate clips (trimmed at cuts, long ones split, short ones `too_short`).
    A simulation episode is one candidate, whatever its length: it is one shot by construction."""
    clock = StageClock("split")
    rows = []
    shots_of = {video_id: group.sort_values("shot_index") for video_id, group in shots.groupby("video_id")}
    for video in videos.itertuples():
        if video.source == "sim":
            candidates = [CandidateClip(0, int(video.num_frames), 0)]
        elif video.video_id in shots_of:
            table = shots_of[video.video_id]
            video_shots = [
                Shot(int(r.start_frame), int(r.end_frame), float(r.boundary_probability)) for r in table.itertuples()
            ]
            try:
                candidates = split_shots(video_shots, float(video.fps), int(video.num_frames), params)
            except ValueError as error:  # shots that disagree with the manifest's frame count
                log.warning("no clips from %s: %s", video.path, error)
                continue
        else:
            continue  # no shots: its shot detection failed and was logged
        for candidate in candidates:
            rows.append({
                "clip_id": clip_id(video.video_id, candidate.start_frame, candidate.end_frame),
                "video_id": video.video_id, "path": None,
                "start_frame": candidate.start_frame, "end_frame": candidate.end_frame,
                "start_s": candidate.start_frame / video.fps, "end_s": candidate.end_frame / video.fps,
                "fps": video.fps, "width": video.width, "height": video.height, "num_frames": candidate.num_frames,
                "motion_score": np.nan, "quality_score": np.nan, "text_score": np.nan,
                "video_type": None, "caption": None,
                "cluster_id": pd.NA, "duplicate_of": None, "kept": False, "reject_reason": candidate.reject_reason,
            })  # fmt: skip
    clips = conform(pd.DataFrame(rows), "clips") if rows else empty_table("clips")
    return clips, clock.done(candidates=len(clips), too_short=int((clips["reject_reason"] == "too_short").sum()))


# ---- filters, captions and embeddings -----------------------------------------------------------
class ClipEmbeddings:
    """Embeddings of the clips that passed the filters, row i for clip_ids[i]."""

    def __init__(self, clip_ids: list[str], vectors: np.ndarray):
        self.clip_ids, self.vectors = clip_ids, vectors


def analyze_candidates(
    candidates: pd.DataFrame,
    videos: pd.DataFrame,
    sim_captions: dict[str, str],
    filters: FilterParams,
    filter_sources: tuple[str, ...],
    captioner_options: dict,
    embedder_options: dict,
    progress: bool,
) -> tuple[pd.DataFrame, ClipEmbeddings, dict]:
    """Decode every candidate once; score it with every filter; caption and embed the survivors.

    Filters reject only clips of videos whose source is in `filter_sources`; other clips (e.g.
    simulation episodes, whose content is known) are measured but not rejected. A simulation
    clip's caption is its episode's true caption; its type is `synthetic_render` by construction.
    """
    clock = StageClock("filters")
    clips = candidates.copy()
    captioner = make_captioner(**{"kind": "measured", **captioner_options})
    embedder = make_embedder(**embedder_options)
    by_id = videos.set_index("video_id")
    embedded_ids, vectors = [], []
    open_rows = clips.index[clips["reject_reason"].isna()]
    bar = tqdm(total=len(open_rows), desc="filtering clips", unit="clip", disable=not progress)
    for video_id, rows in clips.loc[open_rows].groupby("video_id", sort=False):
        video = by_id.loc[video_id]
        ranges = list(zip(rows["start_frame"].astype(int), rows["end_frame"].astype(int)))
        for position, result in analyze_video_clips(
            video.path, ranges, float(video.fps), int(video.width), int(video.height), filters
        ):
            row = rows.index[position]
            bar.update(1)
            if isinstance(result, VideoError):
                clips.loc[row, "reject_reason"] = DECODE_ERROR
                log.warning("decode error in clip %s: %s", clips.loc[row, "clip_id"], result.sentence)
                continue
            is_sim = video.source == "sim"
            clips.loc[row, ["motion_score", "quality_score", "text_score"]] = [
                result.motion.motion_score,
                result.quality.quality_score,
                result.text.text_score,
            ]
            clips.loc[row, "video_type"] = SYNTHETIC_RENDER if is_sim else result.video_type.video_type
            if video.source in filter_sources and result.reject_reason:
                clips.loc[row, "reject_reason"] = result.reject_reason
                continue
            if is_sim and video.episode_id in sim_captions:
                clips.loc[row, "caption"] = sim_captions[video.episode_id]
            elif isinstance(captioner, MeasuredCaptioner):
                clips.loc[row, "caption"] = captioner.caption(result.frames, result.fps, motion=result.motion)
            else:
                clips.loc[row, "caption"] = captioner.caption(result.frames, result.fps)
            embedded_ids.append(clips.loc[row, "clip_id"])
            vectors.append(embedder.embed(result.frames))
    bar.close()
    matrix = np.stack(vectors).astype(np.float32) if vectors else np.zeros((0, 1), np.float32)
    reasons = clips["reject_reason"].value_counts()
    stats = clock.done(
        clips_in=len(open_rows),
        passed=len(embedded_ids),
        **{f"rejected_{reason}": count for reason, count in reasons.items() if reason != "too_short"},
    )
    return conform(clips, "clips"), ClipEmbeddings(embedded_ids, matrix), stats


# ---- transcoding --------------------------------------------------------------------------------
def transcode_kept(
    clips: pd.DataFrame,
    videos: pd.DataFrame,
    output_dir: str | Path,
    size: tuple[int, int] | None,
    fps: float | None,
    crf: int,
    progress: bool,
) -> tuple[pd.DataFrame, dict]:
    """Cut and re-encode every kept clip into `output_dir/<clip_id>.mp4`; set `path`.

    A clip whose cut fails is recorded as `decode_error` and the rest goes on.
    """
    clock = StageClock("transcode")
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    clips = clips.copy()
    sources = {
        row.video_id: VideoInfo(**{name: getattr(row, name) for name in VideoInfo.__dataclass_fields__})
        for row in videos.itertuples()
    }
    kept = clips.index[clips["kept"]]
    for row in tqdm(kept, desc="transcoding clips", unit="clip", disable=not progress):
        clip = clips.loc[row]
        target = output_dir / f"{clip.clip_id}.mp4"
        try:
            transcode_clip(
                sources[clip.video_id], target, int(clip.start_frame), int(clip.end_frame), size=size, fps=fps, crf=crf
            )
        except VideoError as error:
            log.warning("could not cut clip %s: %s", clip.clip_id, error.sentence)
            clips.loc[row, ["kept", "reject_reason"]] = [False, DECODE_ERROR]
            continue
        clips.loc[row, "path"] = str(target)
    for stale in set(output_dir.glob("*.mp4")) - {Path(p) for p in clips["path"].dropna()}:
        stale.unlink()  # clips of an earlier run that this run did not keep
    return conform(clips, "clips"), clock.done(clips=len(kept), written=int(clips["kept"].sum()))


# ---- dedup --------------------------------------------------------------------------------------
def deduplicate_clips(
    clips: pd.DataFrame,
    embeddings: ClipEmbeddings,
    sources: pd.Series,
    params: DedupParams,
    dedup_sources: tuple[str, ...],
) -> tuple[pd.DataFrame, dict]:
    """Cluster the embedded clips, mark near-duplicates (keeping the highest resolution), and
    decide `kept`: every clip with no reject reason.

    Every embedded clip gets a cluster; only clips whose video's source (`sources`, by clip row)
    is in `dedup_sources` can be duplicates: simulation episodes are distinct by their seeds even
    where a coarse descriptor cannot tell two near-empty scenes apart.
    """
    clock = StageClock("dedup")
    clips = clips.copy()
    by_id = clips.assign(source=sources).set_index("clip_id")
    rows = by_id.loc[embeddings.clip_ids]
    clustered = deduplicate(
        embeddings.vectors, embeddings.clip_ids, rows["width"].tolist(), rows["height"].tolist(), params
    )
    candidates = np.flatnonzero(rows["source"].isin(dedup_sources).to_numpy())
    ids = [embeddings.clip_ids[i] for i in candidates]
    checked = deduplicate(
        embeddings.vectors[candidates],
        ids,
        rows["width"].iloc[candidates].tolist(),
        rows["height"].iloc[candidates].tolist(),
        params,
    )
    position = pd.Series(range(len(clips)), index=clips["clip_id"])
    clips.loc[clips.index[position[embeddings.clip_ids].to_numpy()], "cluster_id"] = clustered.cluster_ids
    at = clips.index[position[ids].to_numpy()]
    clips.loc[at, "duplicate_of"] = checked.duplicate_of
    clips.loc[at, "reject_reason"] = checked.reject_reasons()
    clips["kept"] = clips["reject_reason"].isna()
    duplicates = sum(original is not None for original in checked.duplicate_of)
    return conform(clips, "clips"), clock.done(
        clips_in=len(embeddings.clip_ids), clusters=len(set(clustered.cluster_ids.tolist())), duplicates=duplicates
    )
