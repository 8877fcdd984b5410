"""The autoregressive pipeline through a real KedroSession, on synthetic episodes and a tiny random DV tokenizer."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from support import base_parameters, end_runs, make_project, run_in_memory, run_pipelines, write_training_clips

from cosmos_flow.autoregressive.generate import load_world_model
from cosmos_flow.model_store import load_model, save_model
from cosmos_flow.pipelines.autoregressive.pipeline import create_pipeline
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.torch_threads import torch_threads
from cosmos_flow.video import probe

FRAMES, SIZE = 9, 32  # two latent frames of 4x4 tokens through the 8x8x8 tokenizer
TRAIN = {
    "max_steps": 4,
    "batch_size": 2,
    "warmup_steps": 1,
    "val_every_steps": 2,
    "condition_latents": [1],
    "log_every_steps": 1,
    "progress_bar": False,
    "accelerator": "cpu",
}
GEOMETRY = {"width": SIZE, "height": SIZE, "fps": 10.0, "num_frames": FRAMES}
KEPT = {
    "start_frame": 0,
    "start_s": 0.0,
    "motion_score": 1.0,
    "quality_score": 1.0,
    "text_score": 0.0,
    "video_type": "synthetic_render",
    "duplicate_of": None,
    "kept": True,
    "reject_reason": None,
}
TINY = {
    "data": {"frames": FRAMES, "size": SIZE, "progress": False},
    "text_encoder": {"kind": "minilm", "max_tokens": 8},
    "model": {"size": "tiny", "overrides": {"dim": 48, "depth": 2, "heads": 4, "kv_heads": 2, "mlp_hidden": 64}},
    "video": {"train": TRAIN},
    "v2w": {"train": TRAIN},
    "samples": {"clips": 1, "condition_latent_frames": 1, "fps": 8},
}


def _moving_square(index: int) -> np.ndarray:
    frames = np.full((FRAMES, SIZE, SIZE, 3), 30, dtype=np.uint8)
    for frame in range(FRAMES):
        top = (2 * frame + index) % (SIZE - 8)
        frames[frame, top : top + 8, 4 * index % 24 : 4 * index % 24 + 8] = (200, 60 + 20 * index, 60)
    return frames


def _synthetic_world(root, count: int = 5) -> None:
    """Sim episodes (frames.npz) and the training clip table of their kept clips, as the tokenizer pipeline writes
    it."""
    episodes, videos, clips = [], [], []
    for index in range(count):
        episode_id, folder = f"ep{index}", f"data/01_raw/sim/drop/ep{index}"
        (root / folder).mkdir(parents=True)
        np.savez(root / folder / "frames.npz", rgb=_moving_square(index))
        caption, video = f"a square number {index} slides down", f"{folder}/video.mp4"
        split = "val" if index == count - 1 else "train"
        episodes.append(
            {
                **GEOMETRY,
                "episode_id": episode_id,
                "scenario": "drop",
                "split": split,
                "seed": index,
                "caption": caption,
                "path": folder,
            }
        )
        videos.append(
            {
                **GEOMETRY,
                "video_id": f"v{index}",
                "path": video,
                "source": "sim",
                "duration_s": 0.9,
                "codec": "h264",
                "has_audio": False,
                "episode_id": episode_id,
            }
        )
        clips.append(
            {
                **GEOMETRY,
                **KEPT,
                "clip_id": f"c{index}",
                "video_id": f"v{index}",
                "path": video,
                "end_frame": FRAMES,
                "end_s": 0.9,
                "caption": caption,
                "cluster_id": index,
            }
        )
    write_training_clips(root, clips, videos, episodes)
    torch.manual_seed(0)
    save_model(
        root / "data/06_models/tokenizer_dv", tokenizer_artifact(CausalVideoTokenizer(get_config("dv-tiny-8x8x8")))
    )


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One run of the autoregressive pipeline on the synthetic world, shared by the tests below."""
    with pytest.MonkeyPatch.context() as monkeypatch, torch_threads(1):
        project = make_project(tmp_path_factory.mktemp("autoregressive_project"), monkeypatch)
        _synthetic_world(project)
        run_pipelines(project, ["autoregressive"], autoregressive=TINY)
        yield project
        end_runs()


@pytest.fixture(scope="module")
def runs(trained):
    client = mlflow.tracking.MlflowClient(f"sqlite:///{trained}/mlflow.db")
    found = client.search_runs(client.get_experiment_by_name("cosmos_flow").experiment_id)
    return client, {run.info.run_name: run for run in found if "mlflow.parentRunId" in run.data.tags}


