"""Tiny diffusion models for the tests in this folder: seeded, a few thousand parameters, and randomized so
that their outputs depend on every input (a fresh DiT's zero-initialized output layers would hide bugs)."""

import pytest
import torch

from cosmos_flow.diffusion.denoiser import DiffusionDenoiser
from cosmos_flow.diffusion.dit import DiTConfig
from cosmos_flow.diffusion.edm import EDMConfig
from cosmos_flow.torch_threads import torch_threads

TEXT_DIM = 8


@pytest.fixture(autouse=True)
def one_thread():
    """These models are tiny: one thread avoids the cost of thread hand-offs on a busy 2-core machine."""
    with torch_threads(1):
        yield


def tiny_config(**overrides) -> DiTConfig:
    settings = {
        "latent_channels": 4,
        "dim": 32,
        "depth": 2,
        "heads": 2,
        "text_dim": TEXT_DIM,
        "max_grid": (4, 4, 4),
        "frequency_dim": 32,
    }
    return DiTConfig(**{**settings, **overrides})


def randomize(module: torch.nn.Module, seed: int = 0) -> torch.nn.Module:
    """Every parameter drawn at random (std 0.2), zero-initialized ones included."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for parameter in module.parameters():
            parameter.copy_(torch.randn(parameter.shape, generator=generator) * 0.2)
    return module


def text(batch: int, tokens: int = 5, seed: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    mask = torch.ones(batch, tokens, dtype=torch.bool)
    mask[:, tokens - 1] = False  # one padding token
    return torch.randn(batch, tokens, TEXT_DIM, generator=generator), mask


@pytest.fixture
def text2world() -> DiffusionDenoiser:
    torch.manual_seed(0)
    return randomize(
        DiffusionDenoiser(tiny_config(), EDMConfig(), torch.linspace(-1, 1, 4), torch.linspace(0.5, 2, 4))
    ).eval()


@pytest.fixture
def video2world() -> DiffusionDenoiser:
    torch.manual_seed(0)
    return randomize(
        DiffusionDenoiser(
            tiny_config(condition_mask=True), EDMConfig(), torch.linspace(-1, 1, 4), torch.linspace(0.5, 2, 4)
        )
    ).eval()


@pytest.fixture
def make_config():
    return tiny_config


@pytest.fixture
def make_text():
    return text


@pytest.fixture
def make_random():
    return randomize
