"""The ingest pipeline, run for real through a KedroSession in a throwaway copy of the project."""

import shutil
import subprocess

import pandas as pd
from mlflow.tracking import MlflowClient
from support import PROJECT_ROOT, numbered_frames, run_pipelines

from cosmos_flow.video import write_video


def test_ingest_lists_samples_and_user_videos_and_quarantines_bad_files(project, bad_input_corpus):
    videos_folder = project / "data" / "01_raw" / "videos"
    write_video(videos_folder / "my clip.mp4", numbered_frames(12), fps=12)
    for name in ("zero_byte", "text_as_mp4", "audio_only"):
        path = bad_input_corpus[name][0]
        shutil.copy(path, videos_folder / path.name)

    run_pipelines(project, ["ingest"])

    videos = pd.read_parquet(project / "data/02_intermediate/videos.parquet")
    quarantine = pd.read_parquet(project / "data/02_intermediate/quarantine.parquet")
    assert sorted(videos["source"]) == ["sample"] * 5 + ["user"]
    test_mp4 = videos[videos["path"].str.endswith("tests/test.mp4")].iloc[0]
    assert (test_mp4.width, test_mp4.height, test_mp4.fps) == (160, 90, 25.0)
    assert 5200 <= test_mp4.num_frames <= 5400
    assert sorted(quarantine["path"].map(lambda p: p.rsplit("/", 1)[-1])) == ["empty.mp4", "notes.mp4", "voice.m4a"]

    metrics = pd.read_json(project / "data/08_reporting/ingest_metrics.json", typ="series")
    assert metrics["videos"] == 6 and metrics["quarantined"] == 3

    client = MlflowClient(f"sqlite:///{project / 'mlflow.db'}")
    (run,) = client.search_runs([client.get_experiment_by_name("cosmos_flow").experiment_id])
    assert run.info.status == "FINISHED"
    assert run.data.params["ingest.include_samples"] == "True"
    assert run.data.metrics["ingest/videos"] == 6.0
    # Tied to the code that ran (this checkout's commit), the profile and the pipelines; the runner by name.
    head = subprocess.run(["git", "-C", str(PROJECT_ROOT), "rev-parse", "HEAD"], capture_output=True, text=True)
    assert run.data.tags["mlflow.source.git.commit"] == head.stdout.strip()
    assert run.data.tags["cosmos_flow.git_dirty"] in ("true", "false")
    assert (run.data.tags["cosmos_flow.profile"], run.data.tags["cosmos_flow.pipelines"]) == ("base", "ingest")
    assert run.data.tags["runner"] == "SequentialRunner" and run.info.run_name == "ingest (base)"


def test_an_empty_folder_without_samples_is_a_clean_empty_run(project, caplog):
    run_pipelines(project, ["ingest"], ingest={"include_samples": False})
    videos = pd.read_parquet(project / "data/02_intermediate/videos.parquet")
    assert videos.empty and "video_id" in videos.columns
    assert "no videos to ingest" in caplog.text
