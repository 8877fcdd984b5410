"""The tokenizer pipeline through a real KedroSession, on the tiny world (sim episodes + a real video)."""

import json

import mlflow
import pandas as pd
import torch
from support import run_pipelines

from cosmos_flow.model_store import load_model
from cosmos_flow.tokenizer.saved import load_tokenizer

TRAIN = {"max_steps": 6, "learning_rate": 0.002, "warmup_steps": 2, "val_every_steps": 3, "progress_bar": False}
TINY = {
    "data": {"frames": 9, "crop": 32, "batch_size": 2, "image_batch_size": 2, "max_short_side": 64, "val_clips": 2},
    "evaluation": {"max_frames": 9, "clips_per_scenario": 1, "max_short_side": 64},
    "cv": {"config": "cv-tiny-8x8x8", "overrides": {}, "train": TRAIN},
    "dv": {"config": "dv-tiny-8x8x8", "overrides": {}, "train": TRAIN},
}


def test_tokenizer_pipeline_trains_evaluates_and_saves_both_heads(tiny_world):
    run_pipelines(tiny_world, ["tokenizer"], tokenizer=TINY)

    # The one training clip table, which the diffusion and autoregressive pipelines read too.
    table = pd.read_parquet(tiny_world / "data/05_model_input/training_clips.parquet")
    assert set(table["split"]) == {"train", "val", "test"} and table["clip_id"].is_unique

    metrics = json.loads((tiny_world / "data/08_reporting/tokenizer_metrics.json").read_text())
    for head in ("cv", "dv"):
        assert metrics[f"{head}_sim_psnr"] > 0 and 0 < metrics[f"{head}_sim_ssim"] <= 1
        assert metrics[f"{head}_sim_baseline_psnr"] > 0 and metrics[f"{head}_sim_encode_fps"] > 0
        assert metrics[f"{head}_sim_clips"] == 5  # one test episode per scenario
    assert 0 < metrics["dv_sim_codebook_usage"] <= 1
    assert (tiny_world / "data/08_reporting/tokenizer_quality.png").stat().st_size > 1000

    saved = load_model(tiny_world / "data/06_models/tokenizer_dv")
    assert saved.config["tokenizer"]["kind"] == "dv" and "sim_psnr" in saved.config["metrics"]
    assert "Held-out quality" in saved.card
    model = load_tokenizer(tiny_world / "data/06_models/tokenizer_dv")
    video = torch.rand(1, 3, 9, 32, 32) * 2 - 1
    assert torch.equal(model(video)[0], load_tokenizer(tiny_world / "data/06_models/tokenizer_dv")(video)[0])

    client = mlflow.tracking.MlflowClient(f"sqlite:///{tiny_world}/mlflow.db")
    runs = client.search_runs(client.get_experiment_by_name("cosmos_flow").experiment_id)
    children = {run.info.run_name: run for run in runs if "mlflow.parentRunId" in run.data.tags}
    assert {"tokenizer_cv", "tokenizer_dv"} <= set(children)
    assert "val/psnr" in children["tokenizer_cv"].data.metrics
    assert "val/codebook_usage" in children["tokenizer_dv"].data.metrics


def test_a_rerun_resumes_from_the_checkpoints_and_saves_the_same_model(tiny_world):
    run_pipelines(tiny_world, ["tokenizer"], tokenizer=TINY)
    first = load_model(tiny_world / "data/06_models/tokenizer_cv").state_dict
    checkpoints = sorted((tiny_world / "data/07_model_output/tokenizer_checkpoints").iterdir())
    assert [path.name.split("-")[0] for path in checkpoints] == ["tokenizer_cv", "tokenizer_dv"]

    run_pipelines(tiny_world, ["tokenizer"], tokenizer=TINY)
    second = load_model(tiny_world / "data/06_models/tokenizer_cv").state_dict
    assert all(torch.equal(first[name], second[name]) for name in first)
