"""MLflow helpers for library code: Lightning training logs into a child of the current run.

kedro-mlflow opens one MLflow run per `kedro run`. A training node must not hand that run's id to
Lightning's MLFlowLogger (Lightning would mark it finished when training ends); instead it logs
into a nested child run, created here, whose parent is the active run. Outside Kedro (tests, the
CLI, notebooks) there may be no active run; the child is then a top-level run of the experiment.
"""

from __future__ import annotations

import functools
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
from mlflow.utils.mlflow_tags import MLFLOW_GIT_COMMIT, MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME  # noqa: E402
from pytorch_lightning.loggers import MLFlowLogger  # noqa: E402

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "cosmos_flow"
GIT_DIRTY_TAG = "cosmos_flow.git_dirty"
UNKNOWN_COMMIT = "unknown"


@functools.cache
def code_version() -> dict[str, str]:
    """Tags that tie a run to the code that ran: the git commit of the checkout this package is imported from, and
    whether it had uncommitted changes ("unknown" outside a git checkout, e.g. an installed wheel)."""
    source = Path(__file__).resolve().parent

    def git(*arguments: str) -> str | None:
        try:
            done = subprocess.run(["git", "-C", str(source), *arguments], capture_output=True, text=True, timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if commit is None:
        return {MLFLOW_GIT_COMMIT: UNKNOWN_COMMIT, GIT_DIRTY_TAG: UNKNOWN_COMMIT}
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return {MLFLOW_GIT_COMMIT: commit, GIT_DIRTY_TAG: UNKNOWN_COMMIT if dirty is None else str(bool(dirty)).lower()}


@contextmanager
def child_run_logger(
    run_name: str, tracking_uri: str | None = None, experiment_name: str = DEFAULT_EXPERIMENT
) -> Iterator[MLFlowLogger]:
    """Yield an MLFlowLogger bound to a new run nested under the active MLflow run.

    The child run is marked FINISHED when the block ends, FAILED if it raises. The tracking URI
    is the active one (kedro-mlflow sets it) unless given; passed to Lightning explicitly so it
    never falls back to a ./mlruns folder.
    """
    parent = mlflow.active_run()
    uri = tracking_uri or (mlflow.get_tracking_uri() if parent is not None else _configured_uri())
    client = MlflowClient(tracking_uri=uri)
    if parent is not None:
        experiment_id = parent.info.experiment_id
        tags = {MLFLOW_PARENT_RUN_ID: parent.info.run_id, MLFLOW_RUN_NAME: run_name, **code_version()}
    else:
        experiment = client.get_experiment_by_name(experiment_name)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(experiment_name)
        tags = {MLFLOW_RUN_NAME: run_name, **code_version()}
    run = client.create_run(experiment_id, tags=tags, run_name=run_name)
    logger = MLFlowLogger(tracking_uri=uri, run_id=run.info.run_id, log_model=False)
    try:
        yield logger
    except BaseException:
        client.set_terminated(run.info.run_id, status="FAILED")
        raise
    client.set_terminated(run.info.run_id, status="FINISHED")


def _configured_uri() -> str:
    """MLFLOW_TRACKING_URI when set, else the project's sqlite store (never MLflow's ./mlruns)."""
    return os.environ.get("MLFLOW_TRACKING_URI") or DEFAULT_TRACKING_URI
