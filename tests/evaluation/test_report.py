"""The markdown report and the plots, on hand-made per-episode rows."""

import math

import pandas as pd
from evaluation_rows import geometry_rows
from evaluation_rows import physics_rows as rows

from cosmos_flow.evaluation.consistency import ConsistencyParams
from cosmos_flow.evaluation.physics import PhysicsParams
from cosmos_flow.evaluation.plots import MISSING_LABEL, example_strips, geometry_bars, metric_bars
from cosmos_flow.evaluation.report import definitions, markdown_report
from cosmos_flow.evaluation.tables import geometry_table, physics_table


def test_plots_and_report_are_made_even_when_nothing_was_evaluated():
    empty_physics, empty_geometry = physics_table(rows().head(0)), geometry_table(geometry_rows().head(0))
    for figure in (metric_bars(empty_physics), geometry_bars(empty_geometry), example_strips([])):
        assert figure.axes or figure.texts
    notes = definitions(PhysicsParams(), ConsistencyParams(), None, [])
    text = markdown_report(empty_physics, empty_geometry, notes)
    assert "No world model was evaluated" in text and "No simulated test episode" in text and "not DreamSim" not in text


def test_report_shows_intervals_verdicts_variance_and_definitions():
    physics, geometry = physics_table(rows(20, model_gain=0.3)), geometry_table(geometry_rows())
    text = markdown_report(physics, geometry, definitions(PhysicsParams(), ConsistencyParams(), "tokenizer_cv", ["wm"]))
    wm = physics[(physics["source"] == "wm") & (physics["scenario"] == "all")].iloc[0]
    for needle in (
        "## Physics alignment",
        f"{wm['mask_iou']:.3f} [{wm['mask_iou_ci_low']:.3f}, {wm['mask_iou_ci_high']:.3f}]",
        "## Physical variance per scenario",
        "| wm | 1 | mask_iou | copy_last_frame | - | - |",
        "## 3D consistency",
        "Translation direction is undefined in 1 of the 2 videos",
        "static in 2/2 videos",
        "insufficient matches in 2/2 videos",
        "Physics-IQ-style score",
        "not DreamSim",
        "an oracle that has seen the future",
        "percent of the image diagonal",
        "≤ 3.0°",
        "bootstrap",
    ):
        assert needle in text, needle


def test_plots_draw_intervals_and_mark_missing_numbers_instead_of_zero_bars():
    physics, geometry = physics_table(rows(5)), geometry_table(geometry_rows())
    bars = metric_bars(physics)
    assert len(bars.axes) >= 9 and any(
        axis.containers and any(len(container) == 3 for container in axis.containers) for axis in bars.axes
    )
    figure = geometry_bars(geometry)
    assert len(figure.axes) == 4
    sampson_axis = figure.axes[0]
    labels = [text.get_text() for text in sampson_axis.texts]
    assert (
        MISSING_LABEL in labels and "static" in labels
    )  # the blurry model's NaN and the still video are marked, not drawn as 0
    assert math.isnan(geometry.set_index("source").loc["blurry_model", "sampson_error"])
    assert isinstance(geometry, pd.DataFrame)
