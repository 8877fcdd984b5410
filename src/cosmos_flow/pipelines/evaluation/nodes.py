"""Nodes of the evaluation pipeline: each calls cosmos_flow.evaluation and times itself."""

from __future__ import annotations

import time

import pandas as pd
from matplotlib.figure import Figure

from cosmos_flow.config import from_params
from cosmos_flow.evaluation import plots, report, tables
from cosmos_flow.evaluation.evaluate import EvaluationParams, consistency_evaluation, physics_evaluation
from cosmos_flow.evaluation.features import METRIC_NAME as FEATURE_METRIC
from cosmos_flow.model_store import ModelArtifact
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.torch_threads import torch_threads
from cosmos_flow.worldmodel.protocol import WorldModel

# The catalog entry of the tokenizer behind the round-trip reference and the feature similarity.
TOKENIZER = "tokenizer_cv"


def _params(evaluation: dict) -> EvaluationParams:
    return from_params(EvaluationParams, evaluation, "evaluation")


def evaluate_physics_alignment(
    sim_episodes: pd.DataFrame, evaluation: dict, tokenizer: ModelArtifact | None, *world_models: WorldModel | None
) -> tuple[pd.DataFrame, list[dict], dict[str, float]]:
    """Per-episode physics metrics of every source, example frames for the strips, and the node's seconds.

    `tokenizer` (None: not saved) adds the round-trip reference; `world_models` that are None are not saved yet.
    """
    params = _params(evaluation)
    start = time.perf_counter()
    with torch_threads(params.torch_threads):
        loaded_tokenizer = None if tokenizer is None else load_tokenizer(tokenizer)
        results = physics_evaluation(sim_episodes, params, world_models, loaded_tokenizer)
    return results.rows, results.examples, {"seconds_physics": time.perf_counter() - start}


def evaluate_3d_consistency(
    sim_episodes: pd.DataFrame, evaluation: dict, *world_models: WorldModel | None
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Per-video 3D-consistency numbers of every source, and the node's seconds (`world_models`: as above)."""
    params = _params(evaluation)
    start = time.perf_counter()
    with torch_threads(params.torch_threads):
        rows = consistency_evaluation(sim_episodes, params, world_models)
    return rows, {"seconds_3d_consistency": time.perf_counter() - start}


def report_evaluation(
    physics_rows: pd.DataFrame,
    geometry_rows: pd.DataFrame,
    examples: list[dict],
    evaluation: dict,
    *stage_stats: dict[str, float],
) -> tuple[dict[str, float], pd.DataFrame, pd.DataFrame, Figure, Figure, Figure, str]:
    """Flat metrics, the two tables, three plots and the markdown report."""
    params = _params(evaluation)
    physics, geometry = (
        tables.physics_table(physics_rows, seed=params.seed),
        tables.geometry_table(geometry_rows, seed=params.seed),
    )
    metrics = tables.flat_metrics(physics, geometry)
    for stats in stage_stats:
        metrics.update(stats)
    metrics["seconds_total"] = sum(
        value for name, value in metrics.items() if name.startswith("seconds_") and name != "seconds_total"
    )
    models = sorted(
        set(physics.loc[physics["kind"] == "model", "source"])
        | set(geometry.loc[geometry["kind"] == "model", "source"])
    )
    tokenizer = TOKENIZER if FEATURE_METRIC in physics_rows.columns else None
    notes = report.definitions(params.physics_params, params.consistency_params, tokenizer, models)
    markdown = report.markdown_report(physics, geometry, notes)
    return (
        metrics,
        physics,
        geometry,
        plots.metric_bars(physics),
        plots.geometry_bars(geometry),
        plots.example_strips(examples),
        markdown,
    )
