"""The diffusion pipeline through a real KedroSession, on a few synthetic simulation episodes and a tiny random
tokenizer: both stages train, both models are saved, metrics and sample videos are written, MLflow gets the runs."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from support import base_parameters, end_runs, make_project, run_in_memory, run_pipelines, write_training_clips

from cosmos_flow.diffusion.generate import load_world_model
from cosmos_flow.model_store import load_model, save_model
from cosmos_flow.pipelines.diffusion.pipeline import create_pipeline
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.torch_threads import torch_threads

SIZE, FRAMES = 32, 20
EPISODES = [("drop", "train"), ("drop", "train"), ("drop", "val"), ("push", "train"), ("push", "val"), ("push", "test")]
TRAIN = {
    "max_steps": 4,
    "batch_size": 2,
    "warmup_steps": 1,
    "val_every_steps": 2,
    "log_every_steps": 1,
    "progress_bar": False,
    "accelerator": "cpu",
}
TINY = {
    "data": {"frames": 17, "size": SIZE, "encode_batch_size": 4, "device": "cpu", "progress": False},
    "text_encoder": {"kind": "minilm", "max_tokens": 8},
    "model": {"size": "tiny", "overrides": {"dim": 32, "depth": 1, "heads": 2}},
    "sampling": {"steps": 2, "guidance": 1.5},
    "t2w": {"train": TRAIN},
    "v2w": {"train": TRAIN},
    "samples": {"clips": 2, "every_n_steps": 2, "fps": 8.0, "steps": 1, "condition_latent_frames": 2},
}


def _synthetic_world(root):
    """Episodes (a square falling or sliding), the training clip table of their clips, and a random CV tokenizer."""
    episodes, videos, clips = [], [], []
    for index, (scenario, split) in enumerate(EPISODES):
        episode_id = f"{scenario}-{index}"
        folder = f"data/01_raw/sim/{scenario}/{episode_id}"
        (root / folder).mkdir(parents=True)
        rgb = np.full((FRAMES, SIZE, SIZE, 3), 40 + 20 * index, dtype=np.uint8)
        for frame in range(FRAMES):
            top, left = (frame, 12) if scenario == "drop" else (12, frame)
            rgb[frame, top : top + 8, left : left + 8] = 230
        np.savez(root / folder / "frames.npz", rgb=rgb)
        caption = f"a white square {'falls' if scenario == 'drop' else 'slides right'} over a grey floor, take {index}"
        episodes.append(
            {
                "episode_id": episode_id,
                "scenario": scenario,
                "split": split,
                "seed": index,
                "num_frames": FRAMES,
                "width": SIZE,
                "height": SIZE,
                "fps": 8.0,
                "caption": caption,
                "path": folder,
            }
        )
        video = {
            "video_id": f"v{index}",
            "path": f"{folder}/video.mp4",
            "source": "sim",
            "width": SIZE,
            "height": SIZE,
            "fps": 8.0,
            "num_frames": FRAMES,
        }
        videos.append(
            {**video, "duration_s": FRAMES / 8, "codec": "h264", "has_audio": False, "episode_id": episode_id}
        )
        clips.append(
            {"clip_id": f"c{index}", "video_id": f"v{index}", "path": f"{folder}/video.mp4",
             "start_frame": 0, "end_frame": FRAMES, "start_s": 0.0, "end_s": FRAMES / 8,
             "fps": 8.0, "width": SIZE, "height": SIZE, "num_frames": FRAMES,
             "motion_score": 1.0, "quality_score": 1.0, "text_score": 0.0, "video_type": "synthetic_render",
             "caption": caption, "cluster_id": index, "duplicate_of": None, "kept": True, "reject_reason": None}
        )  # fmt: skip
    write_training_clips(root, clips, videos, episodes)
    torch.manual_seed(0)
    save_model(
        root / "data/06_models/tokenizer_cv", tokenizer_artifact(CausalVideoTokenizer(get_config("cv-tiny-2x4x4")))
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One run of the diffusion pipeline on the synthetic world, shared by the tests below (each checks one rule)."""
    with pytest.MonkeyPatch.context() as monkeypatch, torch_threads(1):
        project = make_project(tmp_path_factory.mktemp("diffusion_project"), monkeypatch)
        _synthetic_world(project)
        run_pipelines(project, ["diffusion"], diffusion=TINY)
        yield project
        end_runs()


@pytest.fixture(scope="module")
def child_runs(trained):
    client = mlflow.tracking.MlflowClient(f"sqlite:///{trained}/mlflow.db")
    runs = client.search_runs(client.get_experiment_by_name("cosmos_flow").experiment_id)
    return client, {run.info.run_name: run for run in runs if "mlflow.parentRunId" in run.data.tags}


