"""The `tokenizer` commands on a tiny random-init tokenizer saved to disk."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from cosmos_flow.model_store import save_model
from cosmos_flow.tokenizer.cli import tokenizer
from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.saved import tokenizer_artifact
from cosmos_flow.video import probe, read_frames, write_video

WIDTH, HEIGHT, FRAMES, FPS = 37, 23, 10, 10


def saved_model(folder, name: str):
    torch.manual_seed(0)
    save_model(folder, tokenizer_artifact(CausalVideoTokenizer(get_config(name))))
    return folder


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tokenizer_cli")
    t, y, x = np.meshgrid(np.arange(FRAMES), np.arange(HEIGHT), np.arange(WIDTH), indexing="ij")
    frames = np.stack([x * 6 + t * 5, y * 9, 255 - x * 5], axis=-1).clip(0, 255).astype(np.uint8)
    return {
        "cv": saved_model(folder / "cv", "cv-tiny-8x8x8"),
        "dv": saved_model(folder / "dv", "dv-tiny-8x8x8"),
        "video": write_video(folder / "odd.mp4", frames, fps=FPS),
        "folder": folder,
    }


def invoke(*arguments):
    return CliRunner().invoke(tokenizer, [str(argument) for argument in arguments])


def test_reconstruct_keeps_size_rate_and_length_and_prints_quality(workspace):
    output = workspace["folder"] / "reconstruction.mp4"
    result = invoke("reconstruct", workspace["cv"], workspace["video"], output, "--chunk-frames", 9)
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"PSNR -?\d+\.\d\d dB  SSIM -?\d\.\d{4}", result.stdout.strip())
    info = probe(output)
    assert (info.width, info.height, info.num_frames, info.fps) == (WIDTH, HEIGHT, FRAMES, FPS)


def test_side_by_side_doubles_the_width(workspace):
    output = workspace["folder"] / "side_by_side.mp4"
    result = invoke("reconstruct", workspace["cv"], workspace["video"], output, "--side-by-side")
    assert result.exit_code == 0, result.output
    info = probe(output)
    assert (info.width, info.height, info.num_frames) == (2 * WIDTH, HEIGHT, FRAMES)
    frames = read_frames(output)
    original = read_frames(workspace["video"])
    # The left half is the original (through one more H.264 round): close, not equal.
    assert np.abs(frames[:, :, :WIDTH].astype(int) - original.astype(int)).mean() < 3


@pytest.mark.parametrize("kind", ["cv", "dv"])
def test_encode_then_decode_gives_reconstructs_frames(workspace, kind):
    folder = workspace["folder"]
    latents, decoded, reconstructed = (
        folder / f"{kind}.safetensors",
        folder / f"{kind}_decoded.mp4",
        folder / f"{kind}_reconstructed.mp4",
    )
    assert invoke("encode", workspace[kind], workspace["video"], latents).exit_code == 0
    result = invoke("decode", workspace[kind], latents, decoded)
    assert result.exit_code == 0, result.output
    assert invoke("reconstruct", workspace[kind], workspace["video"], reconstructed).exit_code == 0
    info = probe(decoded)
    assert (info.width, info.height, info.num_frames, info.fps) == (WIDTH, HEIGHT, FRAMES, FPS)
    np.testing.assert_array_equal(read_frames(decoded), read_frames(reconstructed))


def one_sentence_error(result) -> str:
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    return lines[0]


def test_errors_are_one_sentence(workspace):
    folder = workspace["folder"]
    assert "not a saved model" in one_sentence_error(
        invoke("reconstruct", folder / "no_model", workspace["video"], folder / "x.mp4")
    )
    notes = folder / "notes.mp4"
    notes.write_text("not a video\n" * 10)
    assert "notes.mp4" in one_sentence_error(invoke("reconstruct", workspace["cv"], notes, folder / "x.mp4"))
    assert "chunk_frames" in one_sentence_error(
        invoke("reconstruct", workspace["cv"], workspace["video"], folder / "x.mp4", "--chunk-frames", 12)
    )
    assert "missing.mp4 does not exist" in one_sentence_error(
        invoke("encode", workspace["cv"], folder / "missing.mp4", folder / "x.safetensors")
    )
    assert not (folder / "x.mp4").exists()


def test_decode_refuses_latents_of_another_tokenizer(workspace):
    folder = workspace["folder"]
    latents = folder / "cv_for_dv.safetensors"
    assert invoke("encode", workspace["cv"], workspace["video"], latents).exit_code == 0
    message = one_sentence_error(invoke("decode", workspace["dv"], latents, folder / "wrong.mp4"))
    assert "another tokenizer" in message and "cv-tiny-8x8x8" in message
    assert "does not exist" in one_sentence_error(
        invoke("decode", workspace["dv"], folder / "none.safetensors", folder / "wrong.mp4")
    )
