"""Saving and loading diffusion world models through `cosmos_flow.model_store` (safetensors + JSON config + card).

config.json holds everything needed to rebuild and run the model without the training code: the DiT and EDM
settings, the latent normalization statistics, the text encoder, the clip geometry, default sampling settings,
and the sibling folder names of its tokenizer and of the other stage (Text2World starts a video from text,
Video2World extends one).
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser
from cosmos_flow.diffusion.dit import DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.samplers import SamplingParams
from cosmos_flow.model_store import ModelArtifact, load_model

MODEL_NAME = "diffusion_world_model"
STAGES = {"t2w": "Text2World", "v2w": "Video2World"}
DEFAULT_FOLDERS = {"t2w": "diffusion_t2w", "v2w": "diffusion_v2w"}


def diffusion_artifact(
    denoiser: DiffusionDenoiser,
    stage: str,
    text_encoder: dict[str, Any],
    frames: int,
    resolution: tuple[int, int],
    fps: float,
    sampling: SamplingParams,
    tokenizer: str = "tokenizer_cv",
    stage_folders: dict[str, str] | None = None,
    card: str = "",
    extra_config: dict[str, Any] | None = None,
) -> ModelArtifact:
    """What `model_store.save_model` writes for one stage; `extra_config` adds JSON-safe entries (e.g. training
    figures)."""
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}; use one of {sorted(STAGES)}")
    if denoiser.config.condition_mask != (stage == "v2w"):
        raise ValueError(
            f"a {STAGES[stage]} model must {'' if stage == 'v2w' else 'not '}have the condition mask channel; pass the "
            "denoiser of that stage"
        )
    config = {
        "model": MODEL_NAME,
        "stage": stage,
        "tokenizer": tokenizer,
        "stages": dict(stage_folders or DEFAULT_FOLDERS),
        "dit": denoiser.config.to_dict(),
        "edm": denoiser.edm.to_dict(),
        "latent_stats": {"mean": denoiser.latent_mean.tolist(), "std": denoiser.latent_std.tolist()},
        "text_encoder": dict(text_encoder),
        "frames": int(frames),
        "resolution": [int(size) for size in resolution],
        "fps": float(fps),
        "sampling": asdict(sampling),
        **(extra_config or {}),
    }
    return ModelArtifact(
        state_dict=denoiser.state_dict(), config=config, card=card or f"# {STAGES[stage]} diffusion world model\n"
    )


def load_denoiser(source: str | Path | ModelArtifact) -> tuple[DiffusionDenoiser, dict[str, Any]]:
    """A saved denoiser (from a model folder or an artifact), in eval mode and float32, with its config."""
    artifact = source if isinstance(source, ModelArtifact) else load_model(source)
    config = artifact.config
    if config.get("model") != MODEL_NAME or "dit" not in config:
        where = source if not isinstance(source, ModelArtifact) else "this artifact"
        raise ValueError(
            f"{where} holds a {config.get('model', 'unknown')!r} model, not a diffusion world model: point at a folder "
            "the diffusion pipeline wrote"
        )
    stats = config["latent_stats"]
    denoiser = DiffusionDenoiser(
        DiTConfig.from_dict(config["dit"]),
        EDMConfig(**config["edm"]),
        torch.tensor(stats["mean"]),
        torch.tensor(stats["std"]),
    )
    denoiser.load_state_dict({name: tensor.to(torch.float32) for name, tensor in artifact.state_dict.items()})
    return denoiser.float().eval(), config
