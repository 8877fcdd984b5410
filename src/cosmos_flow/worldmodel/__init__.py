"""What the world-model families (diffusion and autoregressive) share beyond neural-network blocks.

- `frames`: frame-count arithmetic (latent frames, condition frames, windowed generation plans) and
  fitting frames to a model's resolution.
- `latents`: the training clips encoded once by a tokenizer (`LatentClips`, `encode_clip_table`).
- `inputs`: what both families train on, prepared once: the training clips through the right kind of tokenizer
  (`LatentDataSettings`, `encode_training_clips`) and their captions through the text encoder (`caption_embeddings`).
- `past_video`: reading the past video a generate command continues.
- `protocol`: what every loaded world model offers (`WorldModel`).
"""

from cosmos_flow.worldmodel.frames import (
    Window,
    condition_latent_frames,
    default_condition_frames,
    fit_frame,
    fit_frames,
    latent_frames,
    plan_generation,
)
from cosmos_flow.worldmodel.inputs import LatentDataSettings, caption_embeddings, encode_training_clips
from cosmos_flow.worldmodel.latents import LatentClips, encode_clip_table
from cosmos_flow.worldmodel.past_video import PastCondition, condition_from_video
from cosmos_flow.worldmodel.protocol import WorldModel

__all__ = [
    "PastCondition",
    "condition_from_video",
    "LatentClips",
    "LatentDataSettings",
    "Window",
    "WorldModel",
    "caption_embeddings",
    "condition_latent_frames",
    "default_condition_frames",
    "encode_clip_table",
    "encode_training_clips",
    "fit_frame",
    "fit_frames",
    "latent_frames",
    "plan_generation",
]
