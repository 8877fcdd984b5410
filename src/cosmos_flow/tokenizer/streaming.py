"""Tokenizing videos of any size and length, chunk by chunk, in flat memory.

Like Cosmos, a long video is tiled in time: every chunk of `chunk_frames` frames is encoded on
its own, as a causal clip that starts afresh (so a chunk's latent equals `encode` of that chunk
alone). Only one chunk of frames is held at a time.

- Time: `chunk_frames` must be 1 + k·tc (tc: the temporal compression); the default is
  1 + 2·tc. The last, shorter chunk is padded by repeating its last frame up to the next valid
  length 1 + k·tc (not to the full chunk), and the frames decoded from the padding are dropped.
- Space: frames are padded by replicating their last row and column up to multiples of the
  spatial compression, and the decoded frames are cropped back.
- A chunk is a CV latent, float [1, C, t, h, w], or DV token indices, int64 [1, t, h, w], on
  the CPU, with the number of real (unpadded) frames it holds.

Latents files (`save_latents`) are safetensors with tensors chunk_00000, chunk_00001, ... (DV
indices as int32) and string metadata: the `StreamLayout`, the tokenizer config and the real
frame count of every chunk, as JSON.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from cosmos_flow.video.tensors import frames_to_tensor, tensor_to_frames

if TYPE_CHECKING:
    from cosmos_flow.tokenizer.model import CausalVideoTokenizer

Chunk = tuple[torch.Tensor, int]
LATENTS_FORMAT = "cosmos_flow.tokenizer.latents/1"


@dataclass
class StreamLayout:
    """How a video was cut up for the tokenizer, and what to rebuild: size, length and rate."""

    width: int
    height: int
    num_frames: int
    padded_width: int
    padded_height: int
    chunk_frames: int
    fps: float


def default_chunk_frames(model: CausalVideoTokenizer) -> int:
    return 1 + 2 * model.config.temporal_compression


def check_chunk_frames(model: CausalVideoTokenizer, chunk_frames: int | None) -> int:
    """`chunk_frames`, or the default when None; ValueError unless it is 1 + k·tc."""
    if chunk_frames is None:
        return default_chunk_frames(model)
    step = model.config.temporal_compression
    if chunk_frames < 1 or (chunk_frames - 1) % step:
        below = 1 + max(0, (chunk_frames - 1) // step) * step
        raise ValueError(
            f"chunk_frames must be 1 + k*{step} for this tokenizer (got {chunk_frames}): use {below} or {below + step}"
        )
    return chunk_frames


def stream_layout(
    model: CausalVideoTokenizer, width: int, height: int, num_frames: int, fps: float, chunk_frames: int | None = None
) -> StreamLayout:
    """The layout `encode_stream` uses for a `num_frames`-frame video of width x height."""
    step = model.config.spatial_compression
    return StreamLayout(
        width=width,
        height=height,
        num_frames=num_frames,
        padded_width=_round_up(width, step),
        padded_height=_round_up(height, step),
        chunk_frames=check_chunk_frames(model, chunk_frames),
        fps=fps,
    )


def encode_stream(
    model: CausalVideoTokenizer, frames: Iterable[np.ndarray], chunk_frames: int | None = None
) -> Iterator[Chunk]:
    """(latent chunk or indices chunk, real frames in it) for (H, W, 3) uint8 frames, one chunk at a time."""
    chunk_frames = check_chunk_frames(model, chunk_frames)  # checked now, not at the first frame
    return (_encode_chunk(model, group) for group in _frame_groups(frames, chunk_frames))


def decode_stream(
    model: CausalVideoTokenizer, chunks: Iterable[Chunk], width: int, height: int
) -> Iterator[np.ndarray]:
    """(H, W, 3) uint8 frames of the chunks `encode_stream` made, cropped to width x height."""
    for code, real_frames in chunks:
        yield from _decode_chunk(model, code, real_frames, width, height)


def reconstruct_stream(
    model: CausalVideoTokenizer, frames: Iterable[np.ndarray], chunk_frames: int | None = None
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """(original frame, reconstructed frame) pairs, through encode_stream's chunks and decode_stream."""
    chunk_frames = check_chunk_frames(model, chunk_frames)
    return _reconstruct_pairs(model, frames, chunk_frames)


