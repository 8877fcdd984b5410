"""Simulation speed: frames per second per scenario at 64x64 and 128x128, and the default profile.

Usage: .venv/bin/python bench/bench_simulation.py [--episodes N] [--profile]
  Prints one table: for each scenario and resolution, frames/s of simulate+render alone and of the
  whole episode (simulate, render, write frames.npz / parquet / mp4), on one process.
  --profile also renders the default profile (conf/base/parameters_simulation.yml) with its
  worker count into a temporary folder and prints its wall time.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import yaml

from cosmos_flow.simulation.engine import simulate
from cosmos_flow.simulation.runner import SimulationParams, render_all, render_episode
from cosmos_flow.simulation.scenarios import SCENARIOS, make_scene
from cosmos_flow.simulation.splits import plan_episodes

ROOT = Path(__file__).resolve().parents[1]


def time_scenario(scenario: str, resolution: int, episodes: int, folder: Path) -> tuple[float, float]:
    params = SimulationParams(resolution=resolution, second_take={"splits": []}, hires_splits=[], progress=False)
    plans = plan_episodes(123, {scenario: {"train": episodes}})
    start = time.perf_counter()
    for plan in plans:
        simulate(
            make_scene(scenario, plan.seed, params.num_frames),
            params.num_frames,
            params.fps,
            params.substeps,
            [(resolution, resolution)],
        )
    simulate_fps = episodes * params.num_frames / (time.perf_counter() - start)
    start = time.perf_counter()
    for plan in plans:
        render_episode(plan, params, folder)
    episode_fps = episodes * params.num_frames / (time.perf_counter() - start)
    return simulate_fps, episode_fps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--episodes", type=int, default=10, help="episodes per scenario and resolution")
    parser.add_argument("--profile", action="store_true", help="also time the default profile end to end")
    args = parser.parse_args()
    print(f"{'scenario':<10}{'size':>6}{'sim+render fps':>16}{'whole episode fps':>19}")
    with tempfile.TemporaryDirectory() as scratch:
        for scenario in SCENARIOS:
            for resolution in (64, 128):
                simulate_fps, episode_fps = time_scenario(scenario, resolution, args.episodes, Path(scratch))
                print(f"{scenario:<10}{resolution:>6}{simulate_fps:>16.0f}{episode_fps:>19.0f}")
        if args.profile:
            config = yaml.safe_load((ROOT / "conf/base/parameters_simulation.yml").read_text())["simulation"]
            params = SimulationParams(**{**config, "progress": False})
            start = time.perf_counter()
            index = render_all(params, Path(scratch) / "sim")
            print(
                f"default profile: {len(index)} episodes x {params.num_frames} frames with {params.workers} workers "
                f"in {time.perf_counter() - start:.1f} s"
            )


if __name__ == "__main__":
    main()
