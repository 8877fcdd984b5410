"""The one training harness: every model family's LightningModule is fitted here, by the only `pl.Trainer` in the code.

A family keeps its LightningModule, its data and its own parameters, which extend `FitSettings`: what a run of steps
needs (how many, how often to validate and log, clipping, precision, devices and strategy, progress bar, checkpoints
and resume, an EMA of the weights) is written once, here, and `fit` returns what every family reports of it
(`FitResult`).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

import pytorch_lightning as pl
import torch
from pytorch_lightning.callbacks import ModelCheckpoint
from pytorch_lightning.loggers import Logger
from torch.utils.data import DataLoader

log = logging.getLogger(__name__)

LAST_CHECKPOINT = "last.ckpt"


@dataclass
class FitSettings:
    """How a run of training steps goes; every family's training parameters extend it (and may change the defaults).
    precision "bf16-mixed" suits GPUs; CPUs want "32-true".

    checkpoint_dir: where `last.ckpt` is written as training goes (every validation interval and at the end) and
    resumed from by the next call, so an interrupted run continues and a finished one returns at once; None: no
    checkpoints.
    ema_decay: keep an exponential moving average of the weights, w_ema <- d * w_ema + (1 - d) * w after every step,
    and end training with it (validation during training sees the raw weights); None: the raw weights.
    """

    max_steps: int = 1000
    val_every_steps: int = 100
    log_every_steps: int = 10
    gradient_clip_norm: float | None = None  # clip the gradient's global norm to this (None: no clipping)
    precision: str = "32-true"
    accelerator: str = "auto"
    progress_bar: bool = False
    checkpoint_dir: str | None = None
    devices: int | str = 1  # Lightning's devices (e.g. 2, or "auto")
    strategy: str = "auto"  # Lightning's strategy (e.g. "ddp")
    ema_decay: float | None = None

    def __post_init__(self) -> None:
        if min(self.max_steps, self.val_every_steps, self.log_every_steps) < 1:
            raise ValueError("max_steps, val_every_steps and log_every_steps must be at least 1")
        if self.gradient_clip_norm is not None and self.gradient_clip_norm <= 0:
            raise ValueError(
                f"gradient_clip_norm must be positive or null (no clipping), got {self.gradient_clip_norm}"
            )
        if self.ema_decay is not None and not 0.0 <= self.ema_decay < 1.0:
            raise ValueError(f"ema_decay must be in [0, 1) or null (no average), got {self.ema_decay}")


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


class WeightAverage(pl.Callback):
    """An exponential moving average of the trainable weights, updated after every training step. Saved in
    checkpoints beside the raw weights (which training resumes from), so a resumed run keeps averaging where it
    stopped; `fit` copies it into the module once the trainer is done."""

    def __init__(self, decay: float):
        self.decay = decay
        self.average: dict[str, torch.Tensor] | None = None

    def on_train_start(self, trainer, pl_module) -> None:
        if self.average is None:  # a resumed run brought its average with it (load_state_dict)
            self.average = {name: weight.detach().clone() for name, weight in _trainable(pl_module)}

    @torch.no_grad()
    def on_train_batch_end(self, trainer, pl_module, outputs, batch, batch_idx) -> None:
        for name, weight in _trainable(pl_module):
            self.average[name].lerp_(weight.detach(), 1.0 - self.decay)

    @torch.no_grad()
    def copy_into(self, module: torch.nn.Module) -> None:
        for name, weight in _trainable(module):
            weight.copy_(self.average[name])

    def state_dict(self) -> dict:
        return {"average": self.average}

    def load_state_dict(self, state_dict: dict) -> None:
        self.average = state_dict["average"]


def _trainable(module: torch.nn.Module):
    return ((name, weight) for name, weight in module.named_parameters() if weight.requires_grad)


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
    average = None if settings.ema_decay is None else WeightAverage(settings.ema_decay)
    if average is not None:
        all_callbacks.append(average)
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
        devices=settings.devices,
        strategy=settings.strategy,
    )
    if resume_from is not None:
        log.info("resuming training from %s", resume_from)
    started = time.perf_counter()
    trainer.fit(module, datamodule=data, ckpt_path=resume_from, weights_only=True)
    if settings.checkpoint_dir is not None:
        # every_n_train_steps may not divide max_steps: make sure last.ckpt holds the final state.
        trainer.save_checkpoint(Path(settings.checkpoint_dir) / LAST_CHECKPOINT, weights_only=False)
    if average is not None and average.average is not None:
        average.copy_into(module)  # after the last checkpoint, which keeps the raw weights to resume from
    return FitResult(steps=timer.steps, step_seconds=timer.seconds, wall_seconds=time.perf_counter() - started)
