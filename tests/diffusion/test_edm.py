"""EDM preconditioning, noise levels, loss weight and schedule: the identities the denoiser relies on."""

import math

import pytest
import torch

from cosmos_flow.diffusion.edm import (
    EDMConfig,
    bucket_index,
    bucket_names,
    edm_loss_weight,
    edm_preconditioning,
    karras_sigmas,
    sample_training_sigmas,
    sigma_bucket_edges,
)

SIGMA_DATA = 0.5


def test_preconditioning_at_sigma_to_zero_passes_the_input_through():
    c = edm_preconditioning(torch.tensor([1e-6]), SIGMA_DATA)
    assert c.c_skip.item() == pytest.approx(1.0, abs=1e-9)
    assert c.c_out.item() == pytest.approx(0.0, abs=1e-5)
    assert c.c_in.item() == pytest.approx(1 / SIGMA_DATA, rel=1e-6)


def test_preconditioning_at_sigma_to_infinity_trusts_the_network_alone():
    sigma = torch.tensor([1e6], dtype=torch.float64)
    c = edm_preconditioning(sigma, SIGMA_DATA)
    assert c.c_skip.item() == pytest.approx(0.0, abs=1e-9)
    assert c.c_out.item() == pytest.approx(SIGMA_DATA, rel=1e-6)
    assert (c.c_in * sigma).item() == pytest.approx(1.0, rel=1e-6)  # c_in ~ 1/σ: unit-variance network input


def test_preconditioning_gives_unit_variance_input_and_target_at_every_sigma():
    sigma = torch.tensor([0.01, 0.3, 1.0, 7.0, 80.0], dtype=torch.float64)
    c = edm_preconditioning(sigma, SIGMA_DATA)
    assert torch.allclose(c.c_in**2 * (sigma**2 + SIGMA_DATA**2), torch.ones_like(sigma))
    # Target of F: (z - c_skip (z + σn)) / c_out has variance ((1 - c_skip)² σ_d² + c_skip² σ²) / c_out² = 1.
    target_variance = ((1 - c.c_skip) ** 2 * SIGMA_DATA**2 + c.c_skip**2 * sigma**2) / c.c_out**2
    assert torch.allclose(target_variance, torch.ones_like(sigma))
    assert torch.allclose(edm_loss_weight(sigma, SIGMA_DATA), 1 / c.c_out**2)
    assert torch.allclose(c.c_noise, sigma.log() / 4)


def test_training_sigmas_are_lognormal_with_the_given_moments():
    sigmas = sample_training_sigmas(40000, -1.2, 1.2, torch.Generator().manual_seed(0))
    assert sigmas.log().mean().item() == pytest.approx(-1.2, abs=0.03)
    assert sigmas.log().std().item() == pytest.approx(1.2, abs=0.03)


def test_karras_schedule_runs_from_sigma_max_to_sigma_min_then_zero():
    sigmas = karras_sigmas(10, 0.002, 80.0, 7.0)
    assert sigmas.shape == (11,) and sigmas[-1] == 0
    assert sigmas[0].item() == pytest.approx(80.0) and sigmas[-2].item() == pytest.approx(0.002, rel=1e-4)
    assert bool((sigmas[1:] < sigmas[:-1]).all())
    with pytest.raises(ValueError, match="at least 1"):
        karras_sigmas(0, 0.002, 80.0)


def test_sigma_buckets_cover_every_sigma_and_have_readable_names():
    edges = sigma_bucket_edges(EDMConfig(), 4)
    names = bucket_names(edges)
    assert len(names) == 4 and names[0].startswith("sigma_0-") and names[-1].endswith("-inf")
    index = bucket_index(torch.tensor([1e-5, edges[1] * 1.01, math.exp(-1.0), 1e4]), edges)
    assert index.tolist() == [0, 1, 2, 3]
