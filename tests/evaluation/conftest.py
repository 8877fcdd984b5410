"""Fixtures of the evaluation tests."""

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    """The tensors here are tiny: one thread avoids thread hand-offs, which stall when other processes share the cores."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
