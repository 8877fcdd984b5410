"""The one training harness: every model family's LightningModule is fitted here, by the only `pl.Trainer` in the code.

A family keeps its LightningModule, its data and its own parameter set; what a run of steps needs (how many, how
often to validate and log, clipping, precision, device, progress bar, checkpoints and resume) is `FitSettings`, and
`fit` returns what every family reports of it (`FitResult`). Strategies, resume and EMA land here once for all.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import Logger
from torch.utils.data import DataLoader

log = logging.getLogger(__name__)

LAST_CHECKPOINT = "last.ckpt"


@dataclass(frozen=True)
class FitSettings:
    """How a run of training steps goes. precision "bf16-mixed" suits GPUs; CPUs want "32-true".

    checkpoint_dir: where `last.ckpt` is written as training goes (every validation interval and at the end) and
    resumed from by the next call, so an interrupted run continues and a finished one returns at once; None: no
    checkpoints.
    """

    max_steps: int
    val_every_steps: int
    log_every_steps: int = 10
    gradient_clip_norm: float | None = None  # clip the gradient's global norm to this (None: no clipping)
    precision: str = "32-true"
    accelerator: str = "auto"
    progress_bar: bool = False
    checkpoint_dir: str | None = None

    def __post_init__(self) -> None:
        if min(self.max_steps, self.val_every_steps, self.log_every_steps) < 1:
            raise ValueError("max_steps, val_every_steps and log_every_steps must be at least 1")
        if self.gradient_clip_norm is not None and self.gradient_clip_norm <= 0:
            raise ValueError(
                f"gradient_clip_norm must be positive or null (no clipping), got {self.gradient_clip_norm}"
            )


@dataclass(frozen=True)
class FitResult:
    steps: int  # training steps run by this call (0 when a finished checkpoint was resumed)
    step_seconds: float  # wall time inside training steps alone (no validation, callbacks between steps or setup)
    wall_seconds: float  # the whole fit

    @property
    def steps_per_second(self) -> float:
        return self.steps / self.step_seconds if self.step_seconds else float("nan")


class StepTimer(pl.Callback):
    """Wall time spent in training steps alone (validation and sample videos excluded), for throughput figures."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.steps = 0
        self._started = 0.0

    def on_train_batch_start(self, trainer, pl_module, batch, batch_idx) -> None:
        self._started = time.perf_counter()

    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        self.seconds += time.perf_counter() - self._started
        self.steps += 1


class LoaderData(pl.LightningDataModule):
    """Ready-made loaders as a datamodule, for families that build their own (e.g. with a seeded sampler)."""

    def __init__(self, train: DataLoader, val: DataLoader | None = None):
        super().__init__()
        self._train, self._val = train, val

    def train_dataloader(self) -> DataLoader:
        return self._train

    def val_dataloader(self) -> DataLoader | list:
        return self._val if self._val is not None else []


def fit(
    module: pl.LightningModule,
    data: pl.LightningDataModule,
    settings: FitSettings,
    has_validation: bool,
    logger: Logger | None = None,
    callbacks: list[pl.Callback] | None = None,
) -> FitResult:
    """Train `module` on `data` for `settings.max_steps` steps, validating every `val_every_steps` when
    `has_validation`; resume from `checkpoint_dir/last.ckpt` when there is one."""
    timer = StepTimer()
    every = min(settings.val_every_steps, settings.max_steps)
    all_callbacks: list[pl.Callback] = [timer, *(callbacks or [])]
    resume_from = None
    if settings.checkpoint_dir is not None:
        # Only last.ckpt, always under that name (no last-v1.ckpt when one exists): it is what a rerun resumes from.
        all_callbacks.append(
            ModelCheckpoint(
                dirpath=settings.checkpoint_dir,
                save_last=True,
                save_top_k=0,
                every_n_train_steps=every,
                enable_version_counter=False,
            )
        )
        last = Path(settings.checkpoint_dir) / LAST_CHECKPOINT
        resume_from = str(last) if last.exists() else None
    trainer = pl.Trainer(
        max_steps=settings.max_steps,
        val_check_interval=every if has_validation else None,
        check_val_every_n_epoch=None,
        limit_val_batches=1.0 if has_validation else 0,
        num_sanity_val_steps=0,
        logger=logger or False,
        log_every_n_steps=settings.log_every_steps,
        enable_checkpointing=settings.checkpoint_dir is not None,
        callbacks=all_callbacks,
        enable_progress_bar=settings.progress_bar,
        enable_model_summary=False,
        gradient_clip_val=settings.gradient_clip_norm,
        gradient_clip_algorithm="norm",
        precision=settings.precision,
        accelerator=settings.accelerator,
        devices=1,
    )
    if resume_from is not None:
        log.info("resuming training from %s", resume_from)
    started = time.perf_counter()
    trainer.fit(module, datamodule=data, ckpt_path=resume_from, weights_only=True)
    if settings.checkpoint_dir is not None:
        # every_n_train_steps may not divide max_steps: make sure last.ckpt holds the final state.
        trainer.save_checkpoint(Path(settings.checkpoint_dir) / LAST_CHECKPOINT, weights_only=False)
    return FitResult(steps=timer.steps, step_seconds=timer.seconds, wall_seconds=time.perf_counter() - started)
