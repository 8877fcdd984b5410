"""Means with bootstrap intervals, the Physics-IQ-style score, flat metrics and who beats whom, on hand-made rows."""

import math

import numpy as np
import pytest
from evaluation_rows import geometry_rows
from evaluation_rows import physics_rows as rows

from cosmos_flow.evaluation.tables import baseline_comparison, flat_metrics, geometry_table, physics_table


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


def test_every_mean_has_an_interval_that_holds_it_and_narrows_with_more_episodes():
    few, many = physics_table(rows(4)), physics_table(rows(40))
    for table in (few, many):
        for name in ("mask_iou", "mse", "psnr", "physics_iq_score"):
            finite = table[np.isfinite(table[name])]
            assert (finite[name + "_ci_low"] <= finite[name] + 1e-12).all() and (
                finite[name] <= finite[name + "_ci_high"] + 1e-12
            ).all()

    def width(table):
        row = table[(table["source"] == "wm") & (table["scenario"] == "all")].iloc[0]
        return row["mask_iou_ci_high"] - row["mask_iou_ci_low"]

    assert 0 < width(many) < width(few)
    # Scenarios are resampled separately: every resample keeps one drop and one push mean, so with
    # identical episodes within each scenario the overall interval has no width at all.
    one_each = physics_table(rows(1)).set_index(["source", "scenario"])
    assert one_each.loc[("wm", "all"), "mask_iou_ci_low"] == one_each.loc[("wm", "all"), "mask_iou_ci_high"]


def test_the_score_interval_comes_from_paired_resamples_of_source_and_variance():
    varied = rows(20).assign(spatiotemporal_iou=0.5, weighted_spatial_iou=0.5)
    variance = varied["source"] == "physical_variance"
    varied.loc[variance, "spatial_iou"] = np.random.default_rng(0).uniform(0.6, 1.0, variance.sum())
    # A model exactly as good as the variance on spatial IoU, episode by episode.
    varied.loc[varied["source"] == "wm", "spatial_iou"] = varied.loc[variance, "spatial_iou"].to_numpy()
    wm = physics_table(varied).set_index(["source", "scenario"]).loc[("wm", "all")]
    # Paired resampling keeps its spatial term exactly 1 in every resample (unpaired draws would not),
    # and the other terms are constant: the interval has no width. MSE term: 0.0055 / (0.0055 / 0.75).
    assert (
        wm["physics_iq_score_ci_low"]
        == pytest.approx(wm["physics_iq_score_ci_high"])
        == pytest.approx(100 * (1 + 1 + 1 + 0.75) / 4)
    )


def test_geometry_table_reports_pose_errors_match_problems_and_static_videos():
    table = geometry_table(geometry_rows()).set_index("source")
    truth = table.loc["ground_truth"]
    assert (
        truth["pose_success_rate"] == 0.5 and truth["rotation_error_deg"] == pytest.approx(0.5) and truth["videos"] == 2
    )
    assert (
        truth["translation_error_deg"] == pytest.approx(10.0) and truth["videos_translation_defined"] == 1
    )  # the pan's 50 degrees is undefined, not averaged
    assert table.loc["random_local_warp", "sampson_error"] == pytest.approx(0.6)
    assert (
        table.loc["random_local_warp", "pose_success_rate_ci_low"]
        == table.loc["random_local_warp", "pose_success_rate_ci_high"]
        == 0.0
    )
    assert (
        "static in 2/2 videos" in table.loc["static_first_frame", "note"]
        and table.loc["static_first_frame", "static_videos"] == 2
    )
    blurry = table.loc["blurry_model"]
    assert (
        math.isnan(blurry["sampson_error"])
        and blurry["insufficient_match_videos"] == 2
        and "insufficient matches in 2/2" in blurry["note"]
    )


def test_flat_metrics_are_numbers_with_stable_names_and_intervals():
    metrics = flat_metrics(physics_table(rows()), geometry_table(geometry_rows()))
    assert metrics["physics.wm.k1.mask_iou"] == pytest.approx((0.15 + 0.45) / 2)
    assert (
        metrics["physics.wm.k1.mask_iou.ci_low"]
        <= metrics["physics.wm.k1.mask_iou"]
        <= metrics["physics.wm.k1.mask_iou.ci_high"]
    )
    assert metrics["physics.copy_last_frame.k1.drop.physics_iq_score"] == pytest.approx(75.0)
    assert metrics["physics.physical_variance.k1.drop.mse"] == pytest.approx(0.01)  # the variance per scenario
    assert (
        metrics["geometry.ground_truth.pose_success_rate"] == 0.5
        and "geometry.ground_truth.rotation_error_deg.ci_high" in metrics
    )
    assert metrics["world_models"] == 2 and metrics["geometry_videos"] == 2
    assert all(isinstance(value, float) for value in metrics.values())


def test_a_model_beats_a_baseline_only_where_the_intervals_do_not_overlap():
    clear = baseline_comparison(physics_table(rows(20, model_gain=0.3))).set_index("metric")
    assert clear.loc["mask_iou", "beats"] == "copy_last_frame" and clear.loc["mask_iou", "ties"] == "-"
    assert clear.loc["mse", "beats"] == "copy_last_frame"
    # With one episode per scenario and a small gain the model's interval overlaps the baseline's: a tie.
    close = baseline_comparison(
        physics_table(
            rows(20, model_gain=-0.01).assign(
                mask_iou=lambda frame: frame["mask_iou"] + np.random.default_rng(1).normal(0, 0.2, len(frame))
            )
        )
    ).set_index("metric")
    assert close.loc["mask_iou", "ties"] == "copy_last_frame" and close.loc["mask_iou", "beats"] == "-"
    assert clear.loc["ssim", "ties"] == "copy_last_frame"  # equal is not better
    worse = baseline_comparison(physics_table(rows(20, model_gain=-0.5))).set_index("metric")
    assert worse.loc["mask_iou", "loses_to"] == "copy_last_frame"
    table = physics_table(rows())
    nan_baseline = table.assign(
        centroid_error_px=[float("nan") if source == "copy_last_frame" else 1.0 for source in table["source"]]
    )
    assert "centroid_error_px" not in set(baseline_comparison(nan_baseline)["metric"])
