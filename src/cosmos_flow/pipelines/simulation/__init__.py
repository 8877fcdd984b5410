"""The simulation pipeline: seeded physics episodes with full ground truth."""

from cosmos_flow.pipelines.simulation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
