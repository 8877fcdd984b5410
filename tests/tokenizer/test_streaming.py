"""Chunked encoding and decoding: equal to whole-clip encoding where chunks align, exact sizes
for odd videos, and a latents file that decodes to what direct reconstruction gives."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from cosmos_flow.tokenizer.model import CausalVideoTokenizer
from cosmos_flow.tokenizer.registry import get_config
from cosmos_flow.tokenizer.streaming import (
    StreamLayout,
    decode_stream,
    encode_stream,
    load_latents,
    reconstruct_stream,
    save_latents,
    stream_layout,
)
from cosmos_flow.video.tensors import frames_to_tensor


def tiny_model(name: str) -> CausalVideoTokenizer:
    torch.manual_seed(0)
    return CausalVideoTokenizer(get_config(name)).eval()


@pytest.fixture(scope="module")
def cv_model() -> CausalVideoTokenizer:
    return tiny_model("cv-tiny-8x8x8")


@pytest.fixture(scope="module")
def dv_model() -> CausalVideoTokenizer:
    return tiny_model("dv-tiny-8x8x8")


def random_frames(count: int, height: int, width: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 256, (count, height, width, 3), dtype=np.uint8)


def direct_encode(model: CausalVideoTokenizer, frames: np.ndarray) -> torch.Tensor:
    with torch.no_grad():
        return model.encode(frames_to_tensor(frames)[None])


def test_two_aligned_chunks_equal_encoding_each_chunk(cv_model):
    frames = random_frames(34, 16, 16)
    chunks = list(encode_stream(cv_model, frames))
    assert [count for _, count in chunks] == [17, 17]
    for (latent, _), start in zip(chunks, (0, 17), strict=True):
        assert latent.shape == (1, 16, 3, 2, 2)
        torch.testing.assert_close(latent, direct_encode(cv_model, frames[start : start + 17]), rtol=0, atol=1e-6)


@pytest.mark.parametrize("count", [17, 9])
def test_a_one_chunk_video_equals_encoding_the_whole_clip(cv_model, count):
    frames = random_frames(count, 16, 24, seed=count)
    ((latent, real_frames),) = encode_stream(cv_model, iter(frames))
    assert real_frames == count
    torch.testing.assert_close(latent, direct_encode(cv_model, frames), rtol=0, atol=1e-6)


def test_the_last_chunk_is_padded_to_the_next_valid_length_not_the_full_chunk(cv_model):
    frames = random_frames(20, 16, 16)
    chunks = list(encode_stream(cv_model, frames))
    assert [count for _, count in chunks] == [17, 3]
    last = chunks[1][0]
    assert last.shape[2] == 2  # 3 frames -> padded to 9 = 1 + 8 frames -> 2 latent frames (17 would give 3)
    padded = np.concatenate([frames[17:], np.repeat(frames[-1:], 6, axis=0)])
    torch.testing.assert_close(last, direct_encode(cv_model, padded), rtol=0, atol=1e-6)


@pytest.mark.parametrize("name", ["cv-tiny-8x8x8", "dv-tiny-8x8x8"])
def test_odd_sizes_and_lengths_come_back_exactly(name):
    model = tiny_model(name)
    frames = random_frames(10, 23, 37)
    chunks = list(encode_stream(model, frames, chunk_frames=9))
    assert [count for _, count in chunks] == [9, 1]
    spatial = (3, 5)  # 23 -> 24 and 37 -> 40 rows and columns, / 8
    if name.startswith("dv"):
        assert chunks[0][0].dtype == torch.int64 and chunks[0][0].shape == (1, 2, *spatial)
    else:
        assert chunks[0][0].shape == (1, 16, 2, *spatial)
    decoded = list(decode_stream(model, chunks, width=37, height=23))
    assert len(decoded) == 10 and all(frame.shape == (23, 37, 3) and frame.dtype == np.uint8 for frame in decoded)
    pairs = list(reconstruct_stream(model, frames, chunk_frames=9))
    assert len(pairs) == 10
    for (original, reconstruction), frame, expected in zip(pairs, frames, decoded, strict=True):
        np.testing.assert_array_equal(original, frame)
        np.testing.assert_array_equal(reconstruction, expected)


@pytest.mark.parametrize("name", ["cv-tiny-8x8x8", "dv-tiny-8x8x8"])
def test_latents_file_round_trip_decodes_to_the_direct_reconstruction(tmp_path, name):
    model = tiny_model(name)
    frames = random_frames(12, 20, 16, seed=3)
    chunks = list(encode_stream(model, frames, chunk_frames=9))
    layout = stream_layout(model, width=16, height=20, num_frames=12, fps=12.5, chunk_frames=9)
    assert (layout.padded_width, layout.padded_height) == (16, 24)
    path = save_latents(tmp_path / "clip.safetensors", chunks, layout, model.config.to_dict())

    loaded, loaded_layout, config = load_latents(path)
    assert loaded_layout == layout
    assert config == model.config.to_dict()
    assert [count for _, count in loaded] == [9, 3]
    for (code, _), (original, _) in zip(loaded, chunks, strict=True):
        assert code.dtype == original.dtype
        torch.testing.assert_close(code, original, rtol=0, atol=0)

    decoded = np.stack(list(decode_stream(model, loaded, loaded_layout.width, loaded_layout.height)))
    direct = np.stack([reconstruction for _, reconstruction in reconstruct_stream(model, frames, chunk_frames=9)])
    np.testing.assert_array_equal(decoded, direct)


def test_indices_are_stored_as_int32(tmp_path, dv_model):
    from safetensors.torch import load_file

    chunks = list(encode_stream(dv_model, random_frames(1, 8, 8)))
    path = save_latents(
        tmp_path / "one.safetensors", chunks, stream_layout(dv_model, 8, 8, 1, fps=1.0), dv_model.config.to_dict()
    )
    assert load_file(str(path))["chunk_00000"].dtype == torch.int32


def test_bad_chunk_frames_raise_before_any_frame_is_read(cv_model):
    def no_frames():
        raise AssertionError("frames were read")
        yield

    with pytest.raises(ValueError, match=r"1 \+ k\*8.*9 or 17"):
        encode_stream(cv_model, no_frames(), chunk_frames=12)
    with pytest.raises(ValueError, match="chunk_frames"):
        reconstruct_stream(cv_model, no_frames(), chunk_frames=0)


def test_frames_of_different_sizes_raise(cv_model):
    frames = [random_frames(1, 8, 8)[0], random_frames(1, 8, 16)[0]]
    with pytest.raises(ValueError, match="frame 1"):
        list(encode_stream(cv_model, frames))


def test_layout_and_chunks_must_agree_and_bad_files_are_named(tmp_path, cv_model):
    chunks = list(encode_stream(cv_model, random_frames(2, 8, 8)))
    with pytest.raises(ValueError, match="hold 2 frames"):
        save_latents(tmp_path / "x.safetensors", chunks, StreamLayout(8, 8, 5, 8, 8, 17, 1.0), {})
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a safetensors file at all")
    with pytest.raises(ValueError, match="junk.safetensors"):
        load_latents(junk)
    with pytest.raises(FileNotFoundError):
        load_latents(tmp_path / "missing.safetensors")
