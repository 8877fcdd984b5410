"""What curation did, for people: counts by outcome and a bar chart of rejections by reason."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")  # files only: no display here or in CI
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from cosmos_flow.manifests.contracts import REJECT_REASONS  # noqa: E402


def outcome_counts(clips: pd.DataFrame, shots: pd.DataFrame, videos: pd.DataFrame) -> dict[str, float]:
    """Videos, shots and clips in; clips kept; clips rejected per reason; seconds of video in and kept."""
    kept = clips[clips["kept"]]
    counts = {
        "videos_in": float(len(videos)),
        "shots": float(len(shots)),
        "clips_candidates": float(len(clips)),
        "clips_kept": float(len(kept)),
        "video_seconds_in": float(videos["duration_s"].sum()),
        "clip_seconds_kept": float((kept["end_s"] - kept["start_s"]).sum()),
    }
    rejected = clips["reject_reason"].value_counts()
    for reason in REJECT_REASONS:
        counts[f"rejected_{reason}"] = float(rejected.get(reason, 0))
    return counts


def rejection_chart(clips: pd.DataFrame) -> plt.Figure:
    """Bar chart: clips kept, and clips rejected for each reason."""
    reasons = clips["reject_reason"].value_counts()
    labels = ["kept", *REJECT_REASONS]
    values = [int(clips["kept"].sum()), *(int(reasons.get(reason, 0)) for reason in REJECT_REASONS)]
    figure, axis = plt.subplots(figsize=(8, 3.5))
    bars = axis.bar(labels, values, color=["tab:green"] + ["tab:red"] * len(REJECT_REASONS))
    axis.bar_label(bars)
    axis.set_ylabel("clips")
    axis.set_title(f"Curation: {values[0]} of {len(clips)} candidate clips kept")
    axis.tick_params(axis="x", rotation=30)
    figure.tight_layout()
    return figure
