"""Which world models are saved, and how to load one without knowing its family in advance.

A world model folder (data/06_models/<name>/) has a config.json whose "model" names its family,
"stage" its training stage and "tokenizer" the sibling folder of the tokenizer it was trained on.
Each family exposes `load_world_model(folder)`; this registry maps family names to those loaders
by import path, imported only when a model is loaded, so listing models never imports a family.
"""

from __future__ import annotations

import importlib
import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

WORLD_MODEL_FAMILIES = {
    "diffusion_world_model": "cosmos_flow.diffusion.generate:load_world_model",
    "ar_world_model": "cosmos_flow.autoregressive.generate:load_world_model",
}
CONFIG_FILE = "config.json"


@runtime_checkable
class WorldModel(Protocol):
    """What a family's `load_world_model(folder)` returns."""

    name: str
    resolution: tuple[int, int]  # (H, W) of the frames it makes
    temporal_compression: int  # of its tokenizer: condition frames are 1 or 1 + k * temporal_compression

    def generate(self, past_frames: np.ndarray | None, caption: str, n_future: int, seed: int) -> np.ndarray:
        """uint8 (n_future, H, W, 3) frames that follow past_frames (uint8 (K, H, W, 3); None: from text alone)."""
        ...


@dataclass(frozen=True)
class WorldModelEntry:
    """A saved world model; `problem` is a sentence saying why it cannot be loaded (None when it can)."""

    name: str
    family: str
    stage: str
    path: Path
    tokenizer: str
    problem: str | None = None


def discover_world_models(models_dir: str | Path) -> list[WorldModelEntry]:
    """Every sub-folder of models_dir whose config.json names a known family, sorted by name (none if the folder is
    missing)."""
    models_dir = Path(models_dir)
    if not models_dir.is_dir():
        return []
    entries = (_entry(folder) for folder in sorted(models_dir.iterdir()) if folder.is_dir())
    return [entry for entry in entries if entry is not None]


def load_world_model(entry_or_folder: WorldModelEntry | str | Path) -> WorldModel:
    """Load a saved world model through its family's loader."""
    if isinstance(entry_or_folder, WorldModelEntry):
        entry = entry_or_folder
    else:
        entry = _entry(Path(entry_or_folder))
        if entry is None:
            known = ", ".join(WORLD_MODEL_FAMILIES)
            raise ValueError(
                f"{entry_or_folder} is not a saved world model "
                f'(its {CONFIG_FILE} is missing or its "model" is not one of {known})'
            )
    if entry.problem:
        raise ValueError(entry.problem)
    module_name, function_name = WORLD_MODEL_FAMILIES[entry.family].split(":")
    loader = getattr(importlib.import_module(module_name), function_name)
    return loader(entry.path)


def _entry(folder: Path) -> WorldModelEntry | None:
    """The folder's entry, or None when it is not a world model of a known family."""
    config_path = folder / CONFIG_FILE
    if not config_path.is_file():
        return None
    try:
        config = json.loads(config_path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        logger.warning("skipping %s: its %s cannot be read (%s)", folder, CONFIG_FILE, error)
        return None
    family = config.get("model") if isinstance(config, dict) else None
    if family not in WORLD_MODEL_FAMILIES:
        return None
    tokenizer = str(config.get("tokenizer") or "")
    entry = WorldModelEntry(
        name=folder.name, family=family, stage=str(config.get("stage", "")), path=folder, tokenizer=tokenizer
    )
    if not tokenizer:
        return _with_problem(
            entry,
            f"{folder.name} cannot be loaded: its {CONFIG_FILE} names no tokenizer; "
            "retrain it or add the tokenizer's folder name",
        )
    if not (folder.parent / tokenizer).is_dir():
        return _with_problem(
            entry,
            f"{folder.name} cannot be loaded: its tokenizer {tokenizer} is not in {folder.parent}; "
            "train or restore that tokenizer first",
        )
    return entry


def _with_problem(entry: WorldModelEntry, problem: str) -> WorldModelEntry:
    return WorldModelEntry(entry.name, entry.family, entry.stage, entry.path, entry.tokenizer, problem)
