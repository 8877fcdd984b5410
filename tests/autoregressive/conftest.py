"""Fixtures of the autoregressive tests."""

import pytest

from cosmos_flow.torch_threads import torch_threads


@pytest.fixture(autouse=True)
def one_thread():
    """Tiny tensors run fastest on one thread, and do not stall when other processes share the cores."""
    with torch_threads(1):
        yield
