"""What a trained diffusion world model is, for people: its model card."""

from __future__ import annotations

import json
from typing import Any

from cosmos_flow.diffusion.saved import STAGES


def model_card(
    name: str, config: dict[str, Any], data_summary: dict[str, Any], train: dict[str, Any], summary: dict[str, float]
) -> str:
    """A markdown card: what the model does, its size, what it trained on, for how long, and its final losses."""
    stage = config["stage"]
    dit = config["dit"]
    parameters = summary.get("parameters")
    losses = {key: value for key, value in summary.items() if "loss" in key}
    speed = {key: value for key, value in summary.items() if key not in losses}
    usage = (
        "`cosmos-flow generate diffusion --prompt TEXT --out OUT.mp4` (text to video)"
        if stage == "t2w"
        else "`cosmos-flow generate diffusion --prompt TEXT --video PAST.mp4 --out OUT.mp4` (continues the video)"
    )
    return "\n".join(
        [
            f"# {name}",
            "",
            f"The {STAGES[stage]} stage of the cosmos-flow diffusion world model: a DiT ({dit['depth']} blocks × "
            f"{dit['dim']}, "
            f"{dit['heads']} heads, patch {'×'.join(str(size) for size in dit['patch'])}"
            + (f", {parameters:,.0f} parameters" if parameters else "")
            + f") denoising {config['tokenizer']} latents with EDM, conditioned on "
            f"{config['text_encoder'].get('kind', 'minilm')} text tokens. "
            f"Clips of {config['frames']} frames at {config['resolution'][0]}×{config['resolution'][1]}. Use: {usage}.",
            "",
            "## Training",
            f"- data: {json.dumps(data_summary, sort_keys=True)}",
            f"- training: {json.dumps(train, sort_keys=True)}",
            f"- speed: {json.dumps({key: round(value, 4) for key, value in speed.items()}, sort_keys=True)}",
            "",
            "## Final losses (EDM-weighted denoising loss; val at one σ per bucket, seeded noise)",
            "",
            "| loss | value |",
            "|---|---|",
            *[f"| {key} | {value:.4f} |" for key, value in sorted(losses.items())],
            "",
            "## Config",
            "```json",
            json.dumps(
                {key: value for key, value in config.items() if key != "latent_stats"}, indent=2, sort_keys=True
            ),
            "```",
            "",
        ]
    )
