"""Tables, flat metrics, plots and the markdown report of the evaluation.

Aggregation (per source × scenario × condition frames, and over all scenarios as scenario "all"):
every metric is the mean over episodes, NaNs left out, except `psnr`, which is the PSNR of the mean
MSE, 10·log10(1 / mean mse) with frames in [0, 1] (per-episode PSNR is ∞ when a prediction is exact,
e.g. a still scene copied, and one ∞ would make a mean meaningless). The "all" rows average episodes
of every scenario alike. The Physics-IQ-style score (`physics.physics_iq_score`) is computed on
those means against the `physical_variance` row of the same scenario and conditioning.
3D consistency: per source, the mean Sampson error over videos, the pose success rate (fraction of
videos), mean matches per frame pair, and the number of videos.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from cosmos_flow.evaluation.consistency import ConsistencyParams
from cosmos_flow.evaluation.features import METRIC_NAME as FEATURE_METRIC
from cosmos_flow.evaluation.geometry import POSE_DISTANCE_LIMIT, RANSAC_CONFIDENCE, RANSAC_THRESHOLD_PX
from cosmos_flow.evaluation.motion import MotionMaskParams
from cosmos_flow.evaluation.objects import INPAINT_RADIUS
from cosmos_flow.evaluation.physics import GROUND_TRUTH, HIGHER_IS_BETTER, PHYSICAL_VARIANCE, PHYSICS_METRICS, PhysicsParams, physics_iq_score

ALL_SCENARIOS = "all"
KIND_ORDER = {"reference": 0, "baseline": 1, "model": 2}
SCORE = "physics_iq_score"
INTRODUCTION = (
    "Every number sits beside the same number for trivial baselines and for two references: `ground_truth` (the true future) and "
    "`physical_variance` (a second run of the simulator). Definitions and parameters are at the end. Plots: `evaluation_metric_bars.png`, "
    "`evaluation_geometry_bars.png`, `evaluation_examples.png`; per scenario: `evaluation_table.csv`; 3D: `evaluation_geometry.csv`."
)


def _metric_columns(rows: pd.DataFrame) -> list[str]:
    return [name for name in (*PHYSICS_METRICS, FEATURE_METRIC) if name in rows.columns]


def _aggregate(group: pd.DataFrame, metrics: list[str]) -> pd.Series:
    means = group[metrics].mean()
    mse = means["mse"]
    means["psnr"] = math.inf if mse == 0 else -10.0 * math.log10(mse)
    means["seconds_per_episode"] = group["seconds"].mean()
    means["episodes"] = float(group["episode_id"].nunique())
    return means


def physics_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per source × scenario × condition frames (plus scenario "all"), with the Physics-IQ-style score."""
    if rows.empty:
        return pd.DataFrame(columns=["source", "kind", "scenario", "condition_frames", *PHYSICS_METRICS, SCORE, "seconds_per_episode", "episodes"])
    metrics = _metric_columns(rows)
    keys = ["source", "kind", "scenario", "condition_frames"]
    everything = rows.assign(scenario=ALL_SCENARIOS)
    table = pd.concat([rows, everything]).groupby(keys, sort=False).apply(_aggregate, metrics, include_groups=False).reset_index()
    variance = table[table["source"] == PHYSICAL_VARIANCE].set_index(["scenario", "condition_frames"])
    table[SCORE] = [
        physics_iq_score(row, variance.loc[(row["scenario"], row["condition_frames"])]) if (row["scenario"], row["condition_frames"]) in variance.index else float("nan")
        for _, row in table.iterrows()
    ]
    table["episodes"] = table["episodes"].astype(int)
    order = table["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER))
    return table.assign(_order=order).sort_values(["condition_frames", "scenario", "_order", "source"], kind="stable").drop(columns="_order").reset_index(drop=True)


def geometry_table(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per 3D-consistency source: mean Sampson error, pose success rate, matches, videos."""
    columns = ["source", "kind", "stage", "sampson_error", "pose_success_rate", "matches_per_pair", "videos", "seconds_per_video"]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # A CSV round trip reads the empty stage of references and baselines as NaN: make it "" again.
    table = (
        rows.assign(stage=rows["stage"].fillna(""))
        .groupby(["source", "kind", "stage"], sort=False)
        .agg(
            sampson_error=("sampson_error", "mean"),
            pose_success_rate=("pose_success", "mean"),
            matches_per_pair=("matches_per_pair", "mean"),
            videos=("episode_id", "nunique"),
            seconds_per_video=("seconds", "mean"),
        )
    )
    return table.reset_index()[columns]


def flat_metrics(physics: pd.DataFrame, geometry: pd.DataFrame) -> dict[str, float]:
    """Flat numbers for DVC and MLflow.

    `physics.<source>.k<K>.<metric>` over all scenarios; `physics.<source>.k<K>.<scenario>.physics_iq_score`
    per scenario; `geometry.<source>.<sampson_error|pose_success_rate|matches_per_pair>`; counts.
    """
    metrics: dict[str, float] = {}
    for row in physics.itertuples(index=False):
        prefix = f"physics.{row.source}.k{row.condition_frames}"
        if row.scenario == ALL_SCENARIOS:
            for name in (*_metric_columns(physics), SCORE, "seconds_per_episode"):
                metrics[f"{prefix}.{name}"] = float(getattr(row, name))
        else:
            metrics[f"{prefix}.{row.scenario}.{SCORE}"] = float(getattr(row, SCORE))
    for row in geometry.itertuples(index=False):
        for name in ("sampson_error", "pose_success_rate", "matches_per_pair"):
            metrics[f"geometry.{row.source}.{name}"] = float(getattr(row, name))
    metrics["physics_episodes"] = float(physics.loc[physics["scenario"] == ALL_SCENARIOS, "episodes"].max()) if len(physics) else 0.0
    metrics["geometry_videos"] = float(geometry["videos"].max()) if len(geometry) else 0.0
    metrics["world_models"] = float(len(set(physics.loc[physics["kind"] == "model", "source"]) | set(geometry.loc[geometry["kind"] == "model", "source"])))
    return metrics


def metric_bars(physics: pd.DataFrame) -> Figure:
    """A bar chart per metric (over all scenarios): every source, one bar per conditioning."""
    overall = physics[(physics["scenario"] == ALL_SCENARIOS) & (physics["source"] != GROUND_TRUTH)]
    names = [name for name in (*_metric_columns(physics), SCORE) if name in overall.columns and overall[name].notna().any()]
    if not names:
        return _placeholder("no physics results")
    sources = list(dict.fromkeys(overall["source"]))
    conditionings = sorted(overall["condition_frames"].unique())
    figure = Figure(figsize=(4.0 * min(len(names), 4), 3.2 * math.ceil(len(names) / 4) + 0.6), layout="constrained")
    axes = figure.subplots(math.ceil(len(names) / 4), min(len(names), 4), squeeze=False).ravel()
    width = 0.8 / max(len(conditionings), 1)
    for axis, name in zip(axes, names):
        for index, frames in enumerate(conditionings):
            values = overall[overall["condition_frames"] == frames].set_index("source")[name].reindex(sources)
            axis.bar(np.arange(len(sources)) + index * width, values.replace([np.inf], np.nan).to_numpy(dtype=float), width, label=f"{frames} condition frame(s)")
        arrow = "↑" if HIGHER_IS_BETTER.get(name, True) else "↓"
        axis.set_title(f"{name} {arrow}", fontsize=9)
        axis.set_xticks(np.arange(len(sources)) + width * (len(conditionings) - 1) / 2, sources, rotation=60, ha="right", fontsize=7)
    for axis in axes[len(names) :]:
        axis.set_visible(False)
    axes[0].legend(fontsize=7)
    figure.suptitle("Physics alignment over all scenarios (higher ↑ / lower ↓ is better)")
    return figure


def _placeholder(text: str) -> Figure:
    figure = Figure(figsize=(4, 1))
    figure.text(0.5, 0.5, text, ha="center")
    return figure


def geometry_bars(geometry: pd.DataFrame) -> Figure:
    """Sampson error and pose success rate of every 3D-consistency source."""
    figure = Figure(figsize=(10, 3.8), layout="constrained")
    axes = figure.subplots(1, 2)
    for axis, (name, title) in zip(axes, [("sampson_error", "Sampson error, % of diagonal ↓"), ("pose_success_rate", "pose success rate ↑")]):
        axis.bar(np.arange(len(geometry)), geometry[name].to_numpy(dtype=float), color=[f"C{KIND_ORDER.get(kind, 3)}" for kind in geometry["kind"]])
        axis.set_xticks(np.arange(len(geometry)), geometry["source"], rotation=60, ha="right", fontsize=7)
        axis.set_title(title, fontsize=9)
    figure.suptitle("3D consistency (orbit, 128×128): references blue, baselines orange, models green")
    return figure


def example_strips(examples: list[dict], frames_shown: int = 4) -> Figure:
    """A panel per example case (scenarios down, conditionings across): rows [last context frame | future frames], truth first."""
    if not examples:
        return _placeholder("no examples")
    scenarios = list(dict.fromkeys(example["case"].scenario for example in examples))
    conditionings = sorted({example["case"].condition_frames for example in examples})
    rows_per_panel = 1 + max(len(example["predictions"]) for example in examples)
    figure = Figure(figsize=(5.0 * len(conditionings), 0.75 * rows_per_panel * len(scenarios) + 0.5), layout="constrained")
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
        axis.set_title(f"{case.episode_id}, K={case.condition_frames}: last context | future frames {[int(k) + case.condition_frames for k in picks]}", fontsize=8)
    return figure


def _strip(context_frame: np.ndarray, future: np.ndarray) -> np.ndarray:
    """One row of the strips: the context frame, a white gap, then the future frames."""
    gap = np.full((context_frame.shape[0], 4, 3), 255, dtype=np.uint8)
    return np.concatenate([context_frame, gap, *future], axis=1)


def definitions(physics: PhysicsParams, consistency: ConsistencyParams, tokenizer: str | None, models: list[str]) -> dict[str, str]:
    """Every protocol choice and parameter, as (topic, sentence) pairs for the report."""
    motion = MotionMaskParams(**physics.motion_masks)
    return {
        "episodes": f"the first {physics.episodes_per_scenario} test episodes (by id) of each of {', '.join(physics.scenarios)}; "
        f"condition on the first {' and on the first '.join(str(k) for k in physics.condition_frames)} frame(s) and the caption, predict the rest",
        "world models": ", ".join(models) if models else "none found (references and baselines only)",
        "PSNR": "per episode in float64 over all future frames (data range 255); a table cell is the PSNR of the mean MSE, 10·log10(1/mean mse), frames in [0, 1]",
        "SSIM": "Gaussian window 11 taps, σ 1.5, K1 0.01, K2 0.03, valid convolution, per frame and RGB channel, averaged (cosmos_flow.evaluation.quality)",
        "MSE": "mean squared error of frames scaled to [0, 1]",
        "object masks": f"generated frames segmented by colour: a background model (per-pixel median of context background pixels, Telea inpainting of radius {INPAINT_RADIUS} "
        f"where objects always covered it) and each object's median context colour; a pixel is the nearest object if that colour is nearer than the background and the pixel "
        f"differs from the background by more than {physics.min_contrast} (RGB distance); mask IoU = mean over (frame, object) pairs with a non-empty union; "
        "centroid error = mean pixel distance of centroids where both masks exist; missing rate = true masks with an empty prediction. The `ground_truth` row's mask IoU "
        "is the segmenter's own ceiling",
        "motion masks (Physics-IQ)": f"grayscale, Gaussian blur {motion.blur_kernel}×{motion.blur_kernel}, running average with weight {motion.running_average_weight}, "
        f"|frame − previous average| > {motion.threshold}, morphological open then close with a {motion.morph_kernel}×{motion.morph_kernel} ellipse; computed on context + "
        "future, compared on the future; spatial IoU of the any-time masks, spatiotemporal IoU of the T×H×W masks, weighted spatial IoU = Σmin/Σmax of per-pixel moving-frame "
        "counts; IoU of two empty masks = 1",
        "physical variance": "the same metrics between the episode and its second take (start positions jittered by ~1e-4 m)",
        "Physics-IQ-style score": "100 × mean of clip(m/v, 0, 1) for the three motion IoUs and clip(v/m, 0, 1) for MSE, with m the source's and v physical variance's "
        "means for the same scenario and conditioning",
        FEATURE_METRIC: (
            f"mean per-position cosine similarity of {tokenizer} encoder latents of [last context frame + true future] and [last context frame + prediction], "
            "latent frame 0 left out; the project's own tokenizer, not DreamSim"
        )
        if tokenizer
        else "not computed: no tokenizer was found",
        "baselines": "copy_last_frame; mean_of_context; all_background (context frames with objects removed by the true masks, inpainted); "
        + ("tokenizer_round_trip (the whole true episode encoded and decoded, future kept)" if tokenizer else "no tokenizer_round_trip (no tokenizer)"),
        "3D consistency": f"the first {consistency.episodes} `{consistency.scenario}` test episodes with a 128×128 view; models generate at 64×64 (V2W from the first frame, "
        "T2W from the caption) and are upsampled (bicubic) to 128×128 for feature matching; `ground_truth_64_upsampled` is the 64×64 render treated the same way",
        "Sampson error": f"SIFT, ratio test {consistency.ratio}, RANSAC F ({RANSAC_THRESHOLD_PX} px, confidence {RANSAC_CONFIDENCE}) per consecutive frame pair; mean of "
        "√(Sampson distance) over all ratio-test matches, in percent of the image diagonal; averaged over pairs and videos",
        "pose success": f"a video succeeds when every consecutive pair has ≥ {consistency.min_inliers} matches, an essential matrix with the known K "
        f"(RANSAC {RANSAC_THRESHOLD_PX} px) with ≥ {consistency.min_inliers} inliers that are ≥ {consistency.min_inlier_fraction:.0%} of the matches, and recoverPose keeps "
        f"≥ {consistency.min_inliers} points in front of both cameras (points up to {POSE_DISTANCE_LIMIT:g} baselines away count)",
        "3D baselines": f"static_first_frame; random_homography (corners moved by up to {consistency.homography_strength} × size: a homography is a camera rotation with "
        f"other intrinsics, so epipolar geometry survives and only pose recovery with the known K catches it); random_local_warp (smooth random displacements, "
        f"{consistency.local_warp_grid}×{consistency.local_warp_grid} grid, σ {consistency.local_warp_amplitude} × size: no camera motion explains it)",
    }


def _markdown_table(table: pd.DataFrame, columns: list[str]) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return "n/a" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.3f}")
        return str(value)

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(value) for value in row) + " |" for row in table[columns].itertuples(index=False)]
    return "\n".join(lines)


def baseline_comparison(physics: pd.DataFrame) -> pd.DataFrame:
    """For every model, conditioning and metric (all scenarios): the baselines it beats and those it does not.

    Columns: model, condition_frames, metric, beats, loses_to (comma-separated baseline names; "-" when
    none). A baseline whose value is NaN (e.g. the centroid error of all-background, which has no
    objects) is in neither list.
    """
    overall = physics[physics["scenario"] == ALL_SCENARIOS]
    metrics = [name for name in (*_metric_columns(physics), SCORE) if name in overall.columns]
    records = []
    for frames, group in overall.groupby("condition_frames"):
        values = group.set_index("source")
        baselines = list(group.loc[group["kind"] == "baseline", "source"])
        for model in group.loc[group["kind"] == "model", "source"]:
            for metric in metrics:
                mine = values.loc[model, metric]
                comparable = [name for name in baselines if pd.notna(values.loc[name, metric])]
                if pd.isna(mine) or not comparable:
                    continue
                sign = 1.0 if HIGHER_IS_BETTER.get(metric, True) else -1.0
                beaten = [name for name in comparable if sign * (mine - values.loc[name, metric]) > 0]
                lost = [name for name in comparable if name not in beaten]
                records.append({"model": model, "condition_frames": frames, "metric": metric, "beats": ", ".join(beaten) or "-", "loses_to": ", ".join(lost) or "-"})
    return pd.DataFrame(records, columns=["model", "condition_frames", "metric", "beats", "loses_to"])


def markdown_report(physics: pd.DataFrame, geometry: pd.DataFrame, notes: dict[str, str]) -> str:
    """A readable report: the tables, which baselines each model beats, then the definitions (`definitions`)."""
    metric_columns = [name for name in (*_metric_columns(physics), SCORE) if name in physics.columns]
    overall = physics[physics["scenario"] == ALL_SCENARIOS]
    parts = ["# Evaluation: physics alignment and 3D consistency", ""]
    parts += [INTRODUCTION, ""]
    parts += ["## Physics alignment (all scenarios)", ""]
    if overall.empty:
        parts += ["No simulated test episode was found: run the simulation pipeline first.", ""]
    for frames in sorted(overall["condition_frames"].unique()):
        parts += [f"### {frames} condition frame(s)", "", _markdown_table(overall[overall["condition_frames"] == frames], ["source", "kind", *metric_columns, "episodes"]), ""]
    if not overall.empty:
        per_scenario = physics[(physics["scenario"] != ALL_SCENARIOS) & (physics["source"] != GROUND_TRUTH)]
        parts += ["## Per scenario", "", _markdown_table(per_scenario, ["source", "scenario", "condition_frames", SCORE, "mask_iou", "centroid_error_px", "psnr", "ssim"]), ""]
    wins = baseline_comparison(physics)
    parts += ["## Which baselines does each model beat? (all scenarios)", ""]
    parts += [_markdown_table(wins, list(wins.columns)) if not wins.empty else "No world model was evaluated: only baselines and references.", ""]
    parts += ["## 3D consistency (orbit, 128×128)", ""]
    parts += [_markdown_table(geometry, list(geometry.columns)) if not geometry.empty else "No orbit test episode with a hires view was found.", ""]
    parts += ["## Definitions and parameters", ""]
    parts += [f"- **{key}**: {value}" for key, value in notes.items()]
    return "\n".join(parts) + "\n"
