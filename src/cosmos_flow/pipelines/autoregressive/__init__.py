"""The autoregressive pipeline: a GPT over DV-tokenizer tokens, trained on video, then with text (Video2World)."""

from cosmos_flow.pipelines.autoregressive.pipeline import create_pipeline

__all__ = ["create_pipeline"]
