"""Clip embeddings for deduplication: a pluggable interface and a default that needs no weights.

An embedder maps a clip's analysis frames ((T, H, W, 3) uint8 RGB) to one L2-normalized float32
vector, so that the cosine similarity of two clips is the dot product of their embeddings. A learned
model can be plugged in later by registering a class with the same `embed` method in `EMBEDDERS`.

The default, `VisualDescriptorEmbedder`, is a fixed descriptor built to survive re-encoding and
resizing, which only perturb fine detail, while telling apart clips whose layout or content
differs:
- thumbnails: a few frames spread over the clip, shrunk to a tiny grid by area averaging (so
  compression noise and resolution vanish), as CIELAB lightness minus the clip's mean lightness:
  the layout of the picture and how it changes over time. Colour is left out of the thumbnails
  because heavy compression shifts the colour of greyish scenes far more than their lightness;
- colour histograms of CIELAB L, a and b over the whole clip (square roots of the frequencies,
  which weigh rare colours up, centred on those of a uniform spread);
- a motion profile: the mean thumbnail change between consecutive frames over time.
Each block is L2-normalized and weighted (weights summing to 1), so the cosine of two descriptors
is the weighted mean of the three blocks' cosines. Letterbox bars are left in: every copy of a clip
has them in the same place, whereas cropping them at different resolutions shifts the thumbnails.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import cv2
import numpy as np

from cosmos_flow.curation.sampling import centred_indices

LOGGER = logging.getLogger(__name__)


class ClipEmbedder(Protocol):
    """What the dedup stage needs from an embedding model."""

    name: str

    def embed(self, frames: np.ndarray) -> np.ndarray:
        """(T, H, W, 3) uint8 RGB frames -> (D,) float32 vector of unit length."""
        ...


@dataclass(frozen=True)
class VisualDescriptorParams:
    """Shape and block weights of the default descriptor (one Kedro parameter group)."""

    thumbnails: int = 4  # frames taken, evenly spread over the clip
    thumbnail_size: int = 16  # thumbnails are thumbnail_size x thumbnail_size
    histogram_bins: int = 16  # per CIELAB channel
    motion_bins: int = 8  # points of the motion profile
    thumbnail_weight: float = 0.85
    histogram_weight: float = 0.1
    motion_weight: float = 0.05


def _unit(vector: np.ndarray, floor: float = 1e-6) -> np.ndarray:
    """`vector` scaled to unit length; a (near) zero vector stays (near) zero instead of blowing up noise."""
    return vector / max(float(np.linalg.norm(vector)), floor)


def _lab(frames: np.ndarray) -> np.ndarray:
    """(T, H, W, 3) uint8 RGB -> float32 CIELAB (L in [0, 100], a and b in about [-128, 127])."""
    return np.stack([cv2.cvtColor(frame.astype(np.float32) / 255.0, cv2.COLOR_RGB2LAB) for frame in frames])


def _lightness_thumbnails(frames: np.ndarray, side: int) -> np.ndarray:
    """(T, side, side) CIELAB lightness of area-averaged thumbnails."""
    return _lab(np.stack([cv2.resize(frame, (side, side), interpolation=cv2.INTER_AREA) for frame in frames]))[..., 0]


class VisualDescriptorEmbedder:
    """Thumbnails + colour histograms + motion profile; see the module docstring."""

    name = "visual_descriptor"

    def __init__(self, params: VisualDescriptorParams = VisualDescriptorParams()):
        self.params = params

    @classmethod
    def from_options(cls, **options) -> VisualDescriptorEmbedder:
        """Built from plain options (a Kedro parameter dict), e.g. thumbnail_size=8."""
        return cls(VisualDescriptorParams(**options))

    @property
    def dim(self) -> int:
        p = self.params
        return p.thumbnails * p.thumbnail_size**2 + 3 * p.histogram_bins + p.motion_bins

    def embed(self, frames: np.ndarray) -> np.ndarray:
        p = self.params
        frames = np.asarray(frames)
        tiny = _lightness_thumbnails(frames, p.thumbnail_size)
        picked = centred_indices(len(frames), p.thumbnails)
        blocks = [
            (tiny[picked] - tiny.mean(), p.thumbnail_weight),
            (self._colour_histograms(frames), p.histogram_weight),
            (self._motion_profile(tiny), p.motion_weight),
        ]
        descriptor = np.concatenate([np.sqrt(weight) * _unit(block.ravel()) for block, weight in blocks])
        return _unit(descriptor).astype(np.float32)

    def _colour_histograms(self, frames: np.ndarray) -> np.ndarray:
        bins = self.params.histogram_bins
        # Histograms of a small copy: the colour distribution needs no detail.
        small = _lab(np.stack([cv2.resize(frame, (64, 64), interpolation=cv2.INTER_AREA) for frame in frames]))
        ranges = ((0.0, 100.0), (-128.0, 128.0), (-128.0, 128.0))
        histograms = []
        for channel, (low, high) in enumerate(ranges):
            counts, _ = np.histogram(small[..., channel], bins=bins, range=(low, high))
            histograms.append(np.sqrt(counts / counts.sum()) - np.sqrt(1.0 / bins))
        return np.concatenate(histograms)

    def _motion_profile(self, tiny: np.ndarray) -> np.ndarray:
        bins = self.params.motion_bins
        if len(tiny) < 2:
            return np.zeros(bins)
        changes = np.abs(np.diff(tiny, axis=0)).mean(axis=(1, 2))  # lightness change per step
        positions = np.linspace(0, len(changes) - 1, bins)
        return np.interp(positions, np.arange(len(changes)), changes)


# name -> factory taking plain options; a learned embedder registers itself here.
EMBEDDERS: dict[str, Callable[..., ClipEmbedder]] = {
    VisualDescriptorEmbedder.name: VisualDescriptorEmbedder.from_options
}


def make_embedder(name: str = VisualDescriptorEmbedder.name, **options) -> ClipEmbedder:
    """The embedder registered as `name`, built from `options`."""
    if name not in EMBEDDERS:
        raise ValueError(f"unknown clip embedder {name!r}; known: {sorted(EMBEDDERS)}")
    return EMBEDDERS[name](**options)


def embed_clips(clips: Iterable[np.ndarray], embedder: ClipEmbedder | None = None) -> np.ndarray:
    """(N, D) float32 embeddings of the clips' analysis frames, one row per clip."""
    embedder = embedder or VisualDescriptorEmbedder()
    rows = [embedder.embed(frames) for frames in clips]
    LOGGER.debug("embedded %d clips with %s", len(rows), embedder.name)
    return np.stack(rows).astype(np.float32)
