import json

import mlflow
import numpy as np
import pandas as pd
import pytest
import torch
from kedro.io import DatasetError
from support import PROJECT_ROOT, numbered_frames

from cosmos_flow.datasets import (
    LazyVideo,
    ManifestDataset,
    MetricsDataset,
    ModelArtifact,
    ModelDataset,
    VideoFolderDataset,
)
from cosmos_flow.manifests.contracts import empty_table


def test_video_folder_is_lazy_and_lists_every_file(tmp_path):
    folder = tmp_path / "videos"
    dataset = VideoFolderDataset(str(folder))
    assert dataset.load() == {} and not dataset.exists()
    dataset.save({"a.mp4": (numbered_frames(3), 25), "nested/b.mp4": (numbered_frames(2), 25)})
    (folder / "notes.txt").write_text("not a video")
    (folder / ".hidden.mp4").write_bytes(b"")
    (folder / "dangling.mp4").symlink_to(folder / "missing.mp4")
    entries = dataset.load()
    assert list(entries) == ["a.mp4", "dangling.mp4", "nested/b.mp4", "notes.txt"]
    assert all(isinstance(entry, LazyVideo) for entry in entries.values())
    assert entries["a.mp4"].info().num_frames == 3
    assert entries["nested/b.mp4"].frames().shape == (2, 48, 64, 3)


def test_model_dataset_round_trips_bit_identically_without_pickle(tmp_path):
    module = torch.nn.Sequential(torch.nn.Conv3d(3, 4, 3), torch.nn.GroupNorm(1, 4))
    artifact = ModelArtifact(state_dict=module.state_dict(), config={"channels": 4, "levels": [8, 5]}, card="# tiny\n")
    dataset = ModelDataset(str(tmp_path / "tiny"))
    assert not dataset.exists()
    dataset.save(artifact)
    assert sorted(path.name for path in (tmp_path / "tiny").iterdir()) == [
        "card.md",
        "config.json",
        "model.safetensors",
    ]
    loaded = dataset.load()
    assert loaded.config == artifact.config and loaded.card == "# tiny\n"
    for name, tensor in module.state_dict().items():
        assert torch.equal(loaded.state_dict[name], tensor)
    rebuilt = torch.nn.Sequential(torch.nn.Conv3d(3, 4, 3), torch.nn.GroupNorm(1, 4))
    rebuilt.load_state_dict(loaded.state_dict)


def test_model_dataset_says_when_there_is_no_model(tmp_path):
    with pytest.raises(DatasetError, match="config.json is missing|model.safetensors is missing"):
        ModelDataset(str(tmp_path / "untrained")).load()


def test_manifest_dataset_enforces_its_contract(tmp_path):
    dataset = ManifestDataset(str(tmp_path / "q.parquet"), contract="quarantine")
    with pytest.raises(DatasetError, match=r"lacks the quarantine contract's columns \['stage', 'reason'\]"):
        dataset.save(pd.DataFrame({"path": ["x"]}))
    dataset.save(empty_table("quarantine"))
    assert dataset.load().empty and list(dataset.load().columns) == ["path", "stage", "reason"]
    with pytest.raises(ValueError, match="unknown manifest contract"):
        ManifestDataset(str(tmp_path / "x.parquet"), contract="nope")


def test_two_pipelines_metrics_of_one_name_stay_apart_in_one_run(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("tests")
    with mlflow.start_run() as run:
        MetricsDataset(str(tmp_path / "d.json"), prefix="diffusion").save({"v2w_val_loss": 0.3})
        MetricsDataset(str(tmp_path / "a.json"), prefix="autoregressive").save({"v2w_val_loss": 4.1})
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged == {"diffusion/v2w_val_loss": 0.3, "autoregressive/v2w_val_loss": 4.1}


def test_every_metrics_file_of_the_catalog_has_its_own_mlflow_prefix():
    import yaml

    prefixes = []
    for catalog in sorted((PROJECT_ROOT / "conf/base").glob("catalog*.yml")):
        for entry in (yaml.safe_load(catalog.read_text()) or {}).values():
            if isinstance(entry, dict) and entry.get("type") == "cosmos_flow.datasets.MetricsDataset":
                prefixes.append(entry["prefix"])
    assert len(prefixes) == 7 and len(set(prefixes)) == len(prefixes)


def test_a_metrics_prefix_must_be_a_plain_name(tmp_path):
    with pytest.raises(ValueError, match="must be a non-empty name without '/'"):
        MetricsDataset(str(tmp_path / "m.json"), prefix="a/b")


def test_metrics_go_to_json_and_to_the_active_mlflow_run(tmp_path):
    mlflow.set_tracking_uri(f"sqlite:///{tmp_path / 'mlflow.db'}")
    mlflow.set_experiment("tests")
    dataset = MetricsDataset(str(tmp_path / "reporting" / "m.json"), prefix="tokenizer")
    with mlflow.start_run() as run:
        dataset.save({"psnr": 31.5, "count": 3, "undefined": float("nan")})
    assert json.loads((tmp_path / "reporting" / "m.json").read_text()) == {
        "count": 3.0,
        "psnr": 31.5,
        "undefined": None,
    }
    logged = mlflow.get_run(run.info.run_id).data.metrics
    assert logged == {"tokenizer/psnr": 31.5, "tokenizer/count": 3.0}
    with pytest.raises(DatasetError, match="must be numbers"):
        dataset.save({"name": "text"})
    assert np.isclose(dataset.load()["psnr"], 31.5)
