"""The optimizer recipe every model here trains with: AdamW, a linear warm-up, then a cosine decay to zero."""

from __future__ import annotations

import math
from collections.abc import Iterable

import torch

# Devices with a fused AdamW kernel, which updates every tensor in one pass instead of a dozen ops
# per tensor: on a CPU the tiny tokenizer's optimizer step took 1.1 ms instead of 5.5 ms.
FUSED_ADAMW_DEVICES = ("cpu", "cuda")


def warmup_cosine(warmup_steps: int, max_steps: int):
    """Learning-rate factor per step: linear from 1/warmup to 1, then a cosine down to 0 at max_steps."""

    def factor(step: int) -> float:
        if step < warmup_steps:
            return (step + 1) / warmup_steps
        progress = min(1.0, (step - warmup_steps) / max(1, max_steps - warmup_steps))
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    return factor


def adamw_warmup_cosine(
    params: Iterable, device: torch.device, learning_rate: float, warmup_steps: int, max_steps: int, **adamw
) -> dict:
    """What a LightningModule's `configure_optimizers` returns: AdamW on `params` (tensors or
    parameter groups) stepped by the warm-up + cosine schedule; `adamw` passes betas, weight_decay..."""
    optimizer = torch.optim.AdamW(params, lr=learning_rate, fused=device.type in FUSED_ADAMW_DEVICES, **adamw)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, warmup_cosine(warmup_steps, max_steps))
    return {"optimizer": optimizer, "lr_scheduler": {"scheduler": schedule, "interval": "step"}}