def _metrics(project) -> dict:
    return json.loads((project / "data/08_reporting/autoregressive_metrics.json").read_text())


@pytest.mark.parametrize("stage", ["video", "v2w"])
def test_each_stage_reports_validation_loss_accuracy_and_perplexity(trained, stage):
    metrics = _metrics(trained)
    assert metrics[f"{stage}_val_loss"] > 0 and 0 <= metrics[f"{stage}_val_token_accuracy"] <= 1
    assert metrics[f"{stage}_val_perplexity"] == pytest.approx(np.exp(metrics[f"{stage}_val_loss"]), rel=1e-5)


@pytest.mark.parametrize("stage", ["video", "v2w"])
def test_each_stage_reports_its_speeds_and_split_sizes(trained, stage):
    metrics = _metrics(trained)
    assert metrics[f"{stage}_train_tokens_per_s"] > 0 and metrics[f"{stage}_generation_tokens_per_s"] > 0
    assert metrics[f"{stage}_train_clips"] == 4 and metrics[f"{stage}_val_clips"] == 1


@pytest.mark.parametrize("stage", ["video", "v2w"])
def test_each_stage_writes_a_truth_beside_sample_video(trained, stage):
    info = probe(trained / f"data/08_reporting/ar_samples/ar_{stage}_0.mp4")
    assert (info.num_frames, info.width, info.height) == (FRAMES, 2 * SIZE, SIZE)  # truth | sample
    assert (trained / f"data/08_reporting/ar_samples/ar_{stage}_0.gif").stat().st_size > 0


@pytest.mark.parametrize(("name", "stage"), [("ar_video", "video"), ("ar_v2w", "v2w")])
def test_each_saved_model_names_its_family_stage_and_tokenizer_and_has_a_card(trained, name, stage):
    folder = trained / "data/06_models" / name
    config = json.loads((folder / "config.json").read_text())
    assert (config["model"], config["stage"], config["tokenizer"]) == ("ar_world_model", stage, "tokenizer_dv")
    assert "val_loss" in (folder / "card.md").read_text()


@pytest.mark.parametrize("name", ["ar_video", "ar_v2w"])
def test_each_saved_model_continues_a_video(trained, name):
    model = load_world_model(trained / "data/06_models" / name)
    assert model.generate(_moving_square(0)[:1], "a square slides", 8, seed=0).shape == (8, SIZE, SIZE, 3)


@pytest.mark.parametrize("name", ["ar_video", "ar_v2w"])
def test_each_stage_is_an_mlflow_child_run_with_its_curves(runs, name):
    _, children = runs
    assert len(children[name].data.tags["mlflow.source.git.commit"]) == 40  # tied to the code, as its parent
    assert {"train/loss", "train/token_accuracy", "val/perplexity", "final/val_loss"} <= set(
        children[name].data.metrics
    )


def test_the_parent_run_gets_the_summary_and_the_sample_videos(runs):
    client, children = runs
    parent = client.get_run(children["ar_video"].data.tags["mlflow.parentRunId"])
    assert "autoregressive/v2w_val_loss" in parent.data.metrics
    logged = {item.path for item in client.list_artifacts(parent.info.run_id, "ar_samples")}
    assert {"ar_samples/ar_video_0.mp4", "ar_samples/ar_v2w_0.gif"} <= logged


def test_the_pipeline_runs_on_an_in_memory_catalog(project):
    """Every node, fed from memory: both stages saved as artifacts, a truth | sample video per stage, flat metrics."""
    _synthetic_world(project)
    inputs = {
        "training_clips": pd.read_parquet(project / "data/05_model_input/training_clips.parquet"),
        "tokenizer_dv": load_model(project / "data/06_models/tokenizer_dv"),
        "params:autoregressive": base_parameters("autoregressive", TINY),
    }
    with torch_threads(1):
        catalog = run_in_memory(create_pipeline(), inputs)
    assert catalog.load("ar_v2w@artifact").config["stage"] == "v2w"
    videos = catalog.load("ar_sample_videos")
    assert sorted(videos) == ["ar_v2w_0", "ar_video_0"]
    assert videos["ar_v2w_0"].frames.shape == (FRAMES, SIZE, 2 * SIZE, 3)  # truth | sample
    assert catalog.load("autoregressive_metrics")["v2w_generation_tokens_per_s"] > 0
