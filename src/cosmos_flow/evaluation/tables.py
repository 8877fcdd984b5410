"""The evaluation's tables: means over episodes with 95% bootstrap intervals, flat metrics, who beats whom.

Physics (per source × scenario × condition frames, and over all scenarios as scenario "all"): every
metric is the mean over episodes, NaNs left out, except `psnr`, which is the PSNR of the mean MSE,
10·log10(1 / mean mse) with frames in [0, 1] (per-episode PSNR is ∞ when a prediction is exact, and one
∞ would make a mean meaningless). The "all" rows average episodes of every scenario alike. The
Physics-IQ-style score (`physics.physics_iq_score`) is computed from those means against the
`physical_variance` row of the same scenario and conditioning.

3D consistency (per source, over videos): the mean Sampson error over the videos that have one, the
pose success rate, the mean rotation error, the mean translation-direction error over the videos
where it is defined, mean matches per frame pair, and how many videos were static or short of matches.

Every mean `m` comes with `m_ci_low` and `m_ci_high`, a 95% bootstrap interval over episodes
(`cosmos_flow.evaluation.intervals`: stratified by scenario, the same resamples for every source of a
group, so the PSNR and the score are recomputed per resample from resampled means). A model *beats*
a baseline on a metric only where their intervals do not overlap; overlapping intervals are a tie.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from cosmos_flow.evaluation.features import METRIC_NAME as FEATURE_METRIC
from cosmos_flow.evaluation.geometry import STATUS_FEW_MATCHES, STATUS_STATIC
from cosmos_flow.evaluation.intervals import (
    RESAMPLES,
    episode_means,
    intervals_overlap,
    percentile_interval,
    resampled_means,
    stratified_resamples,
)
from cosmos_flow.evaluation.physics import HIGHER_IS_BETTER, PHYSICAL_VARIANCE, PHYSICS_METRICS, physics_iq_score

ALL_SCENARIOS = "all"
KIND_ORDER = {"reference": 0, "baseline": 1, "model": 2}
SCORE = "physics_iq_score"
LOW, HIGH = "_ci_low", "_ci_high"
GEOMETRY_MEANS = ("sampson_error", "pose_success_rate", "rotation_error_deg", "translation_error_deg")
GEOMETRY_HIGHER_IS_BETTER = {
    "sampson_error": False,
    "pose_success_rate": True,
    "rotation_error_deg": False,
    "translation_error_deg": False,
}


def metric_columns(rows: pd.DataFrame) -> list[str]:
    """The per-episode metrics present in `rows`, in report order."""
    return [name for name in (*PHYSICS_METRICS, FEATURE_METRIC) if name in rows.columns]


def interval(table_row, name: str) -> tuple[float, float]:
    """(low, high) of metric `name` in a table row (a Series or a namedtuple)."""
    getter = table_row.get if isinstance(table_row, pd.Series) else lambda key: getattr(table_row, key)
    return float(getter(name + LOW)), float(getter(name + HIGH))


def _psnr(mse: np.ndarray) -> np.ndarray:
    """PSNR (dB) of mean squared errors of frames in [0, 1]: ∞ where the error is 0, NaN where it is NaN."""
    mse = np.asarray(mse, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(mse > 0, -10.0 * np.log10(np.where(mse > 0, mse, 1.0)), np.where(mse == 0, math.inf, math.nan))


def _episode_values(group: pd.DataFrame, episodes: pd.Index, metrics: list[str]) -> np.ndarray:
    """(episodes, metrics) values of one source, NaN for an episode the source lacks."""
    return (
        group.drop_duplicates("episode_id")
        .set_index("episode_id")[metrics]
        .reindex(episodes)
        .to_numpy(dtype=np.float64)
    )


def _summaries(group: pd.DataFrame, metrics: list[str], resamples: int, seed: int) -> list[dict]:
    """One record per source of one scenario-and-conditioning group: means, intervals and the score."""
    episodes_table = (
        group[["episode_id", "scenario"]].drop_duplicates("episode_id").sort_values(["scenario", "episode_id"])
    )
    episodes = pd.Index(episodes_table["episode_id"])
    draws = stratified_resamples(episodes_table["scenario"].to_numpy(), resamples, seed)
    summaries, point_means, boot_means = [], {}, {}
    for (source, kind), rows in group.groupby(["source", "kind"], sort=False):
        values = _episode_values(rows, episodes, metrics)
        means = pd.Series(episode_means(values), index=metrics)
        boot = pd.DataFrame(resampled_means(values, draws), columns=metrics)
        means["psnr"], boot["psnr"] = float(_psnr(means["mse"])), _psnr(boot["mse"].to_numpy())
        point_means[source], boot_means[source] = means, boot
        summaries.append(
            {
                "source": source,
                "kind": kind,
                "seconds_per_episode": float(rows["seconds"].mean()),
                "episodes": int(rows["episode_id"].nunique()),
            }
        )
    for record in summaries:
        source = record["source"]
        means, boot = point_means[source], boot_means[source]
        if PHYSICAL_VARIANCE in point_means:
            means[SCORE] = physics_iq_score(means, point_means[PHYSICAL_VARIANCE])
            boot[SCORE] = physics_iq_score(
                {name: boot[name].to_numpy() for name in boot},
                {name: boot_means[PHYSICAL_VARIANCE][name].to_numpy() for name in boot},
            )
        else:
            means[SCORE], boot[SCORE] = math.nan, np.full(len(boot), math.nan)
        low, high = percentile_interval(boot.to_numpy())
        for index, name in enumerate(boot.columns):
            record |= {name: float(means[name]), name + LOW: float(low[index]), name + HIGH: float(high[index])}
    return summaries


def physics_table(rows: pd.DataFrame, resamples: int = RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """One row per source × scenario × condition frames (plus scenario "all"): means, 95% intervals, the score."""
    metrics = metric_columns(rows) if not rows.empty else list(PHYSICS_METRICS)
    columns = (
        ["source", "kind", "scenario", "condition_frames"]
        + [name + suffix for name in (*metrics, SCORE) for suffix in ("", LOW, HIGH)]
        + ["seconds_per_episode", "episodes"]
    )
    if rows.empty:
        return pd.DataFrame(columns=columns)
    records = []
    for frames, at_k in rows.groupby("condition_frames", sort=True):
        groups = [(scenario, at_k[at_k["scenario"] == scenario]) for scenario in dict.fromkeys(at_k["scenario"])] + [
            (ALL_SCENARIOS, at_k)
        ]
        for scenario, group in groups:
            records += [
                record | {"scenario": scenario, "condition_frames": frames}
                for record in _summaries(group, metrics, resamples, seed)
            ]
    table = pd.DataFrame(records)[columns]
    order = table["kind"].map(KIND_ORDER).fillna(len(KIND_ORDER))
    return (
        table.assign(_order=order)
        .sort_values(["condition_frames", "scenario", "_order", "source"], kind="stable")
        .drop(columns="_order")
        .reset_index(drop=True)
    )


def geometry_table(rows: pd.DataFrame, resamples: int = RESAMPLES, seed: int = 0) -> pd.DataFrame:
    """One row per 3D-consistency source: means over videos with 95% intervals, match counts and notes."""
    columns = ["source", "kind", "stage"] + [name + suffix for name in GEOMETRY_MEANS for suffix in ("", LOW, HIGH)]
    columns += [
        "matches_per_pair",
        "videos",
        "videos_translation_defined",
        "static_videos",
        "insufficient_match_videos",
        "seconds_per_video",
        "note",
    ]
    if rows.empty:
        return pd.DataFrame(columns=columns)
    # A CSV round trip reads the empty stage of references and baselines as NaN: make it "" again.
    rows = rows.assign(stage=rows["stage"].fillna(""), pose_success_rate=rows["pose_success"].astype(float))
    rows.loc[~rows["translation_defined"].astype(bool), "translation_error_deg"] = np.nan
    videos = pd.Index(sorted(rows["episode_id"].unique()))
    draws = stratified_resamples(np.zeros(len(videos)), resamples, seed)
    records = []
    for (source, kind, stage), group in rows.groupby(["source", "kind", "stage"], sort=False):
        values = _episode_values(group, videos, list(GEOMETRY_MEANS))
        low, high = percentile_interval(resampled_means(values, draws))
        means = episode_means(values)
        record = {"source": source, "kind": kind, "stage": stage}
        for index, name in enumerate(GEOMETRY_MEANS):
            record |= {name: float(means[index]), name + LOW: float(low[index]), name + HIGH: float(high[index])}
        status = group["status"].fillna("")
        record |= {
            "matches_per_pair": float(group["matches_per_pair"].mean()),
            "videos": int(group["episode_id"].nunique()),
            "videos_translation_defined": int(group["translation_defined"].astype(bool).sum()),
            "static_videos": int((status == STATUS_STATIC).sum()),
            "insufficient_match_videos": int((status == STATUS_FEW_MATCHES).sum()),
            "seconds_per_video": float(group["seconds"].mean()),
        }
        records.append(record | {"note": _geometry_note(record)})
    return pd.DataFrame(records)[columns]


def _geometry_note(record: dict) -> str:
    """Why a 3D row's numbers must be read with care: a still video, or too few matches."""
    notes = []
    if record["static_videos"]:
        notes.append(
            f"static in {record['static_videos']}/{record['videos']} videos: "
            "nothing moves, so Sampson error is trivially 0 and no pose is recovered"
        )
    if record["insufficient_match_videos"]:
        notes.append(f"insufficient matches in {record['insufficient_match_videos']}/{record['videos']} videos")
    if math.isnan(record["sampson_error"]):
        notes.append("no Sampson error: no frame pair had enough matches")
    return "; ".join(notes)


