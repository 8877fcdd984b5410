"""Encoding the training clip table into latents with a tiny random tokenizer, and saving them."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch

from cosmos_flow.tokenizer import CausalVideoTokenizer, get_config
from cosmos_flow.video.tensors import frames_to_tensor
from cosmos_flow.worldmodel.latents import LatentClips, clip_frames, encode_clip_table


@pytest.fixture(scope="module")
def table(tmp_path_factory) -> pd.DataFrame:
    """Four sim-like clips: square ones, a short one (5 frames) and a wide one; one clip is in the test split."""
    folder = tmp_path_factory.mktemp("episodes")
    rng = np.random.default_rng(0)
    shapes = {"a": (12, 32, 32), "b": (5, 32, 32), "c": (10, 40, 64), "d": (9, 32, 32)}
    rows = []
    for (clip_id, shape), split in zip(shapes.items(), ["train", "train", "val", "test"]):
        path = folder / clip_id / "frames.npz"
        path.parent.mkdir()
        np.savez(path, rgb=rng.integers(0, 256, (*shape, 3), dtype=np.uint8))
        rows.append(
            {
                "clip_id": clip_id,
                "path": str(path.parent / "video.mp4"),
                "frames_path": str(path),
                "split": split,
                "scenario": "fall",
                "caption": f"clip {clip_id}",
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture(scope="module", params=["cv", "dv"])
def tokenizer(request) -> CausalVideoTokenizer:
    torch.manual_seed(0)
    return CausalVideoTokenizer(get_config(f"{request.param}-tiny-8x8x8")).eval()


def test_clip_frames_pads_short_clips_and_crops_wide_ones(table):
    rows = table.set_index("clip_id", drop=False)
    short = clip_frames(rows.loc["b"].to_dict(), 9, 32)
    assert short.shape == (9, 32, 32, 3)
    assert (short[5:] == short[4]).all()  # the last frame repeated
    with np.load(rows.loc["b", "frames_path"]) as archive:
        assert np.array_equal(short[:5], archive["rgb"])
    wide = clip_frames(rows.loc["c"].to_dict(), 9, 32)
    assert wide.shape == (9, 32, 32, 3)


def test_encode_clip_table(tokenizer, table):
    clips = encode_clip_table(tokenizer, table, frames=9, size=32, batch_size=2, progress=False)
    assert clips.clip_ids == ["a", "b", "c"] and clips.splits == ["train", "train", "val"]
    assert clips.captions == ["clip a", "clip b", "clip c"] and clips.scenarios == ["fall"] * 3
    latent_dim = tokenizer.config.latent_dim
    assert clips.latents.shape == (3, latent_dim, 2, 4, 4) and clips.latents.dtype == torch.float32
    assert clips.tokenizer_config == tokenizer.config.to_dict() and (clips.frames, clips.size) == (9, 32)
    # Each row is what the tokenizer makes of that clip's prepared frames.
    video = frames_to_tensor(clip_frames(table.iloc[1].to_dict(), 9, 32))[None]
    with torch.no_grad():
        torch.testing.assert_close(clips.latents[1:2], tokenizer.encode(video), rtol=1e-4, atol=1e-4)
        if tokenizer.config.kind == "dv":
            assert clips.indices.shape == (3, 2, 4, 4) and clips.indices.dtype == torch.long
            assert torch.equal(clips.indices[1:2], tokenizer.encode_indices(video))
        else:
            assert clips.indices is None


def test_save_load_round_trip_and_subset(tokenizer, table, tmp_path):
    clips = encode_clip_table(tokenizer, table, frames=9, size=32, splits=("train", "val", "test"), progress=False)
    path = tmp_path / "latents.safetensors"
    clips.save(path)
    loaded = LatentClips.load(path)
    assert torch.equal(loaded.latents, clips.latents)
    assert (loaded.indices is None) == (clips.indices is None) and (
        loaded.indices is None or torch.equal(loaded.indices, clips.indices)
    )
    for name in ("captions", "clip_ids", "splits", "scenarios", "tokenizer_config", "frames", "size"):
        assert getattr(loaded, name) == getattr(clips, name)
    test = loaded.subset(["test"])
    assert test.clip_ids == ["d"] and torch.equal(test.latents, clips.latents[3:])


def test_errors_are_readable(tokenizer, table, tmp_path):
    with pytest.raises(ValueError, match="no clips in splits"):
        encode_clip_table(tokenizer, table, splits=("holdout",), progress=False)
    with pytest.raises(ValueError, match="1\\+8k frames"):
        encode_clip_table(tokenizer, table, frames=10, size=32, progress=False)
    with pytest.raises(ValueError, match="does not exist"):
        LatentClips.load(tmp_path / "none.safetensors")


def test_clip_counts_per_split_and_scenario():
    clips = LatentClips(
        torch.zeros(3, 1, 1, 1, 1),
        None,
        ["a", "b", "c"],
        ["1", "2", "3"],
        ["train", "val", "train"],
        ["drop", "drop", "drop"],
    )
    assert clips.clip_counts() == {"train/drop": 2, "val/drop": 1}


def test_held_frames_are_encoded_per_condition_length_and_share_the_condition_latents(tokenizer, table):
    from cosmos_flow.worldmodel.frames import held_video

    tc = tokenizer.config.temporal_compression
    clips = encode_clip_table(
        tokenizer, table, frames=17, size=32, batch_size=2, progress=False, held_condition_latents=[1, 2]
    )
    latent_dim = tokenizer.config.latent_dim
    assert clips.held.shape == (3, 2, latent_dim, 3, 4, 4) and clips.held_condition_latents == [1, 2]
    assert clips.held_for(2).shape == (3, latent_dim, 3, 4, 4)
    # Each held encoding is the tokenizer's view of the clip with its last condition frame held still ...
    frames = clip_frames(table.iloc[0].to_dict(), 17, 32)
    with torch.no_grad():
        expected = tokenizer.encode(frames_to_tensor(held_video(frames, 1 + tc, 17))[None])
    torch.testing.assert_close(clips.held_for(2)[:1], expected, rtol=1e-4, atol=1e-4)
    # ... whose leading latent frames are the true ones (a causal tokenizer), while the later ones differ.
    torch.testing.assert_close(clips.held_for(2)[:, :, :2], clips.latents[:, :, :2], rtol=1e-4, atol=1e-4)
    assert not torch.allclose(clips.held_for(1)[:, :, 1:], clips.latents[:, :, 1:])
    if tokenizer.config.kind == "dv":
        assert clips.held_indices.shape == (3, 2, 3, 4, 4) and torch.equal(
            clips.held_indices[:, 1, :2], clips.indices[:, :2]
        )
    subset = clips.subset(["val"])
    assert subset.held.shape[0] == 1 and subset.held_condition_latents == [1, 2]
    with pytest.raises(ValueError, match="no held-frame encoding for 3"):
        clips.held_for(3)


def test_held_frames_survive_a_save_and_load(tokenizer, table, tmp_path):
    clips = encode_clip_table(
        tokenizer, table, frames=9, size=32, batch_size=2, progress=False, held_condition_latents=[1]
    )
    clips.save(tmp_path / "latents.safetensors")
    loaded = LatentClips.load(tmp_path / "latents.safetensors")
    assert torch.equal(loaded.held, clips.held) and loaded.held_condition_latents == [1]
    assert (loaded.held_indices is None) == (tokenizer.config.kind == "cv")
