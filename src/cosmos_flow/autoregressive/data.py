"""Training data of the autoregressive model: each clip's token indices, flattened, and (stage 2) its caption's
embeddings.

Clips are encoded once (`cosmos_flow.worldmodel.latents.encode_clip_table`) and captions embedded
once (`cosmos_flow.nn.text_encoder.CaptionEmbeddings`), so a training step never runs the
tokenizer or the text encoder. Training batches are drawn with replacement from a seeded
generator: the same seed gives the same batches, and `max_steps` alone decides how long it runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, RandomSampler

from cosmos_flow.nn.text_encoder import CaptionEmbeddings
from cosmos_flow.worldmodel.latents import LatentClips, held_encoding

UNCAPTIONED = "a video"  # what stage 2 reads for a clip without a caption (the text encoder refuses blank text)


def training_captions(captions: list[str]) -> list[str]:
    """The captions the model trains on: blank ones replaced by UNCAPTIONED."""
    return [caption if caption.strip() else UNCAPTIONED for caption in captions]


@dataclass
class TokenClips(Dataset):
    """tokens Long[N, t*h*w] in (t, h, w) order; in stage 2 the captions, context Float[N, S, D] and context_mask
    Bool[N, S]; and the held frames' tokens Long[N, A, t*h*w] when they were encoded (`LatentClips.held_indices`,
    for anchored models)."""

    tokens: Tensor
    context: Tensor | None = None
    context_mask: Tensor | None = None
    held: Tensor | None = None
    held_condition_latents: list[int] = field(default_factory=list)  # what each of the A held frames conditions on

    @classmethod
    def from_latents(cls, clips: LatentClips, captions: CaptionEmbeddings | None = None) -> TokenClips:
        """The clips' DV indices, flattened; with `captions`, each clip's caption embeddings beside them."""
        if clips.indices is None:
            raise ValueError(
                "these clips were encoded by a continuous (CV) tokenizer and have no token indices; encode them with "
                "a DV tokenizer"
            )
        tokens = clips.indices.flatten(1).long()
        held = None if clips.held_indices is None else clips.held_indices.flatten(2).long()
        anchors = list(clips.held_condition_latents)
        if captions is None:
            return cls(tokens, held=held, held_condition_latents=anchors)
        context, context_mask = captions.lookup(training_captions(clips.captions))
        return cls(tokens, context, context_mask, held, anchors)

    def held_for(self, condition_latents: int) -> Tensor:
        """The held frames' tokens Long[N, t*h*w] for `condition_latents` condition latent frames."""
        return held_encoding(self.held, self.held_condition_latents, condition_latents)

    def __len__(self) -> int:
        return self.tokens.shape[0]

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        item = {"tokens": self.tokens[index]}
        if self.context is not None:
            item.update(context=self.context[index], context_mask=self.context_mask[index])
        if self.held is not None:
            item["held"] = self.held[index]
        return item


class TokenDataModule(pl.LightningDataModule):
    """Seeded random training batches (with replacement, enough for max_steps) and ordered validation batches."""

    def __init__(self, train: TokenClips, val: TokenClips | None, batch_size: int, max_steps: int, seed: int = 0):
        super().__init__()
        if len(train) == 0:
            raise ValueError(
                "there are no training clips; check the clip table's train split (run curation and simulation first)"
            )
        if batch_size < 1 or max_steps < 1:
            raise ValueError(f"batch_size and max_steps must be at least 1, got {batch_size} and {max_steps}")
        self.train, self.val = train, val if val is not None and len(val) else None
        self.batch_size, self.max_steps, self.seed = batch_size, max_steps, seed

    def train_dataloader(self) -> DataLoader:
        generator = torch.Generator().manual_seed(self.seed)
        sampler = RandomSampler(
            self.train, replacement=True, num_samples=self.batch_size * self.max_steps, generator=generator
        )
        return DataLoader(self.train, batch_size=self.batch_size, sampler=sampler)

    def val_dataloader(self) -> DataLoader | list:
        return [] if self.val is None else DataLoader(self.val, batch_size=self.batch_size)
