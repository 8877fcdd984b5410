"""`cosmos-flow generate ar`: the continuation of a past video by the autoregressive world model (Video2World).

Registered under the `generate` group of `cosmos_flow.cli`. The output holds the condition frames
followed by the generated ones, N frames in all, at the model's resolution (the contract of
`generate diffusion`). Bad arguments end with one `error: <sentence>` line on stderr and exit
status 1, never a traceback.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
import numpy as np

from cosmos_flow.autoregressive.generate import ARWorldModel, load_world_model
from cosmos_flow.worldmodel.arguments import check_non_negative, check_seed
from cosmos_flow.worldmodel.cli_options import condition_options, run_generate
from cosmos_flow.worldmodel.frames import condition_latent_frames
from cosmos_flow.worldmodel.past_video import PastCondition, condition_from_video

DEFAULT_MODEL = "ar_v2w"


def generate_video(
    models_dir: str | Path,
    prompt: str | None,
    video: str | Path | None,
    condition_frames: int | None = None,
    total_frames: int | None = None,
    temperature: float | None = None,
    top_p: float | None = None,
    top_k: int | None = None,
    seed: int = 0,
    model_name: str = DEFAULT_MODEL,
    start_s: float | None = None,
    tell: Callable[[str], None] | None = None,
) -> tuple[np.ndarray, float]:
    """(frames, fps): the condition frames followed by the generated ones, `total_frames` in all (default: one model
    window). The condition is the past video's last frames, or those from `start_s`; `tell` is told which, in one
    line (and anything else the user should know)."""
    _check_arguments(video, condition_frames, total_frames, temperature, top_p, top_k)
    check_seed(seed)
    folder = Path(models_dir) / model_name
    if not folder.is_dir():
        raise ValueError(
            f"there is no model {model_name} in {models_dir}; train it with `kedro run --pipelines=autoregressive` or "
            "pass --models-dir"
        )
    model = load_world_model(folder)
    prompt = _prompt_for(model, prompt, tell)
    condition = _condition(model, video, condition_frames, start_s)
    if tell is not None:
        tell(condition.describe(video))
    past = condition.frames
    total = model.window_frames if total_frames is None else total_frames
    if total <= len(past):
        raise ValueError(
            f"--frames {total} leaves no frame to generate after {len(past)} condition frames; ask for more frames"
        )
    generated = model.generate(past, prompt, total - len(past), seed, temperature=temperature, top_p=top_p, top_k=top_k)
    return np.concatenate([past, generated]), model.fps


def _prompt_for(model: ARWorldModel, prompt: str | None, tell: Callable[[str], None] | None) -> str:
    """The prompt the model reads: the Video2World model needs one; the video-only model reads none, and a prompt
    given to it is ignored, with a note."""
    given = bool(prompt and prompt.strip())
    if model.stage == "v2w" and not given:
        raise ValueError(f"the prompt is empty; describe the scene with --prompt TEXT ({model.name} reads it)")
    if model.stage != "v2w":
        if given and tell is not None:
            tell(f"the prompt is ignored: {model.name} reads no text")
        return ""
    note = model.text_encoder.truncation_note(prompt)
    if note is not None and tell is not None:
        tell(note)
    return prompt


def _check_arguments(video, condition_frames, total_frames, temperature, top_p, top_k) -> None:
    if video is None:
        raise ValueError("the autoregressive model continues a past video; pass it with --video PAST.mp4")
    if not Path(video).is_file():
        raise ValueError(f"{video} does not exist; pass the path of a video file with --video")
    for name, value in (("--frames", total_frames), ("--condition-frames", condition_frames), ("--top-k", top_k)):
        if value is not None and value < 1:
            raise ValueError(f"{name} must be at least 1, got {value}")
    check_non_negative("--temperature", temperature, "greedy")
    if top_p is not None and not 0 < top_p <= 1:
        raise ValueError(f"--top-p must be in (0, 1], got {top_p}; 0.9 keeps the tokens holding 90% of the probability")


def _condition(
    model: ARWorldModel, video: str | Path, condition_frames: int | None, start_s: float | None
) -> PastCondition:
    """The past video's condition frames (K default: 1 + tc when there are that many and the window leaves room
    after them, else 1)."""
    tc = model.temporal_compression
    if model.window_latents < 2:
        raise ValueError(
            f"{model.name} has a window of one latent frame and cannot continue a video; train it on longer clips"
        )
    most = 1 + (model.window_latents - 2) * tc  # the condition must leave a latent frame of the window to generate
    if condition_frames is not None and condition_latent_frames(condition_frames, tc) >= model.window_latents:
        raise ValueError(
            f"--condition-frames {condition_frames} fills the model's window of {model.window_frames} frames; "
            f"condition on at most {most} frames"
        )
    if condition_frames is None and 1 + tc > most:
        condition_frames = 1
    return condition_from_video(video, model.resolution, model.fps, tc, condition_frames, start_s)


@click.command(name="ar")
@click.option("--prompt", default=None, help="What the video shows: the caption ar_v2w reads (ar_video reads no text).")
@click.option("--video", default=None, type=click.Path(dir_okay=False), help="The past video to continue.")
@condition_options
@click.option(
    "--temperature",
    default=None,
    type=float,
    help="Sampling temperature; 0 picks the most likely token (default: the model's, 1.0).",
)
@click.option(
    "--top-p",
    "top_p",
    default=None,
    type=float,
    help="Nucleus sampling: keep the most likely tokens holding this much probability (default: the model's, 0.9).",
)
@click.option(
    "--top-k", "top_k", default=None, type=int, help="Keep only the k most likely tokens (default: the model's, off)."
)
@click.option("--seed", default=0, type=int, show_default=True, help="Seed of the sampling.")
@click.option(
    "--model",
    "model_name",
    default=DEFAULT_MODEL,
    show_default=True,
    help="The model folder under --models-dir (ar_v2w or ar_video).",
)
@click.option(
    "--models-dir",
    default="data/06_models",
    show_default=True,
    type=click.Path(file_okay=False),
    help="Folder of the saved models.",
)
@click.option("--out", default=None, type=click.Path(dir_okay=False), help="The video to write: .mp4 or .gif.")
def ar(
    prompt, video, condition_frames, start_s, total_frames, temperature, top_p, top_k, seed, model_name, models_dir, out
) -> None:
    """Continue a past video with the autoregressive world model."""
    run_generate(
        out,
        lambda tell: generate_video(
            models_dir,
            prompt,
            video,
            condition_frames,
            total_frames,
            temperature,
            top_p,
            top_k,
            seed,
            model_name,
            start_s,
            tell=tell,
        ),
    )
