"""The curation pipeline: raw videos into clean, captioned, deduplicated training clips."""

from cosmos_flow.pipelines.curation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
