"""Render many episodes: plan them, simulate them (in parallel if asked), write folders and an index."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from tqdm.auto import tqdm

from cosmos_flow.config import from_params
from cosmos_flow.simulation.captions import caption
from cosmos_flow.simulation.engine import simulate
from cosmos_flow.simulation.episode_io import HIRES_FOLDER, SECOND_TAKE_FOLDER, VIDEO_FILE, write_episode_folder
from cosmos_flow.simulation.scenarios import CAMERA_MOTIONS, SCENARIOS, make_scene
from cosmos_flow.simulation.second_take import SecondTakeParams, second_take_scene
from cosmos_flow.simulation.splits import SPLITS, EpisodePlan, plan_episodes

log = logging.getLogger(__name__)


@dataclass
class SimulationParams:
    """Everything that decides what the simulation pipeline renders (parameters_simulation.yml)."""

    seed: int = 0
    num_frames: int = 17  # 1 + 8k, so the tokenizers' 8x temporal grouping fits
    resolution: int = 64  # square frames
    fps: float = 12.0
    substeps: int = 40  # physics steps per frame: 480 Hz at 12 fps
    episodes: dict[str, dict[str, int]] = field(
        default_factory=lambda: {name: {"train": 100, "val": 10, "test": 10} for name in SCENARIOS}
    )
    camera_motion: dict[str, str] = field(default_factory=dict)  # scenario -> static|orbit|dolly|pan
    hires_resolution: int = 128  # an extra view for 3D-consistency evaluation ...
    hires_scenarios: list[str] = field(default_factory=lambda: ["orbit"])  # ... of these scenarios ...
    hires_splits: list[str] = field(default_factory=lambda: ["test"])  # ... in these splits
    second_take: dict = field(default_factory=dict)  # SecondTakeParams: which splits, and the rig's repeatability
    workers: int = 1
    progress: bool = True

    def __post_init__(self):
        if self.num_frames < 1 or (self.num_frames - 1) % 8:
            raise ValueError(
                f"simulation.num_frames must be 1 + a multiple of 8 (9, 17, 33, ...), got {self.num_frames}"
            )
        unknown = set(self.episodes) - set(SCENARIOS)
        if unknown:
            raise ValueError(
                f"unknown scenario(s) {sorted(unknown)} in simulation.episodes; known: {sorted(SCENARIOS)}"
            )
        for scenario, motion in self.camera_motion.items():
            if motion not in CAMERA_MOTIONS:
                raise ValueError(f"simulation.camera_motion.{scenario} must be one of {CAMERA_MOTIONS}, got {motion!r}")
        if set(self.hires_splits) - set(SPLITS):
            raise ValueError(f"simulation.hires_splits may only name {SPLITS}")
        _ = self.second_take_params  # refuse bad second-take parameters before anything renders

    @property
    def second_take_params(self) -> SecondTakeParams:
        return from_params(SecondTakeParams, self.second_take, "simulation.second_take")


def render_episode(plan: EpisodePlan, params: SimulationParams, root: Path) -> dict:
    """Simulate one planned episode, write its folder(s) and return its row of the index."""
    scene = make_scene(plan.scenario, plan.seed, params.num_frames, params.camera_motion.get(plan.scenario))
    size = (params.resolution, params.resolution)
    hires = plan.scenario in params.hires_scenarios and plan.split in params.hires_splits
    resolutions = [size] + ([(params.hires_resolution, params.hires_resolution)] if hires else [])
    episode = simulate(scene, params.num_frames, params.fps, params.substeps, resolutions)
    text = caption(scene, episode)
    folder = root / plan.scenario / plan.episode_id
    write_episode_folder(
        folder,
        episode.views[params.resolution],
        episode.world_to_camera,
        params.fps,
        episode.states,
        episode.actions,
        text,
    )
    if hires:
        view = episode.views[params.hires_resolution]
        write_episode_folder(
            folder / HIRES_FOLDER, view, episode.world_to_camera, params.fps, episode.states, episode.actions, text
        )
    second_take = plan.split in params.second_take_params.splits
    if second_take:
        again = second_take_scene(scene, plan.seed + 1, params.second_take_params)
        take = simulate(again, params.num_frames, params.fps, params.substeps, [size])
        write_episode_folder(
            folder / SECOND_TAKE_FOLDER,
            take.views[params.resolution],
            take.world_to_camera,
            params.fps,
            take.states,
            take.actions,
            caption(again, take),
            with_video=False,
        )
    return {
        "episode_id": plan.episode_id,
        "scenario": plan.scenario,
        "split": plan.split,
        "seed": plan.seed,
        "num_frames": params.num_frames,
        "width": params.resolution,
        "height": params.resolution,
        "fps": params.fps,
        "caption": text,
        "path": str(folder),
        "video_path": str(folder / VIDEO_FILE),
        "camera_motion": scene.camera.motion,
        "num_objects": len(scene.objects),
        "has_hires": hires,
        "has_second_take": second_take,
    }


def _render_job(job: tuple[EpisodePlan, SimulationParams, Path]) -> dict:
    return render_episode(*job)


def render_all(params: SimulationParams, root: str | Path) -> pd.DataFrame:
    """Render every planned episode under `root` and return the episodes index.

    Episodes are written to a fresh folder beside `root` which replaces it only when all are done:
    a failed run leaves the previous episodes untouched, and no stale episode survives a rerun.
    """
    root = Path(root)
    plans = plan_episodes(params.seed, params.episodes)
    staging = root.with_name(root.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    jobs = [(plan, params, staging) for plan in plans]
    bar = dict(total=len(jobs), desc="simulating episodes", unit="episode", disable=not params.progress)
    if params.workers > 1:
        context = multiprocessing.get_context(
            "spawn"
        )  # a clean interpreter per worker: no inherited pybullet or thread state
        with ProcessPoolExecutor(max_workers=params.workers, mp_context=context) as pool:
            rows = list(tqdm(pool.map(_render_job, jobs, chunksize=4), **bar))
    else:
        rows = [_render_job(job) for job in tqdm(jobs, **bar)]
    shutil.rmtree(root, ignore_errors=True)
    staging.rename(root)
    index = pd.DataFrame(rows)
    if not index.empty:  # the rows name the staging folder; point them at the final one
        for column in ("path", "video_path"):
            index[column] = index[column].str.replace(str(staging), str(root), n=1, regex=False)
    log.info("rendered %d episodes (%d frames each) into %s", len(index), params.num_frames, root)
    return index
