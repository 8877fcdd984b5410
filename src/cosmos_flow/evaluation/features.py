"""Feature-level similarity from this project's own continuous (CV) tokenizer encoder.

The paper's feature column is DreamSim, whose weights no pip package ships; this is NOT DreamSim. It is
`tokenizer_feature_similarity`: the cosine similarity of the CV tokenizer's encoder latents of the
true and the predicted future.

Both futures get the last context frame put in front (n future frames → 1 + n frames, a length the
causal tokenizer takes when n is a multiple of its temporal compression; otherwise the last frame is
repeated up to the next valid length). Both are encoded in one batch; at every latent position
(t, h, w) with t ≥ 1 (latent frame 0 encodes only the shared context frame) the cosine similarity of
the two C-dimensional latent vectors is taken, and the similarities are averaged. 1 means the
encoder sees the same content; it is bounded by [-1, 1].
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from cosmos_flow.video.tensors import frames_to_tensor

METRIC_NAME = "tokenizer_feature_similarity"


def valid_length_frames(frames: np.ndarray, temporal_compression: int) -> np.ndarray:
    """Repeat the last frame until the clip has 1 + k·temporal_compression frames."""
    missing = (-(len(frames) - 1)) % temporal_compression
    return np.concatenate([frames, np.repeat(frames[-1:], missing, axis=0)]) if missing else frames


@torch.no_grad()
def tokenizer_feature_similarity(
    tokenizer: torch.nn.Module, last_context_frame: np.ndarray, truth: np.ndarray, prediction: np.ndarray
) -> float:
    """Mean per-position cosine similarity of encoder latents of truth and prediction (module docstring)."""
    if truth.shape != prediction.shape:
        raise ValueError(f"truth and prediction must have one shape, got {truth.shape} and {prediction.shape}")
    clips = [
        valid_length_frames(np.concatenate([last_context_frame[None], future]), tokenizer.config.temporal_compression)
        for future in (truth, prediction)
    ]
    latents = tokenizer.encode(torch.stack([frames_to_tensor(clip) for clip in clips]))
    similarity = F.cosine_similarity(latents[0, :, 1:], latents[1, :, 1:], dim=0)
    return float(similarity.mean())
