"""The whole evaluation from an episodes index, the world models and the tokenizer: what the pipeline and the
bench run.

`EvaluationParams` mirrors `conf/base/parameters_evaluation.yml` (`evaluation`). The world models come loaded
(`cosmos_flow.evaluation.generation`); the tokenizer, when given, adds the tokenizer round-trip reference (an
oracle) and the tokenizer feature similarity. With no world model and no tokenizer the evaluation still runs:
references and baselines only.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import torch

from cosmos_flow.evaluation.consistency import ConsistencyParams, evaluate_consistency
from cosmos_flow.evaluation.generation import evaluated_world_models, physics_predictor
from cosmos_flow.evaluation.physics import (
    PhysicsParams,
    PhysicsResults,
    baseline_predictors,
    evaluate_physics,
    load_cases,
    oracle_predictors,
    select_test_episodes,
)
from cosmos_flow.worldmodel.protocol import WorldModel

log = logging.getLogger(__name__)


@dataclass
class EvaluationParams:
    """Everything the evaluation pipeline reads from its parameters."""

    seed: int = 0
    models: list[str] | None = None  # names of the world models to score; None: every one given
    generation: dict[str, dict] = field(default_factory=dict)  # family -> options of its generate()
    examples_per_scenario: int = 1  # cases per scenario and conditioning shown in the example strips
    torch_threads: int | None = (
        1  # intra-op threads while evaluating (None: torch's default); see parameters_evaluation.yml
    )
    physics: dict = field(default_factory=dict)  # PhysicsParams
    consistency: dict = field(default_factory=dict)  # ConsistencyParams

    @property
    def physics_params(self) -> PhysicsParams:
        return PhysicsParams(**self.physics)

    @property
    def consistency_params(self) -> ConsistencyParams:
        return ConsistencyParams(**self.consistency)


def physics_evaluation(
    episodes: pd.DataFrame,
    params: EvaluationParams,
    world_models: Iterable[WorldModel | None] = (),
    tokenizer: torch.nn.Module | None = None,
    root: str | Path = ".",
) -> PhysicsResults:
    """Physics alignment of every frame-conditioned world model, the baselines and the references."""
    physics = params.physics_params
    cases = load_cases(
        select_test_episodes(episodes, physics.scenarios, physics.episodes_per_scenario), root, physics.condition_frames
    )
    if tokenizer is None:
        log.warning("no tokenizer: the tokenizer round trip and the feature similarity are skipped")
    predictors, oracles = baseline_predictors(), oracle_predictors(tokenizer)
    kinds = dict.fromkeys(predictors, "baseline") | dict.fromkeys(oracles, "reference")
    predictors |= oracles
    for world_model in evaluated_world_models(world_models, params.generation, params.models):
        if world_model.text_only:
            continue
        predictors[world_model.name] = physics_predictor(world_model, params.seed)
        kinds[world_model.name] = "model"
    log.info("physics alignment: %d cases, sources %s", len(cases), sorted(predictors))
    return evaluate_physics(cases, predictors, kinds, physics, tokenizer, params.examples_per_scenario)


def consistency_evaluation(
    episodes: pd.DataFrame,
    params: EvaluationParams,
    world_models: Iterable[WorldModel | None] = (),
    root: str | Path = ".",
) -> pd.DataFrame:
    """3D consistency of every world model, the ground-truth renders and the baselines."""
    consistency = params.consistency_params
    with_hires = episodes[episodes["has_hires"].astype(bool)] if "has_hires" in episodes.columns else episodes
    selected = select_test_episodes(with_hires, [consistency.scenario], consistency.episodes)
    evaluated = evaluated_world_models(world_models, params.generation, params.models)
    return evaluate_consistency(selected, root, evaluated, consistency, params.seed)
