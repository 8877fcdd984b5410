"""The project's pipelines: one per folder of cosmos_flow.pipelines, and the default chain."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# The order in which the default `kedro run` goes through the pipelines that exist.
DEFAULT_ORDER = ("simulation", "ingest", "curation", "tokenizer", "diffusion", "autoregressive", "evaluation")


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum((pipelines[name] for name in DEFAULT_ORDER if name in pipelines), Pipeline([]))
    return pipelines
