"""The evaluation pipeline through a real KedroSession on freshly simulated episodes: first with no
world model, then with fake ones."""

import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from support import run_pipelines

from cosmos_flow.model_store import save_model
from cosmos_flow.simulation.runner import SimulationParams, render_all
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.torch_threads import torch_threads
from cosmos_flow.worldmodel import registry

EVALUATION = {"physics": {"scenarios": ["drop"], "episodes_per_scenario": 1}, "consistency": {"episodes": 1}}
OUTPUTS = [
    "evaluation_metrics.json",
    "evaluation_table.csv",
    "evaluation_geometry.csv",
    "evaluation.md",
    "evaluation_metric_bars.png",
    "evaluation_geometry_bars.png",
    "evaluation_examples.png",
]


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors: one thread avoids thread hand-offs, which stall when other processes share the cores."""
    with torch_threads(1):
        yield


class CopyLastWorldModel:
    """A stand-in world model: Video2World copies the last past frame; Text2World makes a flat grey video."""

    resolution = (64, 64)
    temporal_compression = 8

    def __init__(self, name: str):
        self.name = name

    def generate(self, past_frames, caption, n_future, seed):
        if past_frames is None:
            return np.full((n_future, *self.resolution, 3), 128, dtype=np.uint8)
        return np.repeat(past_frames[-1:], n_future, axis=0)


def load_fake_world_model(folder):
    return CopyLastWorldModel(folder.name)


def save_fake_models(models_dir):
    torch.manual_seed(0)
    save_model(models_dir / "tokenizer_cv", tokenizer_artifact(CausalVideoTokenizer(get_config("cv-tiny-8x8x8"))))
    for name, stage in (("fake_v2w", "v2w"), ("fake_t2w", "t2w")):
        (models_dir / name).mkdir(parents=True)
        (models_dir / name / "config.json").write_text(
            json.dumps({"model": "fake_world_model", "stage": stage, "tokenizer": "tokenizer_cv"})
        )


def simulate_test_episodes(project) -> None:
    """One real test episode of drop and of orbit (with take2/ and orbit's hires/), indexed where the catalog looks."""
    params = SimulationParams(episodes={"drop": {"test": 1}, "orbit": {"test": 1}}, progress=False)
    render_all(params, "data/01_raw/sim").to_parquet(project / "data/01_raw/sim/episodes.parquet", index=False)


def logged_artifacts(project) -> set[str]:
    run = mlflow.search_runs(
        experiment_names=["cosmos_flow"], order_by=["start_time DESC"], max_results=1, output_format="list"
    )[0]
    return {artifact.path for artifact in mlflow.MlflowClient().list_artifacts(run.info.run_id)}


def test_evaluation_runs_without_models_then_scores_every_model(project, monkeypatch):
    simulate_test_episodes(project)
    run_pipelines(project, ["evaluation"], evaluation=EVALUATION)
    reporting = project / "data/08_reporting"
    assert all((reporting / name).is_file() for name in OUTPUTS)
    metrics = json.loads((reporting / "evaluation_metrics.json").read_text())
    assert metrics["world_models"] == 0 and metrics["physics_episodes"] == 1 and metrics["geometry_videos"] == 1
    # The second take is a real re-run of the experiment, not a near copy (a 1e-4 m jitter gave 49-51 dB),
    # so the MSE term of the score is no longer ~0 for the baselines.
    assert (
        metrics["physics.physical_variance.k9.drop.psnr"] < 45.0
        and metrics["physics.physical_variance.k9.drop.mse"] > 3e-5
    )
    assert metrics["physics.all_background.k9.physics_iq_score"] > 5.0
    assert (
        metrics["physics.ground_truth.k9.generation_failure"] == 0.0
        and metrics["physics.all_background.k9.generation_failure"] == 1.0
    )
    for name, value in metrics.items():
        if name + ".ci_low" in metrics and value is not None and np.isfinite(value):  # NaN is saved as null
            assert metrics[name + ".ci_low"] <= value + 1e-9 <= metrics[name + ".ci_high"] + 2e-9, name
    assert (
        metrics["geometry.ground_truth.pose_success_rate"] == 1.0
        and metrics["geometry.ground_truth.rotation_error_deg"] < 2.0
    )
    assert (
        metrics["geometry.random_local_warp.pose_success_rate"] == 0.0
        and metrics["geometry.static_first_frame.pose_success_rate"] == 0.0
    )
    table = pd.read_csv(reporting / "evaluation_table.csv")
    assert set(table["source"]) == {
        "ground_truth",
        "physical_variance",
        "copy_last_frame",
        "mean_of_context",
        "all_background",
    }
    assert set(table["scenario"]) == {"drop", "all"} and set(table["condition_frames"]) == {1, 9}
    assert "No world model was evaluated" in (reporting / "evaluation.md").read_text()
    assert {"evaluation.md", "evaluation_table.csv", "evaluation_examples.png"} <= logged_artifacts(project)

    monkeypatch.setitem(registry.WORLD_MODEL_FAMILIES, "fake_world_model", f"{__name__}:load_fake_world_model")
    save_fake_models(project / "data/06_models")
    run_pipelines(project, ["evaluation"], evaluation=EVALUATION)
    metrics = json.loads((reporting / "evaluation_metrics.json").read_text())
    assert metrics["world_models"] == 2
    # The fake Video2World model copies the last frame, so it scores exactly as that baseline does.
    for name in ("mask_iou", "ssim", "spatial_iou"):
        assert metrics[f"physics.fake_v2w.k1.{name}"] == metrics[f"physics.copy_last_frame.k1.{name}"]
    assert "physics.fake_t2w.k1.ssim" not in metrics  # text-only models are not scored on physics
    assert "geometry.fake_t2w.sampson_error" in metrics and metrics["geometry.fake_v2w.pose_success_rate"] == 0.0
    assert "physics.tokenizer_round_trip.k9.tokenizer_feature_similarity" in metrics
    table = pd.read_csv(reporting / "evaluation_table.csv")
    assert set(table.loc[table["source"] == "tokenizer_round_trip", "kind"]) == {
        "reference"
    }  # an oracle, not a baseline
    report = (reporting / "evaluation.md").read_text()
    assert "| fake_v2w | 1 |" in report and "tokenizer_feature_similarity" in report
