"""Saved world models as Kedro datasets that load them ready to generate (`cosmos_flow.worldmodel.WorldModel`).

The catalog says which family loads a folder, by the dataset type: a world model trained by a pipeline is saved
through its `<name>@artifact` entry (`ModelDataset`) and read back by the evaluation through `<name>@world_model`
(one of these), the same folder under Kedro's transcoding, so Kedro still runs the evaluation after the training.
A new model (a post-trained variant, say) is a new pair of catalog entries, not a string in a registry.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kedro.io import AbstractDataset, DatasetError

from cosmos_flow.autoregressive.generate import load_world_model as load_ar_world_model
from cosmos_flow.diffusion.generate import load_world_model as load_diffusion_world_model
from cosmos_flow.model_store import CONFIG_FILE, WEIGHTS_FILE
from cosmos_flow.worldmodel.protocol import WorldModel


class WorldModelDataset(AbstractDataset[WorldModel | None, Any]):
    """A world model folder (model.safetensors + config.json beside its tokenizer's folder), loaded; read-only.

    missing_ok: a folder that holds no model yet loads as None (the evaluation runs with whatever models exist).
    """

    loader: Callable[[Path], WorldModel]

    def __init__(self, path: str, missing_ok: bool = False, metadata: dict[str, Any] | None = None):
        self._path = Path(path)
        self._missing_ok = missing_ok
        self.metadata = metadata

    def load(self) -> WorldModel | None:
        if not self._exists():
            if self._missing_ok:
                return None
            raise DatasetError(f"{self._path} holds no saved world model; train it first")
        return type(self).loader(self._path)

    def save(self, data: Any) -> None:
        raise DatasetError(f"{self._path} is read here, not written: models are saved through their @artifact entry")

    def _exists(self) -> bool:
        return (self._path / WEIGHTS_FILE).is_file() and (self._path / CONFIG_FILE).is_file()

    def _describe(self) -> dict[str, Any]:
        return {"path": str(self._path), "missing_ok": self._missing_ok}


class DiffusionWorldModelDataset(WorldModelDataset):
    """A saved diffusion world model (Text2World or Video2World), with its CV tokenizer."""

    loader = staticmethod(load_diffusion_world_model)


class ARWorldModelDataset(WorldModelDataset):
    """A saved autoregressive world model (video only or Video2World), with its DV tokenizer."""

    loader = staticmethod(load_ar_world_model)
