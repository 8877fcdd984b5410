"""Kedro datasets of the project: video folders, saved models, loaded world models, manifests and metrics."""

from cosmos_flow.datasets.manifest import ManifestDataset
from cosmos_flow.datasets.metrics import MetricsDataset
from cosmos_flow.datasets.model import ModelDataset
from cosmos_flow.datasets.sample_videos import SampleVideosDataset
from cosmos_flow.datasets.video_folder import LazyVideo, VideoFolderDataset
from cosmos_flow.datasets.world_model import ARWorldModelDataset, DiffusionWorldModelDataset, WorldModelDataset
from cosmos_flow.model_store import ModelArtifact

__all__ = [
    "ARWorldModelDataset",
    "DiffusionWorldModelDataset",
    "LazyVideo",
    "ManifestDataset",
    "MetricsDataset",
    "ModelArtifact",
    "ModelDataset",
    "SampleVideosDataset",
    "VideoFolderDataset",
    "WorldModelDataset",
]
