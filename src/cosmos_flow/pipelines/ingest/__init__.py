"""The ingest pipeline: user videos and sample videos into the videos manifest."""

from cosmos_flow.pipelines.ingest.pipeline import create_pipeline

__all__ = ["create_pipeline"]
