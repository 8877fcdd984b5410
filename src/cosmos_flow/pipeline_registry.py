"""The project's pipelines: one per folder of cosmos_flow.pipelines, and the default chain."""

from kedro.framework.project import find_pipelines
from kedro.pipeline import Pipeline

# The pipelines the default `kedro run` is made of. Adding pipelines does not order them: Kedro runs each node once
# the datasets it reads exist (docs/ARCHITECTURE.md), so the evaluation, which reads the saved models, runs last.
DEFAULT_PIPELINES = ("simulation", "ingest", "curation", "tokenizer", "diffusion", "autoregressive", "evaluation")


def register_pipelines() -> dict[str, Pipeline]:
    pipelines = find_pipelines(raise_errors=True)
    pipelines["__default__"] = sum((pipelines[name] for name in DEFAULT_PIPELINES if name in pipelines), Pipeline([]))
    return pipelines
