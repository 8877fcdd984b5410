"""Aggregation, flat metrics, plots and the markdown report on hand-made per-episode rows."""

import math

import pandas as pd
import pytest

from cosmos_flow.evaluation.consistency import ConsistencyParams
from cosmos_flow.evaluation.physics import PhysicsParams
from cosmos_flow.evaluation.report import (
    baseline_comparison,
    definitions,
    example_strips,
    flat_metrics,
    geometry_bars,
    geometry_table,
    markdown_report,
    metric_bars,
    physics_table,
)

METRICS = {
    "psnr": 0.0,
    "ssim": 0.5,
    "mask_iou": 0.5,
    "centroid_error_px": 1.0,
    "object_missing_rate": 0.0,
    "spatial_iou": 0.5,
    "spatiotemporal_iou": 0.5,
    "weighted_spatial_iou": 0.5,
}


def rows() -> pd.DataFrame:
    records = []
    for scenario, mse, iou in (("drop", 0.01, 0.2), ("push", 0.001, 0.6)):
        for source, kind, scale in (("physical_variance", "reference", 1.0), ("copy_last_frame", "baseline", 0.5), ("wm", "model", 0.75)):
            records.append({"episode_id": f"{scenario}_0", "scenario": scenario, "condition_frames": 1, "source": source, "kind": kind, "seconds": 0.1}
                           | METRICS | {"mse": mse / scale, "mask_iou": iou * scale, "spatial_iou": 0.8 * scale, "psnr": math.inf if kind == "reference" else 20.0})  # fmt: skip
    return pd.DataFrame(records)


def geometry_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "episode_id": e,
                "source": s,
                "kind": k,
                "stage": "",
                "seconds": 0.0,
                "sampson_error": v,
                "pose_success": p,
                "matches_per_pair": 40.0,
                "pairs_with_pose": 16,
                "pairs": 16,
            }
            for e in ("o0", "o1")
            for s, k, v, p in (("ground_truth", "reference", 0.2, e == "o0"), ("random_local_warp", "baseline", 0.6, False))
        ]
    )


def test_physics_table_averages_per_scenario_and_overall_with_psnr_from_mean_mse():
    table = physics_table(rows()).set_index(["source", "scenario"])
    assert table.loc[("copy_last_frame", "drop"), "psnr"] == pytest.approx(-10 * math.log10(0.02))
    overall_mse = (0.02 + 0.002) / 2
    assert table.loc[("copy_last_frame", "all"), "psnr"] == pytest.approx(-10 * math.log10(overall_mse))
    assert table.loc[("copy_last_frame", "all"), "mask_iou"] == pytest.approx((0.1 + 0.3) / 2)
    assert table.loc[("physical_variance", "drop"), "physics_iq_score"] == pytest.approx(100.0)
    # copy_last: spatial 0.4/0.8, spatiotemporal and weighted 0.5/0.5, mse 0.01/0.02 -> (0.5 + 1 + 1 + 0.5) / 4.
    assert table.loc[("copy_last_frame", "drop"), "physics_iq_score"] == pytest.approx(75.0)
    assert list(physics_table(rows())["kind"][:3]) == ["reference", "baseline", "model"]


def test_geometry_table_has_the_pose_success_rate_over_videos():
    table = geometry_table(geometry_rows()).set_index("source")
    assert table.loc["ground_truth", "pose_success_rate"] == 0.5 and table.loc["random_local_warp", "sampson_error"] == pytest.approx(0.6)
    assert table.loc["ground_truth", "videos"] == 2


def test_flat_metrics_are_numbers_with_stable_names():
    metrics = flat_metrics(physics_table(rows()), geometry_table(geometry_rows()))
    assert metrics["physics.wm.k1.mask_iou"] == pytest.approx((0.15 + 0.45) / 2)
    assert metrics["physics.copy_last_frame.k1.drop.physics_iq_score"] == pytest.approx(75.0)
    assert metrics["geometry.ground_truth.pose_success_rate"] == 0.5
    assert metrics["world_models"] == 1 and metrics["geometry_videos"] == 2
    assert all(isinstance(value, float) for value in metrics.values())


def test_the_model_is_compared_with_every_baseline_on_every_metric():
    table = physics_table(rows())
    wins = baseline_comparison(table).set_index("metric")
    assert set(wins["model"]) == {"wm"} and wins.loc["mask_iou", "beats"] == "copy_last_frame" and wins.loc["mse", "beats"] == "copy_last_frame"
    assert wins.loc["ssim", "loses_to"] == "copy_last_frame"  # equal is not better
    nan_baseline = table.assign(centroid_error_px=[float("nan") if source == "copy_last_frame" else 1.0 for source in table["source"]])
    assert "centroid_error_px" not in set(baseline_comparison(nan_baseline)["metric"])


def test_plots_and_report_are_made_even_when_nothing_was_evaluated():
    empty_physics, empty_geometry = physics_table(rows().head(0)), geometry_table(geometry_rows().head(0))
    for figure in (metric_bars(empty_physics), geometry_bars(empty_geometry), example_strips([])):
        assert figure.axes or figure.texts
    notes = definitions(PhysicsParams(), ConsistencyParams(), None, [])
    text = markdown_report(empty_physics, empty_geometry, notes)
    assert "No world model was evaluated" in text and "No simulated test episode" in text and "not DreamSim" not in text


def test_report_names_definitions_and_results():
    physics, geometry = physics_table(rows()), geometry_table(geometry_rows())
    assert len(metric_bars(physics).axes) >= 9 and len(geometry_bars(geometry).axes) == 2
    text = markdown_report(physics, geometry, definitions(PhysicsParams(), ConsistencyParams(), "tokenizer_cv", ["wm"]))
    for needle in (
        "## Physics alignment",
        "## 3D consistency",
        "| wm | 1 | mask_iou | copy_last_frame | - |",
        "Physics-IQ-style score",
        "not DreamSim",
        "percent of the image diagonal",
        "≥ 15",
    ):
        assert needle in text, needle
