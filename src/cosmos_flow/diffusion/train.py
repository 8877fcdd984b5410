"""Train one stage of the diffusion world model with Lightning: Text2World from scratch, Video2World from it.

Training reads latents encoded once by the tokenizer and caption embeddings computed once by the text encoder
(`LatentTextData`), so a step costs only the DiT. Batches are drawn with replacement from a seeded sampler for
exactly max_steps steps, however few clips there are.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import Logger
from torch import Tensor
from torch.utils.data import DataLoader, Dataset, RandomSampler

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser, latent_statistics
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.diffusion.lightning import DiffusionModule, SampleVideoCallback
from cosmos_flow.diffusion.objective import ConditionSampling, loss_at_sigmas
from cosmos_flow.diffusion.registry import get_config
from cosmos_flow.nn.text_encoder import CaptionEmbeddings
from cosmos_flow.training import FitSettings, LoaderData, fit
from cosmos_flow.worldmodel.latents import LatentClips, held_encoding

log = logging.getLogger(__name__)


@dataclass
class DiffusionTrainParams(FitSettings):
    """How long and how one stage trains: the harness's settings (`FitSettings`: steps, validation, clipping,
    precision, devices, checkpoints, EMA, with this family's defaults) and this family's own."""

    max_steps: int = 600
    batch_size: int = 8
    learning_rate: float = 1e-3
    weight_decay: float = 0.0
    warmup_steps: int = 50
    caption_dropout: float = 0.1  # captions replaced by the null text, for classifier-free guidance
    sigma_buckets: int = 4  # losses are logged per σ range
    val_every_steps: int = 200
    gradient_clip_norm: float | None = 1.0  # clip the gradient's global norm to this (None: no clipping)
    seed: int = 0
    num_workers: int = 0

    def __post_init__(self) -> None:
        super().__post_init__()  # the steps, intervals, clipping and EMA
        if min(self.batch_size, self.sigma_buckets) < 1:
            raise ValueError("batch_size and sigma_buckets must be at least 1")
        if not 0.0 <= self.caption_dropout < 1.0:
            raise ValueError(f"caption_dropout must be in [0, 1), got {self.caption_dropout}")

    def module_settings(self) -> dict:
        """The DiffusionModule hyperparameters these params set."""
        names = ("learning_rate", "weight_decay", "warmup_steps", "max_steps", "caption_dropout", "sigma_buckets")
        return {name: getattr(self, name) for name in names}


@dataclass
class LatentTextData(Dataset):
    """Tokenizer latents [N, C, T, H, W] with the text tokens of each clip's caption, and its held frames
    [N, A, C, T, H, W] when they were encoded (`LatentClips.held`, for anchored Video2World)."""

    latents: Tensor
    context: Tensor
    context_mask: Tensor
    captions: list[str]
    held: Tensor | None = None
    held_condition_latents: list[int] = field(default_factory=list)

    @classmethod
    def from_clips(cls, clips: LatentClips, embeddings: CaptionEmbeddings) -> LatentTextData:
        context, mask = embeddings.lookup(clips.captions)
        held = None if clips.held is None else clips.held.float()
        return cls(
            clips.latents.float(), context.float(), mask, list(clips.captions), held, list(clips.held_condition_latents)
        )

    def held_for(self, condition_latents: int) -> Tensor:
        """The held frames [N, C, T, H, W] for `condition_latents` condition latent frames."""
        return held_encoding(self.held, self.held_condition_latents, condition_latents)

    def with_held_for(self, condition_latents: Sequence[int]) -> LatentTextData:
        """These clips with only the held frames of `condition_latents`, in that order (what training draws from)."""
        if self.held is None:
            return self
        held = torch.stack([self.held_for(count) for count in condition_latents], dim=1)
        return replace(self, held=held, held_condition_latents=list(condition_latents))

    def __len__(self) -> int:
        return self.latents.shape[0]

    def __getitem__(self, index: int) -> dict[str, Tensor]:
        item = {
            "latents": self.latents[index],
            "context": self.context[index],
            "context_mask": self.context_mask[index],
        }
        if self.held is not None:
            item["held"] = self.held[index]
        return item


@dataclass
class TrainResult:
    denoiser: DiffusionDenoiser  # the trained denoiser, in eval mode, on the CPU
    summary: dict[
        str, float
    ]  # final_train_loss, steps, train_seconds, steps_per_second, samples_per_second, val_loss_<bucket>...


def text2world_denoiser(
    train_latents: Tensor, text_dim: int, size: str, overrides: dict, edm: EDMConfig
) -> DiffusionDenoiser:
    """A fresh Text2World denoiser of a registry size for these training latents [N, C, T, H, W] (their channel
    count, and their per-channel statistics to normalize with) and text embeddings `text_dim` wide."""
    if len(train_latents) == 0:
        raise ValueError("there are no training clips for the diffusion model; run curation (and simulation) first")
    mean, std = latent_statistics(train_latents)
    config = get_config(size, **{"latent_channels": train_latents.shape[1], "text_dim": text_dim, **overrides})
    return DiffusionDenoiser(config, edm, mean, std)


def train_diffusion(
    denoiser: DiffusionDenoiser,
    train: LatentTextData,
    val: LatentTextData | None,
    params: DiffusionTrainParams,
    condition: ConditionSampling | None = None,
    logger: Logger | None = None,
    samples: SampleVideoCallback | None = None,
) -> TrainResult:
    """Train (a copy of) `denoiser` on `train` for params.max_steps steps; Video2World when `condition` is given."""
    if len(train) == 0:
        raise ValueError(
            "there are no training clips; run curation (and simulation) first or widen the training splits"
        )
    if condition is not None:  # the batches carry one held frame per condition length drawn, in the drawing order
        train = train.with_held_for(condition.latent_frames)
        val = None if val is None else val.with_held_for(condition.latent_frames)
    pl.seed_everything(params.seed, workers=True)
    settings = (
        None if condition is None else {**asdict(condition), "latent_frames": list(condition.latent_frames)}
    )  # plain JSON-like hparams
    module = DiffusionModule.from_denoiser(denoiser, condition=settings, **params.module_settings())
    if logger is not None:
        logger.log_hyperparams(
            {
                "parameters": sum(p.numel() for p in module.denoiser.parameters()),
                "train_clips": len(train),
                "val_clips": len(val or []),
            }
        )
    sampler = RandomSampler(
        train,
        replacement=True,
        num_samples=params.max_steps * params.batch_size,
        generator=torch.Generator().manual_seed(params.seed),
    )
    train_loader = DataLoader(train, batch_size=params.batch_size, sampler=sampler, num_workers=params.num_workers)
    has_val = val is not None and len(val) > 0
    val_loader = DataLoader(val, batch_size=params.batch_size) if has_val else None
    data = LoaderData(train_loader, val_loader)
    result = fit(module, data, params, has_val, logger, [samples] if samples is not None else [])
    trained = module.denoiser.eval().cpu().float()
    summary = {
        "final_train_loss": module.final_training_loss(),
        "steps": float(result.steps),
        "train_seconds": result.step_seconds,
        "steps_per_second": result.steps_per_second,
        "samples_per_second": result.steps_per_second * params.batch_size,
    }
    if has_val:
        summary.update(validation_losses(trained, val, module, params.batch_size))
    log.info(
        "trained %d steps in %.1f s (%.1f steps/s), final loss %.4f",
        result.steps,
        result.step_seconds,
        summary["steps_per_second"],
        summary["final_train_loss"],
    )
    if logger is not None:
        logger.log_metrics({f"final/{name}": value for name, value in summary.items()})
    return TrainResult(trained, summary)


def validation_losses(
    denoiser: DiffusionDenoiser, val: LatentTextData, module: DiffusionModule, batch_size: int
) -> dict[str, float]:
    """Denoising loss of the trained model on the validation clips at one σ per bucket (seeded), and their mean."""
    totals = [0.0] * len(module.bucket_names)
    for start in range(0, len(val), batch_size):
        rows = slice(start, start + batch_size)
        latents = denoiser.normalize(val.latents[rows])
        frames = module.validation_condition_frames
        held = denoiser.normalize(val.held_for(frames)[rows]) if denoiser.config.held_frame_anchor else None
        losses = loss_at_sigmas(
            denoiser,
            latents,
            val.context[rows],
            val.context_mask[rows],
            module.validation_sigmas,
            frames,
            seed=start,
            held=held,
        )
        totals = [total + loss * latents.shape[0] for total, loss in zip(totals, losses)]
    values = {f"val_loss_{name}": total / len(val) for name, total in zip(module.bucket_names, totals)}
    values["val_loss"] = sum(values.values()) / len(totals)
    return values
