"""Physics scoring of predicted futures, physical variance, the Physics-IQ-style score and the feature similarity."""

import math

import numpy as np
import pandas as pd
import pytest
import torch

from cosmos_flow.evaluation.features import tokenizer_feature_similarity, valid_length_frames
from cosmos_flow.evaluation.physics import (
    GROUND_TRUTH,
    PHYSICAL_VARIANCE,
    TOKENIZER_ROUND_TRIP,
    EpisodeCase,
    FutureScorer,
    PhysicsParams,
    baseline_predictors,
    evaluate_physics,
    load_cases,
    oracle_predictors,
    physics_iq_score,
    select_test_episodes,
)
from cosmos_flow.simulation.engine import RenderedView
from cosmos_flow.simulation.episode_io import SECOND_TAKE_FOLDER, write_episode_folder
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config

SIZE, FRAMES = 32, 9


def falling_ball(jitter: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A red disc falling over a grey floor: rgb (T, H, W, 3) and seg (T, H, W)."""
    rows, columns = np.mgrid[:SIZE, :SIZE]
    rgb = np.full((FRAMES, SIZE, SIZE, 3), 128, dtype=np.uint8)
    seg = np.full((FRAMES, SIZE, SIZE), -1, dtype=np.int32)
    for t in range(FRAMES):
        disc = (rows - (4 + 2.5 * t + jitter)) ** 2 + (columns - 12) ** 2 <= 9
        rgb[t][disc], seg[t][disc] = (220, 40, 30), 0
    return rgb, seg


def case(condition_frames: int = 1, jitter: int = 1) -> EpisodeCase:
    rgb, seg = falling_ball()
    return EpisodeCase(
        "drop_test_0000", "drop", "a red ball falls", condition_frames, rgb, seg, falling_ball(jitter)[0]
    )


@pytest.fixture(scope="module")
def tokenizer():
    torch.manual_seed(0)
    return CausalVideoTokenizer(get_config("cv-tiny-8x8x8")).eval()


def test_the_true_future_scores_perfectly(tokenizer):
    scorer = FutureScorer(case(), tokenizer=tokenizer)
    metrics = scorer.score(case().truth)
    assert metrics["psnr"] == math.inf and metrics["ssim"] == pytest.approx(1.0) and metrics["mse"] == 0.0
    assert metrics["mask_iou"] == 1.0 and metrics["centroid_error_px"] == 0.0 and metrics["object_missing_rate"] == 0.0
    assert metrics["spatial_iou"] == metrics["spatiotemporal_iou"] == metrics["weighted_spatial_iou"] == 1.0
    assert metrics["tokenizer_feature_similarity"] == pytest.approx(1.0, abs=1e-5)


def test_an_object_that_enters_after_the_context_is_not_a_failure_of_the_true_future():
    scene = case()
    rgb, seg = scene.frames.copy(), scene.seg.copy()
    rgb[5:, 26:30, 26:30], seg[5:, 26:30, 26:30] = (
        (40, 60, 220),
        1,
    )  # a blue box enters at frame 5, unseen by the 1-frame context
    entering = EpisodeCase(scene.episode_id, scene.scenario, scene.caption, 1, rgb, seg, None)
    metrics = FutureScorer(entering).score(entering.truth)
    assert metrics["generation_failure"] == 0.0 and metrics["failure_events"] == 0.0


def test_a_frozen_ball_scores_worse_than_the_truth_on_every_object_and_motion_metric():
    scorer = FutureScorer(case())
    frozen = scorer.score(np.repeat(case().context[-1:], FRAMES - 1, axis=0))
    assert frozen["mask_iou"] < 0.2 and frozen["centroid_error_px"] > 5 and frozen["spatial_iou"] == 0.0
    with pytest.raises(ValueError, match="uint8"):
        scorer.score(np.zeros((3, SIZE, SIZE, 3), dtype=np.uint8))


def test_evaluate_physics_scores_references_baselines_and_keeps_examples(tokenizer):
    cases = [case(1), case(5)]
    baselines, oracles = baseline_predictors(), oracle_predictors(tokenizer)
    assert set(baselines) == {"copy_last_frame", "mean_of_context", "all_background"} and set(oracles) == {
        TOKENIZER_ROUND_TRIP
    }
    assert oracle_predictors(None) == {}
    predictors = baselines | oracles
    kinds = dict.fromkeys(baselines, "baseline") | dict.fromkeys(oracles, "reference")
    results = evaluate_physics(cases, predictors, kinds, PhysicsParams(), tokenizer)
    rows = results.rows.set_index(["condition_frames", "source"])
    assert len(rows) == 2 * 6 and set(rows["kind"]) == {"reference", "baseline"}
    assert rows.loc[(1, TOKENIZER_ROUND_TRIP), "kind"] == "reference"
    assert rows.loc[(1, GROUND_TRUTH), "psnr"] == math.inf and rows.loc[(1, GROUND_TRUTH), "generation_failure"] == 0.0
    variance = rows.loc[(1, PHYSICAL_VARIANCE)]  # the second take: the ball one pixel lower
    assert 0.3 < variance["mask_iou"] < 1.0 and variance["centroid_error_px"] == pytest.approx(1.0)
    background = rows.loc[(1, "all_background")]  # the ball vanishes for all 8 future frames: one event
    assert (
        background["object_missing_rate"] == 1.0
        and background["generation_failure"] == 1.0
        and background["failure_events"] == 1.0
    )
    frozen = rows.loc[(1, "copy_last_frame")]  # the ball stays at the top while the true one falls away: an appearance
    assert frozen["generation_failure"] == 1.0
    assert len(results.examples) == 2 and GROUND_TRUTH not in results.examples[0]["predictions"]
    nothing = evaluate_physics([], predictors, kinds, PhysicsParams(), tokenizer).rows
    assert nothing.empty and list(nothing.columns) == list(results.rows.columns)  # a CSV of it still has its header


def test_physics_iq_score_normalizes_by_physical_variance():
    variance = {"spatial_iou": 0.8, "spatiotemporal_iou": 0.8, "weighted_spatial_iou": 0.9, "mse": 0.01}
    model = {"spatial_iou": 0.5, "spatiotemporal_iou": 0.4, "weighted_spatial_iou": 0.45, "mse": 0.02}
    # Terms 0.5/0.8, 0.4/0.8, 0.45/0.9 and 0.01/0.02: (0.625 + 0.5 + 0.5 + 0.5) / 4.
    assert physics_iq_score(model, variance) == pytest.approx(53.125)
    assert physics_iq_score(variance, variance) == pytest.approx(100.0)
    better_than_variance = {"spatial_iou": 1.0, "spatiotemporal_iou": 1.0, "weighted_spatial_iou": 1.0, "mse": 0.0}
    assert physics_iq_score(better_than_variance, variance) == pytest.approx(100.0)  # clipped at 1 per term
    no_motion_in_variance = dict(variance, spatial_iou=0.0)
    assert physics_iq_score(model, no_motion_in_variance) == pytest.approx(100 * (0.5 + 0.5 + 0.5) / 3)
    # Elementwise on arrays of means (one per bootstrap resample), each element as if scored alone.
    resampled = physics_iq_score({name: np.array([value, variance[name]]) for name, value in model.items()}, variance)
    assert resampled == pytest.approx([53.125, 100.0])


def test_feature_similarity_pads_to_a_valid_length_and_drops_for_a_different_video(tokenizer):
    assert len(valid_length_frames(np.zeros((6, 8, 8, 3), np.uint8), 8)) == 9
    assert len(valid_length_frames(np.zeros((9, 8, 8, 3), np.uint8), 8)) == 9
    scene = case()
    noise = np.random.default_rng(0).integers(0, 256, scene.truth.shape, dtype=np.uint8)
    assert tokenizer_feature_similarity(tokenizer, scene.context[-1], scene.truth, noise) < 0.99


def test_cases_are_loaded_from_episode_folders_with_their_second_take(tmp_path):
    rgb, seg = falling_ball()
    view = RenderedView(SIZE, SIZE, rgb, np.ones(seg.shape, np.float32), seg, np.eye(3))
    states = pd.DataFrame({"frame": [0], "object_id": [0]})
    rows = []
    for index in range(3):
        folder = tmp_path / f"drop/drop_test_{index:04d}"
        write_episode_folder(
            folder,
            view,
            np.tile(np.eye(4), (FRAMES, 1, 1)),
            12.0,
            states,
            np.zeros((FRAMES, 1)),
            "a ball",
            with_video=False,
        )
        if index == 0:
            write_episode_folder(
                folder / SECOND_TAKE_FOLDER,
                view,
                np.tile(np.eye(4), (FRAMES, 1, 1)),
                12.0,
                states,
                np.zeros((FRAMES, 1)),
                "a ball",
                with_video=False,
            )
        rows.append(
            {
                "episode_id": f"drop_test_{index:04d}",
                "scenario": "drop",
                "split": "test",
                "caption": "a ball",
                "path": f"drop/drop_test_{index:04d}",
            }
        )
    rows.append(
        {"episode_id": "drop_train_0000", "scenario": "drop", "split": "train", "caption": "", "path": "nowhere"}
    )
    selected = select_test_episodes(pd.DataFrame(rows), ["drop", "push"], per_scenario=2)
    assert list(selected["episode_id"]) == ["drop_test_0000", "drop_test_0001"]
    cases = load_cases(selected, tmp_path, [1, 5])
    assert [(c.episode_id, c.condition_frames) for c in cases] == [
        ("drop_test_0000", 1),
        ("drop_test_0000", 5),
        ("drop_test_0001", 1),
        ("drop_test_0001", 5),
    ]
    assert cases[0].second_take is not None and cases[2].second_take is None
    assert cases[1].context.shape == (5, SIZE, SIZE, 3) and cases[1].n_future == FRAMES - 5
    with pytest.raises(ValueError, match="choose 1 to 8"):
        load_cases(selected, tmp_path, [9])
