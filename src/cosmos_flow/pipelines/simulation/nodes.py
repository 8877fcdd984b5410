"""Nodes of the simulation pipeline."""

from __future__ import annotations

import pandas as pd

from cosmos_flow.config import from_params
from cosmos_flow.simulation.runner import SimulationParams, render_all


def simulate_episodes(simulation: dict, output_dir: str) -> tuple[pd.DataFrame, dict[str, float]]:
    """Render every planned episode into `output_dir`; return the episodes index and counts."""
    params = from_params(SimulationParams, simulation, "simulation")
    index = render_all(params, output_dir)
    metrics = {"episodes": float(len(index)), "frames": float(index["num_frames"].sum())}
    for (scenario, split), count in index.groupby(["scenario", "split"]).size().items():
        metrics[f"episodes_{scenario}_{split}"] = float(count)
    return index, metrics
