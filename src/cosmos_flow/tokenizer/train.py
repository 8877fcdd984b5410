"""Train a video tokenizer (cosmos_flow.training's harness), resuming from `checkpoint_dir/last.ckpt` when there is
one."""

from __future__ import annotations

from dataclasses import dataclass

import pytorch_lightning as pl
from pytorch_lightning.loggers import Logger

from cosmos_flow.tokenizer.data import TokenizerDataModule
from cosmos_flow.tokenizer.lightning import TokenizerModule
from cosmos_flow.tokenizer.model import CausalVideoTokenizer, TokenizerConfig
from cosmos_flow.training import FitSettings, fit


@dataclass
class TokenizerTrainParams(FitSettings):
    """How long and how a tokenizer trains: the harness's settings (`FitSettings`: steps, validation, clipping,
    precision, devices, checkpoints, EMA, with this family's defaults) and this family's own."""

    max_steps: int = 2000
    learning_rate: float = 1e-3
    warmup_steps: int = 50
    val_every_steps: int = 250
    loss_weights: dict | None = None
    image_weight: float = 0.5
    seed: int = 0
    weight_decay: float = 0.0
    # AdamW's (beta1, beta2). A beta2 of 0.99 instead of torch's 0.999 lets the step size follow
    # the gradient's scale sooner: 25.29 against 25.01 dB on held-out sim after 1,500 steps.
    betas: tuple[float, float] = (0.9, 0.99)
    sample_fps: float = 12  # frame rate of the reconstruction videos logged to MLflow
    spread_weight: float = (
        0.0  # DV: weight of the term that spreads codes over the codebook (FSQ.spread_loss); 0 is off
    )
    # extra weight of simulated object pixels in the reconstruction loss (losses.reconstruction_losses); 0 is off
    object_weight: float = 0.0

    def __post_init__(self):
        super().__post_init__()  # the steps, intervals, clipping and EMA
        betas = self.betas if isinstance(self.betas, (list, tuple)) else [self.betas]
        if len(betas) != 2 or not all(isinstance(beta, (int, float)) and 0.0 <= beta < 1.0 for beta in betas):
            raise ValueError(
                f"betas must be two numbers in [0, 1), AdamW's (beta1, beta2), e.g. [0.9, 0.99] (got {self.betas!r})"
            )
        self.betas = (float(betas[0]), float(betas[1]))
        if self.spread_weight < 0 or self.object_weight < 0:
            raise ValueError(
                f"spread_weight and object_weight must be 0 (off) or positive, got {self.spread_weight} and "
                f"{self.object_weight}"
            )


def train_tokenizer(
    config: TokenizerConfig, params: TokenizerTrainParams, datamodule: TokenizerDataModule, logger: Logger | None = None
) -> CausalVideoTokenizer:
    """Train `config` on `datamodule`'s batches for `params.max_steps` steps; return the tokenizer
    (a plain nn.Module, in eval mode, on the CPU).

    With `checkpoint_dir`, `last.ckpt` there is written as training goes and picked up by the
    next call: an interrupted run continues, a finished one returns at once.
    """
    pl.seed_everything(params.seed, workers=True)
    module = TokenizerModule(
        tokenizer_config=config.to_dict(),
        learning_rate=params.learning_rate,
        weight_decay=params.weight_decay,
        betas=list(params.betas),
        warmup_steps=params.warmup_steps,
        max_steps=params.max_steps,
        loss_weights=params.loss_weights,
        image_weight=params.image_weight,
        sample_fps=params.sample_fps,
        spread_weight=params.spread_weight,
        object_weight=params.object_weight,
    )
    data = datamodule.params
    module.tokenizer.check_input(data.frames, data.crop, data.crop)
    if logger is not None:
        logger.log_hyperparams({"tokenizer_parameters": sum(p.numel() for p in module.tokenizer.parameters())})
    fit(module, datamodule, params, has_validation=len(datamodule.val_clips) > 0, logger=logger)
    return module.tokenizer.eval().cpu()
