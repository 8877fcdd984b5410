"""A throwaway copy of the project for running pipelines through a real KedroSession."""

import shutil

import pytest
from support import end_runs, make_project


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A throwaway project copy in tmp_path, which becomes the working directory."""
    yield make_project(tmp_path, monkeypatch)
    end_runs()


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
        copy = make_project(root, patch)
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
        end_runs()
    return copy / "data"


@pytest.fixture
def tiny_world(project, tiny_world_data):
    """A project copy whose data/ already holds the tiny world's episodes, manifests and clips."""
    shutil.rmtree(project / "data")
    shutil.copytree(tiny_world_data, project / "data")
    return project
