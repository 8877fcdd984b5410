"""The tokenizer pipeline: train, evaluate and save the continuous and the discrete video tokenizers."""

from cosmos_flow.pipelines.tokenizer.pipeline import create_pipeline

__all__ = ["create_pipeline"]
