"""`cosmos-flow generate diffusion`: a video from a prompt (Text2World), or the continuation of a past video
(Video2World).

Registered under the `generate` group of `cosmos_flow.cli`. Bad arguments end with one `error: <sentence>` line on
stderr and exit status 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import numpy as np

from cosmos_flow.diffusion.generate import load_world_model
from cosmos_flow.diffusion.saved import DEFAULT_FOLDERS
from cosmos_flow.worldmodel.arguments import check_non_negative, check_seed
from cosmos_flow.worldmodel.cli_options import condition_options, run_generate
from cosmos_flow.worldmodel.past_video import condition_from_video


def generate_video(
    models_dir: str | Path,
    prompt: str,
    video: str | Path | None,
    condition_frames: int | None,
    total_frames: int | None,
    steps: int | None,
    guidance: float | None,
    seed: int,
    start_s: float | None = None,
    tell: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, float]:
    """(frames, fps): the condition frames followed by the generated ones, `total_frames` in all (default: one model
    window). The condition is the past video's last frames, or those from `start_s`; `tell` is told which, in one
    line (and anything else the user should know)."""
    if not prompt or not prompt.strip():
        raise ValueError("the prompt is empty; describe the scene with --prompt TEXT")
    if video is None and (condition_frames is not None or start_s is not None):
        raise ValueError("--condition-frames and --start need a past video; pass it with --video PAST.mp4")
    if video is not None and not Path(video).is_file():
        raise ValueError(f"{video} does not exist; pass the path of a video file with --video")
    for name, value in (("--frames", total_frames), ("--steps", steps), ("--condition-frames", condition_frames)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    check_non_negative("--guidance", guidance, "no guidance")
    check_seed(seed)
    model = load_world_model(Path(models_dir) / DEFAULT_FOLDERS["t2w" if video is None else "v2w"])
    note = model.text_encoder.truncation_note(prompt)
    if note is not None and tell is not None:
        tell(note)
    past = np.zeros((0, *model.resolution, 3), dtype=np.uint8)
    if video is not None:
        condition = condition_from_video(
            video, model.resolution, model.fps, model.temporal_compression, condition_frames, start_s
        )
        if tell is not None:
            tell(condition.describe(video))
        past = condition.frames
    total = model.window_frames if total_frames is None else total_frames
    if total <= len(past):
        raise ValueError(
            f"--frames {total} leaves no frame to generate after {len(past)} condition frames; ask for more frames"
        )
    generated = model.generate(
        past if len(past) else None, prompt, total - len(past), seed, steps=steps, guidance=guidance
    )
    return np.concatenate([past, generated]), model.fps


@click.command(name="diffusion")
@click.option("--prompt", default=None, help="What the video shows (the caption).")
@click.option(
    "--video",
    default=None,
    type=click.Path(dir_okay=False),
    help="A past video to continue (Video2World); none: Text2World.",
)
@condition_options
@click.option("--steps", default=None, type=int, help="Sampling steps (default: the model's).")
@click.option(
    "--guidance",
    default=None,
    type=float,
    help="Classifier-free guidance g: cond + g·(cond − uncond) (default: the model's).",
)
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of the sampling noise.")
@click.option(
    "--models-dir",
    default="data/06_models",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the saved models.",
)
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="The video to write: .mp4 or .gif.")
def diffusion(prompt, video, condition_frames, start_s, total_frames, steps, guidance, seed, models_dir, out) -> None:
    """Generate a video with the diffusion world model: from a prompt, or continuing a past video."""
    run_generate(
        out,
        lambda tell: generate_video(
            models_dir, prompt, video, condition_frames, total_frames, steps, guidance, seed, start_s, tell=tell
        ),
    )
