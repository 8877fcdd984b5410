"""The evaluation's plots: metric bars with their 95% intervals, the 3D-consistency panels, example strips.

Colours say what a source is: references blue, baselines orange, models green. A number that does
not exist (a Sampson error with no matched frame pair) is drawn as a hatched grey stub labelled
"insufficient matches", never as a bar of height zero, which would read as perfect.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cosmos_flow.evaluation.physics import GROUND_TRUTH, HIGHER_IS_BETTER
from cosmos_flow.evaluation.tables import (
    ALL_SCENARIOS,
    GEOMETRY_HIGHER_IS_BETTER,
    HIGH,
    KIND_ORDER,
    LOW,
    SCORE,
    metric_columns,
)

MISSING_LABEL = "insufficient matches"


def _placeholder(text: str) -> Figure:
    figure = Figure(figsize=(4, 1))
    figure.text(0.5, 0.5, text, ha="center")
    return figure


def _error_bars(table: pd.DataFrame, name: str) -> np.ndarray:
    """(2, n) distances from each mean down to its interval's low end and up to its high end (0 where unknown)."""
    values = table[name].to_numpy(dtype=float)
    below, above = values - table[name + LOW].to_numpy(dtype=float), table[name + HIGH].to_numpy(dtype=float) - values
    return np.nan_to_num(np.clip(np.stack([below, above]), 0.0, None), nan=0.0, posinf=0.0)


def metric_bars(physics: pd.DataFrame) -> Figure:
    """A bar chart per metric (over all scenarios): every source, one bar per conditioning, with 95% intervals."""
    overall = physics[(physics["scenario"] == ALL_SCENARIOS) & (physics["source"] != GROUND_TRUTH)]
    names = [
        name for name in (*metric_columns(physics), SCORE) if name in overall.columns and overall[name].notna().any()
    ]
    if not names:
        return _placeholder("no physics results")
    sources = list(dict.fromkeys(overall["source"]))
    conditionings = sorted(overall["condition_frames"].unique())
    figure = Figure(figsize=(4.0 * min(len(names), 4), 3.2 * math.ceil(len(names) / 4) + 0.6), layout="constrained")
    axes = figure.subplots(math.ceil(len(names) / 4), min(len(names), 4), squeeze=False).ravel()
    width = 0.8 / max(len(conditionings), 1)
    for axis, name in zip(axes, names):
        for index, frames in enumerate(conditionings):
            rows = overall[overall["condition_frames"] == frames].set_index("source").reindex(sources)
            values = rows[name].replace([np.inf], np.nan).to_numpy(dtype=float)
            axis.bar(
                np.arange(len(sources)) + index * width,
                values,
                width,
                yerr=_error_bars(rows, name),
                capsize=2,
                label=f"{frames} condition frame(s)",
            )
        arrow = "↑" if HIGHER_IS_BETTER.get(name, True) else "↓"
        axis.set_title(f"{name} {arrow}", fontsize=9)
        axis.set_xticks(
            np.arange(len(sources)) + width * (len(conditionings) - 1) / 2, sources, rotation=60, ha="right", fontsize=7
        )
    for axis in axes[len(names) :]:
        axis.set_visible(False)
    axes[0].legend(fontsize=7)
    figure.suptitle(
        "Physics alignment over all scenarios, means with 95% bootstrap intervals (higher ↑ / lower ↓ is better)"
    )
    return figure


def geometry_bars(geometry: pd.DataFrame) -> Figure:
    """Sampson error, pose success rate, rotation and translation errors of every 3D-consistency source.

    With 95% intervals.
    """
    if geometry.empty:
        return _placeholder("no 3D-consistency results")
    panels = [
        ("sampson_error", "Sampson error, % of diagonal"),
        ("pose_success_rate", "pose success rate"),
        ("rotation_error_deg", "rotation error, degrees"),
        ("translation_error_deg", "translation direction error, degrees"),
    ]
    figure = Figure(figsize=(14, 4.2), layout="constrained")
    positions = np.arange(len(geometry))
    colours = [f"C{KIND_ORDER.get(kind, 3)}" for kind in geometry["kind"]]
    for axis, (name, title) in zip(figure.subplots(1, len(panels)), panels):
        values = geometry[name].to_numpy(dtype=float)
        axis.bar(positions, np.nan_to_num(values, nan=0.0), yerr=_error_bars(geometry, name), capsize=2, color=colours)
        stub = 0.04 * (np.nanmax(values) if np.isfinite(values).any() and np.nanmax(values) > 0 else 1.0)
        for position, value, static in zip(positions, values, geometry["static_videos"] == geometry["videos"]):
            if static:
                axis.text(position, stub, "static", rotation=90, ha="center", va="bottom", fontsize=6)
            elif math.isnan(value):
                axis.bar(position, stub, color="none", edgecolor="grey", hatch="///")
                axis.text(
                    position,
                    stub,
                    MISSING_LABEL if name != "translation_error_deg" else "n/a",
                    rotation=90,
                    ha="center",
                    va="bottom",
                    fontsize=6,
                )
        axis.set_xticks(positions, geometry["source"], rotation=60, ha="right", fontsize=7)
        axis.set_title(f"{title} {'↑' if GEOMETRY_HIGHER_IS_BETTER[name] else '↓'}", fontsize=9)
    figure.suptitle(
        "3D consistency (orbit, 128×128), 95% intervals: references blue, baselines orange, models green; "
        "hatched: no number"
    )
    return figure


def example_strips(examples: list[dict], frames_shown: int = 4) -> Figure:
    """A panel per example case (scenarios down, conditionings across).

    Rows [last context frame | future frames], truth first.
    """
    if not examples:
        return _placeholder("no examples")
    scenarios = list(dict.fromkeys(example["case"].scenario for example in examples))
    conditionings = sorted({example["case"].condition_frames for example in examples})
    rows_per_panel = 1 + max(len(example["predictions"]) for example in examples)
    figure = Figure(
        figsize=(5.0 * len(conditionings), 0.75 * rows_per_panel * len(scenarios) + 0.5), layout="constrained"
    )
    axes = figure.subplots(len(scenarios), len(conditionings), squeeze=False)
    for axis in axes.ravel():
        axis.set_visible(False)
    for example in examples:
        case = example["case"]
        axis = axes[scenarios.index(case.scenario), conditionings.index(case.condition_frames)]
        if axis.get_visible():  # the first example of each scenario and conditioning
            continue
        axis.set_visible(True)
        picks = np.linspace(0, case.n_future - 1, frames_shown).round().astype(int)
        labels = ["truth", *example["predictions"]]
        strips = [_strip(case.context[-1], future[picks]) for future in (case.truth, *example["predictions"].values())]
        axis.imshow(np.concatenate(strips, axis=0))
        height = strips[0].shape[0]
        axis.set_yticks(np.arange(len(labels)) * height + height / 2, labels, fontsize=7)
        axis.set_xticks([])
        axis.set_title(
            f"{case.episode_id}, K={case.condition_frames}: last context | "
            f"future frames {[int(k) + case.condition_frames for k in picks]}",
            fontsize=8,
        )
    return figure


def _strip(context_frame: np.ndarray, future: np.ndarray) -> np.ndarray:
    """One row of the strips: the context frame, a white gap, then the future frames."""
    gap = np.full((context_frame.shape[0], 4, 3), 255, dtype=np.uint8)
    return np.concatenate([context_frame, gap, *future], axis=1)
