"""The diffusion pipeline: clips → tokenizer latents → Text2World → Video2World → saved models, metrics and samples."""

from cosmos_flow.pipelines.diffusion.pipeline import create_pipeline

__all__ = ["create_pipeline"]
