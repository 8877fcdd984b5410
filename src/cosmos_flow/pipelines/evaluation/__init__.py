"""The evaluation pipeline: physics alignment and 3D consistency of every saved world model, beside baselines."""

from cosmos_flow.pipelines.evaluation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
