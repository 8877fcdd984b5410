"""Saved models as a Kedro dataset (the files and their format: cosmos_flow.model_store)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from cosmos_flow.model_store import CONFIG_FILE, WEIGHTS_FILE, ModelArtifact, load_model, save_model


class ModelDataset(AbstractDataset[ModelArtifact | None, ModelArtifact]):
    """A model folder (the catalog gives its path): model.safetensors + config.json + card.md.

    missing_ok: load a folder that holds no model yet as None, for consumers that can do without it
    (the evaluation runs with whatever models exist); a consumer that needs the model says so.
    """

    def __init__(self, path: str, missing_ok: bool = False, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self._missing_ok = missing_ok
        self.metadata = metadata

    def load(self) -> ModelArtifact | None:
        if self._missing_ok and not self._exists():
            return None
        try:
            return load_model(self._path)
        except FileNotFoundError as error:
            raise DatasetError(str(error)) from None

    def save(self, data: ModelArtifact) -> None:
        save_model(self._path, data)

    def _exists(self) -> bool:
        return (self._path / WEIGHTS_FILE).is_file() and (self._path / CONFIG_FILE).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path)}
