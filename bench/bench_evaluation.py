"""The evaluation of the default profile's world models: every model against every baseline, with timings.

Usage: .venv/bin/python bench/bench_evaluation.py [--env base|bench] [--models-dir data/06_models]
                                                  [--episodes N] [--threads N]
  Runs the physics-alignment and 3D-consistency evaluation (cosmos_flow.evaluation) with the
  parameters of conf/base/parameters_evaluation.yml (merged with conf/<env>/ when --env is not base)
  on the simulated test episodes in data/01_raw/sim and every world model found in --models-dir.
  Prints, per conditioning, a table of every source (references, baselines, models) on the main
  metrics over all scenarios with 95% bootstrap intervals, which baselines each model beats on each
  metric (intervals that do not overlap), the 3D-consistency table, and the seconds each part took.
  --threads sets torch's intra-op threads (default: the parameters' torch_threads, 1).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd
import torch
from profiles import merged, profile_parameters

from cosmos_flow.config import from_params
from cosmos_flow.datasets.world_model import ARWorldModelDataset, DiffusionWorldModelDataset
from cosmos_flow.evaluation.evaluate import EvaluationParams, consistency_evaluation, physics_evaluation
from cosmos_flow.evaluation.report import markdown_table
from cosmos_flow.evaluation.tables import (
    ALL_SCENARIOS,
    GEOMETRY_MEANS,
    baseline_comparison,
    geometry_table,
    physics_table,
)
from cosmos_flow.tokenizer.saved import load_tokenizer

ROOT = Path(__file__).resolve().parents[1]
SHOWN = [
    "psnr",
    "ssim",
    "mse",
    "mask_iou",
    "centroid_error_px",
    "object_missing_rate",
    "spatial_iou",
    "spatiotemporal_iou",
    "weighted_spatial_iou",
    "generation_failure",
    "tokenizer_feature_similarity",
    "physics_iq_score",
]


# The saved world models a default run writes, and the class that loads each (as the catalog's @world_model entries).
WORLD_MODELS = {
    "diffusion_t2w": DiffusionWorldModelDataset,
    "diffusion_v2w": DiffusionWorldModelDataset,
    "ar_video": ARWorldModelDataset,
    "ar_v2w": ARWorldModelDataset,
}


def load_params(env: str, episodes: int | None) -> EvaluationParams:
    config = profile_parameters("evaluation", env)
    if episodes:
        config = merged(config, {"physics": {"episodes_per_scenario": episodes}, "consistency": {"episodes": episodes}})
    return from_params(EvaluationParams, config, "evaluation")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--env",
        default="base",
        help="configuration environment merged over conf/base (e.g. bench: all 10 test episodes)",
    )
    parser.add_argument(
        "--models-dir", default="data/06_models", help="where the saved models are (default: data/06_models)"
    )
    parser.add_argument(
        "--episodes",
        type=int,
        default=None,
        help="episodes per scenario (physics) and orbit episodes (3D), overriding the parameters",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="torch intra-op threads (default: the parameters' torch_threads)"
    )
    args = parser.parse_args()
    params = load_params(args.env, args.episodes)
    models_dir = ROOT / args.models_dir
    threads = args.threads or params.torch_threads
    if threads:
        torch.set_num_threads(threads)
    episodes = pd.read_parquet(ROOT / "data/01_raw/sim/episodes.parquet")

    start = time.perf_counter()
    loaded = [dataset(str(models_dir / name), missing_ok=True).load() for name, dataset in WORLD_MODELS.items()]
    world_models = [model for model in loaded if model is not None]
    tokenizer = load_tokenizer(models_dir / "tokenizer_cv") if (models_dir / "tokenizer_cv").is_dir() else None
    load_seconds = time.perf_counter() - start
    start = time.perf_counter()
    physics = physics_table(physics_evaluation(episodes, params, world_models, tokenizer, ROOT).rows, seed=params.seed)
    physics_seconds = time.perf_counter() - start
    start = time.perf_counter()
    geometry = geometry_table(consistency_evaluation(episodes, params, world_models, ROOT), seed=params.seed)
    geometry_seconds = time.perf_counter() - start

    names = [f"{model.name} ({model.stage})" for model in world_models]
    print(f"world models in {models_dir}: {', '.join(names) or 'none'}; torch threads: {torch.get_num_threads()}")
    overall = physics[physics["scenario"] == ALL_SCENARIOS]
    columns = [
        "source",
        "kind",
        *[name for name in SHOWN if name in overall.columns],
        "seconds_per_episode",
        "episodes",
    ]
    for frames, group in overall.groupby("condition_frames"):
        print(f"\nphysics alignment, {frames} condition frame(s), all scenarios (mean [95% bootstrap interval]):")
        print(markdown_table(group, columns))
    wins = baseline_comparison(physics)
    if not wins.empty:
        print("\nwhich baselines each model beats (intervals that do not overlap):")
        print(markdown_table(wins, list(wins.columns)))
    print("\n3D consistency (orbit, 128x128):")
    if not geometry.empty:
        print(
            markdown_table(geometry, ["source", "kind", "stage", *GEOMETRY_MEANS, "matches_per_pair", "videos", "note"])
        )
    print(
        f"\nseconds: loading models {load_seconds:.1f}, physics {physics_seconds:.1f}, "
        f"3D consistency {geometry_seconds:.1f}, total {load_seconds + physics_seconds + geometry_seconds:.1f}"
    )


if __name__ == "__main__":
    main()
