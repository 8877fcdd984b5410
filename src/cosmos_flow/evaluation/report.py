"""The evaluation's markdown report: every table with its 95% intervals, who beats whom, then the definitions.

The numbers come from `cosmos_flow.evaluation.tables`; the plots from `cosmos_flow.evaluation.plots`.
"""

from __future__ import annotations

import math

import pandas as pd

from cosmos_flow.evaluation.consistency import ConsistencyParams
from cosmos_flow.evaluation.failures import MIN_BLOB_PIXELS, MIN_FRAMES, TOLERANCE_PX
from cosmos_flow.evaluation.features import METRIC_NAME as FEATURE_METRIC
from cosmos_flow.evaluation.geometry import (
    ESSENTIAL_THRESHOLD_PX,
    MIN_MOTION_PX,
    RANSAC_CONFIDENCE,
    RANSAC_THRESHOLD_PX,
)
from cosmos_flow.evaluation.intervals import RESAMPLES
from cosmos_flow.evaluation.motion import MotionMaskParams
from cosmos_flow.evaluation.objects import INPAINT_RADIUS
from cosmos_flow.evaluation.physics import GROUND_TRUTH, PHYSICAL_VARIANCE, PhysicsParams
from cosmos_flow.evaluation.tables import (
    ALL_SCENARIOS,
    GEOMETRY_MEANS,
    HIGH,
    LOW,
    SCORE,
    baseline_comparison,
    metric_columns,
)

INTRODUCTION = (
    "Every number sits beside the same number for trivial baselines and for references: "
    "`ground_truth` (the true future), `physical_variance` (a second take of the same experiment) "
    "and `tokenizer_round_trip` (the true future through the tokenizer: an oracle, not a baseline). "
    "Each mean is followed by its 95% bootstrap interval over episodes in brackets. "
    "Definitions and parameters are at the end. "
    "Plots: `evaluation_metric_bars.png`, `evaluation_geometry_bars.png`, `evaluation_examples.png`; "
    "per scenario: `evaluation_table.csv`; 3D: `evaluation_geometry.csv`."
)
PER_SCENARIO_METRICS = [SCORE, "mask_iou", "centroid_error_px", "generation_failure", "psnr", "ssim"]
VARIANCE_METRICS = [
    "psnr",
    "mse",
    "ssim",
    "mask_iou",
    "centroid_error_px",
    "spatial_iou",
    "spatiotemporal_iou",
    "weighted_spatial_iou",
]


