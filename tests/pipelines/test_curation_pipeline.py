"""Ingest then curation, through a real KedroSession, on real sample videos."""

import json

import pandas as pd
from support import base_parameters, run_in_memory, run_pipelines

from cosmos_flow.manifests.contracts import CONTRACTS, empty_table
from cosmos_flow.pipelines.curation.pipeline import create_pipeline as create_curation_pipeline
from cosmos_flow.pipelines.ingest.pipeline import create_pipeline as create_ingest_pipeline
from cosmos_flow.video import probe


def test_curation_writes_clips_and_the_manifest(project):
    run_pipelines(
        project,
        ["ingest", "curation"],
        ingest={"samples": ["bikes", "carphone_pristine", "carphone_distorted"], "include_sim": False},
        # bikes.mp4's shots last 1.2-2.4 s: shorter clips than the default 2 s are let through.
        curation={"progress": False, "split": {"min_clip_s": 1.0, "trim_s": 0.2, "max_clip_s": 60.0}},
    )
    videos = pd.read_parquet(project / "data/02_intermediate/videos.parquet").set_index("video_id")
    shots = pd.read_parquet(project / "data/02_intermediate/shots.parquet")
    clips = pd.read_parquet(project / "data/03_primary/clips.parquet")
    assert list(clips.columns[: len(CONTRACTS["clips"])]) == list(CONTRACTS["clips"])
    assert list(shots.columns) == list(CONTRACTS["shots"])

    names = clips["video_id"].map(videos["path"]).str.rsplit("/", n=1).str[-1]
    bikes_shots = shots[shots["video_id"].map(videos["path"]).str.endswith("bikes.mp4")]
    assert len(bikes_shots) == 6  # bikes.mp4 is a montage of six shots

    # The heavily compressed carphone is a near-duplicate of the pristine one, which is kept.
    distorted = clips[names == "carphone_distorted.mp4"].iloc[0]
    pristine = clips[names == "carphone_pristine.mp4"].iloc[0]
    assert distorted.reject_reason == "duplicate" and distorted.duplicate_of == pristine.clip_id and pristine.kept

    kept = clips[clips["kept"]]
    assert len(kept) >= 4 and kept["caption"].str.len().min() > 20
    for row in kept.itertuples():
        info = probe(project / row.path)
        assert info.num_frames == row.end_frame - row.start_frame and info.codec == "h264"
    assert (clips.loc[~clips["kept"], "reject_reason"].notna()).all()

    metrics = json.loads((project / "data/08_reporting/curation_metrics.json").read_text())
    assert metrics["clips_kept"] == len(kept) and metrics["rejected_duplicate"] >= 1
    assert metrics["shots_seconds"] > 0 and metrics["realtime_factor"] > 0
    assert (project / "data/08_reporting/curation_rejections.png").stat().st_size > 1000


def test_ingest_then_curation_run_on_an_in_memory_catalog(tmp_path):
    """Both pipelines fed from memory: a sample video becomes a manifest row, then shots and clips, then metrics."""
    ingest = run_in_memory(
        create_ingest_pipeline(),
        {
            "user_videos": {},
            "sim_episodes": empty_table("episodes"),
            "params:ingest": base_parameters("ingest", {"samples": ["bikes"], "include_sim": False}),
        },
    )
    videos = ingest.load("videos_manifest")
    assert len(videos) == 1 and videos.iloc[0]["path"].endswith("bikes.mp4")
    assert len(ingest.load("quarantine")) == 0 and ingest.load("ingest_metrics")["videos"] == 1
    curation = run_in_memory(
        create_curation_pipeline(),
        {
            "videos_manifest": videos,
            "sim_episodes": empty_table("episodes"),
            "params:curation": base_parameters(
                "curation", {"progress": False, "split": {"min_clip_s": 1.0, "trim_s": 0.2, "max_clip_s": 60.0}}
            ),
            "params:curation_clips_dir": str(tmp_path / "clips"),
        },
    )
    metrics = curation.load("curation_metrics")
    assert metrics["shots"] == 6 and metrics["clips_kept"] >= 1  # bikes.mp4 is a montage of six shots
    assert any((tmp_path / "clips").glob("*.mp4"))
