"""Clips of the training clip table encoded once by a tokenizer, so world models train on latents.

Every clip becomes `frames` frames (its first ones; a shorter clip repeats its last frame) of
size x size pixels (center-cropped square, area-resized), encoded under torch.no_grad. CV
tokenizers give continuous latents; DV tokenizers give FSQ codes plus their token indices.
The result saves to one safetensors file, the per-clip lists living in its JSON metadata.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from safetensors import safe_open
from safetensors.torch import save_file
from tqdm.auto import tqdm

from cosmos_flow.manifests.training_clips import load_clip_frames
from cosmos_flow.video.tensors import frames_to_tensor
from cosmos_flow.worldmodel.frames import fit_frames

logger = logging.getLogger(__name__)

_LIST_FIELDS = ("captions", "clip_ids", "splits", "scenarios")


@dataclass
class LatentClips:
    """One row per clip: latents Float[N, C, t, h, w] (DV: FSQ codes), indices Long[N, t, h, w] (DV only) and per-clip lists."""

    latents: torch.Tensor
    indices: torch.Tensor | None
    captions: list[str]
    clip_ids: list[str]
    splits: list[str]
    scenarios: list[str]
    tokenizer_config: dict[str, Any] = field(default_factory=dict)
    frames: int = 17
    size: int = 64

    def __post_init__(self) -> None:
        count = self.latents.shape[0]
        lengths = {name: len(getattr(self, name)) for name in _LIST_FIELDS}
        if any(length != count for length in lengths.values()) or (self.indices is not None and self.indices.shape[0] != count):
            raise ValueError(f"LatentClips needs one entry per clip ({count} latents) in every field, got {lengths}")

    def __len__(self) -> int:
        return self.latents.shape[0]

    def clip_counts(self) -> dict[str, int]:
        """How many clips of each "split/scenario" there are (for model cards), in first-seen order."""
        return dict(Counter(f"{split}/{scenario}" for split, scenario in zip(self.splits, self.scenarios)))

    def subset(self, splits: Sequence[str]) -> LatentClips:
        """The clips whose split is one of `splits`, in their order."""
        rows = [row for row, split in enumerate(self.splits) if split in splits]
        index = torch.tensor(rows, dtype=torch.long)
        return LatentClips(
            latents=self.latents[index],
            indices=None if self.indices is None else self.indices[index],
            **{name: [getattr(self, name)[row] for row in rows] for name in _LIST_FIELDS},
            tokenizer_config=self.tokenizer_config,
            frames=self.frames,
            size=self.size,
        )

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {"latents": self.latents.contiguous()}
        if self.indices is not None:
            tensors["indices"] = self.indices.contiguous()
        described = {name: getattr(self, name) for name in _LIST_FIELDS}
        described.update(tokenizer_config=self.tokenizer_config, frames=self.frames, size=self.size)
        save_file(tensors, str(path), metadata={"latent_clips": json.dumps(described)})

    @classmethod
    def load(cls, path: str | Path) -> LatentClips:
        if not Path(path).is_file():
            raise ValueError(f"{path} does not exist; encode the clip table (encode_clip_table) and save it first")
        with safe_open(str(path), framework="pt") as archive:
            metadata = archive.metadata() or {}
            if "latent_clips" not in metadata:
                raise ValueError(f"{path} has no latent_clips metadata; it was not written by LatentClips.save")
            indices = archive.get_tensor("indices") if "indices" in set(archive.keys()) else None
            return cls(latents=archive.get_tensor("latents"), indices=indices, **json.loads(metadata["latent_clips"]))


def encode_clip_table(
    tokenizer,
    table: pd.DataFrame,
    frames: int = 17,
    size: int = 64,
    splits: Sequence[str] = ("train", "val"),
    batch_size: int = 16,
    progress: bool = True,
) -> LatentClips:
    """Encode the clips of `table` (a training clip table) whose split is in `splits` with `tokenizer` (a CausalVideoTokenizer)."""
    tokenizer.check_input(frames, size, size)
    rows = table[table["split"].isin(list(splits))].reset_index(drop=True)
    if rows.empty:
        raise ValueError(f"the clip table has no clips in splits {list(splits)}; check the split names or run curation first")
    device = next(tokenizer.parameters()).device
    quantizer = tokenizer.quantizer if tokenizer.config.kind == "dv" else None
    latents, indices = [], []
    with torch.no_grad(), tqdm(total=len(rows), desc="encoding clips", unit="clip", disable=not progress) as bar:
        for start in range(0, len(rows), batch_size):
            batch = rows.iloc[start : start + batch_size]
            videos = torch.stack([frames_to_tensor(clip_frames(row, frames, size)) for row in batch.to_dict("records")])
            latent = tokenizer.encode(videos.to(device))
            latents.append(latent.float().cpu())
            if quantizer is not None:
                indices.append(quantizer.codes_to_indices(latent).cpu())
            bar.update(len(batch))
    logger.info("encoded %d clips of %d frames at %dx%d into latents %s", len(rows), frames, size, size, tuple(latents[0].shape[1:]))
    return LatentClips(
        latents=torch.cat(latents),
        indices=torch.cat(indices) if indices else None,
        captions=[caption if isinstance(caption, str) else "" for caption in rows["caption"]],
        clip_ids=[str(clip_id) for clip_id in rows["clip_id"]],
        splits=[str(split) for split in rows["split"]],
        scenarios=[str(scenario) for scenario in rows["scenario"]],
        tokenizer_config=tokenizer.config.to_dict(),
        frames=frames,
        size=size,
    )


def clip_frames(row: dict, frames: int, size: int) -> np.ndarray:
    """The first `frames` frames of a clip (the last one repeated if it is shorter), as uint8 (frames, size, size, 3)."""
    # Decoding shrinks the short side to `size` already, so the square crop needs no second resize.
    video = load_clip_frames(row, max_short_side=size, max_frames=frames)
    if len(video) < frames:
        video = np.concatenate([video, np.repeat(video[-1:], frames - len(video), axis=0)])
    return fit_frames(video, (size, size))
