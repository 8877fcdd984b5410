"""3D consistency of world models on the `orbit` test episodes (static scenes, moving camera).

Every orbit test episode with a `hires/` view (128×128) gives one video per source, scored by
`cosmos_flow.evaluation.geometry.video_geometry` with the hires camera matrix K and the episode's true
cameras (every source is scored against the camera path of the episode it shows or continues):
- `ground_truth`: the 128×128 render (the paper's "real videos" row);
- `ground_truth_64_upsampled`: the 64×64 render upsampled (bicubic) to 128×128: what a perfect model
  that generates at 64×64 would score, since models are scored the same way;
- baselines on the 128×128 render: `static_first_frame`, `random_homography`, `random_local_warp`
  (see `cosmos_flow.evaluation.baselines`);
- each world model at 64×64, upsampled (bicubic) to 128×128 for feature matching: Video2World
  stages continue the episode's first (64×64) frame for T − 1 frames (the video scored is that
  frame + the generated ones); Text2World makes T frames from the caption.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

import numpy as np
import pandas as pd

from cosmos_flow.evaluation.baselines import random_homography_warps, random_local_warps, static_first_frame
from cosmos_flow.evaluation.generation import EvaluatedWorldModel, case_seed, resize_frames
from cosmos_flow.evaluation.geometry import GeometryResult, PoseCriteria, video_geometry
from cosmos_flow.simulation.episode_io import HIRES_FOLDER, read_episode_folder

log = logging.getLogger(__name__)

GEOMETRY_COLUMNS = [
    "episode_id",
    "source",
    "kind",
    "stage",
    "seconds",
    *(result_field.name for result_field in fields(GeometryResult)),
]


@dataclass
class ConsistencyParams:
    """The 3D-consistency test (parameters_evaluation.yml, `consistency`)."""

    scenario: str = "orbit"
    episodes: int = 3  # the first N test episodes of the scenario that have a hires view
    ratio: float = 0.75  # Lowe's ratio test
    pose: dict = field(default_factory=dict)  # geometry.PoseCriteria: pose pairs and what makes a pose a success
    homography_strength: float = 0.1  # corner displacement / image size of the random homographies
    local_warp_amplitude: float = 0.02  # σ of the random local displacements / image size
    local_warp_grid: int = 4  # control points per side of the random local displacement field

    @property
    def pose_criteria(self) -> PoseCriteria:
        return PoseCriteria(**self.pose)


def evaluate_consistency(
    episodes: pd.DataFrame,
    root: str | Path,
    world_models: list[EvaluatedWorldModel],
    params: ConsistencyParams,
    seed: int = 0,
) -> pd.DataFrame:
    """One row per (episode, source) with the geometry numbers (GEOMETRY_COLUMNS)."""
    rows = []
    for row in episodes.itertuples(index=False):
        folder = Path(root) / row.path
        if not (folder / HIRES_FOLDER).is_dir():
            log.warning("skipping %s in the 3D-consistency test: it has no %s/ view", row.episode_id, HIRES_FOLDER)
            continue
        hires, lowres = read_episode_folder(folder / HIRES_FOLDER), read_episode_folder(folder)
        rng = np.random.default_rng(case_seed(seed, row.episode_id, 0))
        videos = reference_and_baseline_videos(hires.rgb, lowres.rgb, rng, params)
        for world_model in world_models:
            start = time.perf_counter()
            video = model_video(
                world_model,
                lowres.rgb,
                lowres.caption or row.caption,
                case_seed(seed, row.episode_id, 0),
                hires.rgb.shape[1:3],
            )
            videos.append((world_model.name, "model", world_model.stage, video, time.perf_counter() - start))
        for name, kind, stage, video, seconds in videos:
            result = video_geometry(video, hires.intrinsics, hires.world_to_camera, params.pose_criteria, params.ratio)
            rows.append(
                {"episode_id": row.episode_id, "source": name, "kind": kind, "stage": stage, "seconds": seconds}
                | asdict(result)
            )
        log.info("3D consistency of %d sources on %s", len(videos), row.episode_id)
    return pd.DataFrame(rows, columns=GEOMETRY_COLUMNS)


def reference_and_baseline_videos(
    hires: np.ndarray, lowres: np.ndarray, rng: np.random.Generator, params: ConsistencyParams
) -> list[tuple[str, str, str, np.ndarray, float]]:
    """(name, kind, stage, video at the hires size, seconds) of the references and baselines (module docstring)."""
    made = [
        ("ground_truth", "reference", lambda: hires),
        ("ground_truth_64_upsampled", "reference", lambda: resize_frames(lowres, hires.shape[1:3])),
        ("static_first_frame", "baseline", lambda: static_first_frame(hires)),
        ("random_homography", "baseline", lambda: random_homography_warps(hires, rng, params.homography_strength)),
        (
            "random_local_warp",
            "baseline",
            lambda: random_local_warps(hires, rng, params.local_warp_amplitude, params.local_warp_grid),
        ),
    ]
    videos = []
    for name, kind, make in made:
        start = time.perf_counter()
        video = make()
        videos.append((name, kind, "", video, time.perf_counter() - start))
    return videos


def model_video(
    world_model: EvaluatedWorldModel, frames: np.ndarray, caption: str, seed: int, size: tuple[int, int]
) -> np.ndarray:
    """A whole video from a world model at `size`: the first frame continued (V2W) or made from the caption (T2W)."""
    lowres_size = frames.shape[1:3]
    if world_model.text_only:
        video = world_model.generate(None, caption, len(frames), seed, lowres_size)
    else:
        video = np.concatenate(
            [frames[:1], world_model.generate(frames[:1], caption, len(frames) - 1, seed, lowres_size)]
        )
    return resize_frames(video, size)
