"""Procedural textures (seeded), written as PNG files because pybullet loads textures from disk.

Floor and object textures mix large soft blobs with fine grain: smooth enough to read at 64x64,
detailed enough for feature matching at 128x128 and above. Never a checkerboard (its repeated
corners make feature matches ambiguous).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import cv2
import numpy as np


def _texture_folder() -> Path:
    """One cache folder for every process: a texture's name is the hash of what draws it, so files are shared and
    reused, and runs do not leave a new folder behind each time."""
    folder = Path(tempfile.gettempdir()) / "cosmos_flow_textures"
    folder.mkdir(exist_ok=True)
    return folder


def _pattern(rng: np.random.Generator, size: int, scales: tuple[int, ...]) -> np.ndarray:
    """A [0, 1] pattern: blobs at three scales (cells across the texture) plus grain."""
    pattern = np.zeros((size, size), np.float32)
    for cells, weight in zip(scales, (0.35, 0.35, 0.3)):
        coarse = rng.random((cells, cells)).astype(np.float32)
        pattern += weight * cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC)
    pattern += 0.15 * rng.random((size, size)).astype(np.float32)
    pattern -= pattern.min()
    return pattern / max(float(pattern.max()), 1e-6)


def texture_file(
    rgb: tuple[float, float, float],
    seed: int,
    size: int = 256,
    contrast: float = 0.5,
    scales: tuple[int, ...] = (4, 16, 64),
) -> str:
    """Path of a PNG texture tinted `rgb`, brightness varying by `contrast` around it."""
    key = hashlib.sha256(repr((rgb, seed, size, contrast, scales)).encode()).hexdigest()[:16]
    path = _texture_folder() / f"{key}.png"
    if not path.exists():
        rng = np.random.default_rng(seed)
        shade = 1.0 - contrast + contrast * 2 * _pattern(rng, size, scales)  # mean about 1
        image = np.clip(shade[..., None] * np.asarray(rgb, np.float32)[None, None, :], 0, 1)
        partial = path.with_name(f"{path.stem}.{os.getpid()}.partial.png")  # workers may draw the same texture at once
        cv2.imwrite(str(partial), cv2.cvtColor((image * 255).astype(np.uint8), cv2.COLOR_RGB2BGR))
        os.replace(partial, path)
    return str(path)
