"""Physics alignment: predicted futures of simulated episodes scored against the simulator's frames.

Protocol: for each test episode, condition on its first K frames (K = 1 and K = 9 by default) and
its caption, predict the remaining T − K frames, and compare them with the true ones. Every
prediction source (world model, baseline or reference) is scored by `FutureScorer.score`:

- `psnr` (dB) and `ssim`: `cosmos_flow.metrics.frames_psnr` / `frames_ssim` on uint8
  frames (PSNR over the whole future in float64; SSIM Gaussian 11 taps, σ 1.5, K1 0.01, K2 0.03,
  per frame and channel, averaged);
- `mse`: mean squared error of frames in [0, 1] (Physics-IQ's MSE);
- `mask_iou`, `centroid_error_px`, `object_missing_rate`: the prediction segmented by colour
  against the context (`cosmos_flow.evaluation.objects`), compared with the true `seg`;
- `spatial_iou`, `spatiotemporal_iou`, `weighted_spatial_iou`: Physics-IQ motion masks of context +
  future (`cosmos_flow.evaluation.motion`), compared on the future frames;
- `generation_failure` (1 when the video shows an object vanishing or appearing from nowhere, else 0;
  its mean is the failure rate) and `failure_events` (how many such events): `cosmos_flow.evaluation.failures`;
- `tokenizer_feature_similarity` when a tokenizer is given (`cosmos_flow.evaluation.features`).

References, scored the same way but never counted as something a model should beat:
`physical_variance`, the episode's second take (`take2/`: the same experiment set up again with a real
rig's repeatability, `cosmos_flow.simulation.second_take`) as the "prediction", i.e. how far two takes
of the real physics disagree; `ground_truth`, the true future itself (PSNR ∞, IoUs 1; its mask IoU is
the ceiling of the colour segmenter); `tokenizer_round_trip` when a tokenizer is given, the true
episode encoded and decoded: an oracle that has seen the future, the ceiling a model generating in
that tokenizer's latent space can reach.

Physics-IQ-style score (`physics_iq_score`), per source, scenario and K, from metric means over
episodes (m for the source, v for physical variance):
    term = clip(m / v, 0, 1) for spatial_iou, spatiotemporal_iou, weighted_spatial_iou (higher is better),
    term = clip(v / m, 0, 1) for mse (lower is better; 1 when m = 0),
    score = 100 × mean of the terms (an IoU term whose v is 0, or any NaN term, is left out).
Physical variance scores 100 by construction, and so does any source at least as close to the truth as the
second take is.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from cosmos_flow.evaluation.baselines import all_background, copy_last_frame, mean_of_context, tokenizer_round_trip
from cosmos_flow.evaluation.failures import failure_events, object_sizes
from cosmos_flow.evaluation.features import METRIC_NAME as FEATURE_METRIC
from cosmos_flow.evaluation.features import tokenizer_feature_similarity
from cosmos_flow.evaluation.motion import (
    MotionMaskParams,
    frames_mse,
    motion_masks,
    spatial_iou,
    spatiotemporal_iou,
    weighted_spatial_iou,
)
from cosmos_flow.evaluation.objects import BACKGROUND, centroid_error, mask_iou, scene_appearance, segment_frames
from cosmos_flow.metrics import frames_psnr, frames_ssim
from cosmos_flow.simulation.episode_io import SECOND_TAKE_FOLDER, read_episode_folder

log = logging.getLogger(__name__)

PHYSICS_METRICS = (
    "psnr", "ssim", "mse", "mask_iou", "centroid_error_px", "object_missing_rate",
    "spatial_iou", "spatiotemporal_iou", "weighted_spatial_iou", "generation_failure", "failure_events",
)  # fmt: skip
HIGHER_IS_BETTER = {
    "psnr": True, "ssim": True, "mse": False, "mask_iou": True, "centroid_error_px": False,
    "object_missing_rate": False, "spatial_iou": True, "spatiotemporal_iou": True, "weighted_spatial_iou": True,
    "generation_failure": False, "failure_events": False,
    FEATURE_METRIC: True,
}  # fmt: skip
PHYSICS_IQ_TERMS = {"spatial_iou": True, "spatiotemporal_iou": True, "weighted_spatial_iou": True, "mse": False}
PHYSICAL_VARIANCE, GROUND_TRUTH, TOKENIZER_ROUND_TRIP = "physical_variance", "ground_truth", "tokenizer_round_trip"
ROW_KEYS = ["episode_id", "scenario", "condition_frames", "source", "kind", "seconds"]


@dataclass
class EpisodeCase:
    """One test episode under one conditioning: K context frames, the true rest, and the second take."""

    episode_id: str
    scenario: str
    caption: str
    condition_frames: int
    frames: np.ndarray  # (T, H, W, 3) uint8, the whole episode
    seg: np.ndarray  # (T, H, W) int32 object ids, -1 background
    second_take: np.ndarray | None  # (T, H, W, 3) uint8 from take2/, None when the episode has none

    @property
    def context(self) -> np.ndarray:
        return self.frames[: self.condition_frames]

    @property
    def truth(self) -> np.ndarray:
        return self.frames[self.condition_frames :]

    @property
    def n_future(self) -> int:
        return len(self.frames) - self.condition_frames


Predictor = Callable[[EpisodeCase], np.ndarray]


@dataclass
class PhysicsParams:
    """How predictions are scored (parameters_evaluation.yml, `physics`)."""

    scenarios: list[str] = field(default_factory=lambda: ["drop", "collide", "ramp", "push"])
    condition_frames: list[int] = field(default_factory=lambda: [1, 9])
    episodes_per_scenario: int = 2  # the first N test episodes of each scenario (sorted by id)
    min_contrast: float = 30.0  # RGB distance from the background model below which a pixel is background
    motion_masks: dict = field(default_factory=dict)  # MotionMaskParams

    def __post_init__(self):
        if self.episodes_per_scenario < 1:
            raise ValueError(f"physics.episodes_per_scenario must be at least 1, got {self.episodes_per_scenario}")


def select_test_episodes(episodes: pd.DataFrame, scenarios: Iterable[str], per_scenario: int) -> pd.DataFrame:
    """The first `per_scenario` test episodes (by id) of each scenario, in the order of `scenarios`.

    A warning where fewer exist.
    """
    test = episodes[episodes["split"] == "test"].sort_values("episode_id")
    chosen = []
    for scenario in scenarios:
        chosen.append(test[test["scenario"] == scenario].head(per_scenario))
        if len(chosen[-1]) < per_scenario:
            log.warning(
                "asked for %d test episodes of %s but the simulation has %d: "
                "the intervals will be wider (render more with simulation.episodes)",
                per_scenario, scenario, len(chosen[-1]),
            )  # fmt: skip
    return pd.concat(chosen or [test.head(0)], ignore_index=True)


def load_cases(episodes: pd.DataFrame, root: str | Path, condition_frames: Iterable[int]) -> list[EpisodeCase]:
    """EpisodeCases of the given index rows (their `path` relative to `root`), one per conditioning."""
    cases = []
    for row in episodes.itertuples(index=False):
        folder = Path(root) / row.path
        episode = read_episode_folder(folder)
        second_take = (
            read_episode_folder(folder / SECOND_TAKE_FOLDER).rgb if (folder / SECOND_TAKE_FOLDER).is_dir() else None
        )
        for k in condition_frames:
            if not 1 <= k < len(episode.rgb):
                raise ValueError(
                    f"cannot condition on {k} frames of {row.episode_id}, which has {len(episode.rgb)}: "
                    f"choose 1 to {len(episode.rgb) - 1}"
                )
            cases.append(
                EpisodeCase(
                    row.episode_id,
                    row.scenario,
                    episode.caption or row.caption,
                    k,
                    episode.rgb,
                    episode.seg,
                    second_take,
                )
            )
    return cases


class FutureScorer:
    """Scores predicted futures of one case; what depends only on the truth is computed once."""

    def __init__(
        self,
        case: EpisodeCase,
        min_contrast: float = 30.0,
        motion: MotionMaskParams | None = None,
        tokenizer: torch.nn.Module | None = None,
    ):
        self.case = case
        self.min_contrast = min_contrast
        self.motion = motion or MotionMaskParams()
        self.tokenizer = tokenizer
        self.appearance = scene_appearance(case.context, case.seg[: case.condition_frames])
        self.true_seg = case.seg[case.condition_frames :]
        # Failures are judged on the objects the context shows: the segmenter cannot find the others
        # (an object that enters later would otherwise "vanish" from every prediction, the truth's too).
        known = np.isin(self.true_seg, list(self.appearance.object_colours))
        self.known_true_seg = np.where(known, self.true_seg, BACKGROUND)
        self.object_sizes = object_sizes(case.seg[: case.condition_frames])
        self.true_motion = self._future_motion(case.truth)

    def _future_motion(self, future: np.ndarray) -> np.ndarray:
        return motion_masks(np.concatenate([self.case.context, future]), self.motion)[self.case.condition_frames :]

    def score(self, prediction: np.ndarray) -> dict[str, float]:
        truth = self.case.truth
        if prediction.shape != truth.shape or prediction.dtype != np.uint8:
            raise ValueError(
                f"a prediction for {self.case.episode_id} must be uint8 {truth.shape}, "
                f"got {prediction.dtype} {prediction.shape}"
            )
        labels = segment_frames(prediction, self.appearance, self.min_contrast)
        centroid_px, missing = centroid_error(labels, self.true_seg)
        failures = failure_events(labels, self.known_true_seg, self.object_sizes)
        predicted_motion = self._future_motion(prediction)
        metrics = {
            "psnr": frames_psnr(truth, prediction),
            "ssim": frames_ssim(truth, prediction),
            "mse": frames_mse(truth, prediction),
            "mask_iou": mask_iou(labels, self.true_seg),
            "centroid_error_px": centroid_px,
            "object_missing_rate": missing,
            "spatial_iou": spatial_iou(predicted_motion, self.true_motion),
            "spatiotemporal_iou": spatiotemporal_iou(predicted_motion, self.true_motion),
            "weighted_spatial_iou": weighted_spatial_iou(predicted_motion, self.true_motion),
            "generation_failure": float(failures.failed),
            "failure_events": float(failures.total),
        }
        if self.tokenizer is not None:
            metrics[FEATURE_METRIC] = tokenizer_feature_similarity(
                self.tokenizer, self.case.context[-1], truth, prediction
            )
        return metrics


@dataclass
class PhysicsResults:
    """Per-episode rows, and the frames of a few cases for example strips."""

    rows: pd.DataFrame  # episode_id, scenario, condition_frames, source, kind, seconds, <metrics>
    examples: list[dict] = field(default_factory=list)  # {"case": EpisodeCase, "predictions": {source: frames}}


def reference_predictors(case: EpisodeCase) -> dict[str, np.ndarray]:
    """The true future, and the second take's future when the episode has one."""
    references = {GROUND_TRUTH: case.truth}
    if case.second_take is not None:
        references[PHYSICAL_VARIANCE] = case.second_take[case.condition_frames :]
    return references


