"""Lightning training of a `CausalVideoTokenizer`: losses, schedule, validation metrics and samples.

The LightningModule only wraps the plain tokenizer (`module.tokenizer`), which is what gets saved
and served; its hyperparameters are plain dicts and numbers so checkpoints load with
`torch.load(..., weights_only=True)`.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import MLFlowLogger
from torchvision.utils import save_image

from cosmos_flow.metrics import psnr, ssim
from cosmos_flow.optim import adamw_warmup_cosine
from cosmos_flow.tokenizer.evaluate import histogram_statistics
from cosmos_flow.tokenizer.losses import reconstruction_losses, resolved_weights
from cosmos_flow.tokenizer.model import CausalVideoTokenizer, TokenizerConfig
from cosmos_flow.video import write_video
from cosmos_flow.video.tensors import tensor_to_frames

SAMPLE_CLIPS, SAMPLE_FRAMES = 4, 4  # reconstructions logged per validation: clips, and frames of each in the grid
ARTIFACT_FOLDER = "reconstructions"


class TokenizerModule(pl.LightningModule):
    """Trains the tokenizer on joint video + image batches ({"video": ..., "image": ...}).

    spread_weight (DV only): the weight of `FSQ.spread_loss` on the video batch's codes, which
    spreads them over the codebook; 0 turns it off. object_weight: how much more an object pixel of
    a simulated clip counts in the reconstruction loss (`losses.reconstruction_losses`); 0 turns it off.
    """

    def __init__(
        self,
        tokenizer_config: dict,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        warmup_steps: int = 50,
        max_steps: int = 2000,
        loss_weights: dict | None = None,
        image_weight: float = 0.5,
        sample_fps: float = 12,
        spread_weight: float = 0.0,
        object_weight: float = 0.0,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.tokenizer = CausalVideoTokenizer(TokenizerConfig.from_dict(tokenizer_config))
        self.loss_weights = resolved_weights(loss_weights)
        self._val_histogram: torch.Tensor | None = None
        self._val_samples: list[tuple[torch.Tensor, torch.Tensor]] = []

    @property
    def codebook_size(self) -> int | None:
        """Number of discrete codes (DV tokenizers), None for continuous ones."""
        quantizer = self.tokenizer.quantizer
        return None if quantizer is None else int(quantizer.codebook_size)

    def training_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> torch.Tensor:
        video = batch["video"]
        reconstruction, aux = self.tokenizer(video)
        losses = reconstruction_losses(
            reconstruction, video, self.loss_weights, batch.get("video_objects"), self.hparams.object_weight
        )
        loss = losses["total"]
        if self.codebook_size is not None and self.hparams.spread_weight > 0:
            spread = self.tokenizer.quantizer.spread_loss(aux["pre_quantization"])
            loss = loss + self.hparams.spread_weight * spread
            self.log("train/code_spread", spread, batch_size=video.shape[0])
        image = batch.get("image")
        if image is not None and self.hparams.image_weight > 0:
            image_reconstruction, _ = self.tokenizer(image)
            image_loss = reconstruction_losses(
                image_reconstruction, image, self.loss_weights, batch.get("image_objects"), self.hparams.object_weight
            )["total"]
            loss = loss + self.hparams.image_weight * image_loss
            self.log("train/image_loss", image_loss, batch_size=image.shape[0])
        size = video.shape[0]
        self.log("train/loss", loss, prog_bar=True, batch_size=size)
        self.log_dict(
            {
                "train/mse": losses["mse"],
                "train/l1": losses["l1"],
                "train/ssim_loss": losses["ssim"],
                "train/gradient": losses["gradient"],
            },
            batch_size=size,
        )
        if self.codebook_size is not None:
            used = aux["indices"].unique().numel()
            self.log("train/codebook_usage", used / self.codebook_size, batch_size=size)
        return loss

    def on_before_optimizer_step(self, optimizer) -> None:
        # The gradient's global norm before any clipping: spikes here are what gradient_clip_norm tames.
        if self.global_step % self.trainer.log_every_n_steps == 0:
            gradients = [p.grad for p in self.tokenizer.parameters() if p.grad is not None]
            self.log("train/grad_norm", torch.nn.utils.get_total_norm(gradients), batch_size=1)

    def on_validation_epoch_start(self) -> None:
        self._val_histogram = None
        self._val_samples = []

    def validation_step(self, batch: dict[str, torch.Tensor], batch_idx: int) -> None:
        video = batch["video"]
        reconstruction, aux = self.tokenizer(video)
        # Metrics judge what a viewer would get: decoded videos are clamped to the pixel range.
        reconstruction = reconstruction.float().clamp(-1.0, 1.0)
        size = video.shape[0]
        self.log("val/psnr", psnr(video, reconstruction), prog_bar=True, batch_size=size)
        self.log("val/ssim", ssim(video, reconstruction), batch_size=size)
        self.log("val/l1", torch.nn.functional.l1_loss(reconstruction, video.float()), batch_size=size)
        if self.codebook_size is not None:
            counts = torch.bincount(aux["indices"].flatten(), minlength=self.codebook_size).cpu()
            self._val_histogram = counts if self._val_histogram is None else self._val_histogram + counts
        if self._mlflow_logger() is not None and len(self._val_samples) < SAMPLE_CLIPS:
            for original, decoded in zip(video[: SAMPLE_CLIPS - len(self._val_samples)], reconstruction):
                self._val_samples.append((original.detach().float().cpu(), decoded.detach().cpu()))

    def on_validation_epoch_end(self) -> None:
        if self._val_histogram is not None:
            self.log_dict({f"val/{name}": value for name, value in histogram_statistics(self._val_histogram).items()})
        logger = self._mlflow_logger()
        if (
            logger is not None
            and self._val_samples
            and self.trainer.is_global_zero
            and not self.trainer.sanity_checking
        ):
            log_reconstruction_samples(logger, self._val_samples, self.global_step, self.hparams.sample_fps)
        self._val_histogram, self._val_samples = None, []

    def configure_optimizers(self):
        hp = self.hparams
        return adamw_warmup_cosine(
            self.tokenizer.parameters(),
            self.device,
            hp.learning_rate,
            hp.warmup_steps,
            hp.max_steps,
            weight_decay=hp.weight_decay,
            betas=tuple(hp.betas),
        )

    def _mlflow_logger(self) -> MLFlowLogger | None:
        """The attached MLflow logger, if any (sample artifacts are only logged there)."""
        if self._trainer is None:
            return None
        return next((logger for logger in self.trainer.loggers if isinstance(logger, MLFlowLogger)), None)


def log_reconstruction_samples(
    logger: MLFlowLogger, samples: list[tuple[torch.Tensor, torch.Tensor]], step: int, fps: float
) -> None:
    """Log a PNG grid (a few frames of each clip: originals above reconstructions) and a side-by-side
    mp4 (original | reconstruction, clips stacked) under the run's `reconstructions/` artifacts."""
    originals = torch.stack([original for original, _ in samples])  # (N, 3, T, H, W)
    decoded = torch.stack([reconstruction for _, reconstruction in samples])
    frame_ids = np.unique(np.linspace(0, originals.shape[2] - 1, SAMPLE_FRAMES).round().astype(int))
    tiles = torch.cat([originals[:, :, frame_ids], decoded[:, :, frame_ids]])  # (2N, 3, F, H, W)
    tiles = tiles.transpose(1, 2).flatten(0, 1)  # (2N*F, 3, H, W), one row of F frames per clip
    side_by_side = torch.cat([originals, decoded], dim=-1)  # original | reconstruction
    stacked = torch.cat(list(side_by_side), dim=-2)  # clips one above the other
    with tempfile.TemporaryDirectory() as folder:
        grid = Path(folder) / f"step{step:07d}.png"
        save_image((tiles.clamp(-1, 1) + 1) / 2, grid, nrow=len(frame_ids), padding=1)
        video = write_video(Path(folder) / f"step{step:07d}.mp4", tensor_to_frames(stacked), fps=fps)
        for path in (grid, video):
            logger.experiment.log_artifact(logger.run_id, str(path), artifact_path=ARTIFACT_FOLDER)