def definitions(
    physics: PhysicsParams, consistency: ConsistencyParams, tokenizer: str | None, models: list[str]
) -> dict[str, str]:
    """Every protocol choice and parameter, as (topic, sentence) pairs for the report."""
    motion, pose = MotionMaskParams(**physics.motion_masks), consistency.pose_criteria
    return {
        "episodes": f"the first {physics.episodes_per_scenario} test episodes (by id) of each of "
        f"{', '.join(physics.scenarios)}; condition on the first "
        f"{' and on the first '.join(str(k) for k in physics.condition_frames)} frame(s) and the caption, "
        "predict the rest",
        "world models": ", ".join(models) if models else "none found (references and baselines only)",
        "PSNR": "per episode in float64 over all future frames (data range 255); "
        "a table cell is the PSNR of the mean MSE, 10·log10(1/mean mse), frames in [0, 1]",
        "SSIM": "Gaussian window 11 taps, σ 1.5, K1 0.01, K2 0.03, valid convolution, per frame and RGB channel, "
        "averaged (cosmos_flow.metrics)",
        "MSE": "mean squared error of frames scaled to [0, 1]",
        "object masks": "generated frames segmented by colour: a background model "
        f"(per-pixel median of context background pixels, Telea inpainting of radius {INPAINT_RADIUS} "
        "where objects always covered it) and each object's median context colour; "
        "a pixel is the nearest object if that colour is nearer than the background and the pixel "
        f"differs from the background by more than {physics.min_contrast} (RGB distance); "
        "mask IoU = mean over (frame, object) pairs with a non-empty union; "
        "centroid error = mean pixel distance of centroids where both masks exist; "
        "missing rate = true masks with an empty prediction. The `ground_truth` row's mask IoU "
        "is the segmenter's own ceiling",
        "motion masks (Physics-IQ)": f"grayscale, Gaussian blur {motion.blur_kernel}×{motion.blur_kernel}, "
        f"running average with weight {motion.running_average_weight}, "
        f"|frame − previous average| > {motion.threshold}, morphological open then close with a "
        f"{motion.morph_kernel}×{motion.morph_kernel} ellipse; computed on context + "
        "future, compared on the future; spatial IoU of the any-time masks, "
        "spatiotemporal IoU of the T×H×W masks, weighted spatial IoU = Σmin/Σmax of per-pixel moving-frame "
        "counts; IoU of two empty masks = 1",
        "physical variance": "the same metrics between the episode and its second take: "
        "the same experiment set up again with a real rig's repeatability (objects placed "
        "within millimetres and degrees, launches repeatable to a few percent, friction and restitution varying 5%; "
        "simulation.second_take in parameters_simulation.yml); "
        "its row per scenario is in the table above",
        "Physics-IQ-style score": "100 × mean of clip(m/v, 0, 1) for the three motion IoUs "
        "and clip(v/m, 0, 1) for MSE, with m the source's and v physical variance's "
        "means for the same scenario and conditioning",
        FEATURE_METRIC: (
            f"mean per-position cosine similarity of {tokenizer} encoder latents of "
            "[last context frame + true future] and [last context frame + prediction], "
            "latent frame 0 left out; the project's own tokenizer, not DreamSim"
        )
        if tokenizer
        else "not computed: no tokenizer was found",
        "generation failures": "per predicted video, an object truly visible but missing for "
        f"≥ {MIN_FRAMES} consecutive frames (a vanishing), or a blob of ≥ {MIN_BLOB_PIXELS} "
        f"pixels of an object's colour that does not touch that object's true mask grown by {TOLERANCE_PX} px "
        f"for ≥ {MIN_FRAMES} consecutive frames (an appearance); "
        "`generation_failure` is 1 for a video with any such event, so its mean is the failure rate; "
        "`failure_events` counts them",
        "intervals": "every mean has a 95% percentile bootstrap interval over episodes "
        f"({RESAMPLES} resamples, stratified by scenario, the same resamples for every source); "
        "PSNR and the Physics-IQ-style score are recomputed per resample; "
        "a model beats a baseline only where the intervals do not overlap",
        "baselines": "copy_last_frame; mean_of_context; "
        "all_background (context frames with objects removed by the true masks, inpainted)",
        "references": "ground_truth; physical_variance; "
        + (
            f"tokenizer_round_trip, the whole true episode encoded and decoded by {tokenizer}, future kept: "
            "an oracle that has seen the future (the ceiling of a model "
            "generating in that latent space), not a baseline"
            if tokenizer
            else "no tokenizer_round_trip (no tokenizer)"
        ),
        "3D consistency": f"the first {consistency.episodes} `{consistency.scenario}` test episodes "
        "with a 128×128 view; "
        "models generate at 64×64 (V2W from the first frame, "
        "T2W from the caption) and are upsampled (bicubic) to 128×128 for feature matching; "
        "`ground_truth_64_upsampled` is the 64×64 render treated the same way",
        "Sampson error": f"SIFT, ratio test {consistency.ratio}, "
        f"RANSAC F ({RANSAC_THRESHOLD_PX} px, confidence {RANSAC_CONFIDENCE}) per consecutive frame pair; mean of "
        "√(Sampson distance) over all ratio-test matches, in percent of the image diagonal; "
        "averaged over pairs and videos",
        "camera pose": f"pairs (t, t + {pose.pair_stride}): an essential matrix with the known K "
        f"(MAGSAC++, {ESSENTIAL_THRESHOLD_PX} px) and recoverPose give R and the "
        "direction of t, compared with the true cameras: rotation error = angle of R·R_trueᵀ, "
        "translation error = angle between t and the true direction, which is "
        f"undefined (n/a) where the true camera centres are < {pose.min_baseline_m} m apart (a pan); "
        f"a pair is posed when ≥ {pose.min_inliers} matches support it and "
        f"they move (median ≥ {MIN_MOTION_PX} px); a video's errors are medians over its pairs",
        "pose success": "a video succeeds when every pair is posed, "
        f"its rotation error is ≤ {pose.max_rotation_error_deg}° and, where defined, its translation error "
        f"≤ {pose.max_translation_error_deg}° (the true 128×128 renders: 0.1-1.5° and 4-16°); "
        f"a static video (matches move < {MIN_MOTION_PX} px) fails and "
        "has a trivially zero Sampson error",
        "3D baselines": "static_first_frame; random_homography "
        f"(corners moved by up to {consistency.homography_strength} × size: a homography is a camera rotation with "
        "other intrinsics, so epipolar geometry survives and only pose recovery with the known K catches it); "
        "random_local_warp (smooth random displacements, "
        f"{consistency.local_warp_grid}×{consistency.local_warp_grid} grid, "
        f"σ {consistency.local_warp_amplitude} × size: no camera motion explains it)",
    }


