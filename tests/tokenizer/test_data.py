import itertools
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
import torch

from cosmos_flow.tokenizer.data import (
    ClipFrames,
    RandomClipCrops,
    TokenizerDataModule,
    TokenizerDataParams,
    crop_window,
)


def _clip_table(tmp_path, shapes: dict[str, tuple[str, tuple[int, int, int]]]) -> pd.DataFrame:
    """A training clip table whose clips are random frames.npz files: clip_id -> (split, (T, H, W))."""
    rng = np.random.default_rng(0)
    rows = []
    for clip_id, (split, (frames, height, width)) in shapes.items():
        path = tmp_path / f"{clip_id}.npz"
        np.savez(path, rgb=rng.integers(0, 256, (frames, height, width, 3), dtype=np.uint8))
        rows.append(
            {
                "clip_id": clip_id,
                "path": None,
                "frames_path": str(path),
                "split": split,
                "num_frames": frames,
                "width": width,
                "height": height,
            }
        )
    return pd.DataFrame(rows)


@pytest.fixture
def table(tmp_path):
    return _clip_table(
        tmp_path,
        {
            "a": ("train", (12, 40, 48)),
            "b": ("train", (9, 32, 32)),
            "v1": ("val", (10, 36, 40)),
            "v2": ("val", (9, 32, 32)),
            "t": ("test", (9, 32, 32)),
        },
    )


def _batches(module: TokenizerDataModule, count: int) -> list[dict[str, torch.Tensor]]:
    return list(itertools.islice(iter(module.train_dataloader()), count))


def test_train_batches_join_videos_and_images(table):
    params = TokenizerDataParams(frames=9, crop=32, batch_size=3, image_batch_size=2)
    batch = _batches(TokenizerDataModule(table, params), 1)[0]
    assert batch["video"].shape == (3, 3, 9, 32, 32) and batch["image"].shape == (2, 3, 1, 32, 32)
    for tensor in (batch["video"], batch["image"]):
        assert tensor.dtype == torch.float32 and tensor.min() >= -1.0 and tensor.max() <= 1.0
        assert tensor.std() > 0.3  # random pixels, not padding
    # These clips have no simulator masks: no pixel is an object.
    assert batch["video_objects"].shape == (3, 1, 9, 32, 32) and batch["image_objects"].shape == (2, 1, 1, 32, 32)
    assert not batch["video_objects"].any() and not batch["image_objects"].any()


def test_object_masks_follow_their_crop_and_flip_and_grow_by_a_pixel(tmp_path):
    frames = np.full((9, 48, 48, 3), 100, dtype=np.uint8)
    seg = np.full((9, 48, 48), -1, dtype=np.int32)
    for t in range(9):  # a bright object moving right
        frames[t, 20:26, 10 + 2 * t : 16 + 2 * t] = 250
        seg[t, 20:26, 10 + 2 * t : 16 + 2 * t] = 0
    np.savez(tmp_path / "scene.npz", rgb=frames, seg=seg)
    table = pd.DataFrame(
        [
            {
                "clip_id": "scene",
                "path": None,
                "frames_path": str(tmp_path / "scene.npz"),
                "split": "train",
                "num_frames": 9,
                "width": 48,
                "height": 48,
            }
        ]
    )
    crops = RandomClipCrops(ClipFrames(table, None), frames=9, crop=32, seed=0, stream=0)
    for index in range(12):  # crops at random places, about half of them flipped
        item = crops[index]
        bright = item["video"][0] > 0.9  # (T, c, c): the object's own pixels in this crop
        objects = item["objects"][0].bool()
        assert torch.equal(objects & bright, bright)  # every object pixel is marked ...
        grown = torch.nn.functional.max_pool2d(bright.float()[:, None], 3, stride=1, padding=1)[:, 0].bool()
        # ... and exactly its one-pixel margin with it (at the crop's border the margin may belong to an object just
        # outside)
        assert torch.equal(objects[:, 1:-1, 1:-1], grown[:, 1:-1, 1:-1])


def test_training_only_sees_train_clips_and_val_only_val_clips(table):
    module = TokenizerDataModule(table, TokenizerDataParams(frames=9, crop=32, val_clips=1))
    assert [row["clip_id"] for row in module.train_clips.rows] == ["a", "b"]
    assert [row["clip_id"] for row in module.val_clips.rows] == ["v1"]


