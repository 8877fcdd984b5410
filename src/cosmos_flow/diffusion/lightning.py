"""Lightning training of the diffusion world model (either stage), with per-σ-bucket losses and sample videos.

The LightningModule wraps the plain `DiffusionDenoiser` (`module.denoiser`), which is what gets saved and served.
Its hyperparameters are plain dicts, lists and numbers, so checkpoints load with `torch.load(..., weights_only=True)`.
"""

from __future__ import annotations

import tempfile
from collections import deque

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import MLFlowLogger
from torch import Tensor

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser
from cosmos_flow.diffusion.dit import DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig, bucket_index, bucket_names, sigma_bucket_edges
from cosmos_flow.diffusion.objective import ConditionSampling, loss_at_sigmas, training_loss
from cosmos_flow.diffusion.samplers import SamplingParams, sample_clips
from cosmos_flow.optim import adamw_warmup_cosine
from cosmos_flow.video.media import write_sample_videos

SAMPLES_ARTIFACT_FOLDER = "samples"
RECENT_STEPS = 50  # the reported final training loss averages this many last steps (one step's loss is noisy)


def condition_sampling_from(settings: dict | None) -> ConditionSampling | None:
    """ConditionSampling from its plain-dict form (None: Text2World)."""
    if settings is None:
        return None
    return ConditionSampling(**{**settings, "latent_frames": tuple(settings.get("latent_frames", (1, 2)))})


