"""The tokenizer pipeline through a real KedroSession, on the tiny world (sim episodes + a real video)."""

import json

import mlflow
import pandas as pd
import pytest
import torch
from support import base_parameters, run_in_memory, run_pipelines

from cosmos_flow.manifests.training_clips import load_clip_frames
from cosmos_flow.model_store import load_model
from cosmos_flow.pipelines.tokenizer.pipeline import create_pipeline
from cosmos_flow.tokenizer.evaluate import evaluate_tokenizer
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import load_tokenizer

TRAIN = {"max_steps": 6, "learning_rate": 0.002, "warmup_steps": 2, "val_every_steps": 3, "progress_bar": False}
TINY = {
    "data": {"frames": 9, "crop": 32, "batch_size": 2, "image_batch_size": 2, "max_short_side": 64, "val_clips": 2},
    "evaluation": {"max_frames": 9, "clips_per_scenario": 1, "max_short_side": 64},
    "cv": {"config": "cv-tiny-8x8x8", "overrides": {}, "train": TRAIN},
    "dv": {"config": "dv-tiny-8x8x8", "overrides": {}, "train": TRAIN},
}
QUALITY = ("psnr", "ssim", "baseline_psnr", "baseline_ssim", "compression", "numbers_ratio")
SPEED = ("encode_fps", "decode_fps")


def _held_out_sim_clips(table: pd.DataFrame) -> list:
    """The first test clip of each simulated scenario (clips_per_scenario 1), decoded as TINY's evaluation does."""
    test = (
        table[(table["split"] == "test") & (table["scenario"] != "real")]
        .sort_values("clip_id")
        .groupby("scenario")
        .head(1)
    )
    settings = TINY["evaluation"]
    return [load_clip_frames(row, settings["max_short_side"], settings["max_frames"]) for _, row in test.iterrows()]


def test_tokenizer_pipeline_trains_evaluates_and_saves_both_heads(tiny_world):
    run_pipelines(tiny_world, ["tokenizer"], tokenizer=TINY)

    # The one training clip table, which the diffusion and autoregressive pipelines read too.
    table = pd.read_parquet(tiny_world / "data/05_model_input/training_clips.parquet")
    assert set(table["split"]) == {"train", "val", "test"} and table["clip_id"].is_unique

    # Real clips of the one sample video all on one side (no video straddles train and test), so the
    # held-out set is the simulated test episodes, one per scenario.
    assert table.loc[table["scenario"] == "real", "split"].nunique() == 1
    clips = _held_out_sim_clips(table)
    assert len(clips) == 5

    metrics = json.loads((tiny_world / "data/08_reporting/tokenizer_metrics.json").read_text())
    expected_keys = {f"{head}_sim_{key}" for head in ("cv", "dv") for key in (*QUALITY, *SPEED, "clips")}
    expected_keys |= {"dv_sim_codebook_usage", "dv_sim_perplexity"}
    assert set(metrics) == expected_keys
    for head in ("cv", "dv"):
        assert metrics[f"{head}_sim_clips"] == 5
        # The saved model, on the held-out clips, gives exactly the reported quality: the metrics
        # describe this model on the test split (not the training clips, not another head).
        saved_model = load_tokenizer(tiny_world / f"data/06_models/tokenizer_{head}")
        again = evaluate_tokenizer(saved_model, clips, max_frames=TINY["evaluation"]["max_frames"])
        for key in QUALITY:
            assert metrics[f"{head}_sim_{key}"] == pytest.approx(again[key], rel=1e-6), key
        assert load_model(tiny_world / f"data/06_models/tokenizer_{head}").config["metrics"] == {
            key.removeprefix(f"{head}_"): value for key, value in metrics.items() if key.startswith(f"{head}_")
        }
        # Six steps of training already reconstruct structure that the same tokenizer untrained does
        # not (about 0.29 against 0.09 SSIM; PSNR is closer, about 15.2 against 14.0 dB).
        torch.manual_seed(0)
        untrained = evaluate_tokenizer(
            CausalVideoTokenizer(get_config(TINY[head]["config"])), clips, max_frames=TINY["evaluation"]["max_frames"]
        )
        assert (
            metrics[f"{head}_sim_ssim"] > untrained["ssim"] + 0.1
            and metrics[f"{head}_sim_psnr"] > untrained["psnr"] + 0.5
        )
        assert metrics[f"{head}_sim_baseline_psnr"] == pytest.approx(
            untrained["baseline_psnr"]
        )  # the baseline does not depend on the model
    assert 0 < metrics["dv_sim_codebook_usage"] <= 1
    assert (tiny_world / "data/08_reporting/tokenizer_quality.png").stat().st_size > 1000

    saved = load_model(tiny_world / "data/06_models/tokenizer_dv")
    assert saved.config["tokenizer"]["kind"] == "dv"
    assert "Held-out quality" in saved.card

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


def test_the_tokenizer_pipeline_runs_on_an_in_memory_catalog(tiny_world):
    """From the manifests in memory: both tokenizers as artifacts and the report (intermediate datasets, such as the
    training clip table, are released once the nodes that read them have run)."""
    data = tiny_world / "data"
    inputs = {
        "clips_manifest": pd.read_parquet(data / "03_primary/clips.parquet"),
        "videos_manifest": pd.read_parquet(data / "02_intermediate/videos.parquet"),
        "sim_episodes": pd.read_parquet(data / "01_raw/sim/episodes.parquet"),
        "params:tokenizer": base_parameters("tokenizer", TINY),
    }
    catalog = run_in_memory(create_pipeline(), inputs)
    configs = {kind: catalog.load(f"tokenizer_{kind}").config["tokenizer"] for kind in ("cv", "dv")}
    assert (configs["cv"]["kind"], configs["dv"]["kind"]) == ("cv", "dv")
    assert {f"{kind}_sim_{name}" for kind in ("cv", "dv") for name in QUALITY} <= set(catalog.load("tokenizer_metrics"))
