"""torch_threads: the thread count set for a block and restored after it, even when the block fails."""

import pytest
import torch

from cosmos_flow.torch_threads import torch_threads


def test_the_count_holds_inside_the_block_and_is_restored_after():
    before = torch.get_num_threads()
    with torch_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with pytest.raises(RuntimeError), torch_threads(1):
        raise RuntimeError("the block failed")
    assert torch.get_num_threads() == before


@pytest.mark.parametrize("count", [None, 0])
def test_none_leaves_torch_alone(count):
    before = torch.get_num_threads()
    with torch_threads(count):
        assert torch.get_num_threads() == before