def flat_metrics(physics: pd.DataFrame, geometry: pd.DataFrame) -> dict[str, float]:
    """Flat numbers for DVC and MLflow (every mean with `.ci_low` and `.ci_high` beside it).

    `physics.<source>.k<K>.<metric>` over all scenarios; `physics.<source>.k<K>.<scenario>.physics_iq_score`
    per scenario, and every metric per scenario for `physical_variance`;
    `geometry.<source>.<sampson_error|pose_success_rate|rotation_error_deg|translation_error_deg|matches_per_pair>`;
    counts.
    """
    metrics: dict[str, float] = {}

    def put(prefix: str, row, name: str) -> None:
        metrics[f"{prefix}.{name}"] = float(getattr(row, name))
        if hasattr(row, name + LOW):
            low, high = interval(row, name)
            metrics[f"{prefix}.{name}.ci_low"], metrics[f"{prefix}.{name}.ci_high"] = low, high

    names = [name for name in (*PHYSICS_METRICS, FEATURE_METRIC, SCORE) if name in physics.columns]
    for row in physics.itertuples(index=False):
        prefix = f"physics.{row.source}.k{row.condition_frames}"
        if row.scenario == ALL_SCENARIOS:
            for name in names:
                put(prefix, row, name)
            metrics[f"{prefix}.seconds_per_episode"] = float(row.seconds_per_episode)
        elif row.source == PHYSICAL_VARIANCE:
            for name in names:
                put(f"{prefix}.{row.scenario}", row, name)
        else:
            put(f"{prefix}.{row.scenario}", row, SCORE)
    for row in geometry.itertuples(index=False):
        for name in (*GEOMETRY_MEANS, "matches_per_pair"):
            put(f"geometry.{row.source}", row, name)
    metrics["physics_episodes"] = (
        float(physics.loc[physics["scenario"] == ALL_SCENARIOS, "episodes"].max()) if len(physics) else 0.0
    )
    metrics["geometry_videos"] = float(geometry["videos"].max()) if len(geometry) else 0.0
    metrics["world_models"] = float(
        len(
            set(physics.loc[physics["kind"] == "model", "source"])
            | set(geometry.loc[geometry["kind"] == "model", "source"])
        )
    )
    return metrics


