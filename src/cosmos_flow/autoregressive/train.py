"""Train one stage of the autoregressive model with Lightning and measure it.

Stage 1 learns video alone; stage 2 starts from stage 1's weights with cross-attention to text
added (zero-initialized, so it starts as stage 1) and trains on the same clips with their captions.
Each stage returns the plain network and its numbers: validation loss, token accuracy and
perplexity (exp of the mean loss) on the tokens after one condition latent frame, and training
throughput in tokens per second.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import pytorch_lightning as pl
import torch
from pytorch_lightning.loggers import Logger

from cosmos_flow.autoregressive.data import TokenClips, TokenDataModule
from cosmos_flow.autoregressive.gpt import ARConfig, ARTransformer, load_stage_one, parameter_count
from cosmos_flow.autoregressive.lightning import VAL_CONDITION_LATENTS, ARModule
from cosmos_flow.autoregressive.objective import (
    TokenMetricTotals,
    batch_metrics,
    check_corruption_rate,
    copy_previous_frame_accuracy,
)
from cosmos_flow.autoregressive.registry import get_config
from cosmos_flow.training import FitSettings, fit

log = logging.getLogger(__name__)


@dataclass
class ARTrainParams(FitSettings):
    """How long and how a stage trains: the harness's settings (`FitSettings`: steps, validation, clipping,
    precision, devices, checkpoints, EMA, with this family's defaults) and this family's own."""

    max_steps: int = 300
    batch_size: int = 8
    learning_rate: float = 1e-3
    weight_decay: float = 0.1
    warmup_steps: int = 20
    val_every_steps: int = 100
    corruption_rate: float = 0.1
    condition_latents: list[int] = field(default_factory=lambda: [1, 2])
    seed: int = 0

    def __post_init__(self):
        super().__post_init__()  # the steps, intervals, clipping and EMA
        if self.batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        check_corruption_rate(self.corruption_rate)


@dataclass
class StageResult:
    """A trained network (eval mode, CPU) and its numbers (flat, JSON-safe)."""

    model: ARTransformer
    metrics: dict[str, float]


def stage_config(
    size: str,
    overrides: dict,
    codebook_size: int,
    latent_grid: tuple[int, int, int],
    init_from: ARTransformer | None = None,
    text_dim: int | None = None,
) -> ARConfig:
    """The transformer a stage trains: a registry size over the tokenizer's codebook and latent grid (stage 1), or
    the stage it starts from with cross-attention to text of width `text_dim` added (stage 2)."""
    if init_from is not None:
        if text_dim is None:
            raise ValueError("a stage that starts from another one adds text: give the text embeddings' width")
        return init_from.config.with_text(text_dim)
    return get_config(size, codebook_size, latent_grid, **overrides)


def train_stage(
    config: ARConfig,
    params: ARTrainParams,
    train: TokenClips,
    val: TokenClips | None,
    logger: Logger | None = None,
    init_from: ARTransformer | None = None,
) -> StageResult:
    """Train `config` (initialized from `init_from`'s weights when given) for `params.max_steps` steps."""
    pl.seed_everything(params.seed, workers=True)
    if train.tokens.shape[1] != config.max_tokens:
        raise ValueError(
            f"the clips have {train.tokens.shape[1]} tokens each but the model's window is {config.max_tokens} "
            f"{config.latent_grid}; build the config from the clips' latent grid"
        )
    module = ARModule(
        model_config=config.to_dict(),
        learning_rate=params.learning_rate,
        weight_decay=params.weight_decay,
        warmup_steps=params.warmup_steps,
        max_steps=params.max_steps,
        corruption_rate=params.corruption_rate,
        condition_latents=params.condition_latents,
        held_condition_latents=train.held_condition_latents,
    )
    if init_from is not None:
        load_stage_one(module.model, init_from.state_dict())
    if logger is not None:
        logger.log_hyperparams(
            {
                "ar_parameters": parameter_count(module.model),
                "ar_text": config.text_dim is not None,
            }
        )
    data = TokenDataModule(train, val, params.batch_size, params.max_steps, params.seed)
    result = fit(module, data, params, has_validation=data.val is not None, logger=logger)
    tokens_per_step = params.batch_size * train.tokens.shape[1]
    metrics = {
        "train_tokens_per_s": result.steps_per_second * tokens_per_step,
        "train_seconds": result.wall_seconds,
        "parameters": parameter_count(module.model),
    }
    if val is None or len(val) == 0:
        log.warning("there are no validation clips: the val_* numbers are measured on the training clips")
    metrics.update(
        evaluate(module.model, val if val is not None and len(val) else train, params.batch_size)
    )  # on the training device
    model = module.model.eval().cpu()
    log.info(
        "trained a %d-block transformer (%d steps): %s",
        config.depth,
        params.max_steps,
        {name: round(value, 4) for name, value in metrics.items()},
    )
    return StageResult(model, metrics)


@torch.no_grad()
def evaluate(model: ARTransformer, clips: TokenClips, batch_size: int = 16) -> dict[str, float]:
    """val_loss, val_token_accuracy and val_perplexity on the tokens after one condition latent frame,
    beside the copy-the-previous-frame baseline's token accuracy."""
    model.eval()
    device = next(model.parameters()).device
    totals = TokenMetricTotals()
    for first in range(0, len(clips), batch_size):
        batch = {name: tensor.to(device) for name, tensor in clips[first : first + batch_size].items()}
        totals.add(
            batch_metrics(model, batch, [VAL_CONDITION_LATENTS], held_condition_latents=clips.held_condition_latents)
        )
    mean = totals.mean()
    return {
        "val_loss": float(mean.loss),
        "val_token_accuracy": float(mean.accuracy),
        "val_perplexity": float(mean.perplexity),
        "val_copy_previous_frame_accuracy": copy_previous_frame_accuracy(
            clips.tokens, model.config.tokens_per_frame, VAL_CONDITION_LATENTS
        ),
    }
