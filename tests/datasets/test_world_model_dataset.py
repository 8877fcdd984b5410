"""The catalog's @world_model entries: a saved folder loaded ready to generate, None while nothing is saved."""

import json

import pytest
from kedro.io import DatasetError

from cosmos_flow.datasets.world_model import WorldModelDataset
from cosmos_flow.model_store import CONFIG_FILE, WEIGHTS_FILE


class RecordingDataset(WorldModelDataset):
    """Loads with a stand-in loader that records the folder it was given."""

    loaded_from: list = []
    loader = staticmethod(lambda folder: RecordingDataset.loaded_from.append(folder) or f"model from {folder.name}")


def _saved(folder):
    folder.mkdir(parents=True)
    (folder / WEIGHTS_FILE).write_bytes(b"")
    (folder / CONFIG_FILE).write_text(json.dumps({"model": "any"}))
    return folder


def test_a_saved_folder_loads_through_the_dataset_class_loader(tmp_path):
    folder = _saved(tmp_path / "diffusion_v2w")
    assert RecordingDataset(str(folder)).load() == "model from diffusion_v2w"
    assert RecordingDataset.loaded_from[-1] == folder


def test_a_folder_without_a_model_is_none_only_when_missing_is_ok(tmp_path):
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / CONFIG_FILE).write_text("{}")  # weights missing: not a saved model yet
    assert RecordingDataset(str(tmp_path / "half"), missing_ok=True).load() is None
    assert RecordingDataset(str(tmp_path / "nowhere"), missing_ok=True).load() is None
    with pytest.raises(DatasetError, match="holds no saved world model; train it first"):
        RecordingDataset(str(tmp_path / "nowhere")).load()


def test_world_models_are_read_only_here(tmp_path):
    with pytest.raises(DatasetError, match="saved through their @artifact entry"):
        RecordingDataset(str(tmp_path / "m")).save("a model")
