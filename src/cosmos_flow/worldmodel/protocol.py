"""What every world model offers its callers (the evaluation, the CLI, the Kedro datasets that load them).

A family's model class satisfies `WorldModel` structurally; nothing here imports a family. Which class loads a
saved folder is said by the catalog (`cosmos_flow.datasets.world_model`), not by a registry.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class WorldModel(Protocol):
    """A loaded world model, ready to generate."""

    name: str  # the saved folder's name: how reports call it
    family: str  # "diffusion_world_model" or "ar_world_model": which generation options apply
    stage: str  # training stage: "t2w" makes videos from text alone; "v2w" and "video" continue given frames
    resolution: tuple[int, int]  # (H, W) of the frames it makes
    temporal_compression: int  # of its tokenizer: condition frames are 1 or 1 + k * temporal_compression

    def generate(
        self, past_frames: np.ndarray | None, caption: str, n_future: int, seed: int, **options: Any
    ) -> np.ndarray:
        """uint8 (n_future, H, W, 3) frames that follow past_frames (uint8 (K, H, W, 3); None: from text alone).

        `options` are the family's sampling settings (diffusion: steps, guidance; autoregressive: temperature,
        top_p, top_k); none given keeps the model's saved defaults."""
        ...
