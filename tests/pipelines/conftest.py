"""A throwaway copy of the project for running pipelines through a real KedroSession."""

import shutil

import mlflow
import pytest
from kedro.framework.startup import bootstrap_project
from support import PROJECT_ROOT


def _make_project(root, monkeypatch):
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
    bootstrap_project(root)
    return root


def _end_runs():
    while mlflow.active_run() is not None:  # kedro-mlflow leaves its run open in this process
        mlflow.end_run()
    mlflow.set_tracking_uri(None)


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway project copy in tmp_path, which becomes the working directory."""
    yield _make_project(tmp_path, monkeypatch)
    _end_runs()


# A small world for the pipelines after curation (tokenizer, world models, evaluation): real
# simulated episodes of every scenario, one real sample video, ingested and curated once per test
# session. Runtime parameters merge into conf/base key by key, so every count is given.
TINY_EPISODES = {
    "drop": {"train": 3, "val": 1, "test": 2},
    "collide": {"train": 2, "val": 0, "test": 1},
    "ramp": {"train": 2, "val": 0, "test": 1},
    "push": {"train": 2, "val": 1, "test": 1},
    "orbit": {"train": 2, "val": 0, "test": 1},
}


@pytest.fixture(scope="session")
def tiny_world_data(tmp_path_factory):
    """data/ of a project copy after simulation, ingest and curation on tiny settings (built once)."""
    from support import run_pipelines

    root = tmp_path_factory.mktemp("tiny_world")
    with pytest.MonkeyPatch.context() as patch:
        copy = _make_project(root, patch)
        run_pipelines(
            copy,
            ["simulation", "ingest", "curation"],
            simulation={"episodes": TINY_EPISODES, "workers": 2, "progress": False},
            ingest={"samples": ["bikes"], "include_sim": True, "progress": False},
            curation={
                "detector": "pyscenedetect",
                "progress": False,
                "split": {"min_clip_s": 1.0, "trim_s": 0.2, "max_clip_s": 60.0},
            },
        )
        _end_runs()
    return copy / "data"


@pytest.fixture
def tiny_world(project, tiny_world_data):
    """A project copy whose data/ already holds the tiny world's episodes, manifests and clips."""
    shutil.rmtree(project / "data")
    shutil.copytree(tiny_world_data, project / "data")
    return project
