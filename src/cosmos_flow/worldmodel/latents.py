"""Clips of the training clip table encoded once by a tokenizer, so world models train on latents.

Every clip becomes `frames` frames (its first ones; a shorter clip repeats its last frame) of
size x size pixels (center-cropped square, area-resized), encoded under torch.no_grad. CV
tokenizers give continuous latents; DV tokenizers give FSQ codes plus their token indices.
With `held_condition_latents` (e.g. [1, 3]) each clip is also encoded "held" once per entry k: its
first 1 + (k - 1)·tc frames, then the last of them held still (`frames.held_video`): the
copy-last-frame future in latent space, which world models may predict relative to.
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
from cosmos_flow.worldmodel.frames import fit_frames, held_video

logger = logging.getLogger(__name__)

_LIST_FIELDS = ("captions", "clip_ids", "splits", "scenarios")
_OPTIONAL_TENSORS = ("indices", "held", "held_indices")


def held_encoding(
    held: torch.Tensor | None, held_condition_latents: Sequence[int], condition_latents: int
) -> torch.Tensor:
    """The entry of `held` [N, A, ...] (one per entry of `held_condition_latents`) for `condition_latents`."""
    if held is None or condition_latents not in held_condition_latents:
        raise ValueError(
            f"no held frames were encoded for {condition_latents} condition latent frames "
            f"(there are {list(held_condition_latents)}); "
            f"these clips have no held-frame encoding for {condition_latents}: encode them with it"
        )
    return held[:, list(held_condition_latents).index(condition_latents)]


@dataclass
class LatentClips:
    """One row per clip: latents Float[N, C, t, h, w] (DV: FSQ codes), indices Long[N, t, h, w] (DV only) and
    per-clip lists.

    held / held_indices: the held-frame encodings Float[N, A, C, t, h, w] / Long[N, A, t, h, w], one per entry of
    `held_condition_latents` (module docstring); None when not encoded.
    """

    latents: torch.Tensor
    indices: torch.Tensor | None
    captions: list[str]
    clip_ids: list[str]
    splits: list[str]
    scenarios: list[str]
    tokenizer_config: dict[str, Any] = field(default_factory=dict)
    frames: int = 17
    size: int = 64
    held: torch.Tensor | None = None
    held_indices: torch.Tensor | None = None
    held_condition_latents: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        count = self.latents.shape[0]
        lengths = {name: len(getattr(self, name)) for name in _LIST_FIELDS}
        tensors = [tensor for tensor in (self.indices, self.held, self.held_indices) if tensor is not None]
        if any(length != count for length in lengths.values()) or any(tensor.shape[0] != count for tensor in tensors):
            raise ValueError(f"LatentClips needs one entry per clip ({count} latents) in every field, got {lengths}")
        if self.held is not None and self.held.shape[1] != len(self.held_condition_latents):
            raise ValueError(
                f"LatentClips holds {self.held.shape[1]} held-frame encodings per clip "
                f"but names {len(self.held_condition_latents)} condition lengths"
            )

    def held_for(self, condition_latents: int) -> torch.Tensor:
        """The held-frame encodings [N, C, t, h, w] for `condition_latents` condition latent frames."""
        return held_encoding(self.held, self.held_condition_latents, condition_latents)

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
            **{name: None if getattr(self, name) is None else getattr(self, name)[index] for name in _OPTIONAL_TENSORS},
            **{name: [getattr(self, name)[row] for row in rows] for name in _LIST_FIELDS},
            tokenizer_config=self.tokenizer_config,
            frames=self.frames,
            size=self.size,
            held_condition_latents=list(self.held_condition_latents),
        )

    def save(self, path: str | Path) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tensors = {"latents": self.latents.contiguous()}
        tensors |= {
            name: getattr(self, name).contiguous() for name in _OPTIONAL_TENSORS if getattr(self, name) is not None
        }
        described = {name: getattr(self, name) for name in _LIST_FIELDS}
        described.update(
            tokenizer_config=self.tokenizer_config,
            frames=self.frames,
            size=self.size,
            held_condition_latents=self.held_condition_latents,
        )
        save_file(tensors, str(path), metadata={"latent_clips": json.dumps(described)})

    @classmethod
    def load(cls, path: str | Path) -> LatentClips:
        if not Path(path).is_file():
            raise ValueError(f"{path} does not exist; encode the clip table (encode_clip_table) and save it first")
        with safe_open(str(path), framework="pt") as archive:
            metadata = archive.metadata() or {}
            if "latent_clips" not in metadata:
                raise ValueError(f"{path} has no latent_clips metadata; it was not written by LatentClips.save")
            stored = set(archive.keys())
            optional = {name: archive.get_tensor(name) if name in stored else None for name in _OPTIONAL_TENSORS}
            return cls(latents=archive.get_tensor("latents"), **optional, **json.loads(metadata["latent_clips"]))


def encode_clip_table(
    tokenizer,
    table: pd.DataFrame,
    frames: int = 17,
    size: int = 64,
    splits: Sequence[str] = ("train", "val"),
    batch_size: int = 16,
    progress: bool = True,
    held_condition_latents: Sequence[int] = (),
) -> LatentClips:
    """Encode the clips of `table` (a training clip table) whose split is in `splits` with `tokenizer` (a
    CausalVideoTokenizer), and held still after each of `held_condition_latents` condition latent frames (module
    docstring)."""
    tokenizer.check_input(frames, size, size)
    rows = table[table["split"].isin(list(splits))].reset_index(drop=True)
    if rows.empty:
        raise ValueError(
            f"the clip table has no clips in splits {list(splits)}; check the split names or run curation first"
        )
    tc = tokenizer.config.temporal_compression
    held_frames = [1 + (count - 1) * tc for count in held_condition_latents]
    if any(not 1 <= count < frames for count in held_frames):
        raise ValueError(
            f"held condition latent frames {list(held_condition_latents)} do not fit clips of {frames} frames "
            f"at {tc}x temporal compression"
        )
    device = next(tokenizer.parameters()).device
    quantizer = tokenizer.quantizer if tokenizer.config.kind == "dv" else None
    encoded: dict[str, list[torch.Tensor]] = {name: [] for name in ("latents", *_OPTIONAL_TENSORS)}

    def encode(videos: torch.Tensor, latents_key: str, indices_key: str, groups: int | None = None) -> None:
        """Encode a batch; with `groups`, fold [B·A, ...] results back into [B, A, ...]."""
        latent = tokenizer.encode(videos.to(device))
        outputs = {latents_key: latent.float().cpu()}
        if quantizer is not None:
            outputs[indices_key] = quantizer.codes_to_indices(latent).cpu()
        for key, value in outputs.items():
            encoded[key].append(value if groups is None else value.unflatten(0, (-1, groups)))

    with torch.no_grad(), tqdm(total=len(rows), desc="encoding clips", unit="clip", disable=not progress) as bar:
        for start in range(0, len(rows), batch_size):
            clips = [clip_frames(row, frames, size) for row in rows.iloc[start : start + batch_size].to_dict("records")]
            encode(torch.stack([frames_to_tensor(clip) for clip in clips]), "latents", "indices")
            if held_frames:
                held = [frames_to_tensor(held_video(clip, count, frames)) for clip in clips for count in held_frames]
                encode(torch.stack(held), "held", "held_indices", groups=len(held_frames))
            bar.update(len(clips))
    logger.info(
        "encoded %d clips of %d frames at %dx%d into latents %s",
        len(rows),
        frames,
        size,
        size,
        tuple(encoded["latents"][0].shape[1:]),
    )
    return LatentClips(
        latents=torch.cat(encoded["latents"]),
        **{name: torch.cat(encoded[name]) if encoded[name] else None for name in _OPTIONAL_TENSORS},
        captions=[caption if isinstance(caption, str) else "" for caption in rows["caption"]],
        clip_ids=[str(clip_id) for clip_id in rows["clip_id"]],
        splits=[str(split) for split in rows["split"]],
        scenarios=[str(scenario) for scenario in rows["scenario"]],
        tokenizer_config=tokenizer.config.to_dict(),
        frames=frames,
        size=size,
        held_condition_latents=list(held_condition_latents),
    )


def clip_frames(row: dict, frames: int, size: int) -> np.ndarray:
    """The first `frames` frames of a clip (the last one repeated if it is shorter), as uint8 (frames, size, size,
    3)."""
    # Decoding shrinks the short side to `size` already, so the square crop needs no second resize.
    video = load_clip_frames(row, max_short_side=size, max_frames=frames)
    if len(video) < frames:
        video = np.concatenate([video, np.repeat(video[-1:], frames - len(video), axis=0)])
    return fit_frames(video, (size, size))
