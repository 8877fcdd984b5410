"""Training data for the video tokenizer: random crops of clips, joint image + video batches.

Every crop is a pure function of (seed, stream, index), drawn from its own numpy generator, so
batches are the same whatever the number of workers, and a resumed run continues the sequence
instead of replaying it. Training loaders never end: `max_steps` decides how long training runs.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np
import pandas as pd
import pytorch_lightning as pl
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from cosmos_flow.manifests.training_clips import load_clip_frames, load_clip_object_masks
from cosmos_flow.video.tensors import frames_to_tensor

log = logging.getLogger(__name__)

VIDEO_STREAM, IMAGE_STREAM = 0, 1  # separate random streams, so changing one batch size leaves the other's crops alone
OBJECT_MARGIN_PX = 1  # object masks grow by this much: the pixels just outside an object's edge decide its outline too


@dataclass
class TokenizerDataParams:
    """What the tokenizer trains on: crop sizes, batch sizes and where the randomness starts.

    `frames` must suit the tokenizer (1 + k x temporal compression); `train_tokenizer` checks it
    against the model. `max_short_side` shrinks large real clips on load (None keeps full size).
    """

    frames: int = 17
    crop: int = 64
    batch_size: int = 8
    image_batch_size: int = 4
    max_short_side: int | None = 96
    val_clips: int = 32
    crop_candidates: int = 1  # random crops drawn per item; the busiest is kept (see RandomClipCrops)
    seed: int = 0
    num_workers: int = 0

    def __post_init__(self):
        for name in ("frames", "crop", "batch_size", "val_clips", "crop_candidates"):
            if getattr(self, name) < 1:
                raise ValueError(f"TokenizerDataParams.{name} must be at least 1, got {getattr(self, name)}")
        if self.image_batch_size < 0 or self.num_workers < 0:
            raise ValueError(
                "TokenizerDataParams.image_batch_size and num_workers must not be negative; use 0 to turn them off"
            )


class ClipFrames:
    """The decoded frames of a list of clips, loaded on first use and then kept in memory.

    Each loader worker holds its own copy; the default data (600 sim clips of 17x64x64 plus ten
    real clips shrunk to a short side of 96) needs a few hundred MB. `objects(index)` gives the
    clip's object pixels (simulated clips: the simulator's masks grown by `OBJECT_MARGIN_PX`, so
    object edges count too; real clips: none), for the object-weighted loss.
    """

    def __init__(self, clips: pd.DataFrame, max_short_side: int | None):
        self.rows = [row for _, row in clips.iterrows()]
        self.max_short_side = max_short_side
        self._frames: dict[int, np.ndarray] = {}
        self._objects: dict[int, np.ndarray] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: int) -> np.ndarray:
        if index not in self._frames:
            self._frames[index] = load_clip_frames(self.rows[index], self.max_short_side)
        return self._frames[index]

    def objects(self, index: int) -> np.ndarray:
        """uint8 (T, H, W), 1 on and around the clip's objects, 0 elsewhere (all 0 without ground truth)."""
        if index not in self._objects:
            masks = load_clip_object_masks(self.rows[index], self.max_short_side)
            if masks is None:
                self._objects[index] = np.zeros(self[index].shape[:3], dtype=np.uint8)
            else:
                kernel = np.ones((2 * OBJECT_MARGIN_PX + 1,) * 2, dtype=np.uint8)
                self._objects[index] = np.stack([cv2.dilate(mask.astype(np.uint8), kernel) for mask in masks])
        return self._objects[index]


