"""torch's CPU thread count, set for one block of code and restored after it.

The models and networks this project runs on CPU are small: each operation is too little work to split across
cores, so extra intra-op threads gain little on an idle machine, and on a shared one (2 cores, other processes
running) every operation waits at OpenMP's barriers for threads that are not scheduled. Measured on a busy
2-core box: the tiny diffusion model trains at 1.4 steps/s with 2 threads and 6.8 with 1, and TransNetV2 shot
detection runs two to three times faster with one thread per worker.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(count: int | None) -> Iterator[None]:
    """Run the block with `count` intra-op threads (torch.set_num_threads), then restore the previous count.

    None (or 0) leaves torch's setting alone, so a parameter file can say "torch's default".
    """
    if not count:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(previous)