class DiffusionModule(pl.LightningModule):
    """Trains a DiffusionDenoiser on batches {"latents": tokenizer latents, "context": text tokens,
    "context_mask": ...}."""

    def __init__(
        self,
        get_config: dict,
        edm_config: dict,
        latent_mean: list[float],
        latent_std: list[float],
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        warmup_steps: int = 50,
        max_steps: int = 1000,
        caption_dropout: float = 0.1,
        condition: dict | None = None,
        sigma_buckets: int = 4,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.denoiser = DiffusionDenoiser(
            DiTConfig.from_dict(get_config),
            EDMConfig(**edm_config),
            torch.tensor(latent_mean),
            torch.tensor(latent_std),
        )
        self.condition_sampling = condition_sampling_from(condition)
        self.bucket_edges = sigma_bucket_edges(self.denoiser.edm, sigma_buckets)
        self.bucket_names = bucket_names(self.bucket_edges)
        self.recent_losses: deque[Tensor] = deque(maxlen=RECENT_STEPS)

    @classmethod
    def from_denoiser(cls, denoiser: DiffusionDenoiser, **training) -> DiffusionModule:
        """A module that trains (a copy of) `denoiser`'s weights, e.g. Video2World initialized from Text2World."""
        module = cls(
            get_config=denoiser.config.to_dict(),
            edm_config=denoiser.edm.to_dict(),
            latent_mean=denoiser.latent_mean.tolist(),
            latent_std=denoiser.latent_std.tolist(),
            **training,
        )
        module.denoiser.load_state_dict(denoiser.state_dict())
        return module

    @property
    def validation_sigmas(self) -> list[float]:
        """One σ per bucket: the geometric middle of its edges."""
        return [(low * high) ** 0.5 for low, high in zip(self.bucket_edges[:-1], self.bucket_edges[1:])]

    @property
    def validation_condition_frames(self) -> int:
        return 0 if self.condition_sampling is None else min(self.condition_sampling.latent_frames)

    def _held(self, batch: dict[str, Tensor]) -> Tensor | None:
        """The batch's held frames [B, A, C, T, H, W], normalized, when the model is anchored to them (else None)."""
        if not self.denoiser.config.held_frame_anchor:
            return None
        if "held" not in batch:
            raise ValueError(
                "this Video2World model predicts relative to the held frame: encode the training clips with held frames"
            )
        return self.denoiser.normalize(batch["held"])

    def _validation_held(self, batch: dict[str, Tensor]) -> Tensor | None:
        """The held frame for the validation's condition length (the shortest one trained on)."""
        held = self._held(batch)
        return (
            None
            if held is None
            else held[:, self.condition_sampling.latent_frames.index(self.validation_condition_frames)]
        )

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        latents = self.denoiser.normalize(batch["latents"])
        terms = training_loss(
            self.denoiser,
            latents,
            batch["context"],
            batch["context_mask"],
            self.hparams.caption_dropout,
            self.condition_sampling,
            held=self._held(batch),
        )
        loss = terms.loss.mean()
        batch_size = latents.shape[0]
        self.log("train/loss", loss, prog_bar=True, batch_size=batch_size)
        buckets = bucket_index(terms.sigma.float(), self.bucket_edges)
        for index, name in enumerate(self.bucket_names):
            chosen = buckets == index
            if bool(chosen.any()):
                self.log(f"train/loss_{name}", terms.loss[chosen].mean(), batch_size=int(chosen.sum()))
        self.recent_losses.append(loss.detach())
        return loss

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        latents = self.denoiser.normalize(batch["latents"])
        losses = loss_at_sigmas(
            self.denoiser,
            latents,
            batch["context"],
            batch["context_mask"],
            self.validation_sigmas,
            self.validation_condition_frames,
            seed=batch_idx,
            held=self._validation_held(batch),
        )
        batch_size = latents.shape[0]
        for name, value in zip(self.bucket_names, losses):
            self.log(f"val/loss_{name}", value, batch_size=batch_size)
        self.log("val/loss", sum(losses) / len(losses), prog_bar=True, batch_size=batch_size)

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(
            self.denoiser.parameters(),
            self.device,
            hp.learning_rate,
            hp.warmup_steps,
            hp.max_steps,
            weight_decay=hp.weight_decay,
        )

    def final_training_loss(self) -> float:
        """The mean loss of the last steps (NaN before any step)."""
        return float(torch.stack(list(self.recent_losses)).mean()) if self.recent_losses else float("nan")


class SampleVideoCallback(pl.Callback):
    """Every `every_n_steps` training steps (and after the last), sample clips for a few captions, decode them
    through the tokenizer and log them (mp4 + GIF, side by side) to the MLflow run under `samples/`."""

    def __init__(
        self,
        tokenizer: torch.nn.Module,
        context: Tensor,
        context_mask: Tensor,
        latent_shape: tuple[int, int, int, int],
        sampling: SamplingParams,
        every_n_steps: int,
        fps: float,
        name: str,
        seed: int = 0,
        condition_latents: Tensor | None = None,
        held_latents: Tensor | None = None,
    ):
        super().__init__()
        self.tokenizer = tokenizer
        self.context, self.context_mask = context, context_mask
        self.latent_shape = latent_shape
        self.sampling = sampling
        self.every_n_steps = every_n_steps
        self.fps = fps
        self.name = name
        self.seed = seed
        self.condition_latents = condition_latents
        self.held_latents = held_latents  # anchored Video2World: the held frames of the condition

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        step = trainer.global_step
        periodic = self.every_n_steps > 0 and step % self.every_n_steps == 0
        if periodic or step >= trainer.max_steps:
            self.log_samples(trainer, pl_module, step)

    @torch.no_grad()
    def log_samples(self, trainer: pl.Trainer, module: DiffusionModule, step: int) -> None:
        logger = next((logger for logger in trainer.loggers if isinstance(logger, MLFlowLogger)), None)
        if logger is None or not trainer.is_global_zero:
            return
        device = module.device
        denoiser = module.denoiser
        was_training = denoiser.training
        denoiser.eval()
        clips = sample_clips(
            denoiser,
            self.tokenizer,
            self.context.to(device),
            self.context_mask.to(device),
            self.latent_shape,
            self.seed,
            self.sampling,
            self.condition_latents,
            self.held_latents,
        )
        denoiser.train(was_training)
        with tempfile.TemporaryDirectory() as folder:
            for path in write_sample_videos(folder, f"{self.name}_step{step:07d}", clips, self.fps):
                logger.experiment.log_artifact(logger.run_id, str(path), artifact_path=SAMPLES_ARTIFACT_FOLDER)