def crop_window(frames: np.ndarray, start: int, length: int, top: int, left: int, size: int) -> np.ndarray:
    """frames[start:start+length, top:top+size, left:left+size] of a clip padded to fit.

    A clip shorter than `length` is padded by repeating its last frame (a held frame is a
    plausible video; zeros are not). A clip smaller than `size` is padded by replicating its
    border pixels, evenly on both sides, before cropping; `top`/`left` index the padded frame.
    """
    window = frames[start : start + length]
    if len(window) < length:
        window = np.concatenate([window, np.repeat(window[-1:], length - len(window), axis=0)])
    pad_h, pad_w = max(0, size - window.shape[1]), max(0, size - window.shape[2])
    if pad_h or pad_w:
        window = np.pad(
            window, ((0, 0), (pad_h // 2, pad_h - pad_h // 2), (pad_w // 2, pad_w - pad_w // 2), (0, 0)), mode="edge"
        )
    return window[:, top : top + size, left : left + size]


class RandomClipCrops(Dataset):
    """Item i: a random clip, a random window of `frames` frames, a random crop x crop square and a
    random horizontal flip: {"video": float tensor (3, frames, crop, crop) in [-1, 1], "objects":
    float tensor (1, frames, crop, crop), 1 on the clip's objects (`ClipFrames.objects`)}.

    With `candidates` > 1, that many random windows of the clip are drawn and the one whose pixels
    vary most (largest standard deviation) is kept: simulation scenes are mostly flat floor, so a
    plain 32x32 crop often holds no object, and those steps teach little. With frames=1 the items
    are single images drawn from the same clips.
    """

    def __init__(self, clips: ClipFrames, frames: int, crop: int, seed: int, stream: int, candidates: int = 1):
        if len(clips) == 0:
            raise ValueError(
                "there are no training clips to crop from; check that the clip table has rows with split 'train'"
            )
        self.clips, self.frames, self.crop, self.seed, self.stream, self.candidates = (
            clips,
            frames,
            crop,
            seed,
            stream,
            candidates,
        )

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        rng = np.random.default_rng([self.seed, self.stream, index])
        clip_index = int(rng.integers(len(self.clips)))
        clip = self.clips[clip_index]
        placements = [self._random_placement(clip, rng) for _ in range(self.candidates)]
        windows = [crop_window(clip, *placement) for placement in placements]
        best = (
            max(range(len(windows)), key=lambda candidate: float(windows[candidate].std())) if len(windows) > 1 else 0
        )
        window, objects = windows[best], crop_window(self.clips.objects(clip_index)[..., None], *placements[best])
        if rng.random() < 0.5:
            window, objects = window[:, :, ::-1], objects[:, :, ::-1]
        return {
            "video": frames_to_tensor(np.ascontiguousarray(window)),
            "objects": torch.from_numpy(np.ascontiguousarray(objects)).permute(3, 0, 1, 2).float(),
        }

    def _random_placement(self, clip: np.ndarray, rng: np.random.Generator) -> tuple[int, int, int, int, int]:
        """(start, frames, top, left, crop) of a random window: the arguments of `crop_window` after the clip."""
        start = int(rng.integers(max(1, len(clip) - self.frames + 1)))
        top = int(rng.integers(max(1, clip.shape[1] - self.crop + 1)))
        left = int(rng.integers(max(1, clip.shape[2] - self.crop + 1)))
        return start, self.frames, top, left, self.crop


class CenterClipCrops(Dataset):
    """Item i: the first `frames` frames of clip i, center-cropped to crop x crop (for validation)."""

    def __init__(self, clips: ClipFrames, frames: int, crop: int):
        self.clips, self.frames, self.crop = clips, frames, crop

    def __len__(self) -> int:
        return len(self.clips)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        clip = self.clips[index]
        top, left = max(0, (clip.shape[1] - self.crop) // 2), max(0, (clip.shape[2] - self.crop) // 2)
        return {
            "video": frames_to_tensor(np.ascontiguousarray(crop_window(clip, 0, self.frames, top, left, self.crop)))
        }


class CountingSampler(Sampler[int]):
    """start, start + 1, ... without end: every index names a fresh random crop."""

    def __init__(self, start: int = 0):
        self.start = start

    def __iter__(self) -> Iterator[int]:
        return itertools.count(self.start)


class JointBatches:
    """Endless {"video": B x 3 x T x c x c, "video_objects": B x 1 x T x c x c, "image": Bi x 3 x 1 x c x c,
    "image_objects": Bi x 1 x 1 x c x c} batches from two loaders (the image entries only with an image loader)."""

    def __init__(self, video: DataLoader, image: DataLoader | None):
        self.video, self.image = video, image

    def __iter__(self) -> Iterator[dict[str, torch.Tensor]]:
        if self.image is None:
            return ({"video": video["video"], "video_objects": video["objects"]} for video in self.video)
        return (
            {
                "video": video["video"],
                "video_objects": video["objects"],
                "image": image["video"],
                "image_objects": image["objects"],
            }
            for video, image in zip(self.video, self.image)
        )


class TokenizerDataModule(pl.LightningDataModule):
    """Training crops from the clip table's "train" rows, validation from up to `val_clips` "val" rows.

    `clips` is a training clip table (`cosmos_flow.manifests.training_clips`).
    """

    def __init__(self, clips: pd.DataFrame, params: TokenizerDataParams):
        super().__init__()
        self.params = params
        train = clips[clips["split"] == "train"].sort_values("clip_id")
        # clip ids are content hashes, so the first ids in order are a fair mix of scenarios.
        val = clips[clips["split"] == "val"].sort_values("clip_id").head(params.val_clips)
        self.train_clips = ClipFrames(train, params.max_short_side)
        self.val_clips = ClipFrames(val, params.max_short_side)
        log.info("tokenizer data: %d training clips, %d validation clips", len(self.train_clips), len(self.val_clips))

    def train_dataloader(self) -> JointBatches:
        p = self.params
        # A resumed run (the trainer restores global_step before asking for data) continues the crop sequence.
        step = self.trainer.global_step if self.trainer is not None else 0
        video = self._endless_loader(
            RandomClipCrops(self.train_clips, p.frames, p.crop, p.seed, VIDEO_STREAM, p.crop_candidates),
            p.batch_size,
            step,
        )
        if p.image_batch_size == 0:
            return JointBatches(video, None)
        image = self._endless_loader(
            RandomClipCrops(self.train_clips, 1, p.crop, p.seed, IMAGE_STREAM, p.crop_candidates),
            p.image_batch_size,
            step,
        )
        return JointBatches(video, image)

    def val_dataloader(self) -> DataLoader:
        p = self.params
        return DataLoader(
            CenterClipCrops(self.val_clips, p.frames, p.crop),
            batch_size=p.batch_size,
            shuffle=False,
            num_workers=p.num_workers,
        )

    def _endless_loader(self, dataset: RandomClipCrops, batch_size: int, step: int) -> DataLoader:
        sampler = CountingSampler(start=step * batch_size)
        return DataLoader(
            dataset,
            batch_size=batch_size,
            sampler=sampler,
            num_workers=self.params.num_workers,
            persistent_workers=self.params.num_workers > 0,
        )
