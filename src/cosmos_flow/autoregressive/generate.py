"""Video generation with a saved autoregressive world model: frames in, tokens sampled, frames out.

The condition frames are encoded by the DV tokenizer into tokens, the transformer samples the rest
of its window token by token (KV cache), and the tokenizer decodes the window back to frames.
A video longer than the window is made window by window (`worldmodel.frames.plan_generation`):
each later window re-encodes the last frames made so far and re-prefills the transformer with
them, so every window starts, as in training, from a tokenizer's first latent frame.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from pathlib import Path

import numpy as np
import torch
from torch import Tensor

from cosmos_flow.autoregressive.gpt import ARTransformer
from cosmos_flow.autoregressive.sampling import continue_tokens
from cosmos_flow.autoregressive.saved import MODEL_NAME, ServingSpec, load_ar_model
from cosmos_flow.nn.text_encoder import TextEncoder, build_text_encoder
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames
from cosmos_flow.worldmodel.frames import fit_frames, held_video, plan_generation

log = logging.getLogger(__name__)


class ARWorldModel:
    """A trained transformer with its tokenizer (and, stage v2w, its text encoder): a `WorldModel`."""

    family = "ar_world_model"

    def __init__(
        self,
        model: ARTransformer,
        tokenizer,
        spec: ServingSpec,
        name: str = MODEL_NAME,
        text_encoder: TextEncoder | None = None,
    ):
        codebook = int(tokenizer.quantizer.codebook_size) if getattr(tokenizer, "quantizer", None) is not None else None
        if codebook != model.config.vocab_size:
            raise ValueError(
                f"the tokenizer has {codebook} codes but the model predicts {model.config.vocab_size}; load the "
                "tokenizer the model was trained with"
            )
        self.model, self.tokenizer, self.spec, self.name = model.eval(), tokenizer.eval(), spec, name
        self.stage = spec.stage
        self.resolution = spec.resolution
        self.temporal_compression = spec.temporal_compression
        self.window_latents = model.config.latent_grid[0]
        self.window_frames = 1 + (self.window_latents - 1) * spec.temporal_compression
        self.fps = spec.fps
        self._text_encoder = text_encoder

    @property
    def text_encoder(self) -> TextEncoder | None:
        """The frozen text encoder (stage v2w), built on first use; None for a video-only model."""
        if self._text_encoder is None and self.spec.text_encoder is not None:
            self._text_encoder = build_text_encoder(self.spec.text_encoder)
        return self._text_encoder

    def generate(
        self,
        past_frames: np.ndarray | None,
        caption: str,
        n_future: int,
        seed: int,
        temperature: float | None = None,
        top_p: float | None = None,
        top_k: int | None = None,
    ) -> np.ndarray:
        """uint8 (n_future, H, W, 3) frames that follow past_frames (uint8 (K, H, W, 3), fitted to the
        model's resolution if needed; None: start from nothing). The model conditions on the longest
        ending of past_frames it can take (1 or 1 + k*tc frames that leave room in its window).
        temperature, top_p, top_k override the model's defaults (None keeps them).
        """
        if n_future < 1:
            raise ValueError(f"n_future must be at least 1, got {n_future}")
        overrides = {
            name: value
            for name, value in (("temperature", temperature), ("top_p", top_p), ("top_k", top_k))
            if value is not None
        }
        sampling = dataclasses.replace(self.spec.sampling, **overrides)
        condition = usable_condition(past_frames, self.resolution, self.temporal_compression, self.window_latents)
        tc = self.temporal_compression
        # plan_generation makes whole latent frames: round up, then keep the first n_future frames.
        if len(condition):
            total = len(condition) + math.ceil(n_future / tc) * tc
        else:
            total = 1 + math.ceil((n_future - 1) / tc) * tc
        context, context_mask = _text(self, caption)
        generator = torch.Generator().manual_seed(int(seed))
        video = condition
        for window in plan_generation(len(condition), total, self.window_latents, tc):
            given = video[window.start : window.start + window.condition_frames]
            held = None
            if self.model.config.held_frame_anchor and len(given):
                # The condition tokens are the held frame's first ones (causality).
                held = _encode(self.tokenizer, held_video(given, len(given), window.frames), self.model)
                condition_tokens = held[:, : window.condition_latents]
            else:
                condition_tokens = _encode(self.tokenizer, given, self.model)
            tokens = continue_tokens(
                self.model, condition_tokens, window.latents, sampling, context, context_mask, generator, held
            )
            with torch.no_grad():
                frames = tensor_to_frames(self.tokenizer.decode_indices(tokens)[0])
            video = np.concatenate([video, frames[window.condition_frames : window.condition_frames + window.keep]])
        return video[len(condition) : len(condition) + n_future]


def load_world_model(folder: str | Path) -> ARWorldModel:
    """The world model saved in `folder` (ar_video or ar_v2w), with the tokenizer its config names beside it."""
    folder = Path(folder)
    saved = load_ar_model(folder)
    tokenizer_folder = folder.parent / saved.spec.tokenizer
    if not tokenizer_folder.is_dir():
        raise ValueError(
            f"{folder.name} needs its tokenizer {saved.spec.tokenizer}, which is not in {folder.parent}; train or "
            "restore it first"
        )
    return ARWorldModel(saved.model, load_tokenizer(tokenizer_folder), saved.spec, name=folder.name)


def usable_condition(
    past_frames: np.ndarray | None, resolution: tuple[int, int], tc: int, window_latents: int
) -> np.ndarray:
    """The last 1 + k*tc frames of past_frames (k as large as the window allows), at `resolution`; empty for None."""
    height, width = resolution
    if past_frames is None or len(past_frames) == 0:
        return np.zeros((0, height, width, 3), dtype=np.uint8)
    frames = np.asarray(past_frames)
    if frames.shape[1:3] != (height, width):
        frames = fit_frames(frames, resolution)
    # The condition must leave at least one latent frame of the window to generate.
    k = min((len(frames) - 1) // tc, window_latents - 2)
    if k < 0:
        raise ValueError(
            f"a window of {window_latents} latent frame(s) leaves no room after a condition frame; use a model with a "
            "longer window"
        )
    count = 1 + k * tc
    if count != len(frames):
        log.info(
            "conditioning on the last %d of %d past frames (1 + k*%d that fit a %d-latent window)",
            count,
            len(frames),
            tc,
            window_latents,
        )
    return frames[len(frames) - count :]


def _encode(tokenizer, frames: np.ndarray, model: ARTransformer) -> Tensor:
    """Token indices Long[1, c, h, w] of condition frames (c = 0 when there are none)."""
    if len(frames) == 0:
        _, height, width = model.config.latent_grid
        return torch.zeros((1, 0, height, width), dtype=torch.long)
    with torch.no_grad():
        return tokenizer.encode_indices(frames_to_tensor(frames)[None])


def _text(model: ARWorldModel, caption: str) -> tuple[Tensor | None, Tensor | None]:
    """The caption's token embeddings and mask for a v2w model; (None, None) for a video-only one."""
    encoder = model.text_encoder
    if encoder is None:
        return None, None
    return encoder.encode([caption])
