"""Fixtures of the evaluation tests."""

import pytest

from cosmos_flow.torch_threads import torch_threads


@pytest.fixture(autouse=True)
def one_thread():
    """The tensors here are tiny: one thread avoids thread hand-offs, which stall when other processes share the
    cores."""
    with torch_threads(1):
        yield
