"""Kedro hooks of the project (registered in settings.py).

`RunTags` ties the MLflow run of every `kedro run` to what ran: the git commit (and whether the checkout was dirty),
the configuration profile (`conf/base` alone or with `bench`, `gpu`, ...) and the pipelines, names the run after
the last two, and replaces the runner's object repr that kedro-mlflow logs with the runner's class name.
"""

from __future__ import annotations

from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl
from mlflow.utils.mlflow_tags import MLFLOW_RUN_NAME

from cosmos_flow.tracking import code_version


class RunTags:
    @hook_impl(trylast=True)  # after kedro-mlflow has opened the run
    def before_pipeline_run(self, run_params: dict[str, Any], pipeline, catalog) -> None:
        if mlflow.active_run() is None:
            return
        profile = run_params.get("env") or "base"
        pipelines = ",".join(run_params.get("pipeline_names") or ["__default__"])
        mlflow.set_tags(
            {
                **code_version(),
                MLFLOW_RUN_NAME: f"{pipelines} ({profile})",  # e.g. "diffusion (bench)": what ran, on which profile
                "cosmos_flow.profile": profile,
                "cosmos_flow.pipelines": pipelines,
                "runner": _runner_name(run_params.get("runner")),
            }
        )


def _runner_name(runner: Any) -> str:
    """The runner's class name, from the object, its repr, or nothing (Kedro's default runner)."""
    if runner is None or str(runner) == "None":
        return "SequentialRunner"
    if not isinstance(runner, str):
        return type(runner).__name__
    return runner.split(" object at ")[0].removeprefix("<").split(".")[-1]
