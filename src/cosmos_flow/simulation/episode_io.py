"""Episode folders on disk (docs/ARCHITECTURE.md, "Simulation episodes"), written byte-for-byte reproducibly.

data/01_raw/sim/<scenario>/<episode_id>/: video.mp4, frames.npz (rgb, depth, seg), camera.json,
states.parquet, actions.npy, caption.txt. Extra views (e.g. 128x128 for `orbit`) go to a
sub-folder `hires/`, and a second take to `take2/`, with the same files.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from cosmos_flow.video import write_video

FRAMES_FILE, CAMERA_FILE, STATES_FILE, ACTIONS_FILE, CAPTION_FILE, VIDEO_FILE = (
    "frames.npz", "camera.json", "states.parquet", "actions.npy", "caption.txt", "video.mp4",
)  # fmt: skip
HIRES_FOLDER, SECOND_TAKE_FOLDER = "hires", "take2"
_FIXED_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


def save_npz_reproducibly(path: Path, **arrays: np.ndarray) -> None:
    """Like np.savez_compressed, but with fixed member timestamps so equal arrays give equal bytes."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=_FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, buffer.getvalue())


def save_bytes_reproducibly(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as handle:
        np.lib.format.write_array(handle, np.ascontiguousarray(array), allow_pickle=False)


@dataclass
class EpisodeFiles:
    """What one episode folder holds, loaded (the whole episode of one view)."""

    rgb: np.ndarray
    depth: np.ndarray
    seg: np.ndarray
    intrinsics: np.ndarray
    world_to_camera: np.ndarray
    fps: float
    states: pd.DataFrame
    actions: np.ndarray
    caption: str


def write_episode_folder(
    folder: Path,
    view,
    world_to_camera: np.ndarray,
    fps: float,
    states: pd.DataFrame,
    actions: np.ndarray,
    caption: str,
    with_video: bool = True,
) -> None:
    """Write one view of an episode (a `RenderedView`) and its ground truth into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    save_npz_reproducibly(folder / FRAMES_FILE, rgb=view.rgb, depth=view.depth, seg=view.seg)
    camera = {
        "K": np.round(view.intrinsics, 9).tolist(),
        "world_to_camera": np.round(world_to_camera, 9).tolist(),
        "fps": fps,
        "width": view.width,
        "height": view.height,
        "convention": "OpenCV: x right, y down, z forward; world z up, metres",
    }
    (folder / CAMERA_FILE).write_text(json.dumps(camera, indent=1) + "\n")
    states.to_parquet(folder / STATES_FILE, index=False)
    save_bytes_reproducibly(folder / ACTIONS_FILE, actions.astype(np.float32))
    (folder / CAPTION_FILE).write_text(caption + "\n")
    if with_video:
        write_video(folder / VIDEO_FILE, view.rgb, fps)


def read_episode_folder(folder: str | Path) -> EpisodeFiles:
    """Load an episode folder (or its hires/ or take2/ sub-folder)."""
    folder = Path(folder)
    with np.load(folder / FRAMES_FILE, allow_pickle=False) as frames:
        rgb, depth, seg = frames["rgb"], frames["depth"], frames["seg"]
    camera = json.loads((folder / CAMERA_FILE).read_text())
    caption_file = folder / CAPTION_FILE
    return EpisodeFiles(
        rgb=rgb,
        depth=depth,
        seg=seg,
        intrinsics=np.asarray(camera["K"]),
        world_to_camera=np.asarray(camera["world_to_camera"]),
        fps=float(camera["fps"]),
        states=pd.read_parquet(folder / STATES_FILE),
        actions=np.load(folder / ACTIONS_FILE, allow_pickle=False),
        caption=caption_file.read_text().strip() if caption_file.exists() else "",
    )
