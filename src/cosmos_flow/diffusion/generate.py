"""Generation with saved diffusion world models: text → video (Text2World) and past video → future (Video2World).

`DiffusionWorldModel` satisfies `cosmos_flow.worldmodel.protocol.WorldModel`. A request longer than one window
is cut into windows by `plan_generation`: the first window comes from the loaded stage (Text2World from text,
Video2World from the past frames), every later one from Video2World conditioned on the last frames made so far.
Condition frames are encoded by the tokenizer, generated latents decoded by it; the frames returned are the new
ones only, at the model's resolution.
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path
from typing import Any

import numpy as np
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser
from cosmos_flow.diffusion.samplers import SamplingParams, sample_latents
from cosmos_flow.diffusion.saved import STAGES, load_denoiser
from cosmos_flow.nn.text_encoder import TextEncoder, build_text_encoder
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames
from cosmos_flow.worldmodel.frames import Window, fit_frames, held_video, latent_frames, plan_generation

log = logging.getLogger(__name__)


class DiffusionWorldModel:
    """A saved diffusion world model with its tokenizer and text encoder, ready to generate frames.

    denoisers: by stage ("t2w", "v2w"); must hold `stage`, the one this model is. A stage missing there is loaded
    from its sibling folder next to `folder` when a request needs it.
    """

    family = "diffusion_world_model"

    def __init__(
        self,
        name: str,
        stage: str,
        denoisers: dict[str, DiffusionDenoiser],
        config: dict[str, Any],
        tokenizer: CausalVideoTokenizer,
        text_encoder: TextEncoder | None = None,
        folder: Path | None = None,
    ):
        self.name = name
        self.stage = stage
        self.config = config
        self.tokenizer = tokenizer.eval()
        self._text_encoder = text_encoder
        self.folder = folder
        if stage not in denoisers:
            raise ValueError(
                f"the denoisers given hold no {stage!r} stage, the one this model is; pass it under that key"
            )
        self._denoisers = {name: denoiser.eval() for name, denoiser in denoisers.items()}
        self.resolution: tuple[int, int] = (int(config["resolution"][0]), int(config["resolution"][1]))
        self.temporal_compression: int = int(tokenizer.config.temporal_compression)
        self.window_frames: int = int(config["frames"])
        self.window_latents: int = latent_frames(self.window_frames, self.temporal_compression)
        self.fps: float = float(config.get("fps", 8.0))
        self.sampling = SamplingParams(**config.get("sampling", {}))

    @property
    def text_encoder(self) -> TextEncoder:
        """The frozen text encoder of the config, loaded on first use (a bad request fails before paying for it)."""
        if self._text_encoder is None:
            self._text_encoder = build_text_encoder(self.config.get("text_encoder"))
        return self._text_encoder

    def denoiser(self, stage: str) -> DiffusionDenoiser:
        """The denoiser of `stage`; the other stage is loaded from its sibling folder on first use."""
        if stage not in self._denoisers:
            sibling = self.config.get("stages", {}).get(stage)
            path = None if self.folder is None or sibling is None else self.folder.parent / sibling
            if path is None or not path.is_dir():
                raise ValueError(
                    f"this request needs the {STAGES[stage]} model, but {path or 'its folder'} does not exist; train "
                    "both diffusion stages first"
                )
            self._denoisers[stage] = load_denoiser(path)[0]
        return self._denoisers[stage]

    def generate(
        self,
        past_frames: np.ndarray | None,
        caption: str,
        n_future: int,
        seed: int,
        steps: int | None = None,
        guidance: float | None = None,
    ) -> np.ndarray:
        """uint8 (n_future, H, W, 3) frames following `past_frames` (uint8 (K, H, W, 3), K = 1 or 1 + k·tc; None:
        from text alone)."""
        past = (
            None
            if past_frames is None or len(past_frames) == 0
            else fit_frames(np.asarray(past_frames), self.resolution)
        )
        if past is not None and self.stage == "t2w":
            raise ValueError(
                f"{self.name} is a Text2World model and starts from text alone; load the Video2World model to continue "
                "a video"
            )
        condition_count = 0 if past is None else len(past)
        plan = plan_generation(
            condition_count, condition_count + n_future, self.window_latents, self.temporal_compression
        )
        sampling = dataclasses.replace(
            self.sampling,
            steps=self.sampling.steps if steps is None else steps,
            guidance=self.sampling.guidance if guidance is None else guidance,
        )
        context, context_mask = self.text_encoder.encode([caption])
        video = past if past is not None else np.zeros((0, *self.resolution, 3), dtype=np.uint8)
        for index, window in enumerate(plan):
            made = self._window(window, video, context, context_mask, seed + index, sampling)
            video = np.concatenate([video, made])
        return video[condition_count:]

    @torch.no_grad()
    def _window(
        self,
        window: Window,
        video: np.ndarray,
        context: torch.Tensor,
        context_mask: torch.Tensor,
        seed: int,
        sampling: SamplingParams,
    ) -> np.ndarray:
        """The `window.keep` new frames of one window."""
        height, width = self.resolution
        spatial = self.tokenizer.config.spatial_compression
        latent_shape = (self.tokenizer.config.latent_dim, window.latents, height // spatial, width // spatial)
        held = None
        if window.condition_frames == 0:
            denoiser, condition = self.denoiser("t2w"), None
        else:
            denoiser = self.denoiser("v2w")
            given = video[window.start : window.start + window.condition_frames]
            if denoiser.config.held_frame_anchor:  # the condition is the held frame's leading latents (causality)
                held = self.tokenizer.encode(frames_to_tensor(held_video(given, len(given), window.frames))[None])
                condition = held[:, :, : window.condition_latents]
            else:
                condition = self.tokenizer.encode(frames_to_tensor(given)[None])
        latents = sample_latents(denoiser, context, context_mask, latent_shape, seed, sampling, condition, held)
        decoded = tensor_to_frames(self.tokenizer.decode(latents)[0])
        log.debug(
            "window at frame %d: %d condition frames, %d kept", window.start, window.condition_frames, window.keep
        )
        return decoded[window.condition_frames : window.condition_frames + window.keep]


def load_world_model(folder: str | Path) -> DiffusionWorldModel:
    """A saved diffusion world model (a Text2World or Video2World folder) with the tokenizer saved beside it."""
    folder = Path(folder)
    denoiser, config = load_denoiser(folder)
    tokenizer_folder = folder.parent / str(config.get("tokenizer", ""))
    if not tokenizer_folder.is_dir() or not config.get("tokenizer"):
        raise ValueError(
            f"{folder.name} needs its tokenizer {config.get('tokenizer')!r} beside it in {folder.parent}; train or "
            "restore that tokenizer first"
        )
    return DiffusionWorldModel(
        folder.name,
        config["stage"],
        {config["stage"]: denoiser},
        config,
        load_tokenizer(tokenizer_folder),
        folder=folder,
    )
