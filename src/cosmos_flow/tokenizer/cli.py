"""`tokenizer` commands: reconstruct, encode and decode videos with a saved tokenizer.

Every command streams (decode -> tokenizer chunks -> encode), so videos of any length run in
flat memory. Errors are one sentence on stderr and exit code 1, never a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import numpy as np

from cosmos_flow.metrics import FrameQualityTotals
from cosmos_flow.tokenizer.saved import load_tokenizer
from cosmos_flow.tokenizer.streaming import (
    decode_stream,
    encode_stream,
    load_latents,
    reconstruct_stream,
    save_latents,
    stream_layout,
)
from cosmos_flow.video import VideoError, iter_frames, probe, write_video

CHUNK_FRAMES_HELP = "frames per chunk, 1 + k x the temporal compression (default: 1 + 2 x it)"


def _one_sentence_errors(command: Callable) -> Callable:
    """Turn the errors a person can fix (paths, videos, options) into `error: ...` and exit code 1."""

    @functools.wraps(command)
    def run(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except VideoError as error:
            message = error.sentence
        except (ValueError, FileNotFoundError) as error:
            message = str(error)
        click.echo(f"error: {message}", err=True)
        sys.exit(1)

    return run


@click.group(name="tokenizer", help="Reconstruct, encode and decode videos with a saved video tokenizer.")
def tokenizer() -> None:
    pass


@tokenizer.command(name="reconstruct")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("input_video", type=click.Path(path_type=Path))
@click.argument("output_video", type=click.Path(path_type=Path))
@click.option("--side-by-side", is_flag=True, help="write original | reconstruction side by side")
@click.option("--chunk-frames", type=int, default=None, help=CHUNK_FRAMES_HELP)
@_one_sentence_errors
def reconstruct_command(
    model_dir: Path, input_video: Path, output_video: Path, side_by_side: bool, chunk_frames: int | None
) -> None:
    """Encode and decode INPUT_VIDEO; write the result (same size, rate and length) and print PSNR and SSIM."""
    model = load_tokenizer(model_dir)
    info = probe(input_video)
    pairs = reconstruct_stream(model, iter_frames(input_video), chunk_frames)
    totals = FrameQualityTotals()

    def output_frames() -> Iterator[np.ndarray]:
        for original, reconstruction in pairs:
            totals.add(original, reconstruction)
            yield np.concatenate([original, reconstruction], axis=1) if side_by_side else reconstruction

    write_video(output_video, output_frames(), fps=info.fps)
    click.echo(f"PSNR {totals.psnr:.2f} dB  SSIM {totals.ssim:.4f}")


@tokenizer.command(name="encode")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("input_video", type=click.Path(path_type=Path))
@click.argument("output_latents", type=click.Path(path_type=Path))
@click.option("--chunk-frames", type=int, default=None, help=CHUNK_FRAMES_HELP)
@_one_sentence_errors
def encode_command(model_dir: Path, input_video: Path, output_latents: Path, chunk_frames: int | None) -> None:
    """Encode INPUT_VIDEO to latents (CV) or token indices (DV) in a safetensors file."""
    model = load_tokenizer(model_dir)
    info = probe(input_video)
    chunks = list(encode_stream(model, iter_frames(input_video), chunk_frames))
    num_frames = sum(count for _, count in chunks)
    if not num_frames:
        raise VideoError(input_video, "has no frames to encode")
    layout = stream_layout(model, info.width, info.height, num_frames, info.fps, chunk_frames)
    save_latents(output_latents, chunks, layout, model.config.to_dict())
    click.echo(f"{num_frames} frames -> {len(chunks)} chunks of shape {tuple(chunks[0][0].shape)} in {output_latents}")


@tokenizer.command(name="decode")
@click.argument("model_dir", type=click.Path(path_type=Path))
@click.argument("input_latents", type=click.Path(path_type=Path))
@click.argument("output_video", type=click.Path(path_type=Path))
@_one_sentence_errors
def decode_command(model_dir: Path, input_latents: Path, output_video: Path) -> None:
    """Decode a latents file that `encode` wrote back to a video of the original size, rate and length."""
    model = load_tokenizer(model_dir)
    chunks, layout, config = load_latents(input_latents)
    # Compare in JSON form: the file holds the config as JSON (tuples come back as lists).
    if config != json.loads(json.dumps(model.config.to_dict())):
        raise ValueError(
            f"{input_latents.name} was encoded by another tokenizer ({config.get('name') or 'unnamed'}) than the one "
            f"in {model_dir} "
            f"({model.config.name or 'unnamed'}): decode it with the tokenizer that encoded it"
        )
    write_video(output_video, decode_stream(model, chunks, layout.width, layout.height), fps=layout.fps)
    click.echo(f"{layout.num_frames} frames of {layout.width}x{layout.height} at {layout.fps:g} fps -> {output_video}")
