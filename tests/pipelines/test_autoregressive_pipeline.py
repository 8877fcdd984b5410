"""The autoregressive pipeline through a real KedroSession, on synthetic episodes and a tiny random DV tokenizer."""

import json

import mlflow
import numpy as np
import pytest
import torch
from support import run_pipelines, write_training_clips

from cosmos_flow.autoregressive.generate import load_world_model
from cosmos_flow.model_store import save_model
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


@pytest.fixture
def one_thread():
    """Tiny tensors: one thread is fastest, and never stalls on shared cores."""
    with torch_threads(1):
        yield


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


def test_autoregressive_pipeline_trains_both_stages_saves_reports_and_tracks(project, one_thread):
    _synthetic_world(project)
    run_pipelines(project, ["autoregressive"], autoregressive=TINY)

    metrics = json.loads((project / "data/08_reporting/autoregressive_metrics.json").read_text())
    for stage in ("video", "v2w"):
        assert metrics[f"{stage}_val_loss"] > 0 and 0 <= metrics[f"{stage}_val_token_accuracy"] <= 1
        assert metrics[f"{stage}_val_perplexity"] == pytest.approx(np.exp(metrics[f"{stage}_val_loss"]), rel=1e-5)
        assert metrics[f"{stage}_train_tokens_per_s"] > 0 and metrics[f"{stage}_generation_tokens_per_s"] > 0
        assert metrics[f"{stage}_train_clips"] == 4 and metrics[f"{stage}_val_clips"] == 1
        sample = project / f"data/08_reporting/ar_samples/ar_{stage}_0.mp4"
        info = probe(sample)
        assert (info.num_frames, info.width, info.height) == (FRAMES, 2 * SIZE, SIZE)  # truth | sample

    for name, stage in (("ar_video", "video"), ("ar_v2w", "v2w")):
        folder = project / "data/06_models" / name
        config = json.loads((folder / "config.json").read_text())
        assert (
            config["model"] == "ar_world_model" and config["stage"] == stage and config["tokenizer"] == "tokenizer_dv"
        )
        assert "val_loss" in (folder / "card.md").read_text()
        model = load_world_model(folder)
        assert model.generate(_moving_square(0)[:1], "a square slides", 8, seed=0).shape == (8, SIZE, SIZE, 3)

    client = mlflow.tracking.MlflowClient(f"sqlite:///{project}/mlflow.db")
    runs = client.search_runs(client.get_experiment_by_name("cosmos_flow").experiment_id)
    children = {run.info.run_name: run for run in runs if "mlflow.parentRunId" in run.data.tags}
    assert {"ar_video", "ar_v2w"} <= set(children)
    for name, child in children.items():
        assert {"train/loss", "train/token_accuracy", "val/perplexity", "final/val_loss"} <= set(child.data.metrics), (
            name
        )
        assert [item.path for item in client.list_artifacts(child.info.run_id, "samples")] == [f"samples/{name}_0.mp4"]
    parent = client.get_run(children["ar_video"].data.tags["mlflow.parentRunId"])
    assert "v2w_val_loss" in parent.data.metrics
