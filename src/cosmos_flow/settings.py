"""Kedro project settings."""

import os

from kedro.config import OmegaConfigLoader

# Telemetry off for every tool, whatever command starts Kedro (the Makefile and CI set them too).
for _variable, _value in {
    "DO_NOT_TRACK": "1",
    "KEDRO_DISABLE_TELEMETRY": "true",
    "DVC_NO_ANALYTICS": "true",
    "GX_ANALYTICS_ENABLED": "False",
    "MLFLOW_DISABLE_TELEMETRY": "true",
}.items():
    os.environ.setdefault(_variable, _value)

from cosmos_flow.hooks import RunTags  # noqa: E402

HOOKS = (RunTags(),)

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # conf/bench and conf/gpu override only the keys they name (a destructive merge would drop the rest).
    "merge_strategy": {"parameters": "soft"},
}
