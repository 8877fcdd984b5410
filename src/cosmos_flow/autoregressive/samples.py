"""Sample videos of a trained stage: validation clips continued from their first latent frames.

Each sample shows, side by side, the clip as the tokenizer reconstructs it from its true tokens
and the model's continuation of the same condition tokens (the first `condition_latents` latent
frames are shared; the rest is sampled). Generation speed (tokens per second, KV cache on) is
measured on the way. The pipeline writes them through its sample-videos dataset.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from cosmos_flow.autoregressive.data import TokenClips
from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.sampling import SamplingParams, continue_tokens
from cosmos_flow.video.tensors import tensor_to_frames


@dataclass
class SampleVideos:
    """uint8 (T, H, 2W, 3) side-by-side videos (truth | sample) and the sampling speed."""

    videos: list[np.ndarray]
    tokens_per_second: float


@torch.no_grad()
def continue_clips(
    model: ARTransformer,
    tokenizer,
    clips: TokenClips,
    count: int,
    condition_latents: int,
    sampling: SamplingParams,
    seed: int = 0,
) -> SampleVideos:
    """Continue the first `count` clips from their first `condition_latents` latent frames; decode truth and sample."""
    count = min(count, len(clips))
    if count < 1:
        raise ValueError("there are no clips to sample from; give at least one validation or training clip")
    latents, height, width = model.config.latent_grid
    if not 0 <= condition_latents < latents:
        raise ValueError(
            f"samples condition on {condition_latents} latent frames but the window has {latents}; condition on fewer "
            "so something is generated"
        )
    batch = clips[:count]
    truth = batch["tokens"].view(count, latents, height, width)
    generator = torch.Generator().manual_seed(seed)
    started = time.perf_counter()
    held = (
        clips.held_for(condition_latents)[:count].view(count, latents, height, width)
        if model.config.held_frame_anchor
        else None
    )
    sampled = continue_tokens(
        model.eval(),
        truth[:, :condition_latents],
        latents,
        sampling,
        batch.get("context"),
        batch.get("context_mask"),
        generator,
        held,
    )
    seconds = time.perf_counter() - started
    made = count * (latents - condition_latents) * height * width
    decoded = tokenizer.decode_indices(torch.cat([truth, sampled]))
    videos = [
        np.concatenate([tensor_to_frames(decoded[row]), tensor_to_frames(decoded[count + row])], axis=2)
        for row in range(count)
    ]
    return SampleVideos(videos, made / seconds if seconds else float("nan"))
