import pytest
import torch

from cosmos_flow.metrics import ssim
from cosmos_flow.tokenizer.losses import DEFAULT_LOSS_WEIGHTS, reconstruction_losses


def _video(frames: int = 5, size: int = 24) -> torch.Tensor:
    """Smooth random videos (1, 3, T, H, W) in [-1, 1] with some structure for SSIM to see."""
    generator = torch.Generator().manual_seed(0)
    coarse = torch.rand(1, 3, frames, size // 8, size // 8, generator=generator)
    smooth = torch.nn.functional.interpolate(coarse, size=(frames, size, size), mode="trilinear")
    return smooth * 2 - 1


def test_identical_inputs_cost_nothing():
    video = _video()
    losses = reconstruction_losses(video, video.clone())
    assert set(losses) == {"mse", "l1", "ssim", "gradient", "total"}
    for value in losses.values():
        assert float(value) == pytest.approx(0.0, abs=1e-5)


def test_total_is_the_weighted_sum_and_ssim_matches_the_metric():
    video = _video()
    noisy = (video + 0.1 * torch.randn(video.shape, generator=torch.Generator().manual_seed(1))).clamp(-1, 1)
    losses = reconstruction_losses(noisy, video, {"gradient": 2.0})
    weights = {**DEFAULT_LOSS_WEIGHTS, "gradient": 2.0}
    assert float(losses["total"]) == pytest.approx(
        sum(weights[name] * float(losses[name]) for name in weights), rel=1e-5
    )
    assert 1 - float(losses["ssim"]) == pytest.approx(ssim(video, noisy), abs=1e-4)
    with pytest.raises(ValueError, match="unknown loss weights"):
        reconstruction_losses(noisy, video, {"perceptual": 1.0})


def test_ssim_loss_punishes_noise_more_than_a_small_shift():
    video = _video(size=32)
    target, shifted = video[..., 1:], video[..., :-1]  # the picture moved by one pixel
    noise = torch.randn(target.shape, generator=torch.Generator().manual_seed(2))
    noisy = target + noise * (shifted - target).abs().mean() / noise.abs().mean()  # the same L1 error as the shift
    assert float(reconstruction_losses(noisy, target)["l1"]) == pytest.approx(
        float(reconstruction_losses(shifted, target)["l1"]), rel=1e-4
    )
    assert float(reconstruction_losses(noisy, target)["ssim"]) > 1.5 * float(
        reconstruction_losses(shifted, target)["ssim"]
    )


def test_gradient_term_catches_a_blurred_edge():
    sharp = -torch.ones(1, 3, 3, 16, 16)
    sharp[..., 8:] = 1.0
    blurred = sharp.clone()
    blurred[..., 6:10] = torch.tensor([-0.6, -0.2, 0.2, 0.6])  # the edge smeared over 4 columns
    offset = sharp.clone()
    offset[..., 0:4] += 0.6  # the same L1 error, in a flat area, with the edge left sharp
    blurred_losses, offset_losses = reconstruction_losses(blurred, sharp), reconstruction_losses(offset, sharp)
    assert float(blurred_losses["l1"]) == pytest.approx(float(offset_losses["l1"]), rel=1e-5)
    assert float(blurred_losses["gradient"]) > 3 * float(offset_losses["gradient"])


def test_flicker_costs_through_the_temporal_gradient():
    still = _video(frames=1).repeat(1, 1, 4, 1, 1)
    flicker = still.clone()
    flicker[:, :, 1::2] += 0.1
    drift = still + 0.1  # the same L1 error, but steady over time
    assert (
        float(reconstruction_losses(flicker, still)["gradient"])
        > float(reconstruction_losses(drift, still)["gradient"]) + 0.01
    )


def test_single_frames_and_backward():
    image = _video(frames=1)
    reconstruction = torch.zeros_like(image, requires_grad=True)
    losses = reconstruction_losses(reconstruction, image)
    losses["total"].backward()
    assert torch.isfinite(losses["total"]) and float(losses["total"].detach()) > 0
    assert (
        reconstruction.grad is not None
        and torch.isfinite(reconstruction.grad).all()
        and reconstruction.grad.abs().sum() > 0
    )


def test_squared_error_makes_dropping_a_small_object_cost_more_than_a_faint_background_error():
    target = torch.zeros(1, 3, 1, 32, 32)
    target[..., 12:16, 12:16] = -1.0  # a small dark object on a plain background
    faint_background_error = target + 0.05
    faint_background_error[..., 12:16, 12:16] = -1.0
    object_dropped = torch.zeros_like(target)
    # Pixel by pixel, L1 finds dropping the object cheaper (that is how an L1-trained tokenizer learns to
    # leave objects out); the squared error the default weights lead with does not.
    assert float(reconstruction_losses(object_dropped, target)["l1"]) < float(
        reconstruction_losses(faint_background_error, target)["l1"]
    )
    assert float(reconstruction_losses(object_dropped, target)["total"]) > 2 * float(
        reconstruction_losses(faint_background_error, target)["total"]
    )


def test_object_pixels_weigh_more_in_the_squared_and_absolute_errors():
    target = torch.zeros(1, 3, 1, 2, 2)
    reconstruction = target.clone()
    reconstruction[..., 0, 0] = 1.0  # one pixel wrong by 1 in every channel
    objects = torch.zeros(1, 1, 1, 2, 2)
    objects[..., 0, 0] = 1.0  # and it is the object
    plain = reconstruction_losses(reconstruction, target)
    assert plain["mse"].item() == pytest.approx(1 / 4) and plain["l1"].item() == pytest.approx(1 / 4)
    # Weights 1 + 9 on the object pixel, 1 on the three others: 10 / 13 of the error mass.
    weighted = reconstruction_losses(reconstruction, target, objects=objects, object_weight=9.0)
    assert weighted["mse"].item() == pytest.approx(10 / 13) and weighted["l1"].item() == pytest.approx(10 / 13)
    # The same error on a background pixel now counts less than plainly.
    background = torch.zeros(1, 3, 1, 2, 2)
    background[..., 1, 1] = 1.0
    assert reconstruction_losses(background, target, objects=objects, object_weight=9.0)["mse"].item() == pytest.approx(
        1 / 13
    )
    assert reconstruction_losses(reconstruction, target, objects=objects, object_weight=0.0)[
        "mse"
    ].item() == pytest.approx(1 / 4)
