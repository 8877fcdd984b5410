"""Saved world models as prediction sources of the evaluation.

Models generate at their own resolution (64×64 for the default ones): when it differs from the
episode's, condition frames are resized to it and the generated frames back to the episode's size
(area interpolation when shrinking, bicubic when enlarging). Each prediction gets its own seed,
`seed` + CRC32 of "<episode_id>/<condition frames>", so a result does not depend on which other
episodes are evaluated.

`generation_options` pass sampling settings (e.g. `steps` for diffusion, `temperature` for AR) to
the family's module-level `generate(model, past_frames, caption, n_future, seed, **options)`, found
beside the family's loader; without options the model's own `.generate` runs with its defaults.

Stages: Text2World ("t2w") models see only the caption, so they are not scored on physics (its
protocol conditions on frames) and make whole videos from the caption in the 3D test; every other
stage ("v2w", "video") continues given frames.
"""

from __future__ import annotations

import importlib
import logging
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from cosmos_flow.evaluation.physics import EpisodeCase
from cosmos_flow.worldmodel.registry import (
    WORLD_MODEL_FAMILIES,
    WorldModel,
    WorldModelEntry,
    discover_world_models,
    load_world_model,
)

log = logging.getLogger(__name__)

TEXT_ONLY_STAGES = ("t2w",)


@dataclass
class LoadedWorldModel:
    """A discovered and loaded world model with the options its generation runs with."""

    entry: WorldModelEntry
    model: WorldModel
    options: dict

    @property
    def text_only(self) -> bool:
        return self.entry.stage in TEXT_ONLY_STAGES

    def generate(
        self, past_frames: np.ndarray | None, caption: str, n_future: int, seed: int, size: tuple[int, int]
    ) -> np.ndarray:
        """(n_future, *size, 3) uint8 frames following `past_frames` (None: from the caption alone)."""
        model_size = tuple(self.model.resolution)
        if past_frames is not None:
            past_frames = resize_frames(past_frames, model_size)
        if self.options:
            module_name = WORLD_MODEL_FAMILIES[self.entry.family].split(":")[0]
            frames = importlib.import_module(module_name).generate(
                self.model, past_frames, caption, n_future, seed, **self.options
            )
        else:
            frames = self.model.generate(past_frames, caption, n_future, seed)
        frames = np.asarray(frames)
        if frames.shape != (n_future, *model_size, 3) or frames.dtype != np.uint8:
            raise ValueError(
                f"world model {self.entry.name} returned {frames.dtype} {frames.shape}, "
                f"expected uint8 {(n_future, *model_size, 3)}: fix its generate()"
            )
        return resize_frames(frames, size)


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(T, H, W, 3) uint8 frames at (H, W) = size: area interpolation down, bicubic up."""
    height, width = frames.shape[1:3]
    if (height, width) == tuple(size):
        return frames
    interpolation = cv2.INTER_AREA if size[0] < height else cv2.INTER_CUBIC
    return np.stack([cv2.resize(frame, (size[1], size[0]), interpolation=interpolation) for frame in frames])


def load_world_models(
    models_dir: str | Path, generation_options: Mapping[str, dict] | None = None, only: list[str] | None = None
) -> list[LoadedWorldModel]:
    """Every loadable world model in `models_dir` (or those named in `only`); unloadable ones are logged and skipped."""
    loaded = []
    for entry in discover_world_models(models_dir):
        if only is not None and entry.name not in only:
            continue
        if entry.problem:
            log.warning("not evaluating %s: %s", entry.name, entry.problem)
            continue
        loaded.append(
            LoadedWorldModel(entry, load_world_model(entry), dict((generation_options or {}).get(entry.family, {})))
        )
        log.info("evaluating world model %s (%s, stage %s)", entry.name, entry.family, entry.stage)
    return loaded


def case_seed(seed: int, episode_id: str, condition_frames: int) -> int:
    """A seed for one generation that depends only on the base seed, the episode and the conditioning."""
    return seed + zlib.crc32(f"{episode_id}/{condition_frames}".encode())


def physics_predictor(world_model: LoadedWorldModel, seed: int) -> Callable[[EpisodeCase], np.ndarray]:
    """A predictor continuing each case's context frames, with the caption, one seed per call."""

    def predict(case: EpisodeCase) -> np.ndarray:
        return world_model.generate(
            case.context,
            case.caption,
            case.n_future,
            case_seed(seed, case.episode_id, case.condition_frames),
            case.frames.shape[1:3],
        )

    return predict