def _number(value) -> str:
    if isinstance(value, str):
        return value
    value = float(value)
    return "n/a" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.3f}")


def markdown_table(table: pd.DataFrame, columns: list[str]) -> str:
    """A markdown table; a column that has `_ci_low`/`_ci_high` partners is shown as "mean [low, high]"."""

    def cell(row: pd.Series, column: str) -> str:
        if column + LOW in row.index and not math.isnan(float(row[column])) and not math.isinf(float(row[column])):
            return f"{_number(row[column])} [{_number(row[column + LOW])}, {_number(row[column + HIGH])}]"
        return _number(row[column]) if isinstance(row[column], float) else str(row[column])

    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(row, column) for column in columns) + " |" for _, row in table.iterrows()]
    return "\n".join(lines)


def markdown_report(physics: pd.DataFrame, geometry: pd.DataFrame, notes: dict[str, str]) -> str:
    """A readable report: the tables with their intervals, which baselines each model beats, then the definitions.

    The definitions are those of `definitions`.
    """
    metrics = [name for name in (*metric_columns(physics), SCORE) if name in physics.columns]
    overall = physics[physics["scenario"] == ALL_SCENARIOS]
    parts = [
        "# Evaluation: physics alignment and 3D consistency",
        "",
        INTRODUCTION,
        "",
        "## Physics alignment (all scenarios)",
        "",
    ]
    if overall.empty:
        parts += ["No simulated test episode was found: run the simulation pipeline first.", ""]
    for frames in sorted(overall["condition_frames"].unique()):
        parts += [
            f"### {frames} condition frame(s)",
            "",
            markdown_table(overall[overall["condition_frames"] == frames], ["source", "kind", *metrics, "episodes"]),
            "",
        ]
    if not overall.empty:
        per_scenario = physics[physics["scenario"] != ALL_SCENARIOS]
        variance = per_scenario[per_scenario["source"] == PHYSICAL_VARIANCE]
        parts += ["## Physical variance per scenario", ""]
        parts += [
            "How far two takes of the same experiment disagree "
            "(the second take set up again with a real rig's repeatability):",
            "",
        ]
        parts += [
            markdown_table(variance, ["scenario", "condition_frames", *VARIANCE_METRICS, "episodes"])
            if not variance.empty
            else "No episode has a second take.",
            "",
        ]
        parts += [
            "## Per scenario",
            "",
            markdown_table(
                per_scenario[per_scenario["source"] != GROUND_TRUTH],
                ["source", "scenario", "condition_frames", *PER_SCENARIO_METRICS],
            ),
            "",
        ]
    wins = baseline_comparison(physics)
    parts += ["## Which baselines does each model beat? (all scenarios, 95% intervals)", ""]
    parts += [
        "A model *beats* a baseline only where the two intervals do not overlap; overlapping intervals are a tie.",
        "",
    ]
    parts += [
        markdown_table(wins, list(wins.columns))
        if not wins.empty
        else "No world model was evaluated: only baselines and references.",
        "",
    ]
    parts += ["## 3D consistency (orbit, 128×128)", ""]
    if geometry.empty:
        parts += ["No orbit test episode with a hires view was found.", ""]
    else:
        pans = int((geometry["videos"] - geometry["videos_translation_defined"]).max())
        columns = ["source", "kind", "stage", *GEOMETRY_MEANS, "matches_per_pair", "videos", "note"]
        parts += [markdown_table(geometry, columns), ""]
        parts += [f"Translation direction is undefined in {pans} of the {int(geometry['videos'].max())} videos "
                  "(pure pans: the camera turns in place); "
                  "their pose success rests on the rotation alone, "
                  "and their translation error is left out of the mean.", ""]  # fmt: skip
    parts += ["## Definitions and parameters", ""]
    parts += [f"- **{key}**: {value}" for key, value in notes.items()]
    return "\n".join(parts) + "\n"
