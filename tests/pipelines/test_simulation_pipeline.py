"""Simulation then ingest, through a real KedroSession: episodes become `sim` videos."""

import json

import pandas as pd
from support import base_parameters, run_in_memory, run_pipelines

from cosmos_flow.pipelines.simulation.pipeline import create_pipeline

# Runtime parameters merge into conf/base key by key, so every count is given.
TINY = {
    "drop": {"train": 2, "val": 0, "test": 1},
    "collide": {"train": 0, "val": 0, "test": 0},
    "ramp": {"train": 0, "val": 0, "test": 0},
    "push": {"train": 1, "val": 0, "test": 0},
    "orbit": {"train": 0, "val": 0, "test": 1},
}


def test_simulated_episodes_are_ingested_with_their_episode_ids(project):
    run_pipelines(
        project,
        ["simulation", "ingest"],
        simulation={"episodes": TINY, "workers": 2},
        ingest={"include_samples": False},
    )

    episodes = pd.read_parquet(project / "data/01_raw/sim/episodes.parquet")
    assert len(episodes) == 5 and set(episodes["scenario"]) == {"drop", "push", "orbit"}
    assert (project / "data/01_raw/sim/orbit/orbit_test_0000/hires/frames.npz").is_file()
    assert not (project / "data/01_raw/sim.partial").exists()

    videos = pd.read_parquet(project / "data/02_intermediate/videos.parquet")
    assert (videos["source"] == "sim").all()
    assert sorted(videos["episode_id"]) == sorted(episodes["episode_id"])
    assert set(videos[["width", "height", "num_frames"]].itertuples(index=False, name=None)) == {(64, 64, 17)}

    metrics = json.loads((project / "data/08_reporting/simulation_metrics.json").read_text())
    assert metrics["episodes"] == 5 and metrics["episodes_drop_train"] == 2


def test_the_simulation_pipeline_runs_on_an_in_memory_catalog(project):
    inputs = {
        "params:simulation": base_parameters("simulation", {"episodes": TINY, "workers": 1, "progress": False}),
        "params:simulation_output_dir": "data/01_raw/sim",
    }
    catalog = run_in_memory(create_pipeline(), inputs)
    episodes = catalog.load("sim_episodes")
    assert len(episodes) == 5 and (project / episodes.iloc[0]["path"] / "frames.npz").is_file()
    assert catalog.load("simulation_metrics")["episodes_push_train"] == 1
