"""What both world-model families train on, prepared once: the training clips through their tokenizer, and the
clips' captions through the frozen text encoder.

The diffusion family reads a continuous (cv) tokenizer's latents, the autoregressive family a discrete (dv)
tokenizer's token indices; otherwise the two steps are the same, so they live here and the pipelines only wire them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from cosmos_flow.model_store import ModelArtifact
from cosmos_flow.nn.text_encoder import CaptionEmbeddings, build_text_encoder
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.worldmodel.latents import LatentClips, encode_clip_table

# What each tokenizer kind gives the model, for the error when a model gets the wrong kind.
TOKENIZER_OUTPUTS = {"cv": "continuous latents", "dv": "discrete tokens"}


@dataclass
class LatentDataSettings:
    """How the training clips become latents (the `data` block of the world-model pipelines' parameters)."""

    frames: int = 17  # 1 + 8k: three latent frames at 8x temporal compression
    size: int = 64  # square clips, center-cropped
    encode_batch_size: int = 16
    device: str = "auto"  # where the tokenizer encodes: auto = cuda when there is one
    progress: bool = True

    def torch_device(self) -> torch.device:
        """`device` resolved: "auto" is cuda when there is one, else the CPU."""
        if self.device == "auto":
            return torch.device("cuda" if torch.cuda.is_available() else "cpu")
        return torch.device(self.device)


def encode_training_clips(
    tokenizer: str | Path | ModelArtifact | None,
    table: pd.DataFrame,
    settings: LatentDataSettings,
    kind: str,
    tokenizer_name: str,
    splits: Sequence[str] = ("train", "val"),
    held_condition_latents: Sequence[int] = (),
) -> LatentClips:
    """The clips of `table` (a training clip table) in `splits` through the saved tokenizer, once: training reads
    latents, never pixels.

    `kind` is the tokenizer kind the model needs ("cv" or "dv"); `tokenizer_name` names the tokenizer (its catalog
    entry) in the error raised when the saved one is of another kind. `held_condition_latents`: also encode each
    clip held still after that many condition latent frames (`latents.encode_clip_table`).
    """
    if tokenizer is None:
        raise ValueError(f"{tokenizer_name} has not been trained yet: run `kedro run --pipelines=tokenizer` first")
    if kind not in TOKENIZER_OUTPUTS:
        raise ValueError(f"tokenizer kind must be one of {sorted(TOKENIZER_OUTPUTS)}, got {kind!r}")
    model = load_tokenizer(tokenizer).to(settings.torch_device())
    found = model.config.kind
    if found != kind:
        raise ValueError(
            f"this model reads {TOKENIZER_OUTPUTS[kind]}, but {tokenizer_name} is a {found} tokenizer; "
            f"train a {kind} one"
        )
    return encode_clip_table(
        model, table, frames=settings.frames, size=settings.size, splits=splits,
        batch_size=settings.encode_batch_size, progress=settings.progress,
        held_condition_latents=held_condition_latents,
    )  # fmt: skip


def caption_embeddings(text_encoder: dict | None, captions: list[str]) -> CaptionEmbeddings:
    """Each distinct caption through the frozen text encoder built from `text_encoder` (a spec), once."""
    return CaptionEmbeddings.compute(build_text_encoder(text_encoder), captions)
