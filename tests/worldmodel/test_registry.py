"""Discovering saved world models and loading one through its family's loader."""

from __future__ import annotations

import json
import subprocess
import sys
import types

import pytest

from cosmos_flow.worldmodel import registry
from cosmos_flow.worldmodel.registry import WorldModel, discover_world_models, load_world_model


def _saved(folder, config):
    folder.mkdir(parents=True)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture
def models_dir(tmp_path):
    _saved(tmp_path / "tokenizer_cv", {"model": "causal_video_tokenizer"})
    _saved(tmp_path / "tokenizer_dv", {"model": "causal_video_tokenizer"})
    _saved(tmp_path / "diffusion_v2w", {"model": "diffusion_world_model", "stage": "v2w", "tokenizer": "tokenizer_cv"})
    _saved(tmp_path / "ar_video", {"model": "ar_world_model", "stage": "video", "tokenizer": "tokenizer_dv"})
    _saved(tmp_path / "ar_v2w", {"model": "ar_world_model", "stage": "v2w", "tokenizer": "tokenizer_dv_old"})
    _saved(tmp_path / "diffusion_t2w", {"model": "diffusion_world_model", "stage": "t2w"})
    (tmp_path / "notes").mkdir()
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "config.json").write_text("{not json")
    (tmp_path / "README.md").write_text("models")
    return tmp_path


def test_discovery_lists_world_models_sorted_and_flags_problems(models_dir):
    entries = discover_world_models(models_dir)
    assert [entry.name for entry in entries] == ["ar_v2w", "ar_video", "diffusion_t2w", "diffusion_v2w"]
    by_name = {entry.name: entry for entry in entries}
    assert by_name["ar_video"].family == "ar_world_model" and by_name["ar_video"].stage == "video"
    assert by_name["ar_video"].path == models_dir / "ar_video" and by_name["ar_video"].tokenizer == "tokenizer_dv"
    assert by_name["ar_video"].problem is None and by_name["diffusion_v2w"].problem is None
    assert by_name["ar_v2w"].problem == (
        f"ar_v2w cannot be loaded: its tokenizer tokenizer_dv_old is not in {models_dir}; "
        "train or restore that tokenizer first"
    )
    assert "names no tokenizer" in by_name["diffusion_t2w"].problem
    assert discover_world_models(models_dir / "missing") == []


def test_load_world_model_calls_the_family_loader_lazily(models_dir, monkeypatch):
    class FakeModel:
        name, resolution, temporal_compression = "fake", (16, 16), 8

        def generate(self, past_frames, caption, n_future, seed):
            raise NotImplementedError

    loaded_from = []
    family = types.ModuleType("fake_family")
    family.load_world_model = lambda folder: loaded_from.append(folder) or FakeModel()
    monkeypatch.setitem(sys.modules, "fake_family", family)
    monkeypatch.setitem(registry.WORLD_MODEL_FAMILIES, "ar_world_model", "fake_family:load_world_model")

    model = load_world_model(models_dir / "ar_video")
    assert isinstance(model, WorldModel) and loaded_from == [models_dir / "ar_video"]
    entry = next(entry for entry in discover_world_models(models_dir) if entry.name == "ar_video")
    load_world_model(entry)
    assert loaded_from[-1] == entry.path

    with pytest.raises(ValueError, match="tokenizer_dv_old is not in"):
        load_world_model(models_dir / "ar_v2w")
    with pytest.raises(ValueError, match="is not a saved world model"):
        load_world_model(models_dir / "tokenizer_cv")


def test_registry_does_not_import_the_families():
    code = (
        "import sys, cosmos_flow.worldmodel.registry; "
        "print([m for m in ('cosmos_flow.diffusion', 'cosmos_flow.autoregressive') if m in sys.modules])"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
