"""MLflow helpers for library code: Lightning training logs into a child of the current run.

kedro-mlflow opens one MLflow run per `kedro run`. A training node must not hand that run's id to
Lightning's MLFlowLogger (Lightning would mark it finished when training ends); instead it logs
into a nested child run, created here, whose parent is the active run. Outside Kedro (tests, the
CLI, notebooks) there may be no active run; the child is then a top-level run of the experiment.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
import mlflow  # noqa: E402
from mlflow.tracking import MlflowClient  # noqa: E402
from mlflow.utils.mlflow_tags import MLFLOW_PARENT_RUN_ID, MLFLOW_RUN_NAME  # noqa: E402
from pytorch_lightning.loggers import MLFlowLogger  # noqa: E402

DEFAULT_TRACKING_URI = "sqlite:///mlflow.db"
DEFAULT_EXPERIMENT = "cosmos_flow"


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
        tags = {MLFLOW_PARENT_RUN_ID: parent.info.run_id, MLFLOW_RUN_NAME: run_name}
    else:
        experiment = client.get_experiment_by_name(experiment_name)
        experiment_id = experiment.experiment_id if experiment else client.create_experiment(experiment_name)
        tags = {MLFLOW_RUN_NAME: run_name}
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
