"""A throwaway copy of the project for running pipelines through a real KedroSession."""

import shutil

import mlflow
import pytest
from kedro.framework.startup import bootstrap_project
from support import PROJECT_ROOT


@pytest.fixture
def project(tmp_path, monkeypatch):
    """conf/ and pyproject.toml copied to tmp_path, which becomes the working directory."""
    shutil.copytree(PROJECT_ROOT / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("local"))
    (tmp_path / "conf" / "local").mkdir()
    # An absolute store per copy: MLflow caches its SQL store by URI, and the project's relative
    # `sqlite:///mlflow.db` would keep pointing at the first copy's file within one test process.
    (tmp_path / "conf" / "local" / "mlflow.yml").write_text(f"server:\n  mlflow_tracking_uri: sqlite:///{tmp_path}/mlflow.db\n")
    shutil.copy(PROJECT_ROOT / "pyproject.toml", tmp_path)
    (tmp_path / "src").mkdir()  # Kedro wants the source folder; the package itself is installed
    (tmp_path / "data" / "01_raw" / "videos").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    bootstrap_project(tmp_path)
    yield tmp_path
    while mlflow.active_run() is not None:  # kedro-mlflow leaves its run open in this process
        mlflow.end_run()
    mlflow.set_tracking_uri(None)
