"""Reconstruction losses for the video tokenizer, with no pretrained networks (no downloaded weights).

- `mse`: mean squared error, the loss PSNR measures.
- `l1`: mean absolute error.
- `ssim`: 1 - SSIM, per frame and channel, with the same Gaussian window (11 taps, sigma 1.5)
  and constants as `cosmos_flow.metrics.ssim`, so the loss tracks the metric reported.
- `gradient`: L1 between the finite differences of reconstruction and target, along height,
  width and (when T > 1) time. Plain L1 lets a model blur edges and flicker at little cost;
  this term charges for both.

With `objects` (1 on the objects of simulated clips, from the simulator's masks) and an
`object_weight` w > 0, the squared and absolute errors become weighted means in which each object
pixel counts 1 + w times as much as a background pixel: a 64x64 simulated scene is mostly flat floor,
and a tokenizer that buys PSNR there while blurring an 8-pixel object has lost what the world models
need (the evaluation segments objects by colour, so a smeared edge is a lost object).

`total` is the weighted sum. Default weights: mse 30, l1 1, ssim 0.2, gradient 0.5. The squared
error leads on purpose. L1 and the gradient term push every pixel by the sign of its error alone,
so in a sparse scene the many background pixels, each slightly off, outvote the few pixels of a
small object however wrong those are: with L1, SSIM and gradient only, the tiny tokenizer could
not even overfit four simulation clips past 22.9 dB PSNR, all of it spent on the background, with
every object left out. The squared error weighs each pixel by its error, so objects are learned
first (26.5 dB on the same four clips in the same 300 steps); L1, SSIM and gradient still sharpen
edges as the errors shrink. Losses are computed in float32 even under bf16 autocast: SSIM's
variances subtract nearly equal numbers, which bf16 cannot resolve.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from cosmos_flow.metrics import SSIM_K1, SSIM_K2, SSIM_SIGMA, SSIM_WINDOW, gaussian_window, ssim_map

DEFAULT_LOSS_WEIGHTS = {"mse": 30.0, "l1": 1.0, "ssim": 0.2, "gradient": 0.5}
DATA_RANGE, BLACK_LEVEL = 2.0, -1.0  # model tensors live in [-1, 1]


def reconstruction_losses(
    reconstruction: torch.Tensor,
    target: torch.Tensor,
    weights: dict[str, float] | None = None,
    objects: torch.Tensor | None = None,
    object_weight: float = 0.0,
) -> dict[str, torch.Tensor]:
    """{"mse", "l1", "ssim", "gradient", "total"} for (B, 3, T, H, W) videos in [-1, 1]; T may be 1.

    `weights` overrides entries of DEFAULT_LOSS_WEIGHTS; a weight of 0 drops a term from `total`.
    `objects` (B, 1, T, H, W), 1 on object pixels, with `object_weight` > 0 weighs those pixels
    1 + object_weight times in the squared and absolute errors (module docstring).
    """
    weights = resolved_weights(weights)
    if reconstruction.shape != target.shape or reconstruction.ndim != 5:
        raise ValueError(
            f"losses compare equal (B, C, T, H, W) shapes, got {tuple(reconstruction.shape)} and {tuple(target.shape)}"
        )
    with torch.autocast(device_type=reconstruction.device.type, enabled=False):
        x, y = reconstruction.float(), target.float()
        pixel_weights = None if objects is None or object_weight == 0 else 1.0 + object_weight * objects.float()
        losses = {
            "mse": _weighted_mean((x - y) ** 2, pixel_weights),
            "l1": _weighted_mean((x - y).abs(), pixel_weights),
            "ssim": 1.0 - differentiable_ssim(x, y),
            "gradient": gradient_loss(x, y),
        }
        losses["total"] = sum(weights[name] * losses[name] for name in DEFAULT_LOSS_WEIGHTS)
    return losses


def _weighted_mean(errors: torch.Tensor, pixel_weights: torch.Tensor | None) -> torch.Tensor:
    """The mean of (B, C, T, H, W) errors, each pixel weighted by (B, 1, T, H, W) weights (None: plainly)."""
    if pixel_weights is None:
        return errors.mean()
    return (errors * pixel_weights).sum() / (pixel_weights.sum() * errors.shape[1])


def resolved_weights(weights: dict[str, float] | None) -> dict[str, float]:
    """DEFAULT_LOSS_WEIGHTS with `weights` applied; unknown names are an error, not ignored."""
    unknown = sorted(set(weights or {}) - set(DEFAULT_LOSS_WEIGHTS))
    if unknown:
        raise ValueError(f"unknown loss weights {unknown}; the losses are {sorted(DEFAULT_LOSS_WEIGHTS)}")
    return {**DEFAULT_LOSS_WEIGHTS, **(weights or {})}


def differentiable_ssim(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean SSIM over every frame of every channel, as a tensor that gradients flow through."""
    height, width = x.shape[-2:]
    window = gaussian_window(min(SSIM_WINDOW, height, width), SSIM_SIGMA).to(x)
    planes_x = x.reshape(-1, 1, height, width) - BLACK_LEVEL
    planes_y = y.reshape(-1, 1, height, width) - BLACK_LEVEL
    return ssim_map(planes_x, planes_y, window, (SSIM_K1 * DATA_RANGE) ** 2, (SSIM_K2 * DATA_RANGE) ** 2).mean()


def gradient_loss(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean over axes (H, W, and T when T > 1) of the L1 distance between finite differences."""
    axes = [-1, -2] + ([-3] if x.shape[-3] > 1 else [])
    return torch.stack([F.l1_loss(torch.diff(x, dim=axis), torch.diff(y, dim=axis)) for axis in axes]).mean()
