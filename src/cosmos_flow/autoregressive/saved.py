"""Saving and loading autoregressive world models through `cosmos_flow.model_store`.

config.json holds everything needed to rebuild and serve the model: the network ("transformer"),
its stage ("video" or "v2w"), the sibling folder of its DV tokenizer ("tokenizer"), the text
encoder it reads (stage "v2w"), the resolution, frame count and frame rate of its window, and its
default sampling settings. Weights are safetensors; nothing is pickled.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch

from cosmos_flow.autoregressive.gpt import ARConfig, ARTransformer, parameter_count
from cosmos_flow.autoregressive.sampling import SamplingParams
from cosmos_flow.model_store import ModelArtifact, load_model

MODEL_NAME = "ar_world_model"
STAGES = ("video", "v2w")


@dataclass
class ServingSpec:
    """What serving a trained network needs beside its weights."""

    stage: str
    tokenizer: str  # the tokenizer's folder name, a sibling of the model's folder
    resolution: tuple[int, int]  # (H, W) of the frames
    temporal_compression: int
    fps: float = 8.0  # frame rate of the videos it writes
    sampling: SamplingParams = field(default_factory=SamplingParams)
    text_encoder: dict[str, Any] | None = None  # build_text_encoder's spec; None for the video-only stage

    def __post_init__(self):
        self.resolution = tuple(int(side) for side in self.resolution)
        if isinstance(self.sampling, dict):
            self.sampling = SamplingParams(**self.sampling)
        if self.stage not in STAGES:
            raise ValueError(f"stage must be one of {', '.join(STAGES)}, got {self.stage!r}")
        if (self.stage == "v2w") != (self.text_encoder is not None):
            raise ValueError(
                "a v2w model needs its text encoder's spec and a video model has none; pass text_encoder accordingly"
            )


@dataclass
class SavedARModel:
    """A loaded network with how to serve it."""

    model: ARTransformer
    spec: ServingSpec


def ar_artifact(model: ARTransformer, spec: ServingSpec, card: str = "") -> ModelArtifact:
    """What `model_store.save_model` writes for a trained network."""
    if (spec.stage == "v2w") != model.has_text:
        raise ValueError(
            f"a {spec.stage} model {'needs' if spec.stage == 'v2w' else 'has no'} text cross-attention; save stage 1 "
            "as 'video' and stage 2 as 'v2w'"
        )
    config = {
        "model": MODEL_NAME,
        "stage": spec.stage,
        "tokenizer": spec.tokenizer,
        "transformer": model.config.to_dict(),
        "text_encoder": spec.text_encoder,
        "resolution": list(spec.resolution),
        "frames": 1 + (model.config.latent_grid[0] - 1) * spec.temporal_compression,
        "temporal_compression": spec.temporal_compression,
        "fps": spec.fps,
        "sampling": asdict(spec.sampling),
        "parameters": parameter_count(model),
    }
    return ModelArtifact(state_dict=model.state_dict(), config=config, card=card or default_card(model.config, spec))


def load_ar_model(source: str | Path | ModelArtifact) -> SavedARModel:
    """A saved network (a model folder or an artifact), in eval mode and float32, with its serving spec."""
    artifact = source if isinstance(source, ModelArtifact) else load_model(source)
    config = artifact.config
    if config.get("model") != MODEL_NAME or "transformer" not in config:
        where = "this artifact" if isinstance(source, ModelArtifact) else str(source)
        raise ValueError(
            f"{where} holds a {config.get('model', 'unknown')!r} model, not an autoregressive world model: point at "
            "ar_video or ar_v2w"
        )
    model = ARTransformer(ARConfig.from_dict(config["transformer"]))
    model.load_state_dict({name: tensor.to(torch.float32) for name, tensor in artifact.state_dict.items()})
    spec = ServingSpec(
        stage=config["stage"],
        tokenizer=config["tokenizer"],
        resolution=config["resolution"],
        temporal_compression=config["temporal_compression"],
        fps=float(config.get("fps", 8.0)),
        sampling=config.get("sampling") or {},
        text_encoder=config.get("text_encoder"),
    )
    return SavedARModel(model.float().eval(), spec)


def default_card(
    config: ARConfig, spec: ServingSpec, trained_on: str = "", metrics: dict[str, float] | None = None
) -> str:
    """A markdown model card: what the model is, what it read, and its numbers."""
    t, h, w = config.latent_grid
    stage = (
        "Video2World (stage 2: video tokens plus cross-attention to text)"
        if spec.stage == "v2w"
        else "video only (stage 1: next video token from past video tokens)"
    )
    lines = [
        f"# Autoregressive world model ({spec.stage})",
        "",
        f"A decoder-only transformer over the discrete tokens of `{spec.tokenizer}`, {stage}.",
        f"{config.depth} blocks x {config.dim} wide, {config.heads} heads ({config.kv_heads} key/value heads), "
        f"vocabulary {config.vocab_size},",
        f"window of {t}x{h}x{w} latent tokens = {1 + (t - 1) * spec.temporal_compression} frames at "
        f"{spec.resolution[0]}x{spec.resolution[1]}.",
    ]
    if spec.text_encoder is not None:
        lines.append(f"Text encoder: {spec.text_encoder}.")
    if trained_on:
        lines += ["", f"Trained on: {trained_on}"]
    if metrics:
        lines += ["", "| metric | value |", "|---|---|"] + [
            f"| {name} | {value:.4g} |" for name, value in sorted(metrics.items())
        ]
    return "\n".join(lines) + "\n"
