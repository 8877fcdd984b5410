"""What a trained tokenizer is, for people: its model card and a chart of its quality against the baseline."""

from __future__ import annotations

import json

import matplotlib

matplotlib.use("Agg")  # files only: no display here or in CI
import matplotlib.pyplot as plt

HELD_OUT_SETS = ("sim", "real")


def tokenizer_card(name: str, config: dict, train: dict, data_summary: dict, metrics: dict[str, float]) -> str:
    """A markdown model card: architecture, training data and steps, held-out quality beside the baseline."""
    rows = []
    for held_out in HELD_OUT_SETS:
        if f"{held_out}_psnr" not in metrics:
            continue
        rows.append(
            f"| {held_out} | {metrics[f'{held_out}_clips']:.0f} | {metrics[f'{held_out}_psnr']:.2f} | "
            f"{metrics[f'{held_out}_ssim']:.3f} "
            f"| {metrics[f'{held_out}_baseline_psnr']:.2f} | {metrics[f'{held_out}_baseline_ssim']:.3f} |"
        )
    compression = f"{config['temporal_compression']}x{config['spatial_compression']}x{config['spatial_compression']}"
    extras = {key: value for key, value in metrics.items() if not key.startswith(HELD_OUT_SETS)}
    return "\n".join(
        [
            f"# {name}",
            "",
            f"A causal video tokenizer ({config['kind'].upper()}, {compression} compression), trained by the "
            "cosmos-flow `tokenizer` pipeline.",
            "Input: RGB in [-1, 1], 1 + k*temporal_compression frames, height and width multiples of the spatial "
            "compression",
            "(`cosmos-flow tokenizer reconstruct` pads and crops any video).",
            "",
            "## Training",
            f"- data: {json.dumps(data_summary, sort_keys=True)}",
            f"- training: {json.dumps(train, sort_keys=True)}",
            "",
            "## Held-out quality (PSNR in dB computed in float; the baseline keeps the same number of numbers as the "
            "latent)",
            "",
            "| held-out set | clips | PSNR | SSIM | baseline PSNR | baseline SSIM |",
            "|---|---|---|---|---|---|",
            *rows,
            "",
            f"Other figures: {json.dumps(extras, sort_keys=True)}",
            "",
            "## Config",
            "```json",
            json.dumps(config, indent=2, sort_keys=True),
            "```",
            "",
        ]
    )


def quality_chart(metrics_by_model: dict[str, dict[str, float]]) -> plt.Figure:
    """Grouped bars: held-out PSNR of each tokenizer beside the equal-size baseline, per held-out set."""
    figure, axes = plt.subplots(1, len(HELD_OUT_SETS), figsize=(9, 3.5), squeeze=False)
    for axis, held_out in zip(axes[0], HELD_OUT_SETS):
        labels, model_psnr, baseline_psnr = [], [], []
        for name, metrics in metrics_by_model.items():
            if f"{held_out}_psnr" in metrics:
                labels.append(name)
                model_psnr.append(metrics[f"{held_out}_psnr"])
                baseline_psnr.append(metrics[f"{held_out}_baseline_psnr"])
        positions = range(len(labels))
        width = 0.38
        axis.bar_label(axis.bar([p - width / 2 for p in positions], model_psnr, width, label="tokenizer"), fmt="%.1f")
        axis.bar_label(
            axis.bar(
                [p + width / 2 for p in positions], baseline_psnr, width, label="baseline (same size)", color="tab:gray"
            ),
            fmt="%.1f",
        )
        axis.set_xticks(list(positions), labels)
        axis.set_ylabel("PSNR (dB)")
        axis.set_title(f"held-out {held_out} clips")
    axes[0][0].legend(loc="lower left")
    figure.tight_layout()
    return figure
