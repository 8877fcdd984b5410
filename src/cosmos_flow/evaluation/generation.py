"""World models as prediction sources of the evaluation.

The evaluation is given its world models, loaded (`cosmos_flow.worldmodel.WorldModel`; in a Kedro run the
catalog's `<name>@world_model` entries); it never looks for them on disk. Models generate at their own resolution
(64×64 for the default ones): when it differs from the episode's, condition frames are resized to it and the
generated frames back to the episode's size (area interpolation when shrinking, bicubic when enlarging). Each
prediction gets its own seed, `seed` + CRC32 of "<episode_id>/<condition frames>", so a result does not depend on
which other episodes are evaluated.

`generation_options` pass sampling settings per family (e.g. `steps` for diffusion, `temperature` for AR) to each
model's `generate`; none keeps the model's saved defaults.

Stages: Text2World ("t2w") models see only the caption, so they are not scored on physics (its
protocol conditions on frames) and make whole videos from the caption in the 3D test; every other
stage ("v2w", "video") continues given frames.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from cosmos_flow.evaluation.physics import EpisodeCase
from cosmos_flow.worldmodel.protocol import WorldModel

log = logging.getLogger(__name__)

TEXT_ONLY_STAGES = ("t2w",)


@dataclass
class EvaluatedWorldModel:
    """A world model under evaluation, with the sampling options its generation runs with."""

    model: WorldModel
    options: dict

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def stage(self) -> str:
        return self.model.stage

    @property
    def text_only(self) -> bool:
        return self.model.stage in TEXT_ONLY_STAGES

    def generate(
        self, past_frames: np.ndarray | None, caption: str, n_future: int, seed: int, size: tuple[int, int]
    ) -> np.ndarray:
        """(n_future, *size, 3) uint8 frames following `past_frames` (None: from the caption alone)."""
        model_size = tuple(self.model.resolution)
        if past_frames is not None:
            past_frames = resize_frames(past_frames, model_size)
        frames = np.asarray(self.model.generate(past_frames, caption, n_future, seed, **self.options))
        if frames.shape != (n_future, *model_size, 3) or frames.dtype != np.uint8:
            raise ValueError(
                f"world model {self.name} returned {frames.dtype} {frames.shape}, expected uint8 "
                f"{(n_future, *model_size, 3)}: fix its generate()"
            )
        return resize_frames(frames, size)


def evaluated_world_models(
    models: Iterable[WorldModel | None],
    generation_options: Mapping[str, dict] | None = None,
    only: list[str] | None = None,
) -> list[EvaluatedWorldModel]:
    """The given models (None: not saved, left out; `only`: these names alone), sorted by name, each with its
    family's generation options."""
    chosen = []
    for model in models:
        if model is None or (only is not None and model.name not in only):
            continue
        chosen.append(EvaluatedWorldModel(model, dict((generation_options or {}).get(model.family, {}))))
        log.info("evaluating world model %s (%s, stage %s)", model.name, model.family, model.stage)
    return sorted(chosen, key=lambda evaluated: evaluated.name)


def resize_frames(frames: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """(T, H, W, 3) uint8 frames at (H, W) = size: area interpolation down, bicubic up."""
    height, width = frames.shape[1:3]
    if (height, width) == tuple(size):
        return frames
    interpolation = cv2.INTER_AREA if size[0] < height else cv2.INTER_CUBIC
    return np.stack([cv2.resize(frame, (size[1], size[0]), interpolation=interpolation) for frame in frames])


def case_seed(seed: int, episode_id: str, condition_frames: int) -> int:
    """A seed for one generation that depends only on the base seed, the episode and the conditioning."""
    return seed + zlib.crc32(f"{episode_id}/{condition_frames}".encode())


def physics_predictor(world_model: EvaluatedWorldModel, seed: int) -> Callable[[EpisodeCase], np.ndarray]:
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