def baseline_predictors() -> dict[str, Predictor]:
    """The trivial predictions of `cosmos_flow.evaluation.baselines`, which every model should beat."""
    return {
        "copy_last_frame": lambda case: copy_last_frame(case.context, case.n_future),
        "mean_of_context": lambda case: mean_of_context(case.context, case.n_future),
        "all_background": lambda case: all_background(case.context, case.seg[: case.condition_frames], case.n_future),
    }


def oracle_predictors(tokenizer: torch.nn.Module | None) -> dict[str, Predictor]:
    """The tokenizer round trip of the true episode (a reference that has seen the future); none without a tokenizer."""
    if tokenizer is None:
        return {}
    return {TOKENIZER_ROUND_TRIP: lambda case: tokenizer_round_trip(tokenizer, case.frames, case.condition_frames)}


def evaluate_physics(
    cases: list[EpisodeCase],
    predictors: Mapping[str, Predictor],
    kinds: Mapping[str, str],
    params: PhysicsParams,
    tokenizer: torch.nn.Module | None = None,
    examples_per_scenario: int = 1,
) -> PhysicsResults:
    """Score every predictor (and the references) on every case; `kinds` says model|baseline|reference per predictor."""
    motion = MotionMaskParams(**params.motion_masks)
    rows, examples, shown = [], [], {}
    for case in cases:
        scorer = FutureScorer(case, params.min_contrast, motion, tokenizer)
        predictions = {name: (frames, "reference", 0.0) for name, frames in reference_predictors(case).items()}
        for name, predictor in predictors.items():
            start = time.perf_counter()
            predictions[name] = (predictor(case), kinds[name], time.perf_counter() - start)
        for name, (frames, kind, seconds) in predictions.items():
            row = {
                "episode_id": case.episode_id,
                "scenario": case.scenario,
                "condition_frames": case.condition_frames,
                "source": name,
                "kind": kind,
                "seconds": seconds,
            }
            rows.append(row | scorer.score(frames))
        key = (case.scenario, case.condition_frames)
        if shown.get(key, 0) < examples_per_scenario:
            shown[key] = shown.get(key, 0) + 1
            examples.append(
                {
                    "case": case,
                    "predictions": {
                        name: frames for name, (frames, _, _) in predictions.items() if name != GROUND_TRUTH
                    },
                }
            )
        log.info(
            "scored %d sources on %s with %d condition frames", len(predictions), case.episode_id, case.condition_frames
        )
    columns = [*ROW_KEYS, *PHYSICS_METRICS, *([FEATURE_METRIC] if tokenizer is not None else [])]
    return PhysicsResults(pd.DataFrame(rows, columns=columns), examples)


def physics_iq_score(
    metrics: Mapping[str, float | np.ndarray], variance: Mapping[str, float | np.ndarray]
) -> float | np.ndarray:
    """The Physics-IQ-style score in [0, 100] of mean metrics against physical variance's (module docstring).

    Works elementwise on arrays of means (e.g. one per bootstrap resample) as well as on single numbers.
    """
    terms = []
    for name, higher_is_better in PHYSICS_IQ_TERMS.items():
        value, reference = np.asarray(metrics[name], dtype=np.float64), np.asarray(variance[name], dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            if higher_is_better:  # an IoU term whose variance is 0 has nothing to compare with: left out
                term = np.where(reference > 0, np.clip(value / reference, 0.0, 1.0), np.nan)
            else:  # a source with no error at all scores 1
                term = np.where(value <= 0, 1.0, np.clip(reference / value, 0.0, 1.0))
        terms.append(np.where(np.isfinite(value) & np.isfinite(reference), term, np.nan))
    stacked = np.stack(terms)
    counted = np.isfinite(stacked).sum(axis=0)
    score = 100.0 * np.where(counted > 0, np.nansum(stacked, axis=0) / np.maximum(counted, 1), np.nan)
    return float(score) if score.ndim == 0 else score
