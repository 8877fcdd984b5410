"""Saved models on disk: safetensors weights + a JSON config + a model card. Never pickle.

The layout of a model folder (docs/ARCHITECTURE.md, "Models"); no Kedro here, so the CLI and
library code load models the same way pipelines do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "config.json"
CARD_FILE = "card.md"


@dataclass
class ModelArtifact:
    """What a saved model is: its tensors, everything needed to rebuild the module, and a card."""

    state_dict: dict[str, torch.Tensor]
    config: dict[str, Any]
    card: str = ""


def save_model(folder: str | Path, artifact: ModelArtifact) -> None:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    # safetensors refuses shared or non-contiguous storage; detach and copy so any state_dict saves.
    tensors = {name: tensor.detach().cpu().contiguous().clone() for name, tensor in artifact.state_dict.items()}
    save_file(tensors, str(folder / WEIGHTS_FILE))
    (folder / CONFIG_FILE).write_text(json.dumps(artifact.config, indent=2, sort_keys=True) + "\n")
    (folder / CARD_FILE).write_text(artifact.card)


def load_model(folder: str | Path) -> ModelArtifact:
    folder = Path(folder)
    for name in (WEIGHTS_FILE, CONFIG_FILE):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder} is not a saved model: {name} is missing (train the model first)")
    card = folder / CARD_FILE
    return ModelArtifact(
        state_dict=load_file(str(folder / WEIGHTS_FILE)),
        config=json.loads((folder / CONFIG_FILE).read_text()),
        card=card.read_text() if card.is_file() else "",
    )
