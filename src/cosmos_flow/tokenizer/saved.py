"""Saving and loading tokenizers through `cosmos_flow.model_store` (safetensors + JSON config + card)."""

from __future__ import annotations

from pathlib import Path

import torch

from cosmos_flow.model_store import ModelArtifact, load_model
from cosmos_flow.tokenizer.model import CausalVideoTokenizer, TokenizerConfig

MODEL_NAME = "causal_video_tokenizer"


def _default_card(config: TokenizerConfig) -> str:
    kind = "continuous (CV)" if config.kind == "cv" else f"discrete (DV, FSQ levels {config.fsq_levels})"
    return (
        f"# Causal video tokenizer {config.name}\n\n"
        f"A {kind} causal video tokenizer, "
        f"{config.temporal_compression}x{config.spatial_compression}x{config.spatial_compression} "
        f"compression (time x height x width), {config.latent_dim} latent channels.\n"
    )


def tokenizer_artifact(model: CausalVideoTokenizer, card: str = "", extra_config: dict | None = None) -> ModelArtifact:
    """What `model_store.save_model` writes for `model`; `extra_config` adds JSON-safe entries (e.g. training facts)."""
    config = {"model": MODEL_NAME, "tokenizer": model.config.to_dict(), **(extra_config or {})}
    return ModelArtifact(state_dict=model.state_dict(), config=config, card=card or _default_card(model.config))


def load_tokenizer(source: str | Path | ModelArtifact) -> CausalVideoTokenizer:
    """A saved tokenizer (a model folder or an artifact), in eval mode and float32."""
    artifact = source if isinstance(source, ModelArtifact) else load_model(source)
    if artifact.config.get("model") != MODEL_NAME or "tokenizer" not in artifact.config:
        where = "this artifact" if isinstance(source, ModelArtifact) else str(source)
        raise ValueError(
            f"{where} holds a {artifact.config.get('model', 'unknown')!r} model, not a tokenizer: point at a folder "
            "that tokenizer training wrote"
        )
    model = CausalVideoTokenizer(TokenizerConfig.from_dict(artifact.config["tokenizer"]))
    model.load_state_dict({name: tensor.to(torch.float32) for name, tensor in artifact.state_dict.items()})
    return model.float().eval()
