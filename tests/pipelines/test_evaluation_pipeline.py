"""The evaluation pipeline on freshly simulated episodes: through a real KedroSession with no world model saved,
its nodes called directly with stand-in world models, and the whole pipeline on an in-memory catalog."""

import json
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
import yaml
from kedro.io import DataCatalog, MemoryDataset
from kedro.runner import SequentialRunner
from support import run_pipelines

from cosmos_flow.datasets.world_model import ARWorldModelDataset
from cosmos_flow.pipelines.evaluation import nodes
from cosmos_flow.pipelines.evaluation.pipeline import WORLD_MODELS, create_pipeline
from cosmos_flow.simulation.runner import SimulationParams, render_all
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.torch_threads import torch_threads

CONF = Path(__file__).resolve().parents[2] / "conf/base"
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
    family = "fake_world_model"

    def __init__(self, name: str, stage: str):
        self.name, self.stage = name, stage

    def generate(self, past_frames, caption, n_future, seed, **options):
        if past_frames is None:
            return np.full((n_future, *self.resolution, 3), 128, dtype=np.uint8)
        return np.repeat(past_frames[-1:], n_future, axis=0)


def fake_models() -> list:
    """A Video2World and a Text2World stand-in, and one model that is not saved yet (None)."""
    return [CopyLastWorldModel("fake_v2w", "v2w"), CopyLastWorldModel("fake_t2w", "t2w"), None]


def tokenizer():
    torch.manual_seed(0)
    return tokenizer_artifact(CausalVideoTokenizer(get_config("cv-tiny-8x8x8")))


def simulate_test_episodes(project) -> None:
    """One real test episode of drop and of orbit (with take2/ and orbit's hires/), indexed where the catalog looks."""
    params = SimulationParams(episodes={"drop": {"test": 1}, "orbit": {"test": 1}}, progress=False)
    render_all(params, "data/01_raw/sim").to_parquet(project / "data/01_raw/sim/episodes.parquet", index=False)


def logged_artifacts(project) -> set[str]:
    run = mlflow.search_runs(
        experiment_names=["cosmos_flow"], order_by=["start_time DESC"], max_results=1, output_format="list"
    )[0]
    return {artifact.path for artifact in mlflow.MlflowClient().list_artifacts(run.info.run_id)}


def test_evaluation_runs_in_a_kedro_session_with_no_model_saved(project):
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


@pytest.fixture
def episodes(project):
    simulate_test_episodes(project)
    return pd.read_parquet(project / "data/01_raw/sim/episodes.parquet")


def evaluation_parameters() -> dict:
    parameters = yaml.safe_load(open(CONF / "parameters_evaluation.yml"))["evaluation"]
    return {**parameters, **EVALUATION, "physics": {**parameters["physics"], **EVALUATION["physics"]}} | {
        "consistency": {**parameters["consistency"], **EVALUATION["consistency"]}
    }


def test_the_physics_node_scores_the_models_it_is_given(episodes):
    rows, examples, stats = nodes.evaluate_physics_alignment(
        episodes, evaluation_parameters(), tokenizer(), *fake_models()
    )
    k1 = rows[rows["condition_frames"] == 1].groupby("source")
    # The stand-in Video2World model copies the last frame, so it scores exactly as that baseline does.
    for name in ("mask_iou", "ssim", "spatial_iou"):
        assert k1[name].mean()["fake_v2w"] == k1[name].mean()["copy_last_frame"]
    assert "fake_t2w" not in set(rows["source"])  # text-only models are not scored on physics
    assert set(rows.loc[rows["source"] == "tokenizer_round_trip", "kind"]) == {"reference"}  # an oracle
    assert stats["seconds_physics"] > 0 and examples


def test_the_physics_node_runs_without_a_tokenizer(episodes):
    rows, _, _ = nodes.evaluate_physics_alignment(episodes, evaluation_parameters(), None, *fake_models())
    assert "tokenizer_round_trip" not in set(rows["source"]) and "fake_v2w" in set(rows["source"])


def test_the_3d_node_makes_whole_videos_from_text_and_from_the_first_frame(episodes):
    rows, _ = nodes.evaluate_3d_consistency(episodes, evaluation_parameters(), *fake_models())
    models = rows[rows["kind"] == "model"].set_index("source")
    assert list(models.index.sort_values()) == ["fake_t2w", "fake_v2w"]
    assert models.loc["fake_v2w", "stage"] == "v2w" and models.loc["fake_t2w", "stage"] == "t2w"


def test_the_whole_pipeline_on_an_in_memory_catalog(episodes, project):
    """As the Kedro starters test their pipelines: every input a MemoryDataset, the runner, the outputs checked."""
    inputs = {"sim_episodes": episodes, "params:evaluation": evaluation_parameters(), "tokenizer_cv": tokenizer()}
    catalog = DataCatalog({name: MemoryDataset(value) for name, value in inputs.items()})
    for name, model in zip(WORLD_MODELS, [*fake_models(), None]):
        # A model not saved yet: the catalog's own dataset type loads None from an empty folder.
        unsaved = ARWorldModelDataset(str(project / "data/06_models/nowhere"), missing_ok=True)
        catalog[name] = unsaved if model is None else MemoryDataset(model)
    SequentialRunner().run(create_pipeline(), catalog)
    metrics = catalog.load("evaluation_metrics")
    assert metrics["world_models"] == 2
    assert metrics["physics.fake_v2w.k1.mask_iou"] == metrics["physics.copy_last_frame.k1.mask_iou"]
    assert "physics.fake_t2w.k1.ssim" not in metrics and "geometry.fake_t2w.sampson_error" in metrics
    report = catalog.load("evaluation_report")
    assert "| fake_v2w | 1 |" in report and "tokenizer_feature_similarity" in report