def baseline_comparison(physics: pd.DataFrame) -> pd.DataFrame:
    """For every model, conditioning and metric (all scenarios): the baselines it beats, ties and loses to.

    A model beats a baseline when its 95% interval lies wholly on the better side of the baseline's,
    loses to it when wholly on the worse side, and ties otherwise (the intervals overlap). Columns:
    model, condition_frames, metric, beats, ties, loses_to (comma-separated names; "-" when none). A
    baseline whose value is NaN (e.g. the centroid error of all-background, which shows no object) is
    in no list.
    """
    overall = physics[physics["scenario"] == ALL_SCENARIOS]
    metrics = [name for name in (*PHYSICS_METRICS, FEATURE_METRIC, SCORE) if name in overall.columns]
    records = []
    for frames, group in overall.groupby("condition_frames"):
        rows = group.set_index("source")
        baselines = list(group.loc[group["kind"] == "baseline", "source"])
        for model in group.loc[group["kind"] == "model", "source"]:
            for metric in metrics:
                comparable = [name for name in baselines if pd.notna(rows.loc[name, metric])]
                if pd.isna(rows.loc[model, metric]) or not comparable:
                    continue
                verdicts = {name: _verdict(rows.loc[model], rows.loc[name], metric) for name in comparable}
                listed = {
                    verdict: ", ".join(name for name, said in verdicts.items() if said == verdict) or "-"
                    for verdict in ("beats", "ties", "loses_to")
                }
                records.append({"model": model, "condition_frames": frames, "metric": metric} | listed)
    return pd.DataFrame(records, columns=["model", "condition_frames", "metric", "beats", "ties", "loses_to"])


def _verdict(model: pd.Series, baseline: pd.Series, metric: str) -> str:
    mine, theirs = interval(model, metric), interval(baseline, metric)
    if intervals_overlap(mine, theirs):
        return "ties"
    better = mine[0] > theirs[1] if HIGHER_IS_BETTER.get(metric, True) else mine[1] < theirs[0]
    return "beats" if better else "loses_to"
