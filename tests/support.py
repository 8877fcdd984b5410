"""Helpers shared by tests (importable because pyproject puts tests/ on pytest's pythonpath)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from cosmos_flow.manifests.training_clips import training_clip_table
from cosmos_flow.video.ffmpeg_binary import ffmpeg_executable

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def numbered_frames(count: int, height: int = 48, width: int = 64) -> np.ndarray:
    """Frames that say which frame they are: frame i shows i as an 8-bit barcode of big blocks
    over a smooth gradient, so a decoded frame can be matched to its index despite compression."""
    frames = np.empty((count, height, width, 3), dtype=np.uint8)
    ramp = np.linspace(40, 200, width, dtype=np.float32)[None, :, None]
    for index in range(count):
        frame = np.broadcast_to(ramp, (height, width, 3)).copy()
        for bit in range(8):
            on = (index >> bit) & 1
            frame[: height // 2, bit * width // 8 : (bit + 1) * width // 8] = 250 if on else 5
        frames[index] = frame.astype(np.uint8)
    return frames


def run_ffmpeg_cli(*arguments: str) -> None:
    subprocess.run([ffmpeg_executable(), "-hide_banner", "-loglevel", "error", "-y", *arguments], check=True)


def run_pipelines(project: Path, names: list[str], **runtime_params) -> None:
    """Run Kedro pipelines of a project copy (see the `project` fixture) in a real KedroSession."""
    from kedro.framework.session import KedroSession

    with KedroSession.create(project_path=project, runtime_params=runtime_params or None) as session:
        session.run(pipeline_names=names)


def write_training_clips(project: Path, clips: list[dict], videos: list[dict], episodes: list[dict]) -> pd.DataFrame:
    """The training clip table of these manifest rows, where the tokenizer pipeline writes it (the world models'
    input)."""
    table = training_clip_table(pd.DataFrame(clips), pd.DataFrame(videos), pd.DataFrame(episodes))
    path = project / "data/05_model_input/training_clips.parquet"
    path.parent.mkdir(parents=True, exist_ok=True)
    table.to_parquet(path, index=False)
    return table


def make_project(root, monkeypatch):
    """conf/ and pyproject.toml copied to `root`, which becomes the working directory."""
    shutil.copytree(PROJECT_ROOT / "conf", root / "conf", ignore=shutil.ignore_patterns("local"))
    (root / "conf" / "local").mkdir()
    # An absolute store per copy: MLflow caches its SQL store by URI, and the project's relative
    # `sqlite:///mlflow.db` would keep pointing at the first copy's file within one test process.
    (root / "conf" / "local" / "mlflow.yml").write_text(f"server:\n  mlflow_tracking_uri: sqlite:///{root}/mlflow.db\n")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", root)
    (root / "src").mkdir()  # Kedro wants the source folder; the package itself is installed
    (root / "data" / "01_raw" / "videos").mkdir(parents=True)
    monkeypatch.chdir(root)
    from kedro.framework.startup import bootstrap_project

    bootstrap_project(root)
    return root


def end_runs():
    while mlflow.active_run() is not None:  # kedro-mlflow leaves its run open in this process
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


def base_parameters(name: str, overrides: dict | None = None) -> dict:
    """The `name` block of conf/base/parameters_<name>.yml with `overrides` merged in key by key (as Kedro merges
    runtime parameters)."""
    import yaml

    def merged(base: dict, override: dict) -> dict:
        result = dict(base)
        for key, value in override.items():
            both_dicts = isinstance(value, dict) and isinstance(result.get(key), dict)
            result[key] = merged(result[key], value) if both_dicts else value
        return result

    parameters = yaml.safe_load((PROJECT_ROOT / f"conf/base/parameters_{name}.yml").read_text())[name]
    return merged(parameters, overrides or {})


def run_in_memory(pipeline, inputs: dict):
    """Run a pipeline as the Kedro starters test theirs: every input a MemoryDataset, every output kept in memory.
    Returns the catalog, whose outputs `catalog.load(name)` reads."""
    from kedro.io import DataCatalog, MemoryDataset
    from kedro.runner import SequentialRunner

    catalog = DataCatalog({name: MemoryDataset(value) for name, value in inputs.items()})
    SequentialRunner().run(pipeline, catalog)
    return catalog