def save_latents(path: str | Path, chunks: Iterable[Chunk], layout: StreamLayout, model_config: dict) -> Path:
    """Write the chunks (held in memory: they are far smaller than the video) to a safetensors file."""
    path = Path(path)
    tensors, real_frames = {}, []
    for number, (code, count) in enumerate(chunks):
        # Indices fit int32 (codebooks are far below 2^31) and take half the space of int64.
        stored = code.to(torch.int32) if _is_indices(code) else code
        tensors[f"chunk_{number:05d}"] = stored.detach().cpu().contiguous()
        real_frames.append(int(count))
    if sum(real_frames) != layout.num_frames:
        raise ValueError(
            f"the chunks hold {sum(real_frames)} frames but the layout says {layout.num_frames}: build the layout from "
            "the chunks that were encoded"
        )
    metadata = {
        "format": LATENTS_FORMAT,
        "layout": json.dumps(asdict(layout)),
        "tokenizer_config": json.dumps(model_config, sort_keys=True),
        "real_frames": json.dumps(real_frames),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    save_file(tensors, str(path), metadata=metadata)
    return path


def load_latents(path: str | Path) -> tuple[list[Chunk], StreamLayout, dict]:
    """(chunks, layout, tokenizer config) of a file `save_latents` wrote; DV indices come back as int64."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: encode a video to it first")
    try:
        with safe_open(str(path), framework="pt") as handle:
            metadata = handle.metadata() or {}
            if metadata.get("format") != LATENTS_FORMAT:
                raise ValueError(
                    f"{path.name} is not a tokenizer latents file (no {LATENTS_FORMAT} metadata): encode the video "
                    "with `tokenizer encode`"
                )
            names = sorted(
                handle.keys(), key=lambda name: int(name.rsplit("_", 1)[1])
            )  # numeric: no limit on chunk count
            stored = [handle.get_tensor(name) for name in names]
    except SafetensorError as error:
        raise ValueError(f"{path.name} is not a readable safetensors file ({error}): encode the video again") from None
    real_frames = json.loads(metadata["real_frames"])
    if len(real_frames) != len(stored):
        raise ValueError(
            f"{path.name} holds {len(stored)} chunks but records {len(real_frames)} chunk lengths: the file is "
            "damaged, encode the video again"
        )
    chunks = [
        (code.long() if _is_indices(code) else code, count) for code, count in zip(stored, real_frames, strict=True)
    ]
    return chunks, StreamLayout(**json.loads(metadata["layout"])), json.loads(metadata["tokenizer_config"])


def _reconstruct_pairs(
    model: CausalVideoTokenizer, frames: Iterable[np.ndarray], chunk_frames: int
) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for group in _frame_groups(frames, chunk_frames):
        code, real_frames = _encode_chunk(model, group)
        height, width = group.shape[1:3]
        yield from zip(group, _decode_chunk(model, code, real_frames, width, height), strict=True)


def _frame_groups(frames: Iterable[np.ndarray], chunk_frames: int) -> Iterator[np.ndarray]:
    """Consecutive (n, H, W, 3) uint8 groups of chunk_frames frames (the last may be shorter)."""
    group: list[np.ndarray] = []
    first_shape = None
    for number, frame in enumerate(frames):
        frame = np.asarray(frame)
        if first_shape is None:
            first_shape = frame.shape
        if frame.dtype != np.uint8 or frame.ndim != 3 or frame.shape[2] != 3 or frame.shape != first_shape:
            raise ValueError(
                f"frame {number} is {frame.shape} {frame.dtype}: frames must all be (H, W, 3) uint8 of the size of "
                f"frame 0 {first_shape}"
            )
        group.append(frame)
        if len(group) == chunk_frames:
            yield np.stack(group)
            group = []
    if group:
        yield np.stack(group)


def _encode_chunk(model: CausalVideoTokenizer, group: np.ndarray) -> Chunk:
    real_frames = len(group)
    # Repeat the last frame only up to the next valid length: a shorter clip costs less to encode.
    valid_frames = 1 + _round_up(real_frames - 1, model.config.temporal_compression)
    if valid_frames > real_frames:
        group = np.concatenate([group, np.repeat(group[-1:], valid_frames - real_frames, axis=0)])
    video = frames_to_tensor(group)[None].to(_device(model))
    spatial = model.config.spatial_compression
    height, width = video.shape[-2:]
    video = F.pad(
        video, (0, _round_up(width, spatial) - width, 0, _round_up(height, spatial) - height, 0, 0), mode="replicate"
    )
    with torch.no_grad():
        code = model.encode_indices(video) if model.config.kind == "dv" else model.encode(video)
    return code.cpu(), real_frames


def _decode_chunk(
    model: CausalVideoTokenizer, code: torch.Tensor, real_frames: int, width: int, height: int
) -> Iterator[np.ndarray]:
    code = code.to(_device(model))
    with torch.no_grad():
        video = model.decode_indices(code) if model.config.kind == "dv" else model.decode(code)
    if video.shape[2] < real_frames or video.shape[3] < height or video.shape[4] < width:
        raise ValueError(
            f"a chunk decodes to {tuple(video.shape[2:])} frames x height x width, less than the {real_frames} x "
            f"{height} x {width} asked for: the latents do not belong to this video size"
        )
    yield from tensor_to_frames(video[0, :, :real_frames, :height, :width])


def _is_indices(code: torch.Tensor) -> bool:
    return not code.is_floating_point()


def _device(model: CausalVideoTokenizer) -> torch.device:
    return next(model.parameters()).device


def _round_up(value: int, step: int) -> int:
    return -(-value // step) * step