@pytest.mark.parametrize("stage", ["t2w", "v2w"])
def test_each_stage_trains_the_asked_steps_on_the_split_clips(trained, stage):
    metrics = json.loads((trained / "data/08_reporting/diffusion_metrics.json").read_text())
    assert metrics[f"{stage}_steps"] == 4 and metrics[f"{stage}_steps_per_second"] > 0
    assert metrics[f"{stage}_final_train_loss"] > 0
    assert metrics[f"{stage}_train_clips"] == 3 and metrics[f"{stage}_val_clips"] == 2


@pytest.mark.parametrize("stage", ["t2w", "v2w"])
def test_each_stage_reports_a_validation_loss_per_noise_bucket(trained, stage):
    metrics = json.loads((trained / "data/08_reporting/diffusion_metrics.json").read_text())
    assert len([name for name in metrics if name.startswith(f"{stage}_val_loss_sigma_")]) == 4


@pytest.mark.parametrize("stage", ["t2w", "v2w"])
def test_each_stage_writes_its_final_sample_video(trained, stage):
    samples = trained / f"data/08_reporting/diffusion_samples/diffusion_{stage}"
    assert samples.with_suffix(".mp4").stat().st_size > 0 and samples.with_suffix(".gif").stat().st_size > 0


def test_the_saved_video2world_model_names_its_family_stage_and_tokenizer(trained):
    config = load_model(trained / "data/06_models/diffusion_v2w").config
    assert (config["model"], config["stage"], config["tokenizer"]) == ("diffusion_world_model", "v2w", "tokenizer_cv")


def test_the_saved_model_keeps_its_latent_statistics_losses_and_card(trained):
    saved = load_model(trained / "data/06_models/diffusion_v2w")
    assert len(saved.config["latent_stats"]["std"]) == 16 and "val_loss" in saved.config["metrics"]
    assert "Final losses" in saved.card


def test_only_the_video2world_model_has_the_condition_mask(trained):
    assert load_model(trained / "data/06_models/diffusion_t2w").config["dit"]["condition_mask"] is False
    assert load_model(trained / "data/06_models/diffusion_v2w").config["dit"]["condition_mask"] is True


def test_the_saved_video2world_model_continues_a_video(trained):
    frames = load_world_model(trained / "data/06_models/diffusion_v2w").generate(
        np.zeros((1, SIZE, SIZE, 3), np.uint8), "a white square falls", 16, seed=0
    )
    assert frames.shape == (16, SIZE, SIZE, 3) and frames.dtype == np.uint8


@pytest.mark.parametrize("stage", ["t2w", "v2w"])
def test_each_stage_is_an_mlflow_child_run_with_losses_and_sample_videos(child_runs, stage):
    client, children = child_runs
    child = children[f"diffusion_{stage}"]
    assert child.info.status == "FINISHED"
    assert "train/loss" in child.data.metrics and "val/loss" in child.data.metrics
    logged = [item.path for item in client.list_artifacts(child.info.run_id, "samples")]
    assert any(path.endswith("step0000002.gif") for path in logged)
    assert any(path.endswith("step0000004.mp4") for path in logged)


def test_the_parent_run_gets_the_summary_metrics_and_final_samples(child_runs):
    client, children = child_runs
    parent = client.get_run(children["diffusion_t2w"].data.tags["mlflow.parentRunId"])
    assert "diffusion/t2w_val_loss" in parent.data.metrics
    assert "diffusion_samples/diffusion_v2w.gif" in {
        item.path for item in client.list_artifacts(parent.info.run_id, "diffusion_samples")
    }


def test_the_pipeline_runs_on_an_in_memory_catalog(project):
    """Every node, fed from memory: two stages saved as artifacts, one sample video each, flat metrics."""
    _synthetic_world(project)
    inputs = {
        "training_clips": pd.read_parquet(project / "data/05_model_input/training_clips.parquet"),
        "tokenizer_cv": load_model(project / "data/06_models/tokenizer_cv"),
        "params:diffusion": base_parameters("diffusion", TINY),
    }
    with torch_threads(1):
        catalog = run_in_memory(create_pipeline(), inputs)
    stages = {stage: catalog.load(f"diffusion_{stage}@artifact").config["stage"] for stage in ("t2w", "v2w")}
    assert stages == {"t2w": "t2w", "v2w": "v2w"}
    videos = catalog.load("diffusion_sample_videos")
    assert sorted(videos) == ["diffusion_t2w", "diffusion_v2w"] and videos["diffusion_v2w"].fps == 8.0
    assert videos["diffusion_v2w"].frames.shape[1:] == (SIZE, 2 * SIZE + 2, 3)  # two clips side by side
    metrics = catalog.load("diffusion_metrics")
    assert metrics["t2w_steps"] == 4 and metrics["v2w_seconds_per_sample"] > 0