def test_short_and_small_clips_are_padded(tmp_path):
    table = _clip_table(tmp_path, {"tiny": ("train", (3, 10, 14))})
    clip = ClipFrames(table, None)[0]
    crops = RandomClipCrops(ClipFrames(table, None), frames=9, crop=16, seed=0, stream=0)
    item = crops[0]["video"]
    assert item.shape == (3, 9, 16, 16)
    # Frames past the clip's end repeat its last frame.
    assert (
        torch.equal(item[:, 2], item[:, 3])
        and torch.equal(item[:, 2], item[:, 8])
        and not torch.equal(item[:, 1], item[:, 2])
    )
    window = crop_window(clip, 0, 5, 0, 0, 16)
    assert window.shape == (5, 16, 16, 3)
    np.testing.assert_array_equal(window[:3, 3:13, 1:15], clip)  # centered in the padded frame
    np.testing.assert_array_equal(window[3], window[2])  # the last frame, held
    np.testing.assert_array_equal(window[:, 0], window[:, 3])  # border rows and columns replicated
    np.testing.assert_array_equal(window[:, 15], window[:, 12])
    np.testing.assert_array_equal(window[:, :, 0], window[:, :, 1])


def test_batches_are_deterministic_under_the_seed(table):
    params = TokenizerDataParams(frames=9, crop=24, batch_size=2, image_batch_size=2, seed=3)
    first, again = _batches(TokenizerDataModule(table, params), 3), _batches(TokenizerDataModule(table, params), 3)
    for one, other in zip(first, again):
        assert torch.equal(one["video"], other["video"]) and torch.equal(one["image"], other["image"])
    assert not torch.equal(first[0]["video"], first[1]["video"])
    reseeded = _batches(
        TokenizerDataModule(table, TokenizerDataParams(frames=9, crop=24, batch_size=2, image_batch_size=2, seed=4)), 1
    )
    assert not torch.equal(first[0]["video"], reseeded[0]["video"])


def test_crops_do_not_depend_on_the_number_of_workers(table):
    serial = _batches(
        TokenizerDataModule(table, TokenizerDataParams(frames=9, crop=24, batch_size=2, image_batch_size=0)), 2
    )
    parallel = _batches(
        TokenizerDataModule(
            table, TokenizerDataParams(frames=9, crop=24, batch_size=2, image_batch_size=0, num_workers=2)
        ),
        2,
    )
    assert "image" not in serial[0]
    for one, other in zip(serial, parallel):
        assert torch.equal(one["video"], other["video"])


def test_val_loader_gives_deterministic_center_crops(table):
    module = TokenizerDataModule(table, TokenizerDataParams(frames=9, crop=32, batch_size=8))
    batches = list(module.val_dataloader())
    assert len(batches) == 1 and batches[0]["video"].shape == (2, 3, 9, 32, 32)
    assert torch.equal(batches[0]["video"], next(iter(module.val_dataloader()))["video"])
    v1 = np.load(table.loc[table["clip_id"] == "v1", "frames_path"].item())["rgb"]
    expected = torch.from_numpy(v1[:9, 2:34, 4:36]).permute(3, 0, 1, 2).float() / 127.5 - 1
    torch.testing.assert_close(batches[0]["video"][0], expected)


def test_params_are_checked():
    with pytest.raises(ValueError, match="crop"):
        TokenizerDataParams(crop=0)
    with pytest.raises(ValueError, match="no training clips"):
        RandomClipCrops(
            ClipFrames(pd.DataFrame(columns=["clip_id", "frames_path"]), None), frames=9, crop=16, seed=0, stream=0
        )


def test_a_resumed_run_continues_the_crop_sequence(table):
    params = TokenizerDataParams(frames=9, crop=24, batch_size=2, image_batch_size=1)
    fresh = _batches(TokenizerDataModule(table, params), 3)
    resumed = TokenizerDataModule(table, params)
    resumed.trainer = SimpleNamespace(global_step=2)  # what a trainer restored at step 2 reports
    batch = _batches(resumed, 1)[0]
    assert torch.equal(batch["video"], fresh[2]["video"]) and torch.equal(batch["image"], fresh[2]["image"])


def test_crop_candidates_keep_the_busiest_crop(tmp_path):
    # A flat grey clip with one bright square: most plain crops hold only floor.
    frames = np.full((9, 64, 64, 3), 128, dtype=np.uint8)
    frames[:, 40:52, 8:20] = 255
    np.savez(tmp_path / "scene.npz", rgb=frames)
    table = pd.DataFrame(
        [
            {
                "clip_id": "scene",
                "path": None,
                "frames_path": str(tmp_path / "scene.npz"),
                "split": "train",
                "num_frames": 9,
                "width": 64,
                "height": 64,
            }
        ]
    )
    clips = ClipFrames(table, None)
    plain = RandomClipCrops(clips, frames=9, crop=16, seed=0, stream=0)
    busiest = RandomClipCrops(clips, frames=9, crop=16, seed=0, stream=0, candidates=4)
    plain_std = np.array([float(plain[index]["video"].std()) for index in range(40)])
    busiest_std = np.array([float(busiest[index]["video"].std()) for index in range(40)])
    # The first candidate is the plain crop itself, so the kept one is never flatter.
    assert np.all(busiest_std >= plain_std - 1e-6)
    assert (busiest_std > 0).mean() > (plain_std > 0).mean()
    with pytest.raises(ValueError, match="crop_candidates"):
        TokenizerDataParams(crop_candidates=0)
