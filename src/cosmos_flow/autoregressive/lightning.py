"""Lightning training of an `ARTransformer`: next-token loss on the generated part, token accuracy, perplexity.

The LightningModule wraps the plain network (`module.model`), which is what gets saved and served;
its hyperparameters are plain dicts and numbers so checkpoints load with `weights_only=True`.
Validation always scores the same tokens (those after one condition latent frame, no corruption),
so its numbers compare across runs and stages.
"""

from __future__ import annotations

import pytorch_lightning as pl
from torch import Tensor

from cosmos_flow.autoregressive.gpt import ARConfig, ARTransformer
from cosmos_flow.autoregressive.objective import TokenMetrics, TokenMetricTotals, batch_metrics, check_corruption_rate
from cosmos_flow.optim import adamw_warmup_cosine

VAL_CONDITION_LATENTS = 1


class ARModule(pl.LightningModule):
    """Trains the transformer on batches {"tokens": Long[B, L], and in stage 2 the caption's "context" and
    "context_mask"}."""

    def __init__(
        self,
        model_config: dict,
        learning_rate: float = 1e-3,
        weight_decay: float = 0.1,
        warmup_steps: int = 20,
        max_steps: int = 300,
        corruption_rate: float = 0.0,
        condition_latents: list[int] | None = None,
        held_condition_latents: list[int] | None = None,
    ):
        super().__init__()
        self.save_hyperparameters()
        self.model = ARTransformer(ARConfig.from_dict(model_config))
        self.condition_latents = list(condition_latents or [1, 2])
        self.held_condition_latents = list(
            held_condition_latents or []
        )  # what the batches' "held" tokens are for (anchored models)
        check_corruption_rate(corruption_rate)
        self._val_totals = TokenMetricTotals()

    def _log_metrics(self, prefix: str, metrics: TokenMetrics) -> None:
        values = {
            f"{prefix}/loss": metrics.loss,
            f"{prefix}/token_accuracy": metrics.accuracy,
            f"{prefix}/perplexity": metrics.perplexity,
        }
        self.log_dict(values, batch_size=metrics.count, prog_bar=prefix == "train")

    def training_step(self, batch: dict[str, Tensor], batch_idx: int) -> Tensor:
        metrics = batch_metrics(
            self.model, batch, self.condition_latents, self.hparams.corruption_rate, self.held_condition_latents
        )
        self._log_metrics("train", metrics)
        return metrics.loss

    def on_validation_epoch_start(self) -> None:
        self._val_totals = TokenMetricTotals()

    def validation_step(self, batch: dict[str, Tensor], batch_idx: int) -> None:
        self._val_totals.add(
            batch_metrics(
                self.model, batch, [VAL_CONDITION_LATENTS], held_condition_latents=self.held_condition_latents
            )
        )

    def on_validation_epoch_end(self) -> None:
        if self._val_totals.count:
            self._log_metrics("val", self._val_totals.mean())

    def configure_optimizers(self):
        # No weight decay on embeddings and norm gains (the usual GPT recipe).
        decayed = [p for name, p in self.model.named_parameters() if p.ndim >= 2 and "embedding" not in name]
        kept = [p for name, p in self.model.named_parameters() if p.ndim < 2 or "embedding" in name]
        groups = [{"params": decayed, "weight_decay": self.hparams.weight_decay}, {"params": kept, "weight_decay": 0.0}]
        hp = self.hparams
        return adamw_warmup_cosine(
            groups, self.device, hp.learning_rate, hp.warmup_steps, hp.max_steps, betas=(0.9, 0.95)
        )
